"""The SMS send rate per sender: the Redis script shared by concurrent workers (and processes) holds the
configured rate, the in-process limiter too, and a real arq worker drains a backlog at that pace, sending
each message once."""

from __future__ import annotations

import asyncio
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from arq.worker import Worker

from mobilize.models import Channel, Message, MessageKind, MessageState, SmsStatus
from mobilize.queue import connect_pool
from mobilize.services.delivery.send_rate import LocalSendRate, RedisSendRate, SendRate
from tests.conftest import make_settings
from tests.factories import make_person
from workers.main import WorkerSettings, shutdown, startup

ROOT = Path(__file__).resolve().parents[2]

# Another process pacing the same sender until a shared deadline: prints how many slots it took.
OTHER_PROCESS = """
import asyncio, sys, time
import pytest
import redis.asyncio as aioredis
from mobilize.services.delivery.send_rate import RedisSendRate

async def main(url, key, rate, deadline):
    client = aioredis.Redis.from_url(url)
    limiter = RedisSendRate(client)
    taken = await take(limiter, key, rate, deadline)
    await client.aclose()
    print(taken)

async def take(limiter, key, rate, deadline):
    taken = 0
    while time.time() < deadline:
        granted, wait = await limiter.reserve(key, rate, 0.5)
        await asyncio.sleep(min(wait, max(0.0, deadline - time.time())))
        if granted and time.time() < deadline:
            taken += 1
    return taken

asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])))
"""


async def take_slots(limiter: SendRate, key: str, rate: float, deadline: float) -> int:
    """One "worker", as the delivery jobs pace SMS: reserve the next slot if it is near and sleep until it
    (or sleep until it is near), until the deadline."""
    taken = 0
    while time.time() < deadline:
        granted, wait = await limiter.reserve(key, rate, 0.5)
        await asyncio.sleep(min(wait, max(0.0, deadline - time.time())))
        if granted and time.time() < deadline:
            taken += 1
    return taken


