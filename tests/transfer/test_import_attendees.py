"""`mobilize import attendees`: attendance history from Mobilize and Action Network attendee exports (or our
columns). Rows go on the organization's shift with the same event title and start, else a new shift of a past
event of that title, else a new past event; people are matched or created; each row whole or rejected with its
reason; unused columns listed; a second run changes nothing. The command runs on the real clock: the times
here are long past, or years ahead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from mobilize.models import (
    Event,
    EventStatus,
    Shift,
    Signup,
    SignupSource,
    SignupStatus,
    Visibility,
    Volunteer,
    VolunteerTag,
)
from tests.factories import make_event, make_person, make_shift, make_world
from tests.test_cli import run_cli

MAY_9 = datetime(2026, 5, 9, 15, 0, tzinfo=UTC)  # 10:00 in Chicago
MOBILIZE = (
    "Event ID,Event name,Event type,Timeslot start,Timeslot end,Timezone,First name,Last name,Email,Phone,Zip,"
    "Status,Attended,Referrer\n"
    "101,Weekend canvass,CANVASS,2026-05-02 10:00:00,2026-05-02 13:00:00,America/Chicago,Ana,Ruiz,"
    "ana@example.org,(312) 555-0101,60614,CONFIRMED,true,email\n"
    "101,Weekend canvass,CANVASS,2026-05-02 10:00:00,2026-05-02 13:00:00,America/Chicago,Ben,Li,ben@example.org,"
    ",60615,REGISTERED,false,\n"
    "101,weekend canvass,CANVASS,2026-05-09 10:00:00,2026-05-09 13:00:00,America/Chicago,Ana,Ruiz,"
    "ana@example.org,(312) 555-0101,60614,CONFIRMED,True,\n"
    "102,Phone bank,PHONE_BANK,2026-05-03T18:00:00-05:00,,,Cy,,cy@example.org,,,CANCELLED,,\n"
    "102,Phone bank,PHONE_BANK,2026-05-03T18:00:00-05:00,,,Di,,,not a phone,,REGISTERED,true,\n"
    "102,Phone bank,PHONE_BANK,2026-05-03T18:00:00-05:00,,,Eve,Ng,eve@example.org,,,REGISTERED,,\n"
    "103,Future rally,RALLY,2036-07-01 10:00:00,,America/Chicago,Fox,,fox@example.org,,,REGISTERED,true,\n"
    "104,Cancelled march,RALLY,2026-05-01 10:00:00,,America/Chicago,Ivy,,ivy@example.org,,,REGISTERED,true,\n"
)
ACTION_NETWORK = (
    "first_name,last_name,email,zip_code,can2_phone,can2_sms_status,can2_user_tags,event,start_date,attended\n"
    "Fay,Wu,FAY@example.org,60614,312-555-0111,subscribed,tenants,Tenant union meeting,05/20/2026 7:00 PM,yes\n"
    "Gus,Oh,gus@example.org,60614,,,,Tenant union meeting,05/20/2026 7:00 PM,\n"
    "Hal,,,,,,,Tenant union meeting,05/20/2026 7:00 PM,yes\n"
    "Jo,,jo@example.org,,,,,Tenant union meeting,05/20/2026 7:00 PM,maybe\n"
)


async def test_a_mobilize_attendee_export(migrated: str, tmp_path: Path) -> None:
    world = await make_world("local-1")
    org_id = world["membership"].organization_id
    canvass = await make_event(world["group"], title="Weekend canvass", event_type="canvass")
    may_9 = await make_shift(canvass, starts_at=MAY_9)
    ana = await make_person(org_id, name="Ana", email="ana@example.org")
    await Signup.create(shift=may_9, volunteer=ana, holder=may_9.id, status=SignupStatus.SIGNED_UP,
                        source=SignupSource.WEB)  # fmt: skip
    march = await make_event(world["group"], title="Cancelled march", status=EventStatus.CANCELLED)
    await make_shift(march, starts_at=datetime(2026, 5, 1, 15, 0, tzinfo=UTC))
    # another organization, with the same phone and an event of the same title at the same time: untouched
    other = await make_world("local-2")
    other_ana = await make_person(other["membership"].organization_id, name="Other Ana", phone="+13125550101")
    theirs = await make_event(other["group"], title="Weekend canvass")
    await make_shift(theirs, starts_at=datetime(2026, 5, 2, 15, 0, tzinfo=UTC))
    path = tmp_path / "attendees.csv"
    path.write_text(MOBILIZE)

    code, out, err = await run_cli(migrated, "import", "attendees", str(path), "--org", "local-1")
    assert code == 0, err
    assert "read as Mobilize columns" in out and "Timeslot start -> event start" in out
    assert "columns not used: Referrer" in out
    assert "entered 4 attendances (3 new, 1 changed, 0 already so); created 1 past events and 2 shifts" in out
    assert "rejected 4 rows" in out
    assert "line 5: Status: CANCELLED: the sign-up was cancelled" in out
    assert "line 6: Phone:" in out
    assert "line 8: this shift has not started" in out
    assert "line 9: this shift was cancelled" in out

    # the canvass of 9 May was there: Ana's sign-up is marked; 2 May is a new shift of that (past) event
    assert (await Signup.get(id=(await Signup.get(shift_id=may_9.id)).id)).status == SignupStatus.ATTENDED
    shifts = await Shift.filter(event_id=canvass.id).order_by("starts_at")
    assert [s.starts_at for s in shifts] == [datetime(2026, 5, 2, 15, 0, tzinfo=UTC), MAY_9]
    assert shifts[0].ends_at == datetime(2026, 5, 2, 18, 0, tzinfo=UTC) and shifts[0].capacity == 2
    marks = dict(await Signup.filter(shift_id=shifts[0].id).values_list("volunteer__name", "status"))
    assert marks == {"Ana": SignupStatus.ATTENDED, "Ben Li": SignupStatus.NO_SHOW}
    # the phone bank is a new past event: private, in the organization's zone, of its type; no end: 2 hours
    bank = await Event.get(organization_id=org_id, title="Phone bank").prefetch_related("shifts")
    assert (bank.visibility, bank.timezone, bank.event_type) == (Visibility.PRIVATE, "America/Chicago", "phone_bank")
    assert [(s.starts_at, s.ends_at - s.starts_at) for s in bank.shifts] == [
        (datetime(2026, 5, 3, 23, 0, tzinfo=UTC), timedelta(hours=2))
    ]
    assert [s.status for s in await Signup.filter(shift__event_id=bank.id)] == [SignupStatus.NO_SHOW]  # Eve
    # nothing half: no record of the people whose rows were rejected, no future event
    names = set(await Volunteer.filter(organization_id=org_id).values_list("name", flat=True))
    assert names == {"Ana", "Ben Li", "Eve Ng"} and not await Event.exists(title="Future rally")
    assert (await Volunteer.get(organization_id=org_id, name="Ana")).phone == "+13125550101"
    # tenancy: the other organization's record and event are as they were
    assert (await Volunteer.get(id=other_ana.id)).name == "Other Ana"
    assert not await Signup.filter(shift__event_id=theirs.id).exists()
    assert not await Signup.filter(volunteer_id=other_ana.id).exists()

    before = sorted(await Signup.all().values_list("id", "status", "updated_at", "checked_in_at"))
    code, out, err = await run_cli(migrated, "import", "attendees", str(path), "--org", "local-1")
    assert code == 0, err
    assert "entered 4 attendances (0 new, 0 changed, 4 already so); created 0 past events and 0 shifts" in out
    assert sorted(await Signup.all().values_list("id", "status", "updated_at", "checked_in_at")) == before
    assert await Event.filter(organization_id=org_id).count() == 4 and await Shift.all().count() == 7


async def test_an_action_network_attendee_export_and_one_shift(migrated: str, tmp_path: Path) -> None:
    world = await make_world("local-1")
    org_id = world["membership"].organization_id
    path = tmp_path / "an.csv"
    path.write_text(ACTION_NETWORK)
    args = ("import", "attendees", str(path), "--org", "local-1", "--timezone", "America/New_York")
    code, out, err = await run_cli(migrated, *args)
    assert code == 0, err
    assert "read as Action Network columns" in out and "columns not used: none" in out
    assert "times without a UTC offset read in America/New_York" in out
    assert "entered 2 attendances (2 new, 0 changed, 0 already so); created 1 past events and 1 shifts" in out
    assert "line 4: needs a phone or an email" in out and "line 5: attended: say yes or no, not 'maybe'" in out
    meeting = await Event.get(title="Tenant union meeting").prefetch_related("shifts")
    assert meeting.timezone == "America/New_York" and meeting.group_id == world["group"].id
    assert [s.starts_at for s in meeting.shifts] == [datetime(2026, 5, 20, 23, 0, tzinfo=UTC)]
    marks = dict(await Signup.filter(shift__event_id=meeting.id).values_list("volunteer__email", "status"))
    assert marks == {"fay@example.org": SignupStatus.ATTENDED, "gus@example.org": SignupStatus.NO_SHOW}
    fay = await Volunteer.get(organization_id=org_id, email="fay@example.org")
    assert fay.phone == "+13125550111" and await VolunteerTag.filter(volunteer=fay, name="tenants").exists()
    assert fay.sms_status == "unknown"  # an opt-in elsewhere is not consent here without its words
    code, out, _ = await run_cli(migrated, *args)
    assert "(0 new, 0 changed, 2 already so)" in out

    # a file of one event's attendees without its time: --shift says where they were
    past = await make_shift(world["event"], starts_at=datetime(2026, 4, 4, 14, 0, tzinfo=UTC))
    sheet = tmp_path / "one.csv"
    sheet.write_text(
        "first_name,last_name,email,can2_phone,attended\nKim,Lee,kim@example.org,,1\nGus,Oh,gus@example.org,,0\n"
    )
    code, out, err = await run_cli(migrated, "import", "attendees", str(sheet), "--org", "local-1", "--shift",
                                   str(past.id))  # fmt: skip
    assert code == 0, err
    assert "entered 2 attendances (2 new" in out and "created 0 past events and 0 shifts" in out
    marks = dict(await Signup.filter(shift_id=past.id).values_list("volunteer__name", "status"))
    assert marks == {"Kim Lee": SignupStatus.ATTENDED, "Gus Oh": SignupStatus.NO_SHOW}
    # a file that cannot say where its rows go, or whether they came, is refused whole
    sheet.write_text("first_name,email,attended\nKim,kim@example.org,1\n")
    code, _, err = await run_cli(migrated, "import", "attendees", str(sheet), "--org", "local-1")
    assert code != 0 and "needs the event's title and start columns" in err
    sheet.write_text("first_name,email,event,starts_at\nKim,kim@example.org,Rally,2026-04-04 10:00\n")
    code, _, err = await run_cli(migrated, "import", "attendees", str(sheet), "--org", "local-1")
    assert code != 0 and "needs an attended or a status column" in err
