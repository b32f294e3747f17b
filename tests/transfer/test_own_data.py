"""A person's own data: the download from their private page, "forget me", and an organizer's erasure; the
turnout stays as anonymous counts, and another organization's record of the same phone is never touched."""

from __future__ import annotations

import httpx

from mobilize.models import AuditLog, InboxThread, Message, Role, Signup, SignupStatus, Volunteer, VolunteerTag
from tests.clock import daytime
from tests.factories import make_organizer
from tests.transfer.seed import PHONE, seed_organization
from tests.web.test_dashboard import login, post
from tests.web.test_pages import csrf_from

pytestmark = daytime


async def test_a_person_downloads_what_the_organization_holds(client: httpx.AsyncClient, migrated: str) -> None:
    mine = await seed_organization("local-1")
    await seed_organization("local-2", name="Someone Else")
    rosa = mine["rosa"]
    r = await client.get(f"/signups/{rosa.manage_token}/my-data.json")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert data["person"]["name"] == "Rosa Ávila" and data["person"]["phone"] == PHONE
    assert data["tags"] == ["steward"] and data["consent"][0]["words"] == "I agree to texts"
    assert [s["status"] for s in data["signups"]] == ["confirmed"]
    assert {m["body"] for m in data["messages_to_you"]} == {"You're in", "Can you come?"}
    assert data["texts_from_you"] == [{"body": "is there parking?", "at": data["texts_from_you"][0]["at"]}]
    assert "Someone Else" not in r.text
    assert (await client.get("/signups/not-a-token/my-data.json")).status_code == 404
    page = (await client.get(f"/signups/{rosa.manage_token}")).text
    assert "my-data.json" in page and "Forget me" in page


async def test_forget_me_erases_contact_and_text_and_keeps_anonymous_turnout(
    client: httpx.AsyncClient, migrated: str
) -> None:
    mine = await seed_organization("local-1")
    theirs = await seed_organization("local-2", name="Someone Else")
    rosa, page = mine["rosa"], f"/signups/{mine['rosa'].manage_token}"
    token = await csrf_from(client, page)
    r = await client.post(f"{page}/forget", data={"csrf_token": token})  # not confirmed: nothing happens
    assert r.status_code == 303 and (await Volunteer.get(id=rosa.id)).phone == PHONE
    r = await client.post(f"{page}/forget", data={"csrf_token": token, "confirm": "yes"})
    assert r.status_code == 200 and "You are forgotten" in r.text
    erased = await Volunteer.get(id=rosa.id)
    assert (erased.name, erased.phone, erased.email, erased.notes, erased.member_id) == ("", None, None, "", None)
    assert not await VolunteerTag.filter(volunteer_id=rosa.id).exists()
    assert not await InboxThread.filter(volunteer_id=rosa.id).exists()
    assert set(await Message.filter(volunteer_id=rosa.id).values_list("body", flat=True)) == {""}
    assert await Signup.filter(volunteer_id=rosa.id, status=SignupStatus.CONFIRMED).count() == 1  # turnout stays
    entry = await AuditLog.get(action="person.erased")
    assert entry.organizer_id is None and entry.detail == {"person": rosa.id, "asked_by": "the person"}
    assert (await client.get(page)).status_code == 404  # the private link is gone
    other = await Volunteer.get(id=theirs["rosa"].id)  # the other organization's record of the same phone
    assert (other.name, other.phone) == ("Someone Else", PHONE)
    assert await Message.filter(volunteer_id=other.id).exclude(body="").count() == 2


async def test_an_admin_erases_a_person_and_an_organizer_cannot(client: httpx.AsyncClient, migrated: str) -> None:
    mine = await seed_organization("local-1")
    theirs = await seed_organization("local-2")
    rosa = mine["rosa"]
    organizer, _ = await make_organizer("local-1", role=Role.ORGANIZER)
    await organizer.fetch_related("organizer")
    await login(client, organizer.organizer.email)
    record = f"/dashboard/volunteers/{rosa.id}"
    r = await post(client, f"{record}/erase", {}, record)
    assert r.status_code == 303 and (await Volunteer.get(id=rosa.id)).phone == PHONE
    admin, _ = await make_organizer("local-1", role=Role.ADMIN)
    await admin.fetch_related("organizer")
    await client.post("/logout", data={"csrf_token": await csrf_from(client, "/dashboard/")})
    client.cookies.clear()
    await login(client, admin.organizer.email)
    page = (await client.get(record)).text
    assert "Erase this person" in page
    r = await post(client, f"{record}/erase", {}, record)
    assert r.status_code == 303
    assert (await Volunteer.get(id=rosa.id)).phone is None
    entry = await AuditLog.get(action="person.erased")
    assert entry.organizer_id == admin.organizer_id and entry.detail["asked_by"] == "organizer"
    # another organization's record: not found, untouched
    r = await post(client, f"/dashboard/volunteers/{theirs['rosa'].id}/erase", {}, record)
    assert r.status_code == 404
    assert (await Volunteer.get(id=theirs["rosa"].id)).phone == PHONE
