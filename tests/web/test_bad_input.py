"""Bad input answers the documented error, names the field, and leaves nothing half-written behind.

Also the two things that are easy to get subtly wrong: a picket schedule from an RRULE across a DST change, and
cursor pagination.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC
from typing import Any

import httpx
import pytest

from mobilize.models import (
    ActionGroup,
    Campaign,
    Duty,
    Event,
    InboxThread,
    Shift,
    Signup,
    Strike,
    StrikeDispute,
    Volunteer,
)
from mobilize.settings import Settings
from mobilize.web.api.openapi import OPERATIONS
from tests.factories import make_event, make_shift, make_world, soon, volunteer_body

API = "/api/v1"
SHIFT = {"starts_at": "2027-05-01T10:00:00-05:00", "ends_at": "2027-05-01T12:00:00-05:00", "capacity": 5}
BACKWARDS = {"starts_at": "2027-05-01T10:00:00-05:00", "ends_at": "2027-05-01T09:00:00-05:00", "capacity": 5}


@pytest.fixture
async def world(client: httpx.AsyncClient) -> AsyncIterator[dict[str, Any]]:
    """make_world, with one sign-up, and the paths of its objects by route name."""
    w = await make_world()
    r = await client.post(f"{API}/shifts/{w['shift'].id}/signups", json=volunteer_body(1), headers=w["headers"])
    assert r.status_code == 201, r.text
    w["signup"] = r.json()
    thread = await InboxThread.create(
        organization_id=w["event"].organization_id, volunteer_id=w["signup"]["volunteer"]["id"], last_message_at=soon()
    )
    strike = await Strike.create(organization_id=w["event"].organization_id, name="Strike", starts_on="2027-05-01")
    entry = await Duty.create(
        strike=strike,
        shift=w["shift"],
        volunteer_id=w["signup"]["volunteer"]["id"],
        signed_in_at=soon(),
        source="captain",
    )
    dispute = await StrikeDispute.create(
        strike=strike, volunteer_id=w["signup"]["volunteer"]["id"], day="2027-05-01", raised_by="member"
    )
    w["paths"] = {
        "strikes-create": "/strikes",
        "strike-update": f"/strikes/{strike.id}",
        "strike-duty-create": f"/strikes/{strike.id}/duty",
        "strike-duty-update": f"/strikes/{strike.id}/duty/{entry.id}",
        "strike-scans-create": f"/strikes/{strike.id}/scans",
        "strike-disputes-create": f"/strikes/{strike.id}/disputes",
        "strike-dispute-update": f"/strikes/{strike.id}/disputes/{dispute.id}",
        "strike-captains-create": f"/strikes/{strike.id}/captains",
        "groups-create": "/groups",
        "group-update": f"/groups/{w['group'].slug}",
        "campaigns-create": "/campaigns",
        "campaign-update": f"/campaigns/{w['campaign'].slug}",
        "events-create": "/events",
        "event-update": f"/events/{w['event'].id}",
        "shifts-create": f"/events/{w['event'].id}/shifts",
        "shift-update": f"/shifts/{w['shift'].id}",
        "signups-create": f"/shifts/{w['shift'].id}/signups",
        "signup-update": f"/signups/{w['signup']['id']}",
        "public-signup": f"/public/shifts/{w['shift'].id}/signups",
        "public-shared-signup": (
            f"/public/events/{w['event'].id}-{w['event'].share_token}/shifts/{w['shift'].id}/signups"
        ),
        "public-event-signup": f"/public/events/{w['event'].id}/signups",
        "public-shared-event-signup": f"/public/events/{w['event'].id}-{w['event'].share_token}/signups",
        "shift-messages-create": f"/shifts/{w['shift'].id}/messages",
        "event-messages-create": f"/events/{w['event'].id}/messages",
        "group-messages-create": f"/groups/{w['group'].slug}/messages",
        "inbox-thread-update": f"/inbox/{thread.id}",
        "inbox-replies-create": f"/inbox/{thread.id}/replies",
        "group-standby-add": f"/groups/{w['group'].slug}/standby",
        "volunteers-create": "/volunteers",
        "volunteer-update": f"/volunteers/{w['signup']['volunteer']['id']}",
        "partners-create": f"/campaigns/{w['campaign'].slug}/partners",
        "campaign-hosting-update": f"/campaigns/{w['campaign'].slug}/hosting",
        "event-approve": f"/events/{w['event'].id}/approve",
        "event-reject": f"/events/{w['event'].id}/reject",
        "event-request-changes": f"/events/{w['event'].id}/request-changes",
        "event-unpublish": f"/events/{w['event'].id}/unpublish",
        "public-host-events": f"/public/campaigns/local-100/{w['campaign'].slug}/events",
    }
    yield w


def method_of(route_name: str) -> str:
    if route_name == "campaign-hosting-update":
        return "PUT"
    return "PATCH" if route_name.endswith("-update") else "POST"


async def counts() -> dict[str, int]:
    """Rows of every kind a failed request could leave behind."""
    return {
        "groups": await ActionGroup.all().count(),
        "campaigns": await Campaign.all().count(),
        "events": await Event.all().count(),
        "shifts": await Shift.all().count(),
        "signups": await Signup.all().count(),
        "volunteers": await Volunteer.all().count(),
    }


def problem(r: httpx.Response, status: int, *, field: str | None = None, code: str | None = None) -> str | None:
    """What is wrong with an error answer, or None: for tables of cases that report every failure at once."""
    if r.status_code != status:
        return f"answered {r.status_code}, not {status}: {r.text[:300]}"
    if not r.headers["content-type"].startswith("application/json"):
        return f"answered {r.headers['content-type']}, not JSON"
    error = r.json().get("error")
    if not isinstance(error, dict) or set(error) != {"code", "message", "fields"}:
        return f"not the error envelope: {r.text[:300]}"
    if code is not None and error["code"] != code:
        return f"code {error['code']!r}, not {code!r}"
    if field is not None:
        if field not in error["fields"]:
            return f"fields {error['fields']} do not name {field!r}"
        if not error["message"].startswith(next(iter(error["fields"]))):
            return f"message {error['message']!r} does not start with the field"
        if "String should match pattern" in r.text:
            return "says a regular expression, not what is expected"
    return None


def error_of(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json"), r.headers
    error: dict[str, Any] = r.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    return error


# ---- 400: not JSON, or not an object -----------------------------------------------------------------------


BODY_ROUTES = [
    "volunteers-create",
    "volunteer-update",
    "groups-create",
    "group-update",
    "campaigns-create",
    "campaign-update",
    "events-create",
    "event-update",
    "shifts-create",
    "shift-update",
    "signups-create",
    "signup-update",
    "public-signup",
    "public-shared-signup",
    "public-event-signup",
    "public-shared-event-signup",
    "shift-messages-create",
    "event-messages-create",
    "group-messages-create",
    "inbox-thread-update",
    "inbox-replies-create",
    "group-standby-add",
    "strikes-create",
    "strike-update",
    "strike-duty-create",
    "strike-duty-update",
    "strike-scans-create",
    "strike-disputes-create",
    "strike-dispute-update",
    "strike-captains-create",
    "partners-create",
    "campaign-hosting-update",
    "event-approve",
    "event-reject",
    "event-request-changes",
    "event-unpublish",
    "public-host-events",
]


def test_every_route_with_a_body_is_checked_here() -> None:
    with_body = {name for name, operation in OPERATIONS.items() if operation.body is not None}
    assert with_body == set(BODY_ROUTES)


NOT_AN_OBJECT = [b"{bad", b'{"slug": "x",}', b"", b"\xff\xfe{}", b"[1, 2]", b'"text"', b"null", b"42", b"true"]


async def test_a_body_that_is_not_a_json_object_is_400(client: httpx.AsyncClient, world: dict[str, Any]) -> None:
    before = await counts()
    failures = []
    for route_name in BODY_ROUTES:
        for raw in NOT_AN_OBJECT:
            r = await client.request(
                method_of(route_name),
                API + world["paths"][route_name],
                content=raw,
                headers={**world["headers"], "Content-Type": "application/json"},
            )
            if wrong := problem(r, 400, code="malformed"):
                failures.append(f"{route_name} {raw!r}: {wrong}")
    assert not failures, "\n".join(failures)
    assert await counts() == before


# ---- 422: the field is named --------------------------------------------------------------------------------


def event_body(**extra: Any) -> dict[str, Any]:
    return {"title": "Rally", "group": "GROUP", "timezone": "America/Chicago"} | extra


def recurrence(rrule: str, **extra: Any) -> dict[str, Any]:
    rule = {"rrule": rrule, "dtstart": "2027-05-01T06:00:00", "duration_minutes": 240} | extra
    return {"recurrence": rule, "capacity": 12}


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("inbox-replies-create", {"body": ""}, "body"),
    ("inbox-replies-create", {"body": "x" * 1601}, "body"),
    ("inbox-thread-update", {"status": "closed"}, "status"),
    ("shift-messages-create", {"body": ""}, "body"),
    ("event-messages-create", {"body": "Hi", "channels": ["fax"]}, "channels.0"),
    ("group-messages-create", {"body": "x" * 1601}, "body"),
    ("group-standby-add", {"volunteer": 0}, "volunteer"),
    ("partners-create", {"organization": "Not A Slug"}, "organization"),
    ("partners-create", {"organization": "nobody-here"}, "organization"),
    ("public-signup", volunteer_body(4) | {"share_with": ["nobody"]}, "share_with"),
    ("public-signup", volunteer_body(4) | {"recruited_by": "nobody"}, "recruited_by"),
    ("volunteers-create", {"name": "Ana"}, "phone"),
    ("volunteers-create", {"name": "Ana", "phone": "12"}, "phone"),
    ("volunteers-create", {"name": "Ana", "email": "not-an-email"}, "email"),
    ("volunteers-create", {"email": "a@example.org", "tags": ["!!"]}, "tags"),
    ("volunteers-create", {"email": "a@example.org", "member_id": ""}, "member_id"),
    ("volunteer-update", {"phone": "12"}, "phone"),
    ("volunteer-update", {"tags": ["x" * 65]}, "tags.0"),
    ("volunteer-update", {"notes": "x" * 10_001}, "notes"),
    ("group-standby-add", {"volunteer": "ana"}, "volunteer"),
    ("signups-create", {"volunteer": {"name": "Ana", "phone": "12"}}, "volunteer.phone"),
    ("signups-create", {"volunteer": {"name": "Ana", "phone": "+1 555 000 0000"}}, "volunteer.phone"),
    ("signups-create", {"volunteer": {"name": "Ana", "email": "not-an-email"}}, "volunteer.email"),
    ("signups-create", {"volunteer": {"name": "Ana"}}, "volunteer.phone"),
    ("signups-create", {"volunteer": {"email": "a@example.org", "sms_opt_in": True}}, "volunteer.sms_opt_in"),
    ("signups-create", volunteer_body(3) | {"source": "carrier-pigeon"}, "source"),
    ("public-signup", {"volunteer": {"name": "Ana", "phone": "12"}}, "volunteer.phone"),
    ("public-event-signup", volunteer_body(5), "shifts"),
    ("public-event-signup", volunteer_body(5) | {"shifts": []}, "shifts"),
    ("public-event-signup", volunteer_body(5) | {"shifts": [0]}, "shifts.0"),
    ("public-event-signup", volunteer_body(5) | {"shifts": ["first"]}, "shifts.0"),
    ("public-event-signup", volunteer_body(5) | {"shifts": list(range(1, 102))}, "shifts"),
    ("public-event-signup", volunteer_body(5) | {"shifts": [2**31]}, "shifts.0"),
    ("public-event-signup", {"shifts": [1], "volunteer": {"name": "Ana", "phone": "12"}}, "volunteer.phone"),
    ("public-shared-event-signup", volunteer_body(5) | {"shifts": [1], "share_with": ["nobody"]}, "share_with"),
    ("events-create", event_body(shifts=[SHIFT, BACKWARDS]), "shifts.1.ends_at"),
    ("events-create", event_body(shifts=[SHIFT | {"capacity": -1}]), "shifts.0.capacity"),
    ("events-create", event_body(timezone="Mars/Olympus_Mons"), "timezone"),
    ("events-create", event_body(timezone="localtime"), "timezone"),  # whatever the server's zone is
    ("events-create", event_body(timezone="Factory"), "timezone"),
    ("events-create", event_body(timezone="posixrules"), "timezone"),
    ("events-create", event_body(timezone="posix/America/Chicago"), "timezone"),
    ("events-create", event_body(timezone="../../etc/passwd"), "timezone"),
    ("events-create", event_body(title="Rally \ud800"), "title"),  # a lone surrogate: not UTF-8
    ("events-create", event_body(location={"city": "a\udfff"}), "location.city"),
    ("events-create", event_body(event_type="party"), "event_type"),
    ("events-create", event_body(visibility="secret"), "visibility"),
    ("events-create", event_body(virtual_url="ftp://example.org"), "virtual_url"),
    ("events-create", event_body(location={"lat": 91}), "location.lat"),
    ("events-create", event_body(group="No Such Group"), "group"),
    ("events-create", event_body(group="no-such-group"), "group"),
    ("events-create", event_body(campaign="no-such-campaign"), "campaign"),
    ("events-create", event_body(organizer="me"), "organizer"),
    ("event-update", {"timezone": "Nowhere/Special"}, "timezone"),
    ("event-update", {"timezone": "localtime"}, "timezone"),
    ("event-update", {"title": None}, "title"),
    ("event-update", {"group": None}, "group"),
    ("shifts-create", BACKWARDS, "ends_at"),
    ("shifts-create", SHIFT | {"capacity": -1}, "capacity"),
    ("shifts-create", SHIFT | {"starts_at": "2027-05-01T10:00:00"}, "starts_at"),
    ("shifts-create", SHIFT | {"starts_at": "9999-12-31T23:00:00-05:00"}, "starts_at"),
    ("shifts-create", {"capacity": 5}, "starts_at"),
    ("shifts-create", SHIFT | recurrence("FREQ=DAILY;COUNT=2"), "recurrence"),
    ("shifts-create", recurrence("FREQ=DAILY"), "recurrence.rrule"),
    ("shifts-create", recurrence("FREQ=DAILY;INTERVAL=1;BYHOUR=6"), "recurrence.rrule"),
    ("shifts-create", recurrence("FREQ=DAILY;COUNT=1001"), "recurrence.rrule"),
    ("shifts-create", recurrence("FREQ=DAILY;INTERVAL=0;COUNT=2"), "recurrence.rrule"),
    ("shifts-create", recurrence("FREQ=YEARLY;INTERVAL=-1;COUNT=2"), "recurrence.rrule"),
    ("shifts-create", recurrence("FREQ=DAILY;COUNT=2;UNTIL=20270601T000000Z"), "recurrence.rrule"),
    ("shifts-create", recurrence("FREQ=DAILY;UNTIL=20400101T000000Z"), "recurrence.rrule"),  # past ten years
    ("shifts-create", recurrence("FREQ=DAILY;UNTIL=20270101T000000Z"), "recurrence.rrule"),  # before dtstart
    ("shifts-create", recurrence("FREQ=DAILY;UNTIL=20270601T000000"), "recurrence.rrule"),  # a floating UNTIL
    ("shifts-create", recurrence("FREQ=MINUTELY;COUNT=2"), "recurrence.rrule"),
    ("shifts-create", recurrence("FREQ=HOURLY;BYMINUTE=5;COUNT=2"), "recurrence.rrule"),
    ("shifts-create", recurrence("FREQ=DAILY;BYSETPOS=2;BYHOUR=6,7;COUNT=2"), "recurrence.rrule"),
    ("shifts-create", recurrence("FREQ=YEARLY;BYEASTER=0;COUNT=2"), "recurrence.rrule"),
    ("shifts-create", recurrence("FREQ=YEARLY;COUNT=12"), "recurrence.rrule"),  # the twelfth is 2038
    ("shifts-create", recurrence("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2"), "recurrence.rrule"),
    ("shifts-create", recurrence("FREQ=HOURLY;UNTIL=20300101T000000Z"), "recurrence.rrule"),
    ("shifts-create", recurrence("FREQ=SOMETIMES;COUNT=2"), "recurrence.rrule"),
    ("shifts-create", recurrence("DTSTART:20270501T060000\nRRULE:FREQ=DAILY;COUNT=2"), "recurrence.rrule"),
    ("shifts-create", recurrence("FREQ=DAILY;COUNT=2", duration_minutes=0), "recurrence.duration_minutes"),
    ("shifts-create", recurrence("FREQ=DAILY;COUNT=2", dtstart="9999-12-31T20:00:00"), "recurrence.dtstart"),
    ("shift-update", {"ends_at": "2000-01-01T00:00:00Z"}, "ends_at"),
    ("shift-update", {"capacity": None}, "capacity"),
    ("groups-create", {"slug": "ok", "name": "Ok", "colour": "red"}, "colour"),
    ("groups-create", {"slug": "Bad Slug!", "name": "Bad"}, "slug"),
    ("groups-create", {"slug": "-dash-", "name": "Dash"}, "slug"),
    ("groups-create", {"slug": "ok", "name": ""}, "name"),
    ("groups-create", {"slug": "ok", "name": "a\u0000b"}, "name"),
    ("campaigns-create", {"slug": "ok", "name": "Ok", "starts_on": "2027-05-02", "ends_on": "2027-05-01"}, "ends_on"),
    ("campaigns-create", {"slug": "ok", "name": "Ok", "starts_on": "May Day"}, "starts_on"),
    ("campaign-update", {"name": None}, "name"),
    ("campaign-update", {"ends_on": "9999-12-31"}, "ends_on"),
    ("campaign-update", {"starts_on": "0001-01-01"}, "starts_on"),
    ("campaigns-create", {"slug": "ok", "name": "Ok", "starts_on": "0001-01-01"}, "starts_on"),
    ("campaigns-create", {"slug": "ok", "name": "Ok", "ends_on": "3000-01-01"}, "ends_on"),
    ("campaigns-create", {"slug": "ok", "name": "Ok", "ends_on": 0}, "ends_on"),  # not 1970-01-01
    ("shifts-create", SHIFT | {"starts_at": 1800000000}, "starts_at"),
    ("shifts-create", recurrence("FREQ=DAILY;COUNT=2", dtstart=1800000000), "recurrence.dtstart"),
    ("group-standby-add", {"volunteer": 2**31}, "volunteer"),
    ("group-standby-add", {"volunteer": 10**30}, "volunteer"),
    ("signup-update", {"status": "waitlisted"}, "status"),
]


async def test_an_invalid_field_is_422_naming_it(client: httpx.AsyncClient, world: dict[str, Any]) -> None:
    before = await counts()
    failures = []
    for route_name, body, field in INVALID:
        if body.get("group") == "GROUP":
            body = body | {"group": world["group"].slug}
        path = API + world["paths"][route_name]
        # json.dumps escapes non-ASCII, so a lone surrogate goes as JSON sends it (\ud800), not as bad UTF-8
        headers = world["headers"] | {"Content-Type": "application/json"}
        r = await client.request(method_of(route_name), path, content=json.dumps(body), headers=headers)
        if wrong := problem(r, 422, field=field):
            failures.append(f"{route_name} {body}: {wrong}")
    assert not failures, "\n".join(failures)
    assert await counts() == before


async def test_unknown_fields_and_bad_slugs_say_what_is_wrong(client: httpx.AsyncClient, world: dict[str, Any]) -> None:
    h = world["headers"]
    r = await client.post(f"{API}/groups", json={"slug": "Bad Slug", "name": "x", "colour": "red"}, headers=h)
    fields = error_of(r, 422)["fields"]
    assert fields["colour"] == "unknown field"
    assert "lower-case letters, digits and dashes" in fields["slug"]


QUERY_ERRORS = [
    ("/events?cursor=zzz", "cursor"),
    ("/events?cursor=aWQ6OTk5OTk5OTk5OTk5OTk5OTk5", "cursor"),  # id:99999999999999999999, past any id column
    ("/groups?cursor=bm90OmE", "cursor"),  # not:a
    ("/events?limit=0", "limit"),
    ("/events?limit=501", "limit"),
    ("/events?limit=ten", "limit"),
    ("/events?status=postponed", "status"),
    ("/shifts/{shift}/signups?status=maybe", "status"),
    ("/volunteers?q=a%00b", "q"),
    ("/turnout", "group"),
    ("/turnout?group={group}&from=yesterday", "from"),
    ("/turnout?group={group}&from=2027-05-01T00:00:00", "from"),
    ("/turnout?group={group}&to=0001-01-01T00:00:00%2B01:00", "to"),
    ("/public/events?radius_km=far", "radius_km"),
    ("/public/events?radius_km=0", "radius_km"),
    ("/public/events?near=00000", "near"),
]


async def test_a_bad_query_parameter_is_422_naming_it(client: httpx.AsyncClient, world: dict[str, Any]) -> None:
    failures = []
    for path, field in QUERY_ERRORS:
        url = API + path.format(shift=world["shift"].id, group=world["group"].slug)
        if wrong := problem(await client.get(url, headers=world["headers"]), 422, field=field):
            failures.append(f"{path}: {wrong}")
    assert not failures, "\n".join(failures)


NOT_IDS = [
    "/events/abc",
    "/events/1.5",
    "/events/-1",
    "/events/0x10",
    "/events/2147483648",  # past PostgreSQL's integer column
    "/events/99999999999999999999",  # past SQLite's
    "/shifts/99999999999999999999/signups",
    "/signups/1e3",
    "/volunteers/%00",
    "/groups/a%00b",
    "/public/shifts/99999999999999999999/signups",
]


async def test_a_path_that_names_nothing_is_a_404_in_the_envelope(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    failures = []
    for path in NOT_IDS:
        method = "POST" if path.startswith("/public/") else "GET"
        r = await client.request(method, API + path, json=volunteer_body(5), headers=world["headers"])
        if wrong := problem(r, 404, code="not_found"):
            failures.append(f"{method} {path}: {wrong}")
    assert not failures, "\n".join(failures)


# ---- 409 ------------------------------------------------------------------------------------------------------


async def test_conflicts_are_409(client: httpx.AsyncClient, world: dict[str, Any]) -> None:
    h = world["headers"]
    r = await client.post(f"{API}/groups", json={"slug": world["group"].slug, "name": "Again"}, headers=h)
    error = error_of(r, 409)
    assert error["code"] == "duplicate" and error["fields"] == {"slug": "taken"}
    r = await client.post(f"{API}/campaigns", json={"slug": world["campaign"].slug, "name": "Again"}, headers=h)
    assert error_of(r, 409)["fields"] == {"slug": "taken"}

    signups = f"{API}/shifts/{world['shift'].id}/signups"
    before = await counts()
    r = await client.post(signups, json=volunteer_body(1), headers=h)
    assert error_of(r, 409)["code"] == "already_signed_up"
    r = await client.post(f"{API}/public/shifts/{world['shift'].id}/signups", json=volunteer_body(1))
    assert error_of(r, 409)["code"] == "already_signed_up"
    assert await counts() == before

    signup = f"{API}/signups/{world['signup']['id']}"
    assert (await client.patch(signup, json={"status": "cancelled"}, headers=h)).status_code == 200
    r = await client.patch(signup, json={"status": "confirmed"}, headers=h)
    assert error_of(r, 409)["code"] == "bad_transition"

    assert (await client.delete(f"{API}/shifts/{world['shift'].id}", headers=h)).status_code == 200
    r = await client.post(signups, json=volunteer_body(2), headers=h)
    assert error_of(r, 409)["code"] == "shift_cancelled"
    event = f"{API}/events/{world['event'].id}"
    assert (await client.post(f"{event}/cancel", headers=h)).status_code == 200
    r = await client.post(f"{event}/shifts", json=SHIFT, headers=h)
    assert error_of(r, 409)["code"] == "event_cancelled"


# ---- 413 ------------------------------------------------------------------------------------------------------


async def test_an_oversized_body_is_413_and_writes_nothing(
    client: httpx.AsyncClient, world: dict[str, Any], settings: Settings
) -> None:
    h = world["headers"]
    filler = "x" * settings.max_body_size
    before = await counts()
    r = await client.post(f"{API}/groups", json={"slug": "big", "name": "Big", "description": filler}, headers=h)
    assert r.status_code == 413
    r = await client.post(f"{API}/shifts/{world['shift'].id}/signups", json=volunteer_body(2, name=filler), headers=h)
    assert r.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit trips while reading
        yield b'{"slug": "big", "name": "Big", "description": "'
        for _ in range(settings.max_body_size // 65536 + 1):
            yield b"x" * 65536
        yield b'"}'

    r = await client.post(f"{API}/groups", content=chunks(), headers={**h, "Content-Type": "application/json"})
    assert error_of(r, 413)["code"] == "too_large"
    assert await counts() == before


# ---- nothing half-written ---------------------------------------------------------------------------------


async def test_an_event_with_a_bad_third_shift_creates_nothing(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    before = await counts()
    shifts = [SHIFT, SHIFT | {"capacity": 7}, BACKWARDS]
    body = event_body(group=world["group"].slug, title="Half", shifts=shifts)
    r = await client.post(f"{API}/events", json=body, headers=world["headers"])
    assert "shifts.2.ends_at" in error_of(r, 422)["fields"]
    assert await counts() == before
    assert not await Event.filter(title="Half").exists()


async def test_a_recurrence_that_fails_midway_creates_no_shift(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    url = f"{API}/events/{world['event'].id}/shifts"
    before = await counts()
    # 2995 to 2999 are fine; 3000 is past the last year accepted.
    body = recurrence("FREQ=YEARLY;COUNT=8", dtstart="2995-05-01T06:00:00")
    r = await client.post(url, json=body, headers=world["headers"])
    assert error_of(r, 422)["fields"] == {"recurrence.rrule": "goes past the year 2999"}
    r = await client.post(url, json=recurrence("FREQ=WEEKLY;INTERVAL=300;COUNT=3"), headers=world["headers"])
    assert error_of(r, 422)["fields"] == {"recurrence.rrule": "goes on more than 10 years after dtstart"}
    r = await client.post(url, json=recurrence("FREQ=HOURLY;COUNT=1001"), headers=world["headers"])
    assert "1000" in error_of(r, 422)["fields"]["recurrence.rrule"]
    assert await counts() == before
    assert await Shift.filter(event_id=world["event"].id).count() == 1


# ---- RRULE across a DST change -----------------------------------------------------------------------------


async def test_picket_schedule_keeps_six_am_across_the_dst_change(client: httpx.AsyncClient) -> None:
    w = await make_world()
    body = {
        "recurrence": {"rrule": "FREQ=DAILY;COUNT=14", "dtstart": "2026-10-26T06:00:00", "duration_minutes": 240},
        "capacity": 12,
        "target": 8,
    }
    r = await client.post(f"{API}/events/{w['event'].id}/shifts", json=body, headers=w["headers"])
    assert r.status_code == 201, r.text
    created = r.json()["data"]
    assert len(created) == 14
    # Chicago leaves daylight time on Sunday 2026-11-01 at 02:00: -05:00 before, -06:00 after.
    expected = [f"2026-10-{day}T06:00:00-05:00" for day in range(26, 32)]
    expected += [f"2026-11-{day:02d}T06:00:00-06:00" for day in range(1, 9)]
    assert [s["starts_at"] for s in created] == expected
    assert [s["ends_at"] for s in created] == [e.replace("T06:", "T10:") for e in expected]
    assert {(s["capacity"], s["target"]) for s in created} == {(12, 8)}
    assert len({s["code"] for s in created}) == 14
    # stored in UTC: 11:00Z while on daylight time, 12:00Z after
    rows = await Shift.filter(id__in=[s["id"] for s in created]).order_by("starts_at")
    utc_hours = [row.starts_at.astimezone(UTC).hour for row in rows]
    assert utc_hours == [11] * 6 + [12] * 8
    # the event answers the same times
    event = (await client.get(f"{API}/events/{w['event'].id}", headers=w["headers"])).json()
    assert [s["starts_at"] for s in event["shifts"] if s["id"] in {c["id"] for c in created}] == expected


async def test_a_dtstart_with_an_offset_is_converted_to_the_events_zone(client: httpx.AsyncClient) -> None:
    w = await make_world()
    body = recurrence("FREQ=WEEKLY;COUNT=2", dtstart="2027-03-13T12:00:00Z", duration_minutes=60)
    r = await client.post(f"{API}/events/{w['event'].id}/shifts", json=body, headers=w["headers"])
    assert r.status_code == 201, r.text
    # 12:00Z is 06:00 in Chicago on 13 March (CST); a week later, on daylight time, it is still 06:00 there.
    assert [s["starts_at"] for s in r.json()["data"]] == ["2027-03-13T06:00:00-06:00", "2027-03-20T06:00:00-05:00"]


# ---- cursor pagination ------------------------------------------------------------------------------------


async def test_cursor_pagination_walks_every_page_once(client: httpx.AsyncClient) -> None:
    w = await make_world()
    group = w["group"]
    events = [w["event"]] + [await make_event(group, title=f"Action {n}") for n in range(6)]
    for event in events[1:3]:
        await make_shift(event)
    other = await make_world("local-200")  # another organization's events never show up
    url: str | None = f"{API}/events?limit=2&group={group.slug}"
    seen: list[int] = []
    pages = 0
    while url:
        r = await client.get(url, headers=w["headers"])
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["data"]) <= 2
        seen += [e["id"] for e in page["data"]]
        url = page["next"]
        if url:
            assert "limit=2" in url and f"group={group.slug}" in url  # the filters carry over
        pages += 1
        if pages == 2:  # an event created mid-walk comes at the end, and nothing repeats
            events.append(await make_event(group, title="Late"))
        assert pages <= 10
    assert len(seen) == len(set(seen)), "an event was listed twice"
    assert seen == sorted(e.id for e in events)
    assert pages == 4
    assert other["event"].id not in seen


async def test_every_list_paginates(client: httpx.AsyncClient, world: dict[str, Any]) -> None:
    h = world["headers"]
    for n in range(2, 5):
        await client.post(f"{API}/shifts/{world['shift'].id}/signups", json=volunteer_body(n), headers=h)
        await client.post(f"{API}/groups", json={"slug": f"g{n}", "name": "G"}, headers=h)
        await client.post(f"{API}/campaigns", json={"slug": f"c{n}", "name": "C"}, headers=h)
    for path, total in [
        ("/groups", 4),
        ("/campaigns", 4),
        (f"/shifts/{world['shift'].id}/signups", 4),
        ("/volunteers", 4),
    ]:
        url: str | None = f"{API}{path}?limit=3"
        ids: list[int] = []
        while url:
            page = (await client.get(url, headers=h)).json()
            ids += [item["id"] for item in page["data"]]
            url = page["next"]
        assert len(ids) == total == len(set(ids)), path


async def test_paging_is_by_id_so_a_cursor_outlives_its_row(client: httpx.AsyncClient) -> None:
    w = await make_world()
    await make_event(w["group"], title="Second")
    first = await client.get(f"{API}/events?limit=1", headers=w["headers"])
    next_url = first.json()["next"]
    assert next_url is not None
    await Event.filter(id=w["event"].id).delete()  # the row the cursor points after
    r = await client.get(next_url, headers=w["headers"])
    assert [e["title"] for e in r.json()["data"]] == ["Second"]
