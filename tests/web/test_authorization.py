"""Who may see and change what, checked by walking the API's routing table.

Every organizer route is called with another organization's ids and slugs (404, nothing changed), with a viewer's
token (reads answer, writes 403) and without a token (401). A route added to `api_routes` without a case in
`CASES` fails these tests: no route is left unchecked by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from mobilize.models import (
    ActionGroup,
    ApiToken,
    Campaign,
    ConsentRecord,
    Event,
    InboxThread,
    Membership,
    Message,
    MessageKind,
    Role,
    Shift,
    Signup,
    Standby,
    Strike,
    StrikeDispute,
    Volunteer,
    VolunteerTag,
)
from mobilize.models.strikes import Duty
from mobilize.services.people import Contact, find_or_create_volunteer
from mobilize.web.routes import api_routes
from tests.factories import (
    auth,
    make_campaign,
    make_event,
    make_group,
    make_organizer,
    make_shift,
    start_shift,
    volunteer_body,
)

API = "/api/v1"
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


@dataclass
class Org:
    """One organization's objects, and its owner's token."""

    slug: str
    membership: Membership
    headers: dict[str, str]
    group: ActionGroup
    campaign: Campaign
    event: Event
    shift: Shift
    signup: dict[str, Any]  # as the API answered it
    volunteer: dict[str, Any] = field(init=False)
    thread_id: int = 0  # the volunteer's inbox thread
    private: list[str] = field(default_factory=list)  # what only this organization's record of the person holds
    strike_id: int = 0  # a strike whose line is `event`, with a duty entry and a dispute
    duty_id: int = 0
    dispute_id: int = 0

    def __post_init__(self) -> None:
        self.volunteer = self.signup["volunteer"]

    def markers(self) -> list[str]:
        """Strings that only this organization's objects contain: another organization's answers must not."""
        v = self.volunteer
        ours = [self.group.slug, self.campaign.slug, self.event.title, v["phone"], v["email"], v["name"]]
        return ours + self.private


async def make_org(client: httpx.AsyncClient, slug: str, n: int) -> Org:
    membership, token = await make_organizer(slug)
    group = await make_group(membership, slug=f"{slug}-group")
    campaign = await make_campaign(membership, slug=f"{slug}-campaign")
    event = await make_event(group, campaign=campaign, title=f"{slug} picket")
    shift = await make_shift(event, capacity=5)
    body = volunteer_body(n, name=f"{slug} volunteer")
    r = await client.post(f"{API}/shifts/{shift.id}/signups", json=body, headers=auth(token))
    assert r.status_code == 201, r.text
    org = Org(slug, membership, auth(token), group, campaign, event, shift, r.json())
    thread = await InboxThread.create(
        organization_id=event.organization_id, volunteer_id=org.volunteer["id"], last_message_at=datetime.now(UTC)
    )
    org.thread_id = thread.id
    strike = await Strike.create(organization_id=event.organization_id, name=f"{slug} strike", starts_on="2027-05-01")
    await Event.filter(id=event.id).update(strike_id=strike.id)
    entry = await Duty.create(
        strike=strike, shift=shift, volunteer_id=org.volunteer["id"], signed_in_at=shift.starts_at, source="captain"
    )
    dispute = await StrikeDispute.create(
        strike=strike, volunteer_id=org.volunteer["id"], day="2027-05-01", raised_by="member"
    )
    org.strike_id, org.duty_id, org.dispute_id = strike.id, entry.id, dispute.id
    return org


@dataclass(frozen=True)
class Case:
    """How to call one route at an organization's objects: path parameters, query, a valid body."""

    params: Callable[[Org], dict[str, Any]] = lambda o: {}
    body: Callable[[Org], dict[str, Any]] | None = None
    query: Callable[[Org], dict[str, str]] | None = None
    foreign: int = 404  # the answer when the objects belong to another organization


