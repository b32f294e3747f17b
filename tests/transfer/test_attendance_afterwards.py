"""Attendance entered after the shift: organizers add people who came (or did not) to a shift that has
started or ended, through the API, the roster's form and a paper sheet on the command line; the public
still cannot sign up for a past shift, nothing is marked before the shift starts, and a correction of an
attendance is in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from mobilize.models import AuditLog, Message, Shift, Signup, SignupSource, SignupStatus, Volunteer
from mobilize.services.signups.attendance import checkin_token
from tests.clock import MIDDAY, daytime
from tests.factories import make_organizer, make_world, volunteer_body
from tests.test_cli import run_cli
from tests.web.test_dashboard import a_signup, logged_in, post
from tests.web.test_pages import csrf_from

pytestmark = daytime
# Ahead of this test's clock and of the real one (the command line runs in a process of its own, on the real clock).
LATER = datetime(2036, 6, 11, 15, 0, tzinfo=UTC)
API = "/api/v1"


async def past_world(slug: str = "local-100") -> dict[str, object]:
    world = await make_world(slug)
    ended = MIDDAY - timedelta(days=1)
    await Shift.filter(id=world["shift"].id).update(starts_at=ended - timedelta(hours=3), ends_at=ended)
    return world


async def test_the_api_adds_people_to_a_past_shift_with_their_attendance(
    client: httpx.AsyncClient, migrated: str
) -> None:
    world = await past_world()
    other = await past_world("local-200")  # knows the same phone
    shift, headers = world["shift"], world["headers"]
    body = {**volunteer_body(1), "status": "attended", "source": "walk_in"}
    r = await client.post(f"{API}/shifts/{shift.id}/signups", json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "attended"
    r = await client.post(f"{API}/shifts/{shift.id}/signups", json=body, headers=headers)  # a retry
    assert r.status_code == 200 and await Signup.filter(shift_id=shift.id).count() == 1
    r = await client.post(f"{API}/shifts/{shift.id}/signups", json={**volunteer_body(2), "status": "no_show"},
                          headers=headers)  # fmt: skip
    assert r.status_code == 201 and r.json()["status"] == "no_show"
    assert not await Message.exists()  # nothing is sent about a past shift
    assert (await Shift.get(id=shift.id)).filled == 2
    assert await Volunteer.filter(organization_id=other["shift"].event.organization_id).count() == 0
    # without a status, and from the public: the shift is over
    r = await client.post(f"{API}/shifts/{shift.id}/signups", json=volunteer_body(3), headers=headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "shift_over"
    r = await client.post(f"{API}/public/shifts/{shift.id}/signups", json={**volunteer_body(3), "status": "attended"})
    assert r.status_code in (409, 422)
    r = await client.post(f"{API}/public/shifts/{shift.id}/signups", json=volunteer_body(3))
    assert r.status_code == 409
    # another organization's token does not reach this shift
    r = await client.post(f"{API}/shifts/{shift.id}/signups", json=body, headers=other["headers"])
    assert r.status_code == 404
    # a bad status names the field
    r = await client.post(f"{API}/shifts/{shift.id}/signups", json={**body, "status": "maybe"}, headers=headers)
    assert r.status_code == 422 and "status" in r.text


async def test_nothing_is_marked_before_the_shift_starts(
    client: httpx.AsyncClient, migrated: str, app: Any, tmp_path: Path
) -> None:
    """One rule (services.signups.attendance.require_attendance_open) on every path: the API's new sign-up
    with a status and its status change, the roster's marks and walk-ins, a paper sheet, the QR check-in."""
    world = await logged_in(client)
    shift, headers = world["shift"], world["headers"]
    await Shift.filter(id=shift.id).update(starts_at=LATER, ends_at=LATER + timedelta(hours=3))
    signup = await a_signup(shift, 1)
    roster = f"/dashboard/shifts/{shift.id}"
    for body in ({**volunteer_body(2), "status": "attended"}, {**volunteer_body(2), "status": "no_show"}):
        r = await client.post(f"{API}/shifts/{shift.id}/signups", json=body, headers=headers)
        assert r.status_code == 422 and r.json()["error"]["code"] == "too_early", r.text
        assert "has not started" in r.json()["error"]["fields"]["status"]
    for status in ("attended", "no_show"):
        r = await client.patch(f"{API}/signups/{signup.id}", json={"status": status}, headers=headers)
        assert r.status_code == 422 and set(r.json()["error"]["fields"]) == {"status"}, r.text
    for mark in ("attended", "no_show"):
        r = await post(client, f"/dashboard/signups/{signup.id}/attendance", {"mark": mark, "shift": shift.id}, roster)
        assert r.status_code == 303 and r.headers["location"] == roster
        assert "Nothing changed: this shift has not started" in (await client.get(roster)).text
    for form in (
        {"name": "Early", "phone": "312 555 0198"},
        {"name": "Early", "phone": "312 555 0198", "status": "attended"},
    ):
        r = await post(client, f"{roster}/walk-ins", form, roster)
        assert r.status_code == 303
        assert "The walk-in was not added: this shift has not started" in (await client.get(roster)).text
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("name,phone,status\nEarly,312 555 0198,attended\n")
    code, _, err = await run_cli(
        migrated, "import", "attendance", str(sheet), "--org", "local-100", "--shift", str(shift.id)
    )
    assert code != 0 and "has not started" in err, (code, _, err)
    path = f"/checkin/{checkin_token(app.state.settings.secret, shift.id)}"
    r = await client.post(path, data={"contact": "(312) 555-0001", "csrf_token": await csrf_from(client, path)})
    assert r.status_code == 422 and "has not started" in r.text
    # nothing was written anywhere
    assert [(s.status, s.attendance_locked) for s in await Signup.all()] == [(SignupStatus.SIGNED_UP, False)]
    assert await Volunteer.all().count() == 1 and not await AuditLog.exists()

    # from an hour before the start, someone who came is checked in; nobody has missed it before it starts
    await Shift.filter(id=shift.id).update(
        starts_at=MIDDAY + timedelta(minutes=30), ends_at=MIDDAY + timedelta(hours=3)
    )
    r = await client.patch(f"{API}/signups/{signup.id}", json={"status": "no_show"}, headers=headers)
    assert r.status_code == 422 and "nobody can have missed it" in r.json()["error"]["fields"]["status"]
    r = await client.patch(f"{API}/signups/{signup.id}", json={"status": "attended"}, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "attended"


async def test_a_correction_of_attendance_is_audited(client: httpx.AsyncClient, migrated: str) -> None:
    world = await past_world()
    body = {**volunteer_body(1), "status": "attended"}
    r = await client.post(f"{API}/shifts/{world['shift'].id}/signups", json=body, headers=world["headers"])
    signup = r.json()
    r = await client.patch(f"{API}/signups/{signup['id']}", json={"status": "no_show"}, headers=world["headers"])
    assert r.status_code == 200 and r.json()["status"] == "no_show"
    entry = await AuditLog.get(action="signup.attendance_corrected")
    assert entry.detail == {"signup": signup["id"], "shift": world["shift"].id, "from": "attended", "to": "no_show"}
    assert entry.organizer_id == world["membership"].organizer_id


async def test_the_roster_form_adds_people_from_the_sign_in_sheet(client: httpx.AsyncClient, migrated: str) -> None:
    world = await logged_in(client)
    ended = MIDDAY - timedelta(days=1)
    shift = world["shift"]
    await Shift.filter(id=shift.id).update(starts_at=ended - timedelta(hours=3), ends_at=ended)
    roster = f"/dashboard/shifts/{shift.id}"
    page = (await client.get(roster)).text
    assert "Add someone from the sign-in sheet" in page
    data = {"name": "Late Entry", "phone": "312 555 0198", "status": "attended"}
    r = await post(client, f"{roster}/walk-ins", data, roster)
    assert r.status_code == 303
    assert "Late Entry is on the roster: came." in (await client.get(roster)).text
    signup = await Signup.get(shift_id=shift.id)
    assert (signup.status, signup.source, signup.attendance_locked) == (SignupStatus.ATTENDED, SignupSource.WALK_IN,
                                                                        True)  # fmt: skip
    # a mark is corrected from the roster, and the correction audited
    r = await post(client, f"/dashboard/signups/{signup.id}/attendance", {"mark": "no_show"}, roster)
    assert r.status_code == 303 and (await Signup.get(id=signup.id)).status == SignupStatus.NO_SHOW
    assert await AuditLog.filter(action="signup.attendance_corrected").count() == 1


async def test_a_viewer_cannot_add_attendance(client: httpx.AsyncClient, migrated: str) -> None:
    world = await past_world()
    _, token = await make_organizer(role="viewer")
    r = await client.post(f"{API}/shifts/{world['shift'].id}/signups", json={**volunteer_body(1), "status": "attended"},
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 403 and not await Signup.exists()


async def test_a_paper_sheet_from_the_command_line(migrated: str, tmp_path: Path) -> None:
    world = await past_world()
    shift = world["shift"]
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "name,phone,email,status\n"
        "Ana,(312) 555-0101,,\n"
        "Ben,,ben@example.org,no\n"
        "Cy,not a phone,,\n"
        "Di,,,attended\n"
        "Ed,3125550105,,maybe\n"
    )
    args = ("import", "attendance", str(sheet), "--org", "local-100", "--shift", str(shift.id))
    code, out, err = await run_cli(migrated, *args)
    assert code == 0, err
    assert "entered 2 people on shift" in out and "rejected 3 lines" in out
    assert "line 4: phone:" in out and "line 5: needs a phone or an email" in out and "line 6: status:" in out
    statuses = dict(await Signup.filter(shift_id=shift.id).values_list("volunteer__name", "status"))
    assert statuses == {"Ana": SignupStatus.ATTENDED, "Ben": SignupStatus.NO_SHOW}
    code, out, _ = await run_cli(migrated, *args)  # again: nothing changes
    assert await Signup.filter(shift_id=shift.id).count() == 2
    code, _, err = await run_cli(migrated, *args[:3], "--org", "nope", "--shift", str(shift.id))
    assert code != 0 and "no organization" in err
