"""iCalendar feeds end to end: every feed is read back by icalendar and by ical.js (Thunderbird's parser),
and checked for what RFC 5545 and calendar apps need (UIDs that never change, SEQUENCE, VTIMEZONE, escaping),
for privacy, and for HTTP caching (ETag, Last-Modified, 304, HEAD, no rebuild of an unchanged feed)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest

from mobilize.calendar.feeds import EventRow, FeedMeta, ShiftRow, build_feed
from mobilize.calendar.links import google_calendar_url, webcal_url
from mobilize.models import Campaign, Event, Shift, Signup, Volunteer
from mobilize.services import feeds
from mobilize.services.feeds import scopes
from mobilize.services.people.links import rotate_feed_token
from mobilize.web import kept
from tests.clock import MIDDAY, at
from tests.conftest import unavailable
from tests.factories import (
    auth,
    make_campaign,
    make_event,
    make_group,
    make_organizer,
    make_shift,
    make_world,
    soon,
    volunteer_body,
)

CALENDAR_DIR = Path(__file__).parents[1] / "calendar"
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture(scope="session")
def ical_js() -> Path:
    """The ical.js parser script, with its npm dependency installed on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None:
        unavailable("Node.js", "no `node` on PATH")
    if not (CALENDAR_DIR / "node_modules" / "ical.js").is_dir():
        if npm is None:
            unavailable("npm", "no `npm` on PATH to install ical.js")
        done = subprocess.run(
            [str(npm), "install", "--no-audit", "--no-fund"],
            cwd=CALENDAR_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            unavailable("the npm registry (to install ical.js)", done.stderr.strip()[-300:])
    return CALENDAR_DIR / "parse.js"


@pytest.fixture(autouse=True)
def empty_feed_cache() -> None:
    feeds.CACHE.clear()


@dataclass
class Parsed:
    raw: bytes
    cal: icalendar.Calendar
    js: dict[str, Any]

    @property
    def events(self) -> dict[str, Any]:  # icalendar types a property as the union of every value type
        return {str(e["UID"]): e for e in self.cal.walk("VEVENT")}

    @property
    def js_events(self) -> dict[str, dict[str, Any]]:
        return {e["uid"]: e for e in self.js["events"]}


async def run_ical_js(body: bytes, ical_js: Path) -> dict[str, Any]:
    """What npm's ical.js (Thunderbird's parser) reads in `body`; fails the test if it refuses it."""
    proc = await asyncio.create_subprocess_exec(
        "node",
        str(ical_js),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate(body)
    assert proc.returncode == 0, err.decode()
    result: dict[str, Any] = json.loads(out)
    return result


async def parse(body: bytes, ical_js: Path) -> Parsed:
    """Both parsers, and what every feed must satisfy whatever it holds."""
    for line in body.split(b"\r\n")[:-1]:
        assert len(line) <= 75, f"line longer than 75 octets: {line!r}"
        assert b"\n" not in line and b"\r" not in line, f"bare line break in {line!r}"
    assert body.endswith(b"END:VCALENDAR\r\n")
    parsed = Parsed(body, icalendar.Calendar.from_ical(body), await run_ical_js(body, ical_js))
    cal: Any = parsed.cal
    assert cal["VERSION"] == "2.0" and cal["CALSCALE"] == "GREGORIAN" and cal["METHOD"] == "PUBLISH"
    assert str(cal["PRODID"]).startswith("-//mobilize//")
    assert str(cal["X-WR-CALNAME"])
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION" and cal["REFRESH-INTERVAL"].dt == timedelta(hours=1)
    assert str(cal["X-PUBLISHED-TTL"]) == "PT1H"
    zones = [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")]
    assert sorted(zones) == sorted(parsed.js["timezones"]) and len(set(zones)) == len(zones)
    used = set()
    for uid, event in parsed.events.items():
        for name in ("DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "STATUS", "SUMMARY", "DESCRIPTION", "URL"):
            assert name in event, f"{uid} has no {name}"
        for name in ("DTSTART", "DTEND"):
            tzid = event[name].params["TZID"]
            assert tzid in zones, f"{uid}: no VTIMEZONE for {tzid}"
            used.add(tzid)
        js = parsed.js_events[uid]
        assert js["summary"] == str(event["SUMMARY"])
        assert js["description"] == str(event["DESCRIPTION"])
        assert js["sequence"] == int(event["SEQUENCE"]) and js["status"] == str(event["STATUS"])
        # ical.js converts with the VTIMEZONE the feed carries (it knows no zone of its own): both must agree
        assert js["dtstart"]["tzid"] == event["DTSTART"].params["TZID"]
        assert datetime.fromisoformat(js["dtstart"]["utc"]) == event.decoded("DTSTART")
        assert datetime.fromisoformat(js["dtend"]["utc"]) == event.decoded("DTEND")
    assert len(parsed.js["events"]) == len(parsed.events)
    assert used == set(zones), "a VTIMEZONE nobody uses"
    if len(zones) == 1:
        assert str(cal["X-WR-TIMEZONE"]) == zones[0]
    else:
        assert "X-WR-TIMEZONE" not in cal
    return parsed


async def get_feed(client: httpx.AsyncClient, path: str, ical_js: Path, **headers: str) -> Parsed:
    r = await client.get(path, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    return await parse(r.content, ical_js)


def uid(shift: Shift | int) -> str:
    return f"shift-{shift if isinstance(shift, int) else shift.id}@testserver"


# ---- shape -------------------------------------------------------------------------------------


async def test_event_feed_has_every_property_calendars_need(client: httpx.AsyncClient, ical_js: Path) -> None:
    w = await make_world()
    event: Event = w["event"]
    await Event.filter(id=event.id).update(
        venue="Union Hall", address="1 Main St", description="Bring water.", virtual_url="https://meet.example.org/x"
    )
    second = await make_shift(event, starts_at=soon(48))
    r = await client.get(f"/feeds/events/{event.id}.ics")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=300"
    assert r.headers["etag"].startswith('"') and not r.headers["etag"].startswith("W/")
    parsed = await parse(r.content, ical_js)
    assert str(parsed.cal["X-WR-CALNAME"]) == "Picket at the gate"
    assert set(parsed.events) == {uid(w["shift"]), uid(second)}
    vevent = parsed.events[uid(w["shift"])]
    page = f"http://testserver/events/{event.id}"
    assert str(vevent["SUMMARY"]) == "Picket at the gate"
    assert page in str(vevent["DESCRIPTION"]) and "Bring water." in str(vevent["DESCRIPTION"])
    assert "https://meet.example.org/x" in str(vevent["DESCRIPTION"])
    assert str(vevent["URL"]) == page
    assert str(vevent["LOCATION"]) == "Union Hall, 1 Main St, Chicago, IL 60614, US"
    assert parsed.js_events[uid(w["shift"])]["location"] == "Union Hall, 1 Main St, Chicago, IL 60614, US"
    assert (vevent["GEO"].latitude, vevent["GEO"].longitude) == (41.9229, -87.6483)
    assert str(vevent["STATUS"]) == "CONFIRMED" and int(vevent["SEQUENCE"]) == 0
    assert vevent.decoded("DTSTART") == w["shift"].starts_at
    assert vevent.decoded("DTSTART").tzinfo.key == "America/Chicago"  # type: ignore[union-attr]


async def test_dst_change_keeps_the_wall_time(client: httpx.AsyncClient, ical_js: Path) -> None:
    """A weekly 6 a.m. picket across the end of daylight time (Nov 1, 2026) stays at 6 a.m. in Chicago."""
    w = await make_world()
    body = {
        "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=4", "dtstart": "2026-10-19T06:00:00", "duration_minutes": 240},
        "capacity": 10,
    }
    r = await client.post(f"/api/v1/events/{w['event'].id}/shifts", json=body, headers=w["headers"])
    assert r.status_code == 201, r.text
    ids = [s["id"] for s in r.json()["data"]]
    parsed = await get_feed(client, f"/feeds/events/{w['event'].id}.ics", ical_js)
    starts_utc = []
    for shift_id in ids:
        js = parsed.js_events[uid(shift_id)]
        assert js["dtstart"]["local"].endswith("T06:00:00") and js["dtend"]["local"].endswith("T10:00:00")
        assert parsed.events[uid(shift_id)].decoded("DTSTART").astimezone(CHICAGO).hour == 6
        starts_utc.append(js["dtstart"]["utc"])
    assert starts_utc == [
        "2026-10-19T11:00:00.000Z",
        "2026-10-26T11:00:00.000Z",
        "2026-11-02T12:00:00.000Z",
        "2026-11-09T12:00:00.000Z",
    ]
    assert b"TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0600" in parsed.raw  # the November change is in the VTIMEZONE


async def test_several_zones_get_one_vtimezone_each(client: httpx.AsyncClient, ical_js: Path) -> None:
    w = await make_world()
    ny = await make_event(w["group"], timezone="America/New_York", title="Rally in New York")
    await make_shift(ny)
    far = await make_shift(w["event"], starts_at=soon(24 * 400))  # next year: the Chicago zone spans two years
    parsed = await get_feed(client, f"/feeds/groups/{w['group'].slug}.ics", ical_js)
    assert sorted(parsed.js["timezones"]) == ["America/Chicago", "America/New_York"]
    assert parsed.events[uid(far)].decoded("DTSTART") == far.starts_at


@at(MIDDAY)  # June: the feed's first year is in daylight time, its last shift a year later
async def test_a_feed_over_two_years_keeps_the_first_years_daylight_time(
    client: httpx.AsyncClient, ical_js: Path
) -> None:
    """ical.js reads the RDATEs of a VTIMEZONE observance but not its DTSTART: each onset is its own observance,
    or this summer's shift would be an hour off in Thunderbird (CST instead of CDT)."""
    w = await make_world()
    far = await make_shift(w["event"], starts_at=soon(24 * 400))
    parsed = await get_feed(client, f"/feeds/events/{w['event'].id}.ics", ical_js)
    summer = parsed.js_events[uid(w["shift"])]
    assert summer["dtstart"]["local"] == f"{w['shift'].starts_at.astimezone(CHICAGO):%Y-%m-%dT%H:%M:%S}"
    assert datetime.fromisoformat(summer["dtstart"]["utc"]) == w["shift"].starts_at  # (parse checks every shift)
    assert parsed.events[uid(far)].decoded("DTSTART").year == MIDDAY.year + 1
    assert b"RDATE" not in parsed.raw


async def test_text_is_escaped_and_cannot_inject_lines(client: httpx.AsyncClient, ical_js: Path) -> None:
    w = await make_world()
    title = 'Rally, "now"; go\r\nATTENDEE:mailto:evil@example.org'
    description = "a,b;c\\d\ne\rf\r\nATTENDEE;CN=x:mailto:evil@example.org\r\nEND:VEVENT"
    event = await make_event(w["group"], title=title, description=description, venue="Hall, Room 1; east")
    shift = await make_shift(event)
    for path in (f"/feeds/events/{event.id}.ics", f"/feeds/groups/{w['group'].slug}.ics"):
        parsed = await get_feed(client, path, ical_js)
        lines = parsed.raw.split(b"\r\n")
        assert not any(line.startswith(b"ATTENDEE") for line in lines)
        assert lines.count(b"END:VEVENT") == lines.count(b"BEGIN:VEVENT") == len(parsed.events)
        vevent, js = parsed.events[uid(shift)], parsed.js_events[uid(shift)]
        assert "ATTENDEE" not in vevent and "attendee" not in js["properties"]
        assert str(vevent["SUMMARY"]) == js["summary"] == 'Rally, "now"; go\nATTENDEE:mailto:evil@example.org'
        assert js["description"].startswith("a,b;c\\d\ne\nf\nATTENDEE;CN=x:mailto:evil@example.org\nEND:VEVENT")
        assert js["location"].startswith("Hall, Room 1; east, ")
        assert b'SUMMARY:Rally\\, "now"\\; go\\nATTENDEE:mailto:evil@example.org' in parsed.raw


# ---- changes -----------------------------------------------------------------------------------


async def test_uid_stays_and_sequence_grows_on_time_place_and_status(client: httpx.AsyncClient, ical_js: Path) -> None:
    _, token = await make_organizer("uaw-local")
    h = auth(token)
    assert (await client.post("/api/v1/groups", json={"slug": "west", "name": "West"}, headers=h)).status_code == 201
    body = {
        "title": "Rally",
        "group": "west",
        "timezone": "America/Chicago",
        "location": {"venue": "City Hall", "postal_code": "60602"},
        "shifts": [
            {"starts_at": "2030-05-01T10:00:00-05:00", "ends_at": "2030-05-01T12:00:00-05:00", "capacity": 5},
            {"starts_at": "2030-05-01T12:00:00-05:00", "ends_at": "2030-05-01T14:00:00-05:00", "capacity": 5},
        ],
    }
    r = await client.post("/api/v1/events", json=body, headers=h)
    assert r.status_code == 201, r.text
    event_id, (one, two) = r.json()["id"], [s["id"] for s in r.json()["shifts"]]
    path = f"/feeds/events/{event_id}.ics"

    async def state() -> tuple[str, dict[str, tuple[int, str, str]]]:
        r = await client.get(path)
        parsed = await parse(r.content, ical_js)
        assert set(parsed.events) == {uid(one), uid(two)}  # the UIDs never change
        return r.headers["etag"], {
            u: (int(e["SEQUENCE"]), str(e["STATUS"]), str(e["SUMMARY"])) for u, e in parsed.events.items()
        }

    etag, seen = await state()
    assert seen == {uid(one): (0, "CONFIRMED", "Rally"), uid(two): (0, "CONFIRMED", "Rally")}

    async def patch(url: str, change: dict[str, Any]) -> None:
        r = await client.patch(url, json=change, headers=h)
        assert r.status_code == 200, r.text

    await patch(f"/api/v1/events/{event_id}", {"title": "Big rally"})  # not a change of time, place or status
    etag2, seen = await state()
    assert etag2 != etag and seen[uid(one)] == (0, "CONFIRMED", "Big rally")
    await patch(f"/api/v1/events/{event_id}", {"location": {"venue": "Union Park", "postal_code": "60612"}})
    _, seen = await state()
    assert seen[uid(one)][0] == 1 and seen[uid(two)][0] == 1
    await patch(f"/api/v1/shifts/{one}", {"starts_at": "2030-05-01T09:00:00-05:00"})
    _, seen = await state()
    assert seen[uid(one)][0] == 2 and seen[uid(two)][0] == 1
    await patch(f"/api/v1/events/{event_id}", {"timezone": "America/Denver"})
    _, seen = await state()
    assert seen[uid(one)][0] == 3 and seen[uid(two)][0] == 2
    await patch(f"/api/v1/events/{event_id}", {"address_after_signup": True})  # public LOCATION loses the street
    _, seen = await state()
    assert seen[uid(one)][0] == 4
    assert (await client.delete(f"/api/v1/shifts/{two}", headers=h)).status_code == 200
    _, seen = await state()
    assert seen[uid(two)] == (4, "CANCELLED", "Cancelled: Big rally") and seen[uid(one)][1] == "CONFIRMED"
    assert (await client.post(f"/api/v1/events/{event_id}/cancel", headers=h)).status_code == 200
    _, seen = await state()
    assert seen[uid(one)] == (5, "CANCELLED", "Cancelled: Big rally") and seen[uid(two)][0] == 5


async def test_cancel_and_remove_set_updated_at(client: httpx.AsyncClient) -> None:
    """Both use queryset updates, which leave auto_now alone; Last-Modified relies on updated_at."""
    w = await make_world()
    event_before = (await Event.get(id=w["event"].id)).updated_at
    shift_before = (await Shift.get(id=w["shift"].id)).updated_at
    r = await client.post(f"/api/v1/shifts/{w['shift'].id}/signups", json=volunteer_body(1), headers=w["headers"])
    signup_before = (await Signup.get(id=r.json()["id"])).updated_at
    await asyncio.sleep(0.01)
    assert (await client.delete(f"/api/v1/shifts/{w['shift'].id}", headers=w["headers"])).status_code == 200
    assert (await Shift.get(id=w["shift"].id)).updated_at > shift_before
    assert (await Signup.get(id=r.json()["id"])).updated_at > signup_before
    assert (await client.post(f"/api/v1/events/{w['event'].id}/cancel", headers=w["headers"])).status_code == 200
    assert (await Event.get(id=w["event"].id)).updated_at > event_before


async def test_cancelled_shift_stays_and_old_shifts_leave_public_lists(
    client: httpx.AsyncClient, ical_js: Path
) -> None:
    w = await make_world()
    now = datetime.now(UTC).replace(microsecond=0)
    long_ago = await make_shift(w["event"], starts_at=now - timedelta(days=100))
    cancelled = await make_shift(w["event"], starts_at=now - timedelta(days=20))
    assert (await client.delete(f"/api/v1/shifts/{cancelled.id}", headers=w["headers"])).status_code == 200
    for path in (
        f"/feeds/groups/{w['group'].slug}.ics",
        f"/feeds/campaigns/{w['campaign'].slug}.ics",
        "/feeds/organizations/local-100.ics",
    ):
        parsed = await get_feed(client, path, ical_js)
        assert set(parsed.events) == {uid(w["shift"]), uid(cancelled)}, path
        assert str(parsed.events[uid(cancelled)]["STATUS"]) == "CANCELLED"
        assert int(parsed.events[uid(cancelled)]["SEQUENCE"]) == 1
    parsed = await get_feed(client, f"/feeds/events/{w['event'].id}.ics", ical_js)  # the event feed is complete
    assert set(parsed.events) == {uid(w["shift"]), uid(cancelled), uid(long_ago)}


# ---- privacy -----------------------------------------------------------------------------------


async def test_public_feeds_show_public_events_only_and_no_volunteers(client: httpx.AsyncClient, ical_js: Path) -> None:
    w = await make_world()
    unlisted = await make_event(w["group"], campaign=w["campaign"], visibility="unlisted", title="Unlisted")
    private = await make_event(w["group"], campaign=w["campaign"], visibility="private", title="Private")
    unlisted_shift = await make_shift(unlisted)
    await make_shift(private)
    body = volunteer_body(7, name="Zed Secretname", email="zed@example.org")
    r = await client.post(f"/api/v1/shifts/{w['shift'].id}/signups", json=body, headers=w["headers"])
    assert r.status_code == 201
    for path in (
        f"/feeds/groups/{w['group'].slug}.ics",
        f"/feeds/campaigns/{w['campaign'].slug}.ics",
        "/feeds/organizations/local-100.ics",
        f"/feeds/events/{w['event'].id}.ics",
    ):
        parsed = await get_feed(client, path, ical_js)
        assert set(parsed.events) == {uid(w["shift"])}, path
        for secret in (b"Secretname", b"zed@example.org", b"5550007", b"Unlisted", b"Private"):
            assert secret not in parsed.raw
    # Whoever has the link: the one carrying the token (ids are guessable).
    assert (await client.get(f"/feeds/events/{unlisted.id}.ics")).status_code == 404
    parsed = await get_feed(client, f"/feeds/events/{unlisted.id}-{unlisted.share_token}.ics", ical_js)
    assert set(parsed.events) == {uid(unlisted_shift)}
    assert (await client.get(f"/feeds/events/{private.id}.ics")).status_code == 404
    assert (await client.get(f"/feeds/events/{private.id}-{private.share_token}.ics")).status_code == 404


async def test_address_after_signup_hides_the_street_from_the_public(client: httpx.AsyncClient, ical_js: Path) -> None:
    w = await make_world()
    body = {
        "title": "House meeting",
        "group": w["group"].slug,
        "campaign": w["campaign"].slug,
        "timezone": "America/Chicago",
        "address_after_signup": True,
        "location": {
            "venue": "Maria's",
            "address": "2200 N Halsted St",
            "city": "Chicago",
            "region": "IL",
            "postal_code": "60614",
            "lat": 41.92,
            "lon": -87.65,
        },
        "shifts": [{"starts_at": soon(30).isoformat(), "ends_at": soon(32).isoformat(), "capacity": 8}],
    }
    r = await client.post("/api/v1/events", json=body, headers=w["headers"])
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["address_after_signup"] is True and created["location"]["address"] == "2200 N Halsted St"
    shift_id = created["shifts"][0]["id"]
    for path in (f"/feeds/events/{created['id']}.ics", f"/feeds/groups/{w['group'].slug}.ics"):
        parsed = await get_feed(client, path, ical_js)
        vevent = parsed.events[uid(shift_id)]
        assert str(vevent["LOCATION"]) == "Maria's, Chicago, IL 60614, US"
        assert "GEO" not in vevent and parsed.js_events[uid(shift_id)]["geo"] is None
        assert b"Halsted" not in parsed.raw
    public = (await client.get(f"/api/v1/public/events?campaign={w['campaign'].slug}")).json()["data"]
    shown = next(e for e in public if e["id"] == created["id"])
    assert shown["location"]["address"] == "" and shown["location"]["lat"] is None
    assert shown["location"]["city"] == "Chicago"
    # People signed up see it in their own feed.
    r = await client.post(f"/api/v1/shifts/{shift_id}/signups", json=volunteer_body(3), headers=w["headers"])
    assert r.status_code == 201
    volunteer = await Volunteer.get(phone="+13125550003")
    parsed = await get_feed(client, f"/feeds/volunteers/{volunteer.feed_token}.ics", ical_js)
    vevent = parsed.events[uid(shift_id)]
    assert str(vevent["LOCATION"]) == "Maria's, 2200 N Halsted St, Chicago, IL 60614, US"
    assert (vevent["GEO"].latitude, vevent["GEO"].longitude) == (41.92, -87.65)
    # And the organizer can say so later (or take it back).
    r = await client.patch(
        f"/api/v1/events/{created['id']}", json={"address_after_signup": False}, headers=w["headers"]
    )
    assert r.status_code == 200 and r.json()["address_after_signup"] is False
    parsed = await get_feed(client, f"/feeds/events/{created['id']}.ics", ical_js)
    assert "2200 N Halsted St" in str(parsed.events[uid(shift_id)]["LOCATION"])


# ---- a volunteer's own feed --------------------------------------------------------------------


async def test_volunteer_feed_shows_their_shifts_and_dies_with_its_token(
    client: httpx.AsyncClient, ical_js: Path
) -> None:
    w = await make_world(capacity=5)
    await Event.filter(id=w["event"].id).update(instructions="Ask for Dana at the gate.")
    other = await make_event(w["group"], title="Phone bank", visibility="private")
    dropped, full, untouched = await make_shift(other), await make_shift(other, capacity=1), await make_shift(other)
    h = w["headers"]

    async def sign_up(shift: Shift, n: int) -> int:
        r = await client.post(f"/api/v1/shifts/{shift.id}/signups", json=volunteer_body(n), headers=h)
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    await sign_up(w["shift"], 1)
    dropped_signup = await sign_up(dropped, 1)
    await sign_up(full, 2)
    await sign_up(full, 1)  # waitlisted
    volunteer = await Volunteer.get(phone="+13125550001")
    path = f"/feeds/volunteers/{volunteer.feed_token}.ics"
    r = await client.get(path)
    assert r.status_code == 200
    assert r.headers["cache-control"].startswith("private") and "no-cache" in r.headers["cache-control"]
    parsed = await parse(r.content, ical_js)
    assert set(parsed.events) == {uid(w["shift"]), uid(dropped), uid(full)}  # private events too: they signed up
    assert uid(untouched) not in parsed.events
    assert "Ask for Dana at the gate." in str(parsed.events[uid(w["shift"])]["DESCRIPTION"])
    assert str(parsed.events[uid(full)]["STATUS"]) == "TENTATIVE"
    assert str(parsed.events[uid(full)]["SUMMARY"]) == "Waitlist: Phone bank"
    assert b"Volunteer 2" not in r.content and b"5550002" not in r.content  # nobody else's sign-up

    # Their own drop (a queryset update that leaves updated_at alone) takes the shift off their calendar...
    etag = r.headers["etag"]
    assert (await client.patch(f"/api/v1/signups/{dropped_signup}", json={"status": "cancelled"}, headers=h)).is_success
    r = await client.get(path, headers={"If-None-Match": etag})
    assert r.status_code == 200 and r.headers["etag"] != etag
    assert uid(dropped) not in (await parse(r.content, ical_js)).events
    # ...while an organizer's cancellation stays on it, cancelled.
    assert (await client.delete(f"/api/v1/shifts/{w['shift'].id}", headers=h)).status_code == 200
    parsed = await get_feed(client, path, ical_js)
    assert str(parsed.events[uid(w["shift"])]["STATUS"]) == "CANCELLED"

    new_token = await rotate_feed_token(volunteer)
    assert (await client.get(path)).status_code == 404
    assert (await client.head(path)).status_code == 404
    await get_feed(client, f"/feeds/volunteers/{new_token}.ics", ical_js)


async def test_unknown_and_odd_addresses_are_404(client: httpx.AsyncClient) -> None:
    await make_world()
    for path in (
        "/feeds/volunteers/nope.ics",
        "/feeds/volunteers/%00.ics",
        f"/feeds/volunteers/{'x' * 500}.ics",
        "/feeds/events/999999.ics",
        "/feeds/events/99999999999999.ics",
        "/feeds/groups/nope.ics",
        "/feeds/campaigns/nope.ics",
        "/feeds/organizations/nope.ics",
        "/feeds/organizations/nope/groups/nope.ics",
        "/feeds/organizations/local-100/campaigns/a%00b.ics",
    ):
        assert (await client.get(path)).status_code == 404, path


# ---- addresses ---------------------------------------------------------------------------------


async def test_same_slugs_of_two_organizations(client: httpx.AsyncClient, ical_js: Path) -> None:
    worlds = {}
    for org in ("org-a", "org-b"):
        membership, _ = await make_organizer(org)
        group = await make_group(membership, slug="west-side")
        campaign = await make_campaign(membership, slug="may-day")
        event = await make_event(group, campaign=campaign, title=f"Rally of {org}")
        worlds[org] = await make_shift(event)
    # a bare campaign slug keeps naming the first campaign that took it (its subscriptions keep working)
    parsed = await get_feed(client, "/feeds/campaigns/may-day.ics", ical_js)
    assert set(parsed.events) == {uid(worlds["org-a"])}
    for org in ("org-a", "org-b"):
        parsed = await get_feed(client, f"/feeds/campaigns/{org}/may-day.ics", ical_js)
        assert set(parsed.events) == {uid(worlds[org])}
    for kind, slug in (("groups", "west-side"), ("campaigns", "may-day")):
        r = await client.get(f"/feeds/{kind}/{slug}.ics")
        if kind == "groups":
            assert r.status_code == 404
        for org in ("org-a", "org-b"):
            if kind == "groups":
                assert f"http://testserver/feeds/organizations/{org}/{kind}/{slug}.ics" in r.text
            route = "feeds:org-group" if kind == "groups" else "feeds:org-campaign"
            assert client._transport.app.url_path_for(route, org=org, slug=slug) == (  # type: ignore[attr-defined]
                f"/feeds/organizations/{org}/{kind}/{slug}.ics"
            )
            parsed = await get_feed(client, f"/feeds/organizations/{org}/{kind}/{slug}.ics", ical_js)
            assert set(parsed.events) == {uid(worlds[org])}
            assert str(parsed.cal["X-WR-CALNAME"]).startswith(org)
    membership, _ = await make_organizer("org-c")
    await make_group(membership, slug="only-here")
    await get_feed(client, "/feeds/groups/only-here.ics", ical_js)


# ---- HTTP --------------------------------------------------------------------------------------


async def test_conditional_requests_and_head(client: httpx.AsyncClient) -> None:
    w = await make_world()
    path = f"/feeds/groups/{w['group'].slug}.ics"
    r = await client.get(path)
    etag, last_modified = r.headers["etag"], r.headers["last-modified"]
    assert parsedate_to_datetime(last_modified) <= datetime.now(UTC)
    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"other", W/{etag}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": last_modified},
        {"If-Modified-Since": format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)},
    ):
        not_modified = await client.get(path, headers=headers)
        assert not_modified.status_code == 304, headers
        assert not_modified.content == b""
        assert not_modified.headers["etag"] == etag and not_modified.headers["cache-control"] == "public, max-age=300"
    earlier = format_datetime(parsedate_to_datetime(last_modified) - timedelta(seconds=1), usegmt=True)
    for headers in (
        {"If-None-Match": '"other"'},
        {"If-None-Match": '"other"', "If-Modified-Since": last_modified},  # If-None-Match decides
        {"If-Modified-Since": earlier},
        {"If-Modified-Since": "not a date"},
    ):
        assert (await client.get(path, headers=headers)).status_code == 200, headers
    head = await client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == r.headers["content-length"] and head.headers["etag"] == etag
    assert head.headers["content-type"] == "text/calendar; charset=utf-8"
    assert (await client.head(path, headers={"If-None-Match": etag})).status_code == 304

    # A change gives a new ETag and a later Last-Modified.
    assert (await client.post(f"/api/v1/events/{w['event'].id}/cancel", headers=w["headers"])).status_code == 200
    after = await client.get(path, headers={"If-Modified-Since": last_modified})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert parsedate_to_datetime(after.headers["last-modified"]) > parsedate_to_datetime(last_modified)
    assert (await client.get(path, headers={"If-None-Match": etag})).status_code == 200


async def test_a_large_feed_goes_compressed_to_clients_that_take_gzip(client: httpx.AsyncClient) -> None:
    w = await make_world()
    for n in range(6):
        await make_shift(w["event"], starts_at=soon(n + 2))
    path = f"/feeds/campaigns/{w['campaign'].slug}.ics"
    plain = await client.get(path, headers={"Accept-Encoding": "identity"})
    packed = await client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    refused = await client.get(path, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in plain.headers and "content-encoding" not in refused.headers
    assert packed.headers["content-encoding"] == "gzip" and packed.headers["vary"] == "Accept-Encoding"
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    assert packed.content == plain.content == refused.content  # httpx undoes the gzip
    # One ETag per representation, and either one answers 304 for the version it names.
    assert packed.headers["etag"] != plain.headers["etag"] == refused.headers["etag"]
    for etag in (plain.headers["etag"], packed.headers["etag"]):
        assert (await client.get(path, headers={"If-None-Match": etag})).status_code == 304
    head = await client.head(path, headers={"Accept-Encoding": "gzip"})
    assert head.headers["content-length"] == packed.headers["content-length"]
    await make_shift(w["event"], starts_at=soon(20))
    changed = await client.get(path, headers={"If-None-Match": packed.headers["etag"]})
    assert changed.status_code == 200 and changed.content != plain.content


def calendar_name(response: httpx.Response) -> str:
    return str(icalendar.Calendar.from_ical(response.content)["X-WR-CALNAME"])


async def test_a_public_feeds_version_is_kept_for_a_second_per_process(
    client: httpx.AsyncClient, public_window: Callable[..., None]
) -> None:
    w = await make_world()
    path = f"/feeds/campaigns/{w['campaign'].slug}.ics"
    first = await client.get(path)
    await Event.filter(id=w["event"].id).update(sequence=5)
    await Campaign.filter(id=w["campaign"].id).update(name="Renamed day")  # the feed's name: its scope
    assert (await client.get(path)).headers["etag"] == first.headers["etag"]  # inside the second: as read
    answers = [instance.kept for instance in kept._instances]
    public_window(scopes._FINGERPRINTS.kept, *answers)  # past the second for the version (and its answer)
    assert (await client.get(path)).headers["etag"] != first.headers["etag"]
    assert "Renamed day" not in calendar_name(await client.get(path))  # the scope, also read once a second
    public_window(scopes._SCOPES.kept, *answers)  # and for the scope
    later = await client.get(path)
    assert later.headers["etag"] != first.headers["etag"] and "Renamed day" in calendar_name(later)
    # A volunteer's own feed is asked every time.
    r = await client.post(f"/api/v1/shifts/{w['shift'].id}/signups", json=volunteer_body(1), headers=w["headers"])
    assert r.status_code == 201, r.text
    own = f"/feeds/volunteers/{(await Volunteer.get(phone='+13125550001')).feed_token}.ics"
    before = await client.get(own)
    await Event.filter(id=w["event"].id).update(sequence=6)
    assert (await client.get(own)).headers["etag"] != before.headers["etag"]


async def test_an_unchanged_feed_is_not_rebuilt(client: httpx.AsyncClient) -> None:
    w = await make_world()
    path = f"/feeds/campaigns/{w['campaign'].slug}.ics"
    first = await asyncio.gather(*(client.get(path) for _ in range(5)))  # built once, however many ask
    assert feeds.CACHE.misses == 1
    assert len({r.content for r in first}) == 1
    again = await client.get(path)
    assert again.content == first[0].content and feeds.CACHE.misses == 1 and feeds.CACHE.hits >= 1
    await client.get(path, headers={"If-None-Match": again.headers["etag"]})
    assert feeds.CACHE.misses == 1
    # Every kind of change reaches the fingerprint, including queryset updates that skip updated_at.
    etags = {again.headers["etag"]}
    changes = [
        lambda: Shift.filter(id=w["shift"].id).update(status="cancelled"),
        lambda: Shift.filter(id=w["shift"].id).update(sequence=7),
        lambda: Event.filter(id=w["event"].id).update(sequence=3),
        lambda: Event.filter(id=w["event"].id).update(visibility="unlisted"),
    ]
    for change in changes:
        await change()
        r = await client.get(path)
        assert r.headers["etag"] not in etags
        etags.add(r.headers["etag"])
    assert feeds.CACHE.misses == 1 + len(changes)


# ---- pure parts --------------------------------------------------------------------------------


async def test_build_feed_alone(ical_js: Path) -> None:
    stamp = datetime(2026, 1, 5, tzinfo=UTC)
    empty = await parse(build_feed(FeedMeta("Nothing yet", "example.org"), []), ical_js)
    assert empty.events == {}
    event = EventRow(id=1, title="Vigil", timezone="Asia/Kolkata", url="https://example.org/events/1", updated_at=stamp)
    start = datetime(2026, 3, 1, 18, 30, tzinfo=ZoneInfo("Asia/Kolkata"))
    shift = ShiftRow(id=9, event=event, starts_at=start, ends_at=start + timedelta(hours=1), updated_at=stamp)
    domain = "calendar." + "very-long-subdomain." * 4 + "example.org"
    body = build_feed(FeedMeta("Vigils", domain), [shift])
    assert body == build_feed(FeedMeta("Vigils", domain), [shift])  # same rows, same bytes (strong ETags)
    parsed = await parse(body, ical_js)
    assert set(parsed.events) == {f"shift-9@{domain}"}  # a UID line longer than 75 octets, folded
    assert parsed.js_events[f"shift-9@{domain}"]["dtstart"]["local"] == "2026-03-01T18:30:00"


def test_links() -> None:
    event = EventRow(
        id=4,
        title="Picket, day 1",
        timezone="America/Chicago",
        url="https://x.org/events/4",
        updated_at=datetime.now(UTC),
        venue="Gate 3",
        address="500 W Madison St",
        city="Chicago",
        region="IL",
        postal_code="60661",
        country="US",
    )

    class Row:
        def __init__(self, **values: Any):
            self.__dict__.update(values)

    shift = Row(starts_at=datetime(2026, 11, 2, 6, tzinfo=CHICAGO), ends_at=datetime(2026, 11, 2, 10, tzinfo=CHICAGO))
    hidden = Row(**{**{f: getattr(event, f) for f in EventRow.__slots__}, "address_after_signup": True})  # type: ignore[attr-defined]
    url = google_calendar_url(hidden, shift, "https://x.org/events/4")  # type: ignore[arg-type]
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://calendar.google.com/calendar/render"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["action"] == "TEMPLATE" and query["text"] == "Picket, day 1" and query["ctz"] == "America/Chicago"
    assert query["dates"] == "20261102T120000Z/20261102T160000Z"
    assert query["location"] == "Gate 3, Chicago, IL 60661, US"
    assert "https://x.org/events/4" in query["details"]
    signed_up = google_calendar_url(hidden, shift, "https://x.org/events/4", show_address=True)  # type: ignore[arg-type]
    assert "500 W Madison St" in {k: v[0] for k, v in parse_qs(urlsplit(signed_up).query).items()}["location"]
    assert webcal_url("https://m.example.org/feeds/groups/x.ics?a=1") == "webcal://m.example.org/feeds/groups/x.ics?a=1"
    assert webcal_url("http://127.0.0.1:8000/feeds/events/1.ics") == "webcal://127.0.0.1:8000/feeds/events/1.ics"
    with pytest.raises(ValueError):
        webcal_url("webcal://already")
