"""Telling the people signed up that an event is called off, the one rule for an organizer's cancellation and a
hosted event's unpublishing: the live sign-ups (seated or waiting) on its scheduled shifts, each told once, in
the transaction that called it off."""

from __future__ import annotations

import httpx
from tortoise.transactions import in_transaction

from mobilize.models import Message, MessageKind, SignupStatus
from mobilize.services import events
from mobilize.services.outbox import after_commit
from tests.factories import make_shift, make_world, volunteer_body


async def test_the_live_signups_on_scheduled_shifts_are_told(client: httpx.AsyncClient) -> None:
    w = await make_world(capacity=1)
    removed = await make_shift(w["event"])
    signups = {}
    for n, shift in ((1, w["shift"]), (2, w["shift"]), (3, w["shift"]), (4, removed)):
        r = await client.post(f"/api/v1/shifts/{shift.id}/signups", json=volunteer_body(n), headers=w["headers"])
        assert r.status_code == 201, r.text
        signups[n] = r.json()
    assert signups[2]["status"] == SignupStatus.WAITLISTED
    r = await client.patch(f"/api/v1/signups/{signups[3]['id']}", json={"status": "cancelled"}, headers=w["headers"])
    assert r.status_code == 200, r.text
    assert (await client.delete(f"/api/v1/shifts/{removed.id}", headers=w["headers"])).status_code == 200
    before = await Message.filter(kind=MessageKind.CANCELLED_SIGNUP).values_list("id", flat=True)

    with after_commit.collecting() as due:
        async with in_transaction():
            told = await events.tell_cancellation(w["event"].id)
    assert sorted(told) == [signups[1]["id"], signups[2]["id"]]  # seated and waiting; not 3 (dropped), not 4
    notices = await Message.filter(kind=MessageKind.CANCELLED_SIGNUP).exclude(id__in=before)
    assert sorted({m.signup_id for m in notices}) == sorted(told)
    assert set(due) <= {m.id for m in notices}