def _shift_body(o: Org) -> dict[str, Any]:
    return {"starts_at": "2027-05-01T10:00:00-05:00", "ends_at": "2027-05-01T12:00:00-05:00", "capacity": 5}


def _event_body(o: Org) -> dict[str, Any]:
    return {"title": "New action", "group": o.group.slug, "timezone": "America/Chicago"}


# One case per organizer route of api_routes (the public ones and the document have no owner to check).
CASES: dict[str, Case] = {
    "groups": Case(foreign=200),
    "groups-create": Case(body=lambda o: {"slug": "fresh-group", "name": "Fresh"}, foreign=201),
    "group": Case(lambda o: {"slug": o.group.slug}),
    "group-update": Case(lambda o: {"slug": o.group.slug}, body=lambda o: {"name": "Renamed"}),
    "campaigns": Case(foreign=200),
    "campaigns-create": Case(body=lambda o: {"slug": "fresh-campaign", "name": "Fresh"}, foreign=201),
    "campaign": Case(lambda o: {"slug": o.campaign.slug}),
    "campaign-update": Case(lambda o: {"slug": o.campaign.slug}, body=lambda o: {"name": "Renamed"}),
    "events": Case(query=lambda o: {"group": o.group.slug}, foreign=200),
    "events-create": Case(body=_event_body, foreign=422),  # another organization's group is no group here
    "event": Case(lambda o: {"event_id": o.event.id}),
    "event-update": Case(lambda o: {"event_id": o.event.id}, body=lambda o: {"title": "Renamed"}),
    "event-cancel": Case(lambda o: {"event_id": o.event.id}),
    "event-rotate-link": Case(lambda o: {"event_id": o.event.id}),
    "shifts-create": Case(lambda o: {"event_id": o.event.id}, body=_shift_body),
    "shift": Case(lambda o: {"shift_id": o.shift.id}),
    "shift-update": Case(lambda o: {"shift_id": o.shift.id}, body=lambda o: {"capacity": 50}),
    "shift-delete": Case(lambda o: {"shift_id": o.shift.id}),
    "signups": Case(lambda o: {"shift_id": o.shift.id}),
    "signups-create": Case(lambda o: {"shift_id": o.shift.id}, body=lambda o: volunteer_body(77)),
    "signup": Case(lambda o: {"signup_id": o.signup["id"]}),
    "signup-update": Case(lambda o: {"signup_id": o.signup["id"]}, body=lambda o: {"status": "attended"}),
    "shift-messages-create": Case(lambda o: {"shift_id": o.shift.id}, body=lambda o: {"body": "See you there"}),
    "event-messages-create": Case(lambda o: {"event_id": o.event.id}, body=lambda o: {"body": "See you there"}),
    "group-messages-create": Case(lambda o: {"slug": o.group.slug}, body=lambda o: {"body": "See you there"}),
    "event-message-stats": Case(lambda o: {"event_id": o.event.id}),
    "inbox": Case(foreign=200),
    "inbox-thread": Case(lambda o: {"thread_id": o.thread_id}),
    "inbox-thread-update": Case(lambda o: {"thread_id": o.thread_id}, body=lambda o: {"status": "handled"}),
    "inbox-replies-create": Case(lambda o: {"thread_id": o.thread_id}, body=lambda o: {"body": "Thanks!"}),
    "group-standby": Case(lambda o: {"slug": o.group.slug}),
    "group-standby-add": Case(lambda o: {"slug": o.group.slug}, body=lambda o: {"volunteer": o.volunteer["id"]}),
    "group-standby-remove": Case(lambda o: {"slug": o.group.slug, "volunteer_id": o.volunteer["id"]}),
    "shift-gap-requests": Case(lambda o: {"shift_id": o.shift.id}),
    "volunteers": Case(foreign=200),
    "volunteer": Case(lambda o: {"volunteer_id": o.volunteer["id"]}),
    "volunteers-create": Case(body=lambda o: {"name": "By hand", "email": "byhand@example.org"}, foreign=201),
    "volunteer-update": Case(lambda o: {"volunteer_id": o.volunteer["id"]}, body=lambda o: {"notes": "rides a bike"}),
    "volunteer-rotate-link": Case(lambda o: {"volunteer_id": o.volunteer["id"]}),
    "turnout": Case(query=lambda o: {"group": o.group.slug}),
    "strikes": Case(foreign=200),
    "strikes-create": Case(body=lambda o: {"name": "Fresh strike", "starts_on": "2027-05-01"}, foreign=201),
    "strike": Case(lambda o: {"strike_id": o.strike_id}),
    "strike-update": Case(lambda o: {"strike_id": o.strike_id}, body=lambda o: {"name": "Renamed"}),
    "strike-duty-create": Case(
        lambda o: {"strike_id": o.strike_id},
        body=lambda o: {
            "shift": o.shift.id,
            "volunteer": o.volunteer["id"],
            "signed_in_at": "2027-05-01T10:00:00-05:00",
            "signed_out_at": "2027-05-01T11:00:00-05:00",
        },
    ),
    "strike-duty-update": Case(
        lambda o: {"strike_id": o.strike_id, "duty_id": o.duty_id},
        body=lambda o: {"signed_out_at": "2030-05-01T11:00:00-05:00", "reason": "left late"},
    ),
    "strike-scans-create": Case(
        lambda o: {"strike_id": o.strike_id},
        body=lambda o: {
            "scan_id": "scan-0000-0001",
            "event": o.event.id,
            "member_id": "X1",
            "action": "out",
            "at": datetime.now(UTC).isoformat(),
        },  # fmt: skip
    ),
    "strike-disputes": Case(lambda o: {"strike_id": o.strike_id}),
    "strike-disputes-create": Case(
        lambda o: {"strike_id": o.strike_id},
        body=lambda o: {"volunteer": o.volunteer["id"], "day": "2027-05-01", "raised_by": "member"},
    ),
    "strike-dispute-update": Case(
        lambda o: {"strike_id": o.strike_id, "dispute_id": o.dispute_id}, body=lambda o: {"resolution": "settled"}
    ),
    "strike-captains-create": Case(lambda o: {"strike_id": o.strike_id}, body=lambda o: {"email": "cap@example.org"}),
    "strike-ledger": Case(lambda o: {"strike_id": o.strike_id}, query=lambda o: {"week": "2027-05-01"}),
    "strike-ledger-csv": Case(lambda o: {"strike_id": o.strike_id}, query=lambda o: {"week": "2027-05-01"}),
    "strike-week-close": Case(lambda o: {"strike_id": o.strike_id}, query=lambda o: {"week": "2027-05-01"}),
    # coalitions: no partnership exists here, so any id is another organization's (or nobody's)
    "partners": Case(lambda o: {"slug": o.campaign.slug}),
    "partners-create": Case(lambda o: {"slug": o.campaign.slug}, body=lambda o: {"organization": "nobody"}),
    "partner-remove": Case(lambda o: {"slug": o.campaign.slug, "partner_id": 1}),
    "campaign-turnout": Case(lambda o: {"slug": o.campaign.slug}),
    "partnerships": Case(foreign=200),
    "partnership-accept": Case(lambda o: {"partnership_id": 1}),
    "partnership-decline": Case(lambda o: {"partnership_id": 1}),
    "partnership-leave": Case(lambda o: {"partnership_id": 1}),
    # Volunteers host events (tests/hosting has the hosted events themselves; these events are not hosted).
    "campaign-hosting": Case(lambda o: {"slug": o.campaign.slug}),
    "campaign-hosting-update": Case(
        lambda o: {"slug": o.campaign.slug}, body=lambda o: {"mode": "review", "group": o.group.slug}
    ),
    "event-approve": Case(lambda o: {"event_id": o.event.id}, body=lambda o: {"trust_host": True}),
    "event-reject": Case(lambda o: {"event_id": o.event.id}, body=lambda o: {"reason": "no"}),
    "event-request-changes": Case(lambda o: {"event_id": o.event.id}, body=lambda o: {"reason": "no"}),
    "event-unpublish": Case(lambda o: {"event_id": o.event.id}, body=lambda o: {"reason": "no"}),
}
# Reads that need the export permission (audited exports of people's data): a viewer gets 403 there.
EXPORTS = {"strike-ledger-csv"}


