"""The outbox: sign-ups create their messages once, jobs deliver each once, opt-outs and late ones skip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from mobilize.channels.base import SendResult
from mobilize.models import Message, MessageState, SmsStatus, Volunteer
from mobilize.services import delivery
from mobilize.services.delivery import sending
from tests.factories import make_person, make_world, volunteer_body


async def drain(app: Any) -> None:
    await app.state.queue.drain()


async def test_signup_sends_confirmation_sms_and_email_once(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world(capacity=1)
    sms, email = app.state.queue.ctx["sms"], app.state.queue.ctx["email"]
    sms.sent.clear()
    email.sent.clear()
    url = f"/api/v1/public/shifts/{w['shift'].id}/signups"
    r = await client.post(url, json=volunteer_body(1, sms_opt_in=True))
    assert r.status_code == 201
    await drain(app)
    assert [m.to for m in sms.sent] == ["+13125550001"]
    assert "you're signed up for Picket at the gate" in sms.sent[0].body and "Reply STOP" in sms.sent[0].body
    assert sms.sent[0].validity_seconds is not None and sms.sent[0].validity_seconds <= 36_000
    assert [m.to for m in email.sent] == ["v1@example.org"]
    # no SMS consent -> email only; full shift -> waitlist notice
    r = await client.post(url, json=volunteer_body(2))
    assert r.json()["status"] == "waitlisted"
    await drain(app)
    assert len(sms.sent) == 1
    assert email.sent[-1].subject.startswith("Waitlisted:")
    # a sweep finds nothing more to send, and running the job again sends nothing twice
    ctx = app.state.queue.ctx
    from workers.messages import deliver_message, sweep_outbox

    assert await sweep_outbox(ctx) == 0
    for row in await Message.all():
        assert await deliver_message(ctx, row.id) == "not due or taken"
    assert len(sms.sent) == 1 and len(email.sent) == 2
    assert await Message.filter(state=MessageState.SENT).count() == 3


async def test_promotion_is_announced(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world(capacity=1)
    email = app.state.queue.ctx["email"]
    url = f"/api/v1/shifts/{w['shift'].id}/signups"
    first = (await client.post(url, json=volunteer_body(1), headers=w["headers"])).json()
    await client.post(url, json=volunteer_body(2), headers=w["headers"])
    await drain(app)
    email.sent.clear()
    r = await client.patch(f"/api/v1/signups/{first['id']}", json={"status": "cancelled"}, headers=w["headers"])
    assert r.status_code == 200
    await drain(app)
    # the person promoted hears the news; the one who dropped gets the calendar cancellation (channels/test_email.py)
    assert sorted((m.to, m.subject) for m in email.sent) == [
        ("v1@example.org", "Cancelled: Picket at the gate"),
        ("v2@example.org", "You're in: Picket at the gate"),
    ]


class Recorder:
    def __init__(self, results: list[SendResult]) -> None:
        self.results = results
        self.sent: list[Any] = []

    async def send(self, message: Any) -> SendResult:
        self.sent.append(message)
        return self.results.pop(0) if self.results else SendResult(ok=True, provider_id="SM1")


async def _one_sms(w: dict[str, Any], client: httpx.AsyncClient) -> Message:
    r = await client.post(
        f"/api/v1/shifts/{w['shift'].id}/signups",
        json={"volunteer": {"phone": "+13125550009", "sms_opt_in": True}},
        headers=w["headers"],
    )
    assert r.status_code == 201
    message = await Message.get(kind="confirmation", channel="sms")
    # Take it back from the in-process queue so this test drives delivery itself, due when it was written
    # (written in quiet hours, an organizer's sign-up's text would wait for the morning).
    await Message.filter(id=message.id).update(state=MessageState.PENDING, attempts=0, due_at=message.created_at)
    message.due_at = message.created_at
    return message


async def test_opted_out_number_receives_nothing(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    await drain(app)
    message = await _one_sms(w, client)
    await drain(app)
    await Message.filter(id=message.id).update(state=MessageState.PENDING)
    await Volunteer.filter(phone="+13125550009").update(sms_status=SmsStatus.OPTED_OUT)
    sender = Recorder([])
    done = await delivery.deliver(message.id, sender, sender)
    assert done is not None and done.state == MessageState.SKIPPED and sender.sent == []


async def test_retry_then_provider_opt_out_and_too_late(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    message = await _one_sms(w, client)
    await drain(app)
    await Message.filter(id=message.id).update(state=MessageState.PENDING, attempts=0)
    now = datetime.now(UTC)
    sender = Recorder(
        [SendResult(ok=False, retryable=True, error="429"), SendResult(ok=False, opted_out=True, error="21610")]
    )
    first = await delivery.deliver(message.id, sender, sender, now=now)
    assert first is not None and first.state == MessageState.PENDING
    assert await delivery.deliver(message.id, sender, sender, now=now) is None  # not due until the backoff ends
    second = await delivery.deliver(message.id, sender, sender, now=now + timedelta(minutes=5))
    assert second is not None and second.state == MessageState.FAILED
    assert (await Volunteer.get(phone="+13125550009")).sms_status == SmsStatus.OPTED_OUT
    # a message whose shift has started is skipped, not sent late
    late = await Message.create(
        volunteer_id=second.volunteer_id,
        channel="email",
        kind="confirmation",
        to_address="x@example.org",
        body="b",
        due_at=now,
        expires_at=now - timedelta(minutes=1),
        dedupe_key="late",
    )
    result = await delivery.deliver(late.id, sender, sender, now=now)
    assert result is not None and result.state == MessageState.SKIPPED and "too late" in result.skip_reason


async def test_stale_claim_is_returned_to_the_queue(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    message = await _one_sms(w, client)
    await drain(app)
    now = datetime.now(UTC)
    await Message.filter(id=message.id).update(state=MessageState.SENDING, claimed_at=now - timedelta(minutes=30))
    due = await delivery.due_messages(now)
    assert message.id in [i for i, _ in due]
    assert (await Message.get(id=message.id)).in_doubt  # the provider may have it: looked up before resending


async def test_a_live_workers_claims_are_kept_however_slow_and_a_silent_ones_taken_back(
    app: Any, client: httpx.AsyncClient
) -> None:
    w = await make_world()
    message = await _one_sms(w, client)
    await drain(app)
    now = datetime.now(UTC)
    alive = await delivery.register_worker(now - timedelta(minutes=5))
    await delivery.heartbeat(alive, now)
    silent = await delivery.register_worker(now - timedelta(minutes=5))
    claimed = {"state": MessageState.SENDING, "claimed_at": now - timedelta(minutes=2)}
    await Message.filter(id=message.id).update(claimed_by=alive, **claimed)
    assert message.id not in [i for i, _ in await delivery.due_messages(now)]
    await Message.filter(id=message.id).update(claimed_by=silent, **claimed)
    assert message.id in [i for i, _ in await delivery.due_messages(now)]
    # stuck for longer than any job may run: taken back even from a worker that is still beating
    await Message.filter(id=message.id).update(
        claimed_by=alive, state=MessageState.SENDING, claimed_at=now - timedelta(hours=1)
    )
    assert message.id in [i for i, _ in await delivery.due_messages(now)]


async def test_moving_a_shift_or_the_place_tells_the_people_on_it_once_per_change(
    app: Any, client: httpx.AsyncClient
) -> None:
    w = await make_world(capacity=1)
    email = app.state.queue.ctx["email"]
    url = f"/api/v1/shifts/{w['shift'].id}/signups"
    for n in (1, 2):  # one seated, one waitlisted
        assert (await client.post(url, json=volunteer_body(n), headers=w["headers"])).status_code == 201
    await drain(app)
    email.sent.clear()
    shift_url = f"/api/v1/shifts/{w['shift'].id}"
    later = {"starts_at": "2031-05-01T11:00:00-05:00", "ends_at": "2031-05-01T13:00:00-05:00"}
    assert (await client.patch(shift_url, json=later, headers=w["headers"])).status_code == 200
    await drain(app)
    assert sorted((m.to, m.subject) for m in email.sent) == [
        ("v1@example.org", "Changed: Picket at the gate"),
        ("v2@example.org", "Changed: Picket at the gate"),
    ]
    assert all("Thu May 1, 11:00 AM-1:00 PM CDT" in m.text for m in email.sent)
    assert [m.calendar_method for m in email.sent if m.to == "v1@example.org"] == ["REQUEST"]
    # the same PATCH again changes nothing and tells nobody; a capacity change promotes and tells v2
    assert (await client.patch(shift_url, json=later, headers=w["headers"])).status_code == 200
    await drain(app)
    assert len(email.sent) == 2
    assert (await client.patch(shift_url, json={"capacity": 2}, headers=w["headers"])).status_code == 200
    await drain(app)
    assert [(m.to, m.subject) for m in list(email.sent)[2:]] == [("v2@example.org", "You're in: Picket at the gate")]
    # a new place for the event: everyone on its upcoming shifts hears once
    body = {"location": {"venue": "Union Hall", "postal_code": "60607"}}
    r = await client.patch(f"/api/v1/events/{w['event'].id}", json=body, headers=w["headers"])
    assert r.status_code == 200
    await drain(app)
    assert sorted(m.to for m in list(email.sent)[3:]) == ["v1@example.org", "v2@example.org"]
    assert all("at Union Hall" in m.text for m in list(email.sent)[3:])


async def test_a_batch_cancelled_while_recording_writes_down_what_it_sent(migrated: str, monkeypatch: Any) -> None:
    """A job cancelled (a shutdown, arq's timeout) while its outcomes are being written: the writing runs to
    its end, committed, and nothing stays locked. Before, the cancellation could land while the ORM was
    entering the transaction, which it then never left: the claims were put back inside that transaction,
    never committed, and their rows stayed locked."""
    import asyncio
    import secrets

    import pytest

    from mobilize.channels.sms import LoggingSmsSender

    now = datetime.now(UTC)
    ids = []
    for i in range(3):
        person = await make_person(phone=f"+1312557{i:04d}", sms_status=SmsStatus.OPTED_IN)
        message = await Message.create(
            volunteer=person, channel="sms", kind="confirmation", to_address=person.phone, body=f"hello {i}",
            due_at=now, dedupe_key=f"cut-short:{i}:{secrets.token_hex(4)}",
        )  # fmt: skip
        ids.append(message.id)
    real = sending.in_transaction
    entered, go_on = asyncio.Event(), asyncio.Event()

    class SlowToEnter:
        def __init__(self) -> None:
            self.inner = real()

        async def __aenter__(self) -> Any:
            client = await self.inner.__aenter__()  # begun, and set in this task's context...
            entered.set()
            await go_on.wait()  # ...when the job is cancelled
            return client

        async def __aexit__(self, *exc: Any) -> Any:
            return await self.inner.__aexit__(*exc)

    monkeypatch.setattr(sending, "in_transaction", SlowToEnter)
    sender = LoggingSmsSender()
    job = asyncio.create_task(delivery.deliver_batch(min(ids), max(ids), delivery.Courier(sender, sender)))
    async with asyncio.timeout(10):
        await entered.wait()
        job.cancel()
        await asyncio.sleep(0.05)
        go_on.set()
        with pytest.raises(asyncio.CancelledError):
            await job
    monkeypatch.undo()
    assert len(sender.sent) == 3
    # Read from this task (not the job's): only what was committed is visible.
    rows = await Message.filter(id__in=ids).values_list("state", "in_doubt", "claim_token")
    assert set(rows) == {(MessageState.SENT, False, None)}
