"""Organizers' messages to a roster: audiences, consent, quiet hours, retries, delivery, and the event's figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from mobilize.models import Message, MessageKind, MessageState, Organization, Shift, Signup, SmsStatus, Volunteer
from mobilize.schemas import BlastIn
from mobilize.services import delivery
from mobilize.services.outbox import blasts
from tests.clock import daytime
from tests.factories import make_event, make_shift, make_world, volunteer_body

API = "/api/v1"
CHICAGO = ZoneInfo("America/Chicago")


async def sign_up(client: httpx.AsyncClient, w: dict[str, Any], shift_id: int, n: int, **extra: Any) -> dict[str, Any]:
    r = await client.post(f"{API}/shifts/{shift_id}/signups", json=volunteer_body(n, **extra), headers=w["headers"])
    assert r.status_code == 201, r.text
    answer: dict[str, Any] = r.json()
    return answer


async def blast_rows() -> list[Message]:
    return await Message.filter(kind=MessageKind.BLAST).order_by("id")


@daytime
async def test_shift_blast_respects_consent_and_is_delivered(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    shift = w["shift"]
    opted_in = await sign_up(client, w, shift.id, 1, sms_opt_in=True)
    await sign_up(client, w, shift.id, 2)  # never opted in: email only
    stopped = await sign_up(client, w, shift.id, 3, sms_opt_in=True)
    await Volunteer.filter(id=stopped["volunteer"]["id"]).update(sms_status=SmsStatus.OPTED_OUT)
    await app.state.queue.drain()
    sms, email = app.state.queue.ctx["sms"], app.state.queue.ctx["email"]
    sms.sent.clear()
    email.sent.clear()

    r = await client.post(
        f"{API}/shifts/{shift.id}/messages",
        json={"body": "Bring water and a sign.", "subject": "Tomorrow"},
        headers=w["headers"],
    )
    assert r.status_code == 202, r.text
    assert r.json() == {"recipients": 3, "messages": 4, "skipped": {"no_consent": 1, "opted_out": 1}}
    rows = await blast_rows()
    assert all(row.sent_by_id == w["membership"].organizer_id for row in rows)  # type: ignore[attr-defined]
    assert all(row.signup_id is not None for row in rows)
    await app.state.queue.drain()
    assert [m.to for m in sms.sent] == [opted_in["volunteer"]["phone"]]
    org = (await Organization.get(id=w["actor"].organization_id)).name
    assert sms.sent[0].body == f"{org}: Bring water and a sign. Reply STOP to opt out."
    assert sorted(m.to for m in email.sent) == ["v1@example.org", "v2@example.org", "v3@example.org"]
    assert {m.subject for m in email.sent} == {"Tomorrow"}
    assert await Message.filter(kind=MessageKind.BLAST, state=MessageState.SENT).count() == 4


async def test_audiences_and_status_filters(client: httpx.AsyncClient) -> None:
    w = await make_world()
    actor, event = w["actor"], w["event"]
    second = await make_shift(event, starts_at=datetime.now(UTC) + timedelta(days=2))
    past = await make_shift(event, starts_at=datetime.now(UTC) + timedelta(days=3))
    other_event = await make_event(w["group"], title="Another action")
    other_shift = await make_shift(other_event)
    a = await sign_up(client, w, w["shift"].id, 1)
    await sign_up(client, w, second.id, 1)  # the same person twice: one message per channel
    b = await sign_up(client, w, second.id, 2)
    await sign_up(client, w, past.id, 3)
    ago = datetime.now(UTC) - timedelta(days=2)
    await Shift.filter(id=past.id).update(starts_at=ago, ends_at=ago + timedelta(hours=3))  # it has happened since
    await sign_up(client, w, other_shift.id, 4)
    await Signup.filter(id=b["id"]).update(status="waitlisted")
    email = BlastIn(body="Hello", channels=["email"])

    shift_blast = await blasts.blast_shift(actor, w["shift"].id, email)
    assert (shift_blast.recipients, shift_blast.messages) == (1, 1)
    event_blast = await blasts.blast_event(actor, event.id, email)
    assert event_blast.recipients == 2  # 1 (twice) and 3 (past shift); 2 is waitlisted
    waitlisted = BlastIn(body="Hello", channels=["email"], statuses=["waitlisted"])
    assert (await blasts.blast_event(actor, event.id, waitlisted)).recipients == 1
    group_blast = await blasts.blast_group(actor, w["group"].slug, email)
    assert group_blast.recipients == 2  # 1 and 4: the past shift's people are left out
    reached = {row.volunteer_id for row in await blast_rows() if row.dedupe_key.startswith("blast:")}
    assert a["volunteer"]["id"] in reached


async def test_quiet_hours_hold_sms_until_morning(client: httpx.AsyncClient) -> None:
    w = await make_world()
    await sign_up(client, w, w["shift"].id, 1, sms_opt_in=True)
    late = datetime(2027, 5, 1, 23, 0, tzinfo=CHICAGO)
    result = await blasts.blast_shift(w["actor"], w["shift"].id, BlastIn(body="Hi"), now=late)
    sms = await Message.get(kind=MessageKind.BLAST, channel="sms")
    email = await Message.get(kind=MessageKind.BLAST, channel="email")
    # Sent now, the text would arrive at 23:00; it waits for the window to close (one minute before it opened
    # has passed already), while the email goes at once.
    assert sms.due_at.astimezone(CHICAGO) == datetime(2027, 5, 2, 8, 0, tzinfo=CHICAGO)
    assert email.due_at == late
    assert result.due_now == [email.id]
    morning = datetime(2027, 5, 2, 9, 0, tzinfo=CHICAGO)
    await blasts.blast_shift(w["actor"], w["shift"].id, BlastIn(body="Again"), now=morning)
    again = await Message.filter(kind=MessageKind.BLAST, channel="sms").order_by("-id").first()
    assert again is not None and again.due_at == morning


async def test_idempotency_key_replay_creates_nothing_new(client: httpx.AsyncClient) -> None:
    w = await make_world()
    await sign_up(client, w, w["shift"].id, 1, sms_opt_in=True)
    await sign_up(client, w, w["shift"].id, 2)
    url = f"{API}/events/{w['event'].id}/messages"
    headers = {**w["headers"], "Idempotency-Key": "retry-me"}
    first = await client.post(url, json={"body": "Hi"}, headers=headers)
    assert first.status_code == 202, first.text
    count = await Message.filter(kind=MessageKind.BLAST).count()
    assert count == 3
    again = await client.post(url, json={"body": "Hi"}, headers=headers)
    assert again.status_code == 202 and again.json() == first.json()
    assert await Message.filter(kind=MessageKind.BLAST).count() == count
    # without the key, or with another one, it is a new message
    assert (await client.post(url, json={"body": "Hi"}, headers=w["headers"])).status_code == 202
    assert await Message.filter(kind=MessageKind.BLAST).count() == 2 * count
    r = await client.post(url, json={"body": "Hi"}, headers={**w["headers"], "Idempotency-Key": "x" * 101})
    assert r.status_code == 422 and "Idempotency-Key" in r.json()["error"]["fields"]


async def test_bad_input_names_the_field(client: httpx.AsyncClient) -> None:
    w = await make_world()
    url = f"{API}/shifts/{w['shift'].id}/messages"
    cases = [
        ({"body": "   "}, "body"),
        ({}, "body"),
        ({"body": "Hi", "channels": ["fax"]}, "channels.0"),
        ({"body": "Hi", "channels": []}, "channels"),
        ({"body": "x" * 1601}, "body"),
        ({"body": "Hi", "statuses": ["cancelled"]}, "statuses.0"),
        ({"body": "Hi", "subject": "s" * 201}, "subject"),
    ]
    for body, field in cases:
        r = await client.post(url, json=body, headers=w["headers"])
        assert r.status_code == 422, (body, r.text)
        assert field in r.json()["error"]["fields"], (body, r.json())
    # a long email is fine when no SMS is asked for
    r = await client.post(url, json={"body": "x" * 1601, "channels": ["email"]}, headers=w["headers"])
    assert r.status_code == 202, r.text


@daytime
async def test_stats_count_the_events_messages_by_kind_and_state(
    app: Any, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await make_world()
    one = await sign_up(client, w, w["shift"].id, 1, sms_opt_in=True)
    two = await sign_up(client, w, w["shift"].id, 2, sms_opt_in=True)
    await app.state.queue.drain()
    # The blast's delivery jobs are held until the second person has texted STOP (the in-process queue would
    # otherwise start them at once, racing the opt-out).
    queue = app.state.queue
    held: list[tuple[Any, ...]] = []

    async def hold(function: str, *args: Any, **options: Any) -> None:
        held.append((function, args, options))

    monkeypatch.setattr(queue, "enqueue", hold)
    r = await client.post(f"{API}/events/{w['event'].id}/messages", json={"body": "Hi"}, headers=w["headers"])
    assert r.json()["messages"] == 4
    monkeypatch.undo()
    # The second person texts STOP before their text goes out: it is skipped at delivery.
    await Volunteer.filter(id=two["volunteer"]["id"]).update(sms_status=SmsStatus.OPTED_OUT)
    for function, args, options in held:
        await queue.enqueue(function, *args, **options)
    await app.state.queue.drain()
    text = await Message.get(kind=MessageKind.BLAST, channel="sms", volunteer_id=one["volunteer"]["id"])
    assert text.state == MessageState.SENT and text.provider_id
    await delivery.record_delivery_status(text.provider_id, "failed", "30003")

    r = await client.get(f"{API}/events/{w['event'].id}/messages/stats", headers=w["headers"])
    assert r.status_code == 200, r.text
    stats = r.json()
    assert stats["event"] == w["event"].id
    assert stats["by_kind"]["blast"] == {
        "pending": 0,
        "sent": 2,
        "delivered": 0,
        "failed": 1,
        "undelivered": 0,
        "skipped": 1,
        "cancelled": 0,
    }
    assert stats["by_kind"]["confirmation"]["sent"] == 4
    total = sum(stats["totals"].values())
    assert total == await Message.filter(signup__shift__event_id=w["event"].id).count()
    # another event's figures are its own
    other = await make_event(w["group"], title="Quiet one")
    r = await client.get(f"{API}/events/{other.id}/messages/stats", headers=w["headers"])
    assert r.json()["by_kind"] == {} and sum(r.json()["totals"].values()) == 0


async def test_group_blast_keeps_quiet_hours_in_each_events_zone(client: httpx.AsyncClient) -> None:
    w = await make_world()
    berlin = await make_event(w["group"], title="Kundgebung", timezone="Europe/Berlin")
    berlin_shift = await make_shift(berlin, starts_at=datetime(2027, 5, 3, 10, 0, tzinfo=UTC))
    await Shift.filter(id=w["shift"].id).update(
        starts_at=datetime(2027, 5, 3, 15, 0, tzinfo=UTC), ends_at=datetime(2027, 5, 3, 18, 0, tzinfo=UTC)
    )
    chicago = await sign_up(client, w, w["shift"].id, 1, sms_opt_in=True)
    german = await sign_up(client, w, berlin_shift.id, 2, sms_opt_in=True)
    now = datetime(2027, 5, 1, 14, 0, tzinfo=CHICAGO)  # 21:00 in Berlin: quiet there, not in Chicago
    sms = BlastIn(body="Hi", channels=["sms"])
    result = await blasts.blast_group(w["actor"], w["group"].slug, sms, now=now)
    assert (result.recipients, result.messages) == (2, 2)
    rows = {row.volunteer_id: row for row in await blast_rows()}
    assert rows[chicago["volunteer"]["id"]].due_at == now
    berlin_time = rows[german["volunteer"]["id"]].due_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert berlin_time == datetime(2027, 5, 2, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert result.due_now == [rows[chicago["volunteer"]["id"]].id]