def organizer_routes() -> list[Route]:
    routes = [r for r in api_routes if isinstance(r, Route)]
    return [r for r in routes if r.name != "openapi" and not r.path.startswith("/public/")]


def case_for(route: Route) -> Case:
    if route.name not in CASES:
        pytest.fail(f"API route {route.name!r} ({route.path}) has no case in test_authorization.CASES: add one")
    return CASES[route.name]


async def call(
    client: httpx.AsyncClient, route: Route, method: str, org: Org, headers: dict[str, str] | None
) -> httpx.Response:
    case = case_for(route)
    path = API + route.url_path_for(route.name, **{k: str(v) for k, v in case.params(org).items()})
    body = case.body(org) if case.body is not None and method in {"POST", "PATCH", "PUT"} else None
    query = case.query(org) if case.query is not None else None
    return await client.request(method, path, json=body, params=query, headers=headers)


def assert_error(r: httpx.Response, status: int, what: str) -> dict[str, Any]:
    assert r.status_code == status, f"{what}: {r.status_code} {r.text}"
    if r.request.method == "HEAD":
        return {}
    error: dict[str, Any] = r.json()["error"]
    assert set(error) == {"code", "message", "fields"}, what
    return error


def test_every_organizer_route_has_a_case() -> None:
    names = {r.name for r in organizer_routes()}
    assert names - set(CASES) == set(), "routes without a case"
    assert set(CASES) - names == set(), "cases for routes that no longer exist"
    for route in organizer_routes():
        if route.param_convertors:
            assert CASES[route.name].foreign == 404, f"{route.name}: another organization's object must be 404"


