"""Saved lists in the dashboard, for every role (viewer, host, organizer, admin, owner) and for another
organization's list (404): the index and a list's page, create, edit and delete, and a message to a list,
counted first (who will and will not receive it, and why), then sent once."""

from __future__ import annotations

import httpx
import pytest

from mobilize.models import AuditLog, Message, MessageKind, Role, SavedList, Volunteer, VolunteerTag
from mobilize.services.accounts.organizers import actor_for_membership
from mobilize.services.people import lists
from tests.web.test_dashboard import a_signup, post
from tests.web.test_dashboard_manage import MANAGERS, ROLES, _as, _expect


@pytest.mark.parametrize("role", ROLES)
async def test_saved_lists_are_read_by_everyone_and_changed_by_managers(client: httpx.AsyncClient, role: Role) -> None:
    w = await _as(client, role)
    await VolunteerTag.create(volunteer_id=w["person"].id, name="steward")
    await VolunteerTag.create(volunteer_id=w["stranger"].id, name="steward")  # the other organization's record
    assert (await client.get("/dashboard/lists")).status_code == 200
    assert (await client.get("/dashboard/lists/new")).status_code == _expect(role, MANAGERS)
    form = {"name": "Stewards", "tags": "Steward", "tag_match": "any", "history": "any", "group": w["group"].slug}
    r = await post(client, "/dashboard/lists/new", form)
    assert r.status_code == _expect(role, MANAGERS, 303)
    owner = await actor_for_membership(w["membership"])
    if role not in MANAGERS:
        assert not await SavedList.exists()
        saved = await lists.create_list(owner, await lists.parse_rules(owner, form))
    else:
        saved = await SavedList.get(name="Stewards")
        assert r.headers["location"] == f"/dashboard/lists/{saved.id}"
        assert await AuditLog.filter(action="list.create").count() == 1
        bad = await post(client, "/dashboard/lists/new", form | {"since": "soon", "group": "their-group"})
        assert bad.status_code == 422 and "since" in bad.text and "group" in bad.text
        assert await SavedList.all().count() == 1
    page = await client.get(f"/dashboard/lists/{saved.id}")
    assert page.status_code == 200
    assert w["person"].name in page.text and "1 person" in page.text  # the stranger with the same phone: never
    index = (await client.get("/dashboard/lists")).text
    assert "Stewards" in index and "Tagged steward" in index

    edit = f"/dashboard/lists/{saved.id}/edit"
    assert (await client.get(edit)).status_code == _expect(role, MANAGERS)
    r = await post(client, edit, form | {"name": "Stewards and Spanish", "tags": "steward, spanish"})
    assert r.status_code == _expect(role, MANAGERS, 303)
    fresh = await SavedList.get(id=saved.id)
    assert (fresh.tags == ["spanish", "steward"]) == (role in MANAGERS)

    # another organization's list: not found, whatever the role, and untouched
    other = await actor_for_membership(w["other"])
    theirs = await lists.create_list(other, await lists.parse_rules(other, {"name": "Theirs"}))
    for path in (f"/dashboard/lists/{theirs.id}", f"/dashboard/lists/{theirs.id}/edit",
                 f"/dashboard/lists/{theirs.id}/message"):  # fmt: skip
        assert (await client.get(path)).status_code == 404
    for path in (f"/dashboard/lists/{theirs.id}/edit", f"/dashboard/lists/{theirs.id}/delete",
                 f"/dashboard/lists/{theirs.id}/message"):  # fmt: skip
        assert (
            await post(client, path, {"name": "Mine", "channels": ["sms"], "body": "x", "send": "1"})
        ).status_code == 404
    assert (await SavedList.get(id=theirs.id)).name == "Theirs"
    assert not await Message.filter(kind=MessageKind.BLAST).exists()  # nobody of theirs messaged, the stranger neither

    r = await post(client, f"/dashboard/lists/{saved.id}/delete", {})
    assert r.status_code == _expect(role, MANAGERS, 303)
    assert await SavedList.exists(id=saved.id) == (role not in MANAGERS)
    assert await Volunteer.exists(id=w["person"].id)  # deleting a list changes nobody's record


@pytest.mark.parametrize("role", ROLES)
async def test_messaging_a_list_counts_first_then_sends_once(client: httpx.AsyncClient, role: Role) -> None:
    w = await _as(client, role)
    quiet = await a_signup(w["shift"], 2)  # no SMS consent, no email: reached on no channel
    for person in (w["person"], quiet.volunteer, w["stranger"]):
        await VolunteerTag.create(volunteer_id=person.id, name="steward")
    owner = await actor_for_membership(w["membership"])
    saved = await lists.create_list(owner, await lists.parse_rules(owner, {"name": "Stewards", "tags": "steward"}))
    page = f"/dashboard/lists/{saved.id}/message"
    assert (await client.get(page)).status_code == _expect(role, MANAGERS)
    form = {"channels": ["sms"], "body": "Steward meeting on Thursday", "key": "k1"}
    counted = await post(client, page, form)
    assert counted.status_code == _expect(role, MANAGERS)
    assert await Message.filter(kind=MessageKind.BLAST).count() == 0  # counting sends nothing
    if role in MANAGERS:
        text = " ".join(counted.text.split())
        assert "1 person will receive it" in text and "of 2 people it is for" in text
        assert "1 person will not receive it" in text and "0 who texted STOP, 1 without consent" in text
        for _ in range(2):  # a double submit sends once
            sent = await post(client, page, form | {"send": "1"})
            assert sent.status_code == 303 and sent.headers["location"] == f"/dashboard/lists/{saved.id}"
        blasts = await Message.filter(kind=MessageKind.BLAST)
        assert [m.volunteer_id for m in blasts] == [w["person"].id]
        assert (await post(client, page, {"channels": ["sms"], "body": ""})).status_code == 422
    else:
        assert (await post(client, page, form | {"send": "1"})).status_code == 403
    assert not await Message.filter(kind=MessageKind.BLAST, volunteer_id=w["stranger"].id).exists()
