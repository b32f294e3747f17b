"""The organizer dashboard through HTTP: login and sessions, CSRF, events and picket schedules, rosters and
check-in, self check-in by QR link, host scoping, exports and their audit entries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from mobilize.models import (
    ApiToken,
    AuditLog,
    Event,
    Message,
    MessageKind,
    Role,
    Shift,
    Signup,
    SignupSource,
    SignupStatus,
)
from mobilize.services.people import ConsentContext, Contact
from mobilize.services.signups.attendance import checkin_token
from mobilize.services.signups.seats import sign_up
from tests.factories import make_event, make_group, make_organizer, make_shift, make_world, start_shift
from tests.web.test_pages import csrf_from

PASSWORD = "correct horse battery staple"


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    token = await csrf_from(client, "/login")
    return await client.post("/login", data={"email": email, "password": password, "csrf_token": token})


async def logged_in(client: httpx.AsyncClient, role: Role = Role.OWNER, **kw: Any) -> dict[str, Any]:
    world = await make_world()
    membership = world["membership"]
    if role != Role.OWNER:
        membership, _ = await make_organizer(role=role, **kw)
    await membership.fetch_related("organizer")
    r = await login(client, membership.organizer.email)
    assert r.status_code == 303, r.text
    return world | {"membership": membership, "owner": world["membership"]}


async def post(
    client: httpx.AsyncClient, path: str, data: dict[str, Any], form_page: str = "/dashboard/"
) -> httpx.Response:
    token = await csrf_from(client, form_page)
    return await client.post(path, data={**data, "csrf_token": token})


async def a_signup(shift: Shift, n: int = 1, **kw: Any) -> Signup:
    result = await sign_up(shift.id, Contact(name=f"Vol {n}", phone=f"+1312555{n:04d}"), source=SignupSource.WEB, **kw)
    return result.signup


# ---- accounts in the browser -----------------------------------------------------------------------


async def test_dashboard_needs_a_session_and_login_checks_the_password(client: httpx.AsyncClient) -> None:
    world = await make_world()
    await world["membership"].fetch_related("organizer")
    email = world["membership"].organizer.email
    r = await client.get("/dashboard/events/1")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/dashboard/events/1"
    assert (await login(client, email, "wrong password")).status_code == 422
    assert (await login(client, "nobody@example.org")).status_code == 422
    r = await login(client, email)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/"
    r = await client.get("/dashboard/")
    assert r.status_code == 200 and "Picket at the gate" in r.text
    assert r.headers["cache-control"] == "no-store"
    assert (await post(client, "/logout", {})).status_code == 303
    assert (await client.get("/dashboard/")).status_code == 303


async def test_login_returns_to_the_page_asked_for_but_never_off_site(client: httpx.AsyncClient) -> None:
    world = await make_world()
    await world["membership"].fetch_related("organizer")
    token = await csrf_from(client, "/login")
    data = {"email": world["membership"].organizer.email, "password": PASSWORD, "csrf_token": token}
    r = await client.post("/login", data=data | {"next": "/dashboard/turnout"})
    assert r.headers["location"] == "/dashboard/turnout"
    token = await csrf_from(client, "/login")
    r = await client.post("/login", data=data | {"csrf_token": token, "next": "//evil.example/dashboard"})
    assert r.headers["location"] == "/dashboard/"


async def test_every_form_needs_the_csrf_token(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    assert (await client.post("/login", data={"email": "x@example.org", "password": "x"})).status_code == 403
    r = await client.post(f"/dashboard/events/{world['event'].id}/cancel", data={})
    assert r.status_code == 403
    r = await client.post(f"/dashboard/events/{world['event'].id}/cancel", data={"csrf_token": "forged"})
    assert r.status_code == 403
    assert (await Event.get(id=world["event"].id)).status == "scheduled"


# ---- events and shifts -------------------------------------------------------------------------------


async def test_create_an_event_then_a_picket_schedule_with_join_codes(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    form = {
        "title": "Strike picket", "group": world["group"].slug, "campaign": "", "event_type": "picket",
        "timezone": "America/Chicago", "visibility": "public", "city": "Chicago", "postal_code": "60616",
    }  # fmt: skip
    r = await post(client, "/dashboard/events", form, "/dashboard/events/new")
    assert r.status_code == 303, r.text
    event = await Event.get(title="Strike picket")
    assert r.headers["location"] == f"/dashboard/events/{event.id}"
    schedule = {
        "first_day": "2031-03-03", "last_day": "2031-03-16", "weekdays": ["MO", "WE", "FR"],
        "day_starts": "06:00", "day_ends": "14:00", "length": "240", "capacity": "12", "target": "8",
    }  # fmt: skip
    r = await post(client, f"/dashboard/events/{event.id}/schedule", schedule)
    assert r.status_code == 303, r.text
    shifts = await Shift.filter(event_id=event.id).order_by("starts_at")
    assert len(shifts) == 6 * 2  # Mon, Wed, Fri of two weeks; 06-10 and 10-14
    # 06:00 in Chicago: CST before the DST change of March 9, 2031, CDT after it
    assert shifts[0].starts_at == datetime(2031, 3, 3, 12, 0, tzinfo=UTC)
    assert shifts[1].starts_at == datetime(2031, 3, 3, 16, 0, tzinfo=UTC)
    assert shifts[-2].starts_at == datetime(2031, 3, 14, 11, 0, tzinfo=UTC)
    assert {(s.capacity, s.target) for s in shifts} == {(12, 8)}
    page = (await client.get(f"/dashboard/events/{event.id}")).text
    assert all(s.code in page for s in shifts)
    assert "Mon, Mar 3, 2031, 6:00 AM – 10:00 AM CST" in page


async def test_schedule_and_shift_errors_are_shown_on_the_form(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    path = f"/dashboard/events/{world['event'].id}"
    bad = {"first_day": "2031-03-03", "last_day": "2031-03-01", "weekdays": ["MO"], "day_starts": "06:00",
           "day_ends": "14:00", "length": "240", "capacity": "12", "target": "8"}  # fmt: skip
    r = await post(client, path + "/schedule", bad, path)
    assert r.status_code == 422 and "Must be on or after the first day" in r.text
    r = await post(client, path + "/shifts", {"date": "2031-03-03", "starts": "nope", "ends": "10:00",
                                              "one_capacity": "5"}, path)  # fmt: skip
    assert r.status_code == 422
    r = await post(client, path + "/shifts", {"date": "2031-03-03", "starts": "06:00", "ends": "10:00",
                                              "one_capacity": "5", "one_target": "3"}, path)  # fmt: skip
    assert r.status_code == 303
    assert await Shift.filter(event_id=world["event"].id).count() == 2


async def test_edit_duplicate_and_cancel_an_event(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    event = world["event"]
    path = f"/dashboard/events/{event.id}"
    r = await client.get(path + "/edit")
    assert r.status_code == 200 and 'value="Picket at the gate"' in r.text
    form = {"title": "Picket at the north gate", "group": world["group"].slug, "campaign": world["campaign"].slug,
            "event_type": "picket", "timezone": "America/Chicago", "visibility": "public"}  # fmt: skip
    assert (await post(client, path + "/edit", form, path)).status_code == 303
    assert (await Event.get(id=event.id)).title == "Picket at the north gate"
    r = await post(client, path + "/duplicate", {"days": "7"}, path)
    copy = await Event.exclude(id=event.id).get()
    assert r.headers["location"] == f"/dashboard/events/{copy.id}"
    original_shift, copied = world["shift"], await Shift.get(event_id=copy.id)
    assert copied.starts_at == original_shift.starts_at + timedelta(days=7) and copied.code != original_shift.code
    assert (await post(client, path + "/cancel", {}, path)).status_code == 303
    assert (await Event.get(id=event.id)).status == "cancelled"


# ---- rosters and check-in ----------------------------------------------------------------------------


async def test_roster_one_tap_attended_no_show_and_a_walk_in(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    shift = world["shift"]
    first, second = await a_signup(shift, 1), await a_signup(shift, 2)
    await start_shift(shift)  # under way: people are marked
    roster = f"/dashboard/shifts/{shift.id}"
    page = (await client.get(roster)).text
    assert "Vol 1" in page and "Vol 2" in page and shift.code in page and "<svg" in page
    r = await post(client, f"/dashboard/signups/{first.id}/attendance", {"mark": "attended"}, roster)
    assert r.status_code == 303 and r.headers["location"] == roster
    r = await post(client, f"/dashboard/signups/{second.id}/attendance", {"mark": "no_show"}, roster)
    one, two = await Signup.get(id=first.id), await Signup.get(id=second.id)
    assert one.status == SignupStatus.ATTENDED and one.attendance_locked and one.checked_in_at is not None
    assert two.status == SignupStatus.NO_SHOW and two.attendance_locked
    r = await post(
        client, f"/dashboard/shifts/{shift.id}/walk-ins", {"name": "Walk In", "phone": "312 555 0199"}, roster
    )
    assert r.status_code == 303
    walk = await Signup.get(source=SignupSource.WALK_IN).prefetch_related("volunteer")
    assert walk.status == SignupStatus.ATTENDED and walk.volunteer.phone == "+13125550199"
    assert (await Shift.get(id=shift.id)).filled == 3
    page = (await client.get(roster)).text
    assert "Walk-in" in page and "checked in" in page


async def test_a_past_or_cancelled_shifts_roster_offers_no_walk_in_form_and_no_qr_code(
    client: httpx.AsyncClient, app: Any
) -> None:
    """Both would be refused (the shift is over, or off): the roster shows why instead, and marking who came
    stays."""
    world = await logged_in(client)
    shift = world["shift"]
    signup = await a_signup(shift, 1)
    roster = f"/dashboard/shifts/{shift.id}"
    page = (await client.get(roster)).text
    assert "Add a walk-in" in page and "<svg" in page and 'id="roster-closed"' not in page  # still to come
    ended = datetime.now(UTC) - timedelta(days=1)  # it happened since: the page's clock is the server's
    await Shift.filter(id=shift.id).update(starts_at=ended - timedelta(hours=3), ends_at=ended)
    page = (await client.get(roster)).text
    assert "Add a walk-in" not in page and "<svg" not in page and "/checkin/" not in page
    assert "This shift is over: it takes no more walk-ins or self check-ins; mark who came above, or add" in page
    assert f"/dashboard/signups/{signup.id}/attendance" in page
    # What the form would have done, and the QR link too: refused.
    r = await post(client, f"{roster}/walk-ins", {"name": "Late Comer", "phone": "312 555 0198"}, roster)
    assert r.status_code == 303 and "this shift is over" in (await client.get(roster)).text
    checkin = f"/checkin/{checkin_token(app.state.settings.secret, shift.id)}"
    r = await client.post(checkin, data={"contact": "+13125550001", "csrf_token": await csrf_from(client, checkin)})
    assert r.status_code == 422 and "This shift is over; ask an organizer" in r.text
    assert not await Signup.filter(source=SignupSource.WALK_IN).exists()
    assert (await Signup.get(id=signup.id)).status == SignupStatus.SIGNED_UP

    soon = datetime.now(UTC) + timedelta(days=1)
    await Shift.filter(id=shift.id).update(starts_at=soon, ends_at=soon + timedelta(hours=3), status="cancelled")
    page = (await client.get(roster)).text
    assert "Add a walk-in" not in page and "<svg" not in page
    assert "This shift is cancelled: it takes no walk-ins or check-ins." in page


async def test_a_viewer_reads_the_roster_but_cannot_mark(client: httpx.AsyncClient) -> None:
    world = await logged_in(client, Role.VIEWER)
    signup = await a_signup(world["shift"])
    roster = f"/dashboard/shifts/{world['shift'].id}"
    page = await client.get(roster)
    assert page.status_code == 200 and "Vol 1" in page.text and "Add a walk-in" not in page.text
    r = await post(client, f"/dashboard/signups/{signup.id}/attendance", {"mark": "attended"}, roster)
    assert r.status_code == 403
    assert (await Signup.get(id=signup.id)).status == SignupStatus.SIGNED_UP


async def test_a_host_cannot_see_another_groups_roster(client: httpx.AsyncClient) -> None:
    world = await make_world()
    owner = world["membership"]
    mine = await make_group(owner, slug="mine")
    my_event = await make_event(mine)
    my_shift = await make_shift(my_event)
    host, _ = await make_organizer(role=Role.HOST, groups=["mine"])
    await host.fetch_related("organizer")
    assert (await login(client, host.organizer.email)).status_code == 303
    theirs = await a_signup(world["shift"])
    assert (await client.get(f"/dashboard/shifts/{my_shift.id}")).status_code == 200
    assert (await client.get(f"/dashboard/shifts/{world['shift'].id}")).status_code == 404
    assert (await client.get(f"/dashboard/events/{world['event'].id}")).status_code == 404
    assert (await client.get(f"/dashboard/turnout/events/{world['event'].id}")).status_code == 404
    assert (await client.get(f"/dashboard/turnout/groups/{world['group'].slug}")).status_code == 404
    roster = f"/dashboard/shifts/{my_shift.id}"
    r = await post(client, f"/dashboard/signups/{theirs.id}/attendance", {"mark": "attended"}, roster)
    assert r.status_code == 404
    assert (await Signup.get(id=theirs.id)).status == SignupStatus.SIGNED_UP
    page = (await client.get("/dashboard/")).text
    assert "Picket at the gate" in page  # their own group's event (same default title)
    assert page.count("data-event=") == 1


async def test_self_check_in_from_the_qr_link(client: httpx.AsyncClient, app: Any) -> None:
    world = await make_world()
    shift = world["shift"]
    await Shift.filter(id=shift.id).update(starts_at=datetime.now(UTC) - timedelta(minutes=10))
    signup = await a_signup(shift, 7)
    token = checkin_token(app.state.settings.secret, shift.id)
    assert (await client.get(f"/checkin/{shift.id}-forged")).status_code == 404
    assert (await client.get(f"/checkin/{checkin_token('other secret', shift.id)}")).status_code == 404
    path = f"/checkin/{token}"
    csrf = await csrf_from(client, path)
    r = await client.post(path, data={"contact": "(312) 555-0008", "csrf_token": csrf})
    assert r.status_code == 404 and "no sign-up" in r.text
    r = await client.post(path, data={"contact": "(312) 555-0007", "csrf_token": csrf})
    assert r.status_code == 200 and "checked in" in r.text
    checked = await Signup.get(id=signup.id)
    assert checked.status == SignupStatus.ATTENDED and checked.checked_in_at is not None
    r = await client.post(path, data={"contact": "+13125550007", "csrf_token": csrf})
    assert "already checked in" in r.text


# ---- exports -----------------------------------------------------------------------------------------


async def test_exports_need_the_permission_and_are_audited(client: httpx.AsyncClient) -> None:
    world = await logged_in(client, Role.ORGANIZER)  # organizers have no export permission by default
    await a_signup(world["shift"])
    roster_csv = f"/dashboard/shifts/{world['shift'].id}/roster.csv"
    turnout_csv = f"/dashboard/turnout/campaigns/{world['campaign'].slug}.csv"
    assert (await client.get(roster_csv)).status_code == 403
    assert (await client.get(turnout_csv)).status_code == 403
    assert "Download the roster" not in (await client.get(f"/dashboard/shifts/{world['shift'].id}")).text
    assert await AuditLog.all().count() == 0
    await post(client, "/logout", {})
    owner_membership = world["owner"]
    await owner_membership.fetch_related("organizer")
    await login(client, owner_membership.organizer.email)
    r = await client.get(roster_csv)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("signup_id,name,phone") and "+13125550001" in lines[1]
    r = await client.get(turnout_csv)
    assert r.status_code == 200 and r.text.splitlines()[-1].startswith("total,,,Day of Action,1,0,0,0,0,")
    entries = await AuditLog.all().order_by("id")
    assert [(e.action, e.organizer_id) for e in entries] == [
        ("export.roster", owner_membership.organizer_id),
        ("export.turnout", owner_membership.organizer_id),
    ]
    assert entries[0].detail["shift"] == world["shift"].id and entries[0].detail["rows"] == 1
    assert entries[1].detail["campaign"] == world["campaign"].slug


# ---- API tokens ---------------------------------------------------------------------------------------


async def test_api_tokens_created_once_and_revoked_from_the_dashboard(client: httpx.AsyncClient) -> None:
    await logged_in(client)
    r = await post(client, "/dashboard/tokens", {"name": "website embed"}, "/dashboard/tokens")
    assert r.status_code == 200
    token = re.search(r'value="(mob_[^"]+)"', r.text)
    assert token, "the new token is shown once"
    api = {"Authorization": f"Bearer {token.group(1)}"}
    assert (await client.get("/api/v1/events", headers=api)).status_code == 200
    page = (await client.get("/dashboard/tokens")).text
    assert token.group(1) not in page and "website embed" in page
    row = await ApiToken.get(name="website embed")
    r = await post(client, f"/dashboard/tokens/{row.id}/revoke", {}, "/dashboard/tokens")
    assert r.status_code == 303
    assert (await client.get("/api/v1/events", headers=api)).status_code == 401
    assert (await post(client, "/dashboard/tokens", {"name": " "}, "/dashboard/tokens")).status_code == 422
    other, _ = await make_organizer()
    theirs = await ApiToken.filter(membership=other).first()
    assert theirs is not None
    r = await post(client, f"/dashboard/tokens/{theirs.id}/revoke", {}, "/dashboard/tokens")
    assert r.status_code == 404 and (await ApiToken.get(id=theirs.id)).revoked_at is None


async def test_message_a_roster_from_the_dashboard_once(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    await a_signup(world["shift"], 1, sms_consent=ConsentContext(source="web_form", words="I agree to texts"))
    roster = f"/dashboard/shifts/{world['shift'].id}"
    page = (await client.get(roster)).text
    key = re.search(r'name="key" value="([^"]+)"', page)
    assert key
    form = {"channels": ["sms", "email"], "body": "Bring water, it will be hot.", "key": key.group(1)}
    r = await post(client, roster + "/messages", form, roster)
    assert r.status_code == 303
    page = (await client.get(roster)).text
    assert "Message on its way to 1 people" in page
    await post(client, roster + "/messages", form, roster)  # a double submit: the same key
    [message] = await Message.filter(kind=MessageKind.BLAST)
    assert message.to_address == "+13125550001" and "Bring water" in message.body  # no email on file
    r = await post(client, roster + "/messages", {"channels": ["sms"], "body": ""}, roster)
    assert "Nothing was sent" in (await client.get(roster)).text


async def test_csv_cells_never_run_as_spreadsheet_formulas(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    await sign_up(
        world["shift"].id, Contact(name='=HYPERLINK("http://x")', phone="+13125550001"), source=SignupSource.WEB
    )
    r = await client.get(f"/dashboard/shifts/{world['shift'].id}/roster.csv")
    row = r.text.splitlines()[1]
    assert "'=HYPERLINK" in row and ",+13125550001," in row  # the name quoted, the phone number kept