async def snapshot(org: Org) -> dict[str, Any]:
    """What a leaking write would change."""
    group = await ActionGroup.get(id=org.group.id)
    campaign = await Campaign.get(id=org.campaign.id)
    event = await Event.get(id=org.event.id)
    shifts = await Shift.filter(event_id=org.event.id).order_by("id").values("id", "capacity", "status", "filled")
    signups = await Signup.filter(shift__event_id=org.event.id).order_by("id").values("id", "status")
    threads = await InboxThread.filter(id=org.thread_id).values("status", "handled_at")
    replies = await Message.filter(kind=MessageKind.INBOX_REPLY).count()
    org_id = org.event.organization_id  # type: ignore[attr-defined]
    people = await Volunteer.filter(organization_id=org_id).order_by("id").values()
    tags = await VolunteerTag.filter(volunteer__organization_id=org_id).order_by("id").values("volunteer_id", "name")
    consents = await ConsentRecord.filter(volunteer__organization_id=org_id).order_by("id").values()
    standby = await Standby.filter(group__organization_id=org_id).order_by("id").values()
    messages = await Message.filter(organization_id=org_id).order_by("id").values("id", "volunteer_id", "state", "body")
    strikes = await Strike.filter(organization_id=org_id).order_by("id").values("id", "name", "rules")
    duty = await Duty.filter(strike__organization_id=org_id).order_by("id").values()
    disputes = await StrikeDispute.filter(strike__organization_id=org_id).order_by("id").values()
    return {
        "strikes": strikes,
        "duty": duty,
        "disputes": disputes,
        "people": people,
        "tags": tags,
        "consents": consents,
        "standby": standby,
        "messages": messages,
        "threads": threads,
        "replies": replies,
        "group": group.name,
        "campaign": campaign.name,
        "event": (event.title, str(event.status), event.sequence),
        "shifts": shifts,
        "signups": signups,
    }


