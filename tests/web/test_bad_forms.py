"""Hostile input outside the JSON API: HTML forms (dashboard and public), query strings of pages and feeds,
Twilio's webhooks, numbers typed into forms, and RRULEs that would keep the server busy. Every answer is a 4xx
naming what is wrong, nothing is written, and nothing is a 500."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from mobilize.models import (
    ActionGroup,
    ApiToken,
    Campaign,
    Event,
    InboxThread,
    Message,
    OrganizerInvitation,
    SavedList,
    Shift,
    Signup,
    SignupStatus,
    Standby,
    Volunteer,
)
from mobilize.web.routes import dashboard_routes, page_routes
from tests.factories import make_world, start_shift, volunteer_body
from tests.sms_helpers import SMS_URL, inbound_form, signature
from tests.web.test_dashboard import a_signup, logged_in
from tests.web.test_pages import csrf_from

API = "/api/v1"
STATUS_URL = SMS_URL.replace("/sms", "/status")


async def snapshot() -> dict[str, int]:
    """Rows of every kind a form could write."""
    tables = (ActionGroup, Campaign, Event, Shift, Signup, Volunteer, ApiToken, OrganizerInvitation, Standby, SavedList)
    rows = {table.__name__: await table.all().count() for table in (*tables, Message, InboxThread)}
    rows["attended"] = await Signup.filter(status=SignupStatus.ATTENDED).count()
    return rows


# ---- every form: a control character in a field is a 422 naming it ---------------------------------------

# A real field of each form (any field is screened the same way, before the handler reads the form).
FORM_FIELDS = {
    "pages:event-signup": "name",
    "pages:event-shared-signup": "name",
    "dash:account-password": "current_password",
    "dash:sign-out-everywhere": "reason",
    "pages:manage-drop": "reason",
    "pages:manage-confirm": "reason",
    "pages:manage-rotate-feed": "reason",
    "pages:manage-forget": "confirm",
    "pages:login-post": "email",
    "pages:logout": "next",
    "pages:reset-post": "email",
    "pages:reset-choose-post": "password",
    "pages:invitation-post": "name",
    "pages:checkin-post": "contact",
    "dash:event-create": "title",
    "dash:event-update": "description",
    "dash:event-cancel": "reason",
    "dash:event-duplicate": "days",
    "dash:shift-create": "date",
    "dash:schedule-create": "first_day",
    "dash:walk-in": "name",
    "dash:roster-message": "body",
    "dash:mark": "mark",
    "dash:invite": "email",
    "dash:volunteer-merge": "duplicate",
    "dash:volunteer-erase": "reason",
    "dash:inbox-reply": "body",
    "dash:inbox-status": "status",
    "dash:volunteer-standby": "group",
    "dash:token-create": "label",
    "dash:token-revoke": "reason",
    "dash:strike-dispute": "note",
    "dash:strike-dispute-resolve": "resolution",
    "dash:strike-scan": "member_id",
    "dash:partnership-answer": "reason",
    "dash:partner-invite": "organization",
    "dash:partner-remove": "reason",
    "pages:host-submit": "title",
    "pages:host-links": "email",
    "pages:host-confirm-post": "reason",
    "pages:host-edit": "city",
    "pages:host-message": "body",
    "pages:host-mark": "mark",
    "pages:host-renew": "reason",
    "dash:hosting-approve": "trust_host",
    "dash:hosting-reject": "reason",
    "dash:hosting-changes": "reason",
    "dash:hosting-unpublish": "reason",
    "dash:volunteer-update": "notes",
    "dash:shift-update": "date",
    "dash:shift-cancel": "reason",
    "dash:group-create": "name",
    "dash:group-update": "description",
    "dash:group-message-post": "body",
    "dash:campaign-create": "name",
    "dash:campaign-update": "description",
    "dash:team-role": "role",
    "dash:team-remove": "reason",
    "dash:invitation-resend": "reason",
    "dash:settings-post": "name",
    "dash:list-create": "name",
    "dash:list-update": "tags",
    "dash:list-delete": "reason",
    "dash:list-message-post": "body",
}
CONTROLS = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f"]


def post_forms() -> list[tuple[str, str]]:
    """(route name, path) of every POST route of the pages and the dashboard, its parameters filled in."""
    found = []
    for prefix, mount, routes in (("", "pages", page_routes), ("/dashboard", "dash", dashboard_routes)):
        for route in routes:
            if isinstance(route, Route) and "POST" in (route.methods or ()):
                params = {name: "token-x" if name == "token" else "1" for name in route.param_convertors}
                found.append((f"{mount}:{route.name}", prefix + route.path_format.format(**params)))
    return found


def test_every_form_is_in_the_table() -> None:
    assert {name for name, _ in post_forms()} == set(FORM_FIELDS)


async def test_a_control_character_in_any_form_field_is_422_naming_it(client: httpx.AsyncClient) -> None:
    await logged_in(client)
    token = await csrf_from(client, "/dashboard/")
    before = await snapshot()
    failures = []
    for name, path in post_forms():
        field = FORM_FIELDS[name]
        for control in CONTROLS:
            r = await client.post(path, data={"csrf_token": token, field: f"a{control}b"})
            said = f"the field “{field}” contains a {'NUL' if control == chr(0) else 'control'} character"
            if r.status_code != 422 or said not in r.text:
                failures.append(f"{name} {control!r}: {r.status_code} {r.text[:200]}")
        # in the field's name, too
        r = await client.post(path, data={"csrf_token": token, f"{field}\x01": "x"})
        if r.status_code != 422 or f"the field “{field}”" not in r.text:
            failures.append(f"{name}, control in the name: {r.status_code}")
    assert not failures, "\n".join(failures)
    assert await snapshot() == before
    assert (await client.get("/dashboard/")).status_code == 200, "still logged in: the logout did not run"


async def test_tabs_and_line_breaks_are_text(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    token = await csrf_from(client, "/dashboard/events/new")
    form = {
        "csrf_token": token,
        "title": "Rally",
        "group": world["group"].slug,
        "event_type": "rally",
        "timezone": "America/Chicago",
        "visibility": "public",
        "description": "Bring water.\r\n\tAnd a sign.",
    }
    r = await client.post("/dashboard/events", data=form)
    assert r.status_code == 303, r.text
    assert (await Event.get(title="Rally")).description == "Bring water.\r\n\tAnd a sign."


async def test_a_file_in_a_form_is_400_naming_the_field(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    token = await csrf_from(client, "/dashboard/")
    before = await snapshot()
    files = {"title": ("title.txt", b"Rally", "text/plain")}
    r = await client.post("/dashboard/events", data={"csrf_token": token, "group": world["group"].slug}, files=files)
    assert r.status_code == 400 and "the field “title” is a file" in r.text
    event = world["event"].id
    r = await client.post(f"/events/{event}/signup", data={"csrf_token": token}, files={"name": ("a", b"b")})
    assert r.status_code == 400 and "the field “name” is a file" in r.text
    assert await snapshot() == before


async def test_the_event_form_refuses_a_zone_that_is_no_place(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    token = await csrf_from(client, "/dashboard/events/new")
    before = await snapshot()
    for zone in ("localtime", "Factory", "posix/America/Chicago", "America/Nowhere"):
        form = {"csrf_token": token, "title": "Rally", "group": world["group"].slug, "timezone": zone}
        r = await client.post("/dashboard/events", data=form)
        assert r.status_code == 422, (zone, r.status_code)
        assert 'href="#f-timezone"' in r.text and "Unknown IANA time zone" in r.text, zone
    assert await snapshot() == before


# ---- query strings -------------------------------------------------------------------------------------

BAD_QUERIES = [
    ("/?campaign=%00", "campaign"),
    ("/?postal_code=606%0014", "postal_code"),
    ("/?campaign=a%1bb", "campaign"),
    ("/events/{event}?ref=%00", "ref"),
    ("/login?next=%00", "next"),
    ("/password-reset/choose?token=%00", "token"),
    ("/dashboard/?cursor=%00", "cursor"),
    ("/dashboard/volunteers?q=%00", "q"),
    ("/dashboard/inbox?status=%7f", "status"),
    ("/feeds/groups/{group}.ics?x%00=1", "x"),
]


async def test_a_control_character_in_a_query_is_400_naming_the_parameter(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    failures = []
    for path, name in BAD_QUERIES:
        r = await client.get(path.format(event=world["event"].id, group=world["group"].slug))
        if r.status_code != 400 or f"The query parameter “{name}”" not in r.text:
            failures.append(f"{path}: {r.status_code} {r.text[:200]}")
    assert not failures, "\n".join(failures)
    assert (await client.get("/?campaign=" + world["campaign"].slug)).status_code == 200


# ---- numbers typed into forms ------------------------------------------------------------------------------


async def test_duplicate_takes_a_whole_number_of_days(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    token = await csrf_from(client, "/dashboard/")
    path = f"/dashboard/events/{world['event'].id}/duplicate"
    before = await snapshot()
    for days in ("--5", "5-", "²", "1e3", "99999999999", "3661", "-3661", "seven"):
        r = await client.post(path, data={"csrf_token": token, "days": days})
        assert r.status_code == 422 and "days: give a whole number of days" in r.text, (days, r.status_code)
    assert await snapshot() == before
    r = await client.post(path, data={"csrf_token": token, "days": "-5"})
    assert r.status_code == 303
    assert await Event.all().count() == before["Event"] + 1


async def test_the_attendance_form_takes_a_shift_number(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    signup = await a_signup(world["shift"])
    await start_shift(world["shift"])
    token = await csrf_from(client, "/dashboard/")
    path = f"/dashboard/signups/{signup.id}/attendance"
    for shift in ("abc", "²", "1.5", "-1", str(2**31), "0"):
        r = await client.post(path, data={"csrf_token": token, "mark": "attended", "shift": shift})
        assert r.status_code == 422 and "shift: give the number of the shift" in r.text, (shift, r.status_code)
    assert (await Signup.get(id=signup.id)).status == SignupStatus.SIGNED_UP
    r = await client.post(path, data={"csrf_token": token, "mark": "attended", "shift": str(world["shift"].id)})
    assert r.status_code == 303
    assert (await Signup.get(id=signup.id)).status == SignupStatus.ATTENDED


async def test_ids_typed_into_forms_never_reach_the_database_unbounded(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    token = await csrf_from(client, "/dashboard/")
    before = await snapshot()
    event = world["event"].id
    for shift in ("²", str(2**31), "9" * 5000):
        form = {"csrf_token": token, "shift": shift, "name": "Ana", "phone": "(312) 555-0101"}
        r = await client.post(f"/events/{event}/signup", data=form)
        assert r.status_code == 422 and "Choose shifts from the list." in r.text, shift
    signup = await a_signup(world["shift"])
    for duplicate in ("²", str(2**31), "99999999999"):
        r = await client.post(
            f"/dashboard/volunteers/{signup.volunteer_id}/merge",  # type: ignore[attr-defined]
            data={"csrf_token": token, "duplicate": duplicate},
        )
        assert r.status_code == 303, duplicate  # back to the record, saying nothing was merged
    schedule = {
        "csrf_token": token, "first_day": "2027-05-01", "last_day": "2027-05-02", "weekdays": "SA",
        "day_starts": "06:00", "day_ends": "18:00", "length": "240", "capacity": "10", "target": "6",
    }  # fmt: skip
    path = f"/dashboard/events/{event}/schedule"
    for field, value in [("capacity", "9999999999"), ("target", "²"), ("length", "99999"), ("length", "1441")]:
        r = await client.post(path, data=schedule | {field: value})
        assert r.status_code == 422 and f'href="#f-{field}"' in r.text, (field, value, r.status_code)
    for first_day in ("9999-12-31", "0001-01-01"):
        r = await client.post(path, data=schedule | {"first_day": first_day, "last_day": first_day})
        assert r.status_code == 422 and 'href="#f-first_day"' in r.text, first_day
    r = await client.post(path, data=schedule | {"length": "1", "day_starts": "00:00", "day_ends": "23:59"})
    assert r.status_code == 422 and "More than 1000 shifts." in r.text  # 1,439 shifts a day, refused at once
    one = {"csrf_token": token, "date": "9999-12-31", "starts": "22:00", "ends": "02:00", "one_capacity": "5"}
    r = await client.post(f"/dashboard/events/{event}/shifts", data=one)
    assert r.status_code == 422 and 'href="#f-starts"' in r.text
    assert await snapshot() == before | {"Signup": before["Signup"] + 1, "Volunteer": before["Volunteer"] + 1}


# ---- Twilio's webhooks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/webhooks/twilio/sms", "/webhooks/twilio/status"])
async def test_a_webhook_body_that_is_not_a_urlencoded_form_is_400_first(client: httpx.AsyncClient, path: str) -> None:
    before = await snapshot()
    files = {"MediaUrl0": ("photo.jpg", b"\xff\xd8" + b"x" * 1000, "image/jpeg")}
    r = await client.post(path, data={"MessageSid": "SM1", "From": "+13125550101", "Body": "hi"}, files=files)
    assert r.status_code == 400, r.text  # before the signature check (403), before the form is read
    r = await client.post(path, json={"MessageSid": "SM1"})
    assert r.status_code == 400
    r = await client.post(path, data={"MessageSid": "SM1"})
    assert r.status_code == 403  # a form, unsigned
    assert await snapshot() == before


async def test_a_status_callback_with_junk_is_answered_without_an_error(
    sms: tuple[Any, httpx.AsyncClient],
) -> None:
    _, twilio = sms
    for ref, form in [
        (str(2**31), {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered"}),
        ("9" * 5000, {"MessageSid": "SM" + "b" * 32, "MessageStatus": "delivered"}),
        ("1", {"MessageSid": "SM\x00", "MessageStatus": "delivered"}),
    ]:
        url = f"{STATUS_URL}?ref={ref}"
        r = await twilio.post(f"/webhooks/twilio/status?ref={ref}", data=form, headers=signature(form, url=url))
        assert r.status_code in (204, 400), (ref, r.status_code, r.text)
    form = inbound_form("hello", "+13125550101")
    form["From"] = "+1312\x005550101"
    r = await twilio.post("/webhooks/twilio/sms", data=form, headers=signature(form))
    assert r.status_code == 400


# ---- an RRULE that would keep the server busy ----------------------------------------------------------------

NEVER = [
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2",  # no 30 February
    "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31;COUNT=2",  # no 31 April, walked day by day
    "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2",  # hour by hour
    "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6;COUNT=2",  # no month has six Mondays
    "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2;COUNT=2",  # one Monday a week
    "FREQ=DAILY;BYWEEKNO=60;COUNT=2",
    "FREQ=YEARLY;BYYEARDAY=367;COUNT=2",
]


async def test_a_rule_that_never_matches_is_422_well_within_a_second(client: httpx.AsyncClient) -> None:
    world = await make_world()
    url = f"{API}/events/{world['event'].id}/shifts"
    before = await snapshot()
    slow = []
    for rule in NEVER:
        for dtstart in ("2027-05-01T06:00:00", "2095-05-01T06:00:00"):  # 2095: ten years across 2100, no leap year
            body = {"recurrence": {"rrule": rule, "dtstart": dtstart, "duration_minutes": 60}, "capacity": 5}
            # CPU time, not wall time: this process does the work, whatever else loads the machine
            started = time.process_time()
            r = await client.post(url, json=body, headers=world["headers"])
            took = time.process_time() - started
            assert r.status_code == 422, (rule, r.text)
            assert r.json()["error"]["fields"] == {
                "recurrence.rrule": "produces no occurrence within 10 years of dtstart"
            }, rule
            if took >= 0.9:  # alone, the slowest (hourly, from 2095) takes ~0.3 s; two suites at once, ~0.6
                slow.append(f"{rule} from {dtstart}: {took:.2f} s of CPU")
    assert not slow, "\n".join(slow)
    assert await snapshot() == before
    # and a rule that does match is still expanded in full, leap days included
    body = {"recurrence": {"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=2", "dtstart": "2027-05-01T06:00:00",
            "duration_minutes": 60}, "capacity": 5}  # fmt: skip
    r = await client.post(url, json=body, headers=world["headers"])
    assert [s["starts_at"] for s in r.json()["data"]] == ["2028-02-29T06:00:00-06:00", "2032-02-29T06:00:00-06:00"]


async def test_a_standby_id_past_the_id_column_is_422(client: httpx.AsyncClient) -> None:
    world = await make_world()
    await client.post(f"{API}/shifts/{world['shift'].id}/signups", json=volunteer_body(1), headers=world["headers"])
    path = f"{API}/groups/{world['group'].slug}/standby"
    for volunteer in (2**31, 2**63, 10**40):
        r = await client.post(path, json={"volunteer": volunteer}, headers=world["headers"])
        assert r.status_code == 422 and "volunteer" in r.json()["error"]["fields"], volunteer
    before = await Standby.all().count()
    r = await client.delete(f"{path}/{2**31}", headers=world["headers"])
    assert r.status_code == 204 and await Standby.all().count() == before  # nobody has that id: nothing to remove
