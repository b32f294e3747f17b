"""Anyone can type anyone's phone or email into a public form: such a form must not take over a record."""

from __future__ import annotations

import httpx

from mobilize.models import ConsentRecord, SignupStatus, Volunteer
from tests.factories import make_shift, make_world, start_shift


async def test_public_form_cannot_attach_an_email_to_someone_elses_record(client: httpx.AsyncClient) -> None:
    w = await make_world()
    victim = {"volunteer": {"name": "Victim", "phone": "3125550150"}}
    assert (await client.post(f"/api/v1/public/shifts/{w['shift'].id}/signups", json=victim)).status_code == 201
    other = await make_shift(w["event"])
    attack = {"volunteer": {"name": "Attacker", "phone": "3125550150", "email": "attacker@example.org"}}
    r = await client.post(f"/api/v1/public/shifts/{other.id}/signups", json=attack)
    assert r.status_code == 201
    person = await Volunteer.get(phone="+13125550150")
    assert person.email is None and person.name == "Victim"


async def test_organizer_may_complete_contact_details(client: httpx.AsyncClient) -> None:
    w = await make_world()
    url = f"/api/v1/shifts/{w['shift'].id}/signups"
    await client.post(url, json={"volunteer": {"phone": "3125550151"}}, headers=w["headers"])
    other = await make_shift(w["event"])
    r = await client.post(
        f"/api/v1/shifts/{other.id}/signups",
        json={"volunteer": {"phone": "3125550151", "email": "known@example.org"}},
        headers=w["headers"],
    )
    assert r.status_code == 201
    assert (await Volunteer.get(phone="+13125550151")).email == "known@example.org"


async def test_sms_consent_only_for_the_number_typed(client: httpx.AsyncClient) -> None:
    w = await make_world()
    url = f"/api/v1/public/shifts/{w['shift'].id}/signups"
    await client.post(url, json={"volunteer": {"phone": "3125550152", "email": "pat@example.org"}})
    other = await make_shift(w["event"])
    # a different phone with Pat's email matches Pat's record; the typed phone is not Pat's phone on file
    r = await client.post(
        f"/api/v1/public/shifts/{other.id}/signups",
        json={"volunteer": {"phone": "3125550153", "email": "pat@example.org", "sms_opt_in": True}},
    )
    assert r.status_code == 201
    pat = await Volunteer.get(email="pat@example.org")
    assert pat.phone == "+13125550152" and str(pat.sms_status) == "unknown"
    assert await ConsentRecord.all().count() == 0


async def test_recorded_attendance_cannot_be_cancelled(client: httpx.AsyncClient) -> None:
    w = await make_world()
    url = f"/api/v1/shifts/{w['shift'].id}/signups"
    signup = (await client.post(url, json={"volunteer": {"phone": "3125550154"}}, headers=w["headers"])).json()
    await start_shift(w["shift"])
    r = await client.patch(f"/api/v1/signups/{signup['id']}", json={"status": "attended"}, headers=w["headers"])
    assert r.status_code == 200
    r = await client.patch(f"/api/v1/signups/{signup['id']}", json={"status": "cancelled"}, headers=w["headers"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "attendance_recorded"
    r = await client.patch(f"/api/v1/signups/{signup['id']}", json={"status": "no_show"}, headers=w["headers"])
    assert r.status_code == 200 and r.json()["status"] == SignupStatus.NO_SHOW