async def test_another_organizations_objects_are_not_found(client: httpx.AsyncClient) -> None:
    a = await make_org(client, "org-a", 1)
    b = await make_org(client, "org-b", 2)
    # A knows B's volunteer's phone and email too (a record of its own, with only "R." for a name); B's record
    # holds what B alone was given: a note, a tag, a member id, and a standby place.
    same = {"name": "R.", "phone": b.volunteer["phone"], "email": b.volunteer["email"]}
    r = await client.post(f"{API}/shifts/{a.shift.id}/signups", json={"volunteer": same}, headers=a.headers)
    assert r.status_code == 201 and r.json()["volunteer"]["id"] != b.volunteer["id"], r.text
    private = {"notes": "org-b private note", "tags": ["org-b-only"], "member_id": "ORGB-4242"}
    r = await client.patch(f"{API}/volunteers/{b.volunteer['id']}", json=private, headers=b.headers)
    assert r.status_code == 200, r.text
    standby = f"{API}/groups/{b.group.slug}/standby"
    r = await client.post(standby, json={"volunteer": b.volunteer["id"]}, headers=b.headers)
    assert r.status_code == 201, r.text
    b.private = ["org-b private note", "org-b-only", "ORGB-4242"]
    before = await snapshot(b)
    walked = 0
    for route in organizer_routes():
        case = case_for(route)
        for method in sorted(route.methods or ()):
            r = await call(client, route, method, b, a.headers)  # B's ids and slugs, A's owner token
            what = f"{method} {route.path} ({route.name})"
            walked += 1
            if case.foreign >= 400:
                error = assert_error(r, case.foreign, what)
                if case.foreign == 404 and method != "HEAD":
                    assert error["code"] == "not_found", what
                continue
            assert r.status_code == case.foreign, f"{what}: {r.status_code} {r.text}"
            # A's own record knows B's volunteer's phone and email: those may show; nothing B alone holds may.
            for marker in [m for m in b.markers() if m not in (b.volunteer["phone"], b.volunteer["email"])]:
                assert marker not in r.text, f"{what} shows {marker!r} of another organization"
    assert walked >= len(CASES)
    assert await snapshot(b) == before, "a refused request changed another organization's data"


async def test_no_token_bad_token_revoked_token(client: httpx.AsyncClient) -> None:
    a = await make_org(client, "org-a", 1)
    revoked_membership, revoked = await make_organizer("org-a")
    await ApiToken.filter(membership=revoked_membership).update(revoked_at=datetime.now(UTC))
    attempts = {
        "none": None,
        "empty": {"Authorization": "Bearer "},
        "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
        "unknown": auth("mob_" + "x" * 43),
        "not ours": auth("ghp_abcdef"),
        "revoked": auth(revoked),
    }
    for route in organizer_routes():
        for method in sorted(route.methods or ()):
            for label, headers in attempts.items():
                r = await call(client, route, method, a, headers)
                what = f"{method} {route.path} with {label} token"
                assert_error(r, 401, what)
                assert r.headers["www-authenticate"].startswith("Bearer"), what
    r = await client.get(f"{API}/groups", headers=auth(revoked))
    assert r.json()["error"]["code"] == "bad_token"
    r = await client.get(f"{API}/groups")
    assert r.json()["error"]["code"] == "no_token"
    assert (await client.get(f"{API}/groups", headers=a.headers)).status_code == 200


async def test_viewers_read_everything_and_write_nothing(client: httpx.AsyncClient) -> None:
    a = await make_org(client, "org-a", 1)
    _, token = await make_organizer("org-a", role=Role.VIEWER)
    viewer = auth(token)
    before = await snapshot(a)
    for route in organizer_routes():
        for method in sorted(route.methods or ()):
            r = await call(client, route, method, a, viewer)
            what = f"viewer {method} {route.path}"
            if route.name in EXPORTS:
                assert assert_error(r, 403, what).get("code", "export_not_allowed") == "export_not_allowed", what
            elif method in WRITE_METHODS:
                assert assert_error(r, 403, what)["code"] == "role_not_allowed", what
            else:
                assert r.status_code == 200, f"{what}: {r.status_code} {r.text}"
    assert await snapshot(a) == before
    assert await ActionGroup.filter(organization_id=a.membership.organization_id).count() == 1  # type: ignore[attr-defined]