async def test_redis_rate_is_shared_by_workers_and_processes(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    key = f"test-{secrets.token_hex(4)}"
    rate, seconds = 100, 3.0
    try:
        start = time.time()
        deadline = start + seconds
        other = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            OTHER_PROCESS,
            redis_url,
            key,
            str(rate),
            str(deadline),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        limiter = RedisSendRate(client)
        here = await asyncio.gather(*(take_slots(limiter, key, rate, deadline) for _ in range(4)))
        out, _ = await other.communicate()
        there = int(out.decode().strip())
        total = sum(here) + there
        per_second = total / seconds  # slots counted are those that fell before the deadline
        assert there > 0  # the other process did take part
        assert 95 <= per_second <= 105, (here, there, per_second)
        # rate 0 is no limit
        assert all([await limiter.acquire(key, 0) == 0 for _ in range(1000)])
    finally:
        await client.delete(f"mobilize:send-rate:{key}")
        await client.aclose()


async def test_redis_wait_is_the_time_to_the_next_slot(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    key = f"test-{secrets.token_hex(4)}"
    limiter = RedisSendRate(client)
    try:
        assert await limiter.acquire(key, 2) == 0
        wait = await limiter.acquire(key, 2)
        assert 0.4 < wait <= 0.5
        assert 0.4 < await limiter.acquire(key, 2) <= wait  # asking again took nothing
        # another sender has its own pace
        assert await limiter.acquire(key + "-other", 2) == 0
    finally:
        await client.delete(f"mobilize:send-rate:{key}", f"mobilize:send-rate:{key}-other")
        await client.aclose()


async def test_in_process_rate() -> None:
    limiter = LocalSendRate()
    rate, seconds = 50, 1.0
    start = time.time()
    taken = await asyncio.gather(*(take_slots(limiter, "log", rate, start + seconds) for _ in range(3)))
    per_second = sum(taken) / (time.time() - start)
    assert 45 <= per_second <= 55, (taken, per_second)
    assert await limiter.acquire("log", 0) == 0


@pytest.mark.parametrize("where", ["redis", "local"])
async def test_reserve_many_takes_consecutive_slots_within_the_wait(where: str, redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    key = f"test-{secrets.token_hex(4)}"
    limiter: SendRate = RedisSendRate(client) if where == "redis" else LocalSendRate()
    try:
        slots, _ = await limiter.reserve_many(key, 10, 50, 1.0)  # 10/s: the slots within a second, 0.1 s apart
        assert 10 <= len(slots) <= 12, slots
        assert slots[0] == 0 and all(0.09 <= b - a <= 0.11 for a, b in zip(slots, slots[1:], strict=False))
        assert slots[-1] <= 1.0
        none, wait = await limiter.reserve_many(key, 10, 5, 0.05)  # nothing that close now
        assert none == [] and 0.8 < wait <= 1.1, wait
        few, _ = await limiter.reserve_many(key, 10, 3, 5.0)  # fewer wanted than allowed: just those
        assert len(few) == 3 and few[0] >= slots[-1] + 0.09
        assert (await limiter.reserve_many(key, 0, 4, 0.0)) == ([0.0] * 4, 0.0)  # rate 0: no limit
    finally:
        await client.delete(f"mobilize:send-rate:{key}")
        await client.aclose()


async def test_a_paced_batch_claims_only_the_texts_it_has_slots_for(migrated: str) -> None:
    from mobilize.channels.sms import LoggingSmsSender
    from mobilize.services import delivery

    ids = await _due_sms(10)
    lo, hi = min(ids), max(ids)
    asked: list[int] = []

    async def pace(sender: str | None, want: int) -> tuple[list[float], float]:
        asked.append(want)
        return [0.0, 0.01, 0.02][: min(3, want)], 1.5

    sender = LoggingSmsSender()
    done = await delivery.deliver_batch(lo, hi, delivery.Courier(sender, sender, pace=pace))
    assert asked == [10] and len(done.messages) == 3 and done.defer == 1.5
    assert sorted(int(m.reference) for m in sender.sent) == ids[:3]  # the lowest ids first
    untouched = await Message.filter(id__in=ids[3:]).values_list("state", "attempts", "claim_token")
    assert set(untouched) == {(MessageState.PENDING, 0, None)}  # never claimed: nothing to hand back
    again = await delivery.deliver_batch(lo, hi, delivery.Courier(sender, sender, pace=pace))
    assert asked == [10, 7] and len(again.messages) == 3
    assert await Message.filter(id__in=ids, state=MessageState.SENT).count() == 6


async def _due_sms(n: int) -> list[int]:
    now = datetime.now(UTC)
    ids = []
    for i in range(n):
        volunteer = await make_person(phone=f"+1312556{i:04d}", sms_status=SmsStatus.OPTED_IN)
        message = await Message.create(
            volunteer=volunteer,
            channel=Channel.SMS,
            kind=MessageKind.CONFIRMATION,
            to_address=volunteer.phone,
            body=f"text {i}",
            due_at=now,
            dedupe_key=f"rate-test:{i}",
        )
        ids.append(message.id)
    return ids


async def _not_here(ctx: dict[str, Any], message_id: int) -> str:
    return "left to the arq worker under test"


async def test_arq_worker_drains_a_backlog_at_the_send_rate(
    app: Any, migrated: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The session app's in-process sweep shares this database: keep it from sending our backlog itself.
    monkeypatch.setitem(app.state.queue.functions, "deliver_message", _not_here)
    ids = await _due_sms(60)
    settings = make_settings(migrated, SMS_RATE_PER_SECOND="30")
    pool = await connect_pool(redis_url)
    await pool.flushdb()
    try:
        await pool.enqueue_job("sweep_outbox", _job_id="sweep-rate-test")
        worker: Any = Worker(
            functions=WorkerSettings.functions,
            redis_pool=pool,
            burst=True,
            poll_delay=0.01,
            max_jobs=20,
            on_startup=startup,
            on_shutdown=shutdown,
            ctx={"db_ready": True, "settings": settings},
            job_serializer=WorkerSettings.job_serializer,
            job_deserializer=WorkerSettings.job_deserializer,
            handle_signals=False,
        )
        start = time.monotonic()
        await worker.main()
        elapsed = time.monotonic() - start
        references = [int(m.reference) for m in worker.ctx["sms"].sent]
        assert sorted(references) == sorted(ids)  # each message once
        assert await Message.filter(state=MessageState.SENT).count() == len(ids)
        assert elapsed >= 1.6, elapsed  # (60 - the small burst) / 30 per second
        assert worker.jobs_failed == 0
    finally:
        await pool.flushdb()
        await pool.aclose()


async def test_each_sender_keeps_its_own_pace(migrated: str) -> None:
    """An organization with its own number is paced on that number; the others share the deployment's."""
    from mobilize.channels.sms import LoggingSmsSender
    from mobilize.models import Organization
    from mobilize.services import delivery

    ids = await _due_sms(8)
    own = await Organization.create(
        name="Local 7", slug=f"local-7-{secrets.token_hex(3)}", sms_from_number="+13125550700"
    )
    shared = await Organization.create(name="Local 8", slug=f"local-8-{secrets.token_hex(3)}")
    await Message.filter(id__in=ids[:4]).update(organization_id=own.id)
    await Message.filter(id__in=ids[4:6]).update(organization_id=shared.id)  # ids[6:]: no organization
    asked: dict[str | None, int] = {}

    async def pace(sender: str | None, want: int) -> tuple[list[float], float]:
        asked[sender] = want
        return [0.0, 0.0][:want], 0.7

    sender = LoggingSmsSender()
    done = await delivery.deliver_batch(min(ids), max(ids), delivery.Courier(sender, sender, pace=pace))
    assert asked == {"+13125550700": 4, None: 4}
    assert sorted(int(m.reference) for m in sender.sent) == [ids[0], ids[1], ids[4], ids[5]]
    assert len(done.messages) == 4 and done.defer == 0.7
    assert all(m.from_number == "+13125550700" for m in sender.sent if int(m.reference) in ids[:2])


async def test_the_in_process_queue_paces_a_batch_and_sends_its_email_at_once(migrated: str) -> None:
    """`make run` (no Redis): a batch takes every slot it needs and sends each text at its slot; an email
    due in the same batch goes at once, whatever the texts' pace."""
    from mobilize.channels.email import LoggingEmailSender
    from mobilize.channels.sms import LoggingSmsSender
    from mobilize.services import delivery
    from workers.messages import deliver_batch

    ids = await _due_sms(12)
    email = await Message.create(
        channel=Channel.EMAIL,
        kind=MessageKind.CONFIRMATION,
        to_address="ana@example.org",
        subject="You're in",
        body="See you there",
        due_at=datetime.now(UTC),
        dedupe_key=f"rate-test-email:{secrets.token_hex(4)}",
    )
    batches = {delivery.batch_of(i) for i in [*ids, email.id]}
    sms, mail = LoggingSmsSender(), LoggingEmailSender()
    ctx: dict[str, Any] = {
        "queue": object(),  # in-process: slots as far ahead as needed
        "settings": make_settings(migrated, SMS_RATE_PER_SECOND="10"),
        "send_rate": LocalSendRate(),
        "sms": sms,
        "email": mail,
    }
    start = time.monotonic()
    for batch in sorted(batches):
        await deliver_batch(ctx, batch)
    elapsed = time.monotonic() - start
    assert sorted(int(m.reference) for m in sms.sent) == ids  # all, once
    assert [m.reference for m in mail.sent] == [str(email.id)]
    assert elapsed >= 1.0, elapsed  # 12 texts at 10/s, after the small burst: about 1.1 s
    assert await Message.filter(id__in=[*ids, email.id], state=MessageState.SENT).count() == 13
