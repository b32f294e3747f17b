"""Volunteers in the dashboard: search, a person's history, and merging two records of the same person."""

from __future__ import annotations

import httpx

from mobilize.models import (
    AuditLog,
    ConsentRecord,
    Role,
    Shift,
    Signup,
    SignupSource,
    SignupStatus,
    SmsStatus,
    Volunteer,
)
from mobilize.services.people import ConsentContext, Contact
from mobilize.services.signups.seats import sign_up
from tests.factories import make_shift
from tests.web.test_dashboard import logged_in, post


async def test_search_and_a_volunteers_history(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    consent = ConsentContext(source="web_form", words="I agree to texts")
    result = await sign_up(
        world["shift"].id, Contact(name="Rosa Parks", phone="+13125550142"), source=SignupSource.WEB,
        sms_consent=consent,
    )  # fmt: skip
    r = await client.get("/dashboard/volunteers?q=rosa")
    assert r.status_code == 200 and "Rosa Parks" in r.text
    assert "Rosa Parks" not in (await client.get("/dashboard/volunteers?q=nobody")).text
    page = (await client.get(f"/dashboard/volunteers/{result.volunteer.id}")).text
    assert "Picket at the gate" in page and "Test Group" in page and "I agree to texts" in page
    assert "Merge a duplicate" in page


async def test_merging_two_records_of_one_person(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    other_shift = await make_shift(world["event"])
    by_phone = await sign_up(world["shift"].id, Contact(name="Rosa", phone="+13125550142"), source=SignupSource.WEB)
    by_email = await sign_up(
        world["shift"].id, Contact(name="Rosa P.", email="rosa@example.org"), source=SignupSource.WEB
    )  # the same person, twice on one shift under two records
    await sign_up(other_shift.id, Contact(email="rosa@example.org"), source=SignupSource.WEB)
    await Volunteer.filter(id=by_email.volunteer.id).update(sms_status=SmsStatus.OPTED_OUT)
    await ConsentRecord.create(volunteer_id=by_email.volunteer.id, organization_id=world["actor"].organization_id,
                               channel="sms", action="revoked", source="sms", words="STOP")  # fmt: skip
    keep = by_phone.volunteer.id
    path = f"/dashboard/volunteers/{keep}"
    r = await post(client, path + "/merge", {"duplicate": str(by_email.volunteer.id)}, path)
    assert r.status_code == 303
    kept = await Volunteer.get(id=keep)
    assert (kept.phone, kept.email, kept.sms_status) == ("+13125550142", "rosa@example.org", SmsStatus.OPTED_OUT)
    assert not await Volunteer.filter(id=by_email.volunteer.id).exists()
    signups = await Signup.filter(volunteer_id=keep).order_by("id")
    assert [(s.shift_id, s.status) for s in signups] == [
        (world["shift"].id, SignupStatus.SIGNED_UP),
        (world["shift"].id, SignupStatus.CANCELLED),  # the duplicate's seat on the same shift is freed
        (other_shift.id, SignupStatus.SIGNED_UP),
    ]
    assert (await Shift.get(id=world["shift"].id)).filled == 1
    assert await ConsentRecord.filter(volunteer_id=keep).count() == 1
    assert (await Volunteer.get(id=keep)).organization_id == world["actor"].organization_id
    [entry] = await AuditLog.filter(action="volunteer.merge")
    assert entry.detail == {"kept": keep, "merged": by_email.volunteer.id, "signups_moved": 2, "promoted": []}


async def test_only_owners_and_admins_merge(client: httpx.AsyncClient) -> None:
    world = await logged_in(client, Role.ORGANIZER)
    a = await sign_up(world["shift"].id, Contact(phone="+13125550142"), source=SignupSource.WEB)
    b = await sign_up(world["shift"].id, Contact(email="rosa@example.org"), source=SignupSource.WEB)
    path = f"/dashboard/volunteers/{a.volunteer.id}"
    r = await post(client, path + "/merge", {"duplicate": str(b.volunteer.id)}, path)
    assert r.status_code == 403
    assert await Volunteer.filter(id=b.volunteer.id).exists()