async def test_hosts_see_and_run_only_their_groups(client: httpx.AsyncClient) -> None:
    a = await make_org(client, "org-a", 1)  # its group is not the host's
    hosted = await make_group(a.membership, slug="hosted")
    own_event = await make_event(hosted, campaign=a.campaign, title="hosted rally")
    own_shift = await make_shift(own_event)
    r = await client.post(f"{API}/shifts/{own_shift.id}/signups", json=volunteer_body(5), headers=a.headers)
    own_signup = r.json()
    _, token = await make_organizer("org-a", role=Role.HOST, groups=["hosted"])
    host = auth(token)

    groups = (await client.get(f"{API}/groups", headers=host)).json()["data"]
    assert [g["slug"] for g in groups] == ["hosted"]
    events = (await client.get(f"{API}/events", headers=host)).json()["data"]
    assert [e["id"] for e in events] == [own_event.id]
    volunteers = (await client.get(f"{API}/volunteers", headers=host)).json()["data"]
    assert [v["id"] for v in volunteers] == [own_signup["volunteer"]["id"]]

    vol = volunteer_body(9)
    others: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/groups/{a.group.slug}", None),
        ("GET", f"/events/{a.event.id}", None),
        ("PATCH", f"/events/{a.event.id}", {"title": "Taken over"}),
        ("POST", f"/events/{a.event.id}/cancel", None),
        ("POST", f"/events/{a.event.id}/shifts", _shift_body(a)),
        ("GET", f"/shifts/{a.shift.id}", None),
        ("PATCH", f"/shifts/{a.shift.id}", {"capacity": 1}),
        ("DELETE", f"/shifts/{a.shift.id}", None),
        ("GET", f"/shifts/{a.shift.id}/signups", None),
        ("POST", f"/shifts/{a.shift.id}/signups", vol),
        ("GET", f"/signups/{a.signup['id']}", None),
        ("PATCH", f"/signups/{a.signup['id']}", {"status": "confirmed"}),
        ("GET", f"/volunteers/{a.volunteer['id']}", None),
        ("POST", f"/shifts/{a.shift.id}/messages", {"body": "Hi"}),
        ("POST", f"/events/{a.event.id}/messages", {"body": "Hi"}),
        ("POST", f"/groups/{a.group.slug}/messages", {"body": "Hi"}),
        ("GET", f"/events/{a.event.id}/messages/stats", None),
        ("GET", f"/turnout?group={a.group.slug}", None),
    ]
    before = await snapshot(a)
    for method, path, body in others:
        r = await client.request(method, API + path, json=body, headers=host)
        assert_error(r, 404, f"host {method} {path}")
    assert await snapshot(a) == before

    # their own group's events, shifts and rosters are theirs to run
    assert (await client.get(f"{API}/shifts/{own_shift.id}/signups", headers=host)).status_code == 200
    r = await client.patch(f"{API}/events/{own_event.id}", json={"title": "Hosted rally"}, headers=host)
    assert r.status_code == 200, r.text
    await start_shift(own_shift)
    r = await client.patch(f"{API}/signups/{own_signup['id']}", json={"status": "attended"}, headers=host)
    assert r.status_code == 200, r.text
    r = await client.get(f"{API}/turnout", params={"campaign": a.campaign.slug}, headers=host)
    assert [e["event"] for e in r.json()["events"]] == [own_event.id]

    # organization-wide writes are not a host's
    r = await client.post(f"{API}/groups", json={"slug": "mine", "name": "Mine"}, headers=host)
    assert_error(r, 403, "host creates a group")
    r = await client.patch(f"{API}/groups/hosted", json={"name": "Renamed"}, headers=host)
    assert_error(r, 403, "host renames a group")
    r = await client.post(f"{API}/campaigns", json={"slug": "mine", "name": "Mine"}, headers=host)
    assert_error(r, 403, "host creates a campaign")
    body = {"title": "Elsewhere", "group": a.group.slug, "timezone": "America/Chicago"}
    r = await client.post(f"{API}/events", json=body, headers=host)
    assert "group" in assert_error(r, 422, "host creates an event in another group")["fields"]
    assert await Event.filter(title="Elsewhere").count() == 0
    assert (await Event.get(id=a.event.id)).title == "org-a picket"


async def test_the_same_phone_given_to_two_organizations_is_two_records(client: httpx.AsyncClient) -> None:
    a = await make_org(client, "org-a", 1)
    b = await make_org(client, "org-b", 2)
    # B knows the person well; A is given only the phone and "R.".
    theirs, _ = await find_or_create_volunteer(
        b.shift.event.organization_id,
        Contact(name="Rosa Known-to-B", phone="+13125559999", email="stranger@example.org", postal_code="60601"),
    )
    r = await client.post(
        f"{API}/shifts/{a.shift.id}/signups", json={"volunteer": {"name": "R.", "phone": "+13125559999"}},
        headers=a.headers,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    ours = r.json()["volunteer"]
    assert ours["id"] != theirs.id and ours["name"] == "R." and ours["email"] is None
    for r in (
        await client.get(f"{API}/shifts/{a.shift.id}/signups", headers=a.headers),
        await client.get(f"{API}/volunteers", headers=a.headers),
        await client.get(f"{API}/volunteers/{ours['id']}", headers=a.headers),
    ):
        assert r.status_code == 200, r.text
        assert "stranger@example.org" not in r.text and "Known-to-B" not in r.text and "60601" not in r.text
    listed = (await client.get(f"{API}/volunteers", headers=a.headers)).json()["data"]
    assert theirs.id not in [v["id"] for v in listed]
    assert_error(await client.get(f"{API}/volunteers/{theirs.id}", headers=a.headers), 404, "B's record")
    r = await client.patch(f"{API}/volunteers/{theirs.id}", json={"name": "x"}, headers=a.headers)
    assert_error(r, 404, "B's record, changed by A")
    r = await client.get(f"{API}/volunteers/{theirs.id}", headers=b.headers)
    assert r.status_code == 200 and r.json()["email"] == "stranger@example.org"
    assert r.json()["name"] == "Rosa Known-to-B"


async def test_slugs_belong_to_each_organization(client: httpx.AsyncClient) -> None:
    a = await make_org(client, "org-a", 1)
    b = await make_org(client, "org-b", 2)
    # B's group and campaign are no group or campaign of A's ...
    body = {"title": "x", "group": a.group.slug, "campaign": b.campaign.slug, "timezone": "UTC"}
    r = await client.post(f"{API}/events", json=body, headers=a.headers)
    assert "campaign" in assert_error(r, 422, "another organization's campaign")["fields"]
    r = await client.patch(f"{API}/events/{a.event.id}", json={"group": b.group.slug}, headers=a.headers)
    assert "group" in assert_error(r, 422, "another organization's group")["fields"]
    assert_error(await client.get(f"{API}/turnout?campaign={b.campaign.slug}", headers=a.headers), 404, "turnout")
    # ... and their slugs are free in A: a 409 would tell A that B uses them.
    r = await client.post(f"{API}/groups", json={"slug": b.group.slug, "name": "Same slug"}, headers=a.headers)
    assert r.status_code == 201, r.text
    r = await client.post(f"{API}/campaigns", json={"slug": b.campaign.slug, "name": "Same"}, headers=a.headers)
    assert r.status_code == 201, r.text
    r = await client.get(f"{API}/groups/{b.group.slug}", headers=b.headers)
    assert r.json()["name"] == "Test Group"
