"""The same job functions under a real arq worker on Redis, and the database as the source of truth:
work planned while no worker runs (or lost from the queue) is found by the sweep and sent once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from arq.worker import Worker

from mobilize.models import Message, MessageKind, MessageState, Signup
from mobilize.queue import connect_pool
from mobilize.services.outbox import messages
from tests.factories import make_world, volunteer_body
from workers.main import WorkerSettings, shutdown, startup


async def _planned_messages(client: httpx.AsyncClient, app: Any, n: int) -> list[int]:
    """Sign people up, then forget the queued jobs: only the outbox rows remain, as after a crash."""
    w = await make_world(capacity=n)
    for i in range(1, n + 1):
        r = await client.post(f"/api/v1/shifts/{w['shift'].id}/signups", json=volunteer_body(i), headers=w["headers"])
        assert r.status_code == 201
    await app.state.queue.drain()
    # Reminders are planned ahead (and the day-before one of a shift a day away is already past): leave them out.
    await Message.exclude(kind=MessageKind.CONFIRMATION).delete()
    await Message.all().update(state=MessageState.PENDING, attempts=0, provider_id=None, sent_at=None)
    return list(await Message.all().values_list("id", flat=True))


async def test_arq_worker_runs_the_same_jobs(
    app: Any, client: httpx.AsyncClient, redis_url: str, settings: Any
) -> None:
    ids = await _planned_messages(client, app, 3)
    pool = await connect_pool(redis_url)
    await pool.flushdb()
    try:
        await pool.enqueue_job("sweep_outbox", _job_id="sweep-test")
        worker = Worker(
            functions=WorkerSettings.functions,
            redis_pool=pool,
            burst=True,
            poll_delay=0.01,
            on_startup=startup,
            on_shutdown=shutdown,
            ctx={"db_ready": True, "settings": settings},
            job_serializer=WorkerSettings.job_serializer,
            job_deserializer=WorkerSettings.job_deserializer,
            handle_signals=False,
        )
        await worker.main()
        sent = worker.ctx["email"].sent
        assert sorted(int(m.reference) for m in sent) == sorted(ids)
        assert await Message.filter(state=MessageState.SENT).count() == len(ids)
        # enqueueing the same deliveries again (at-least-once delivery) sends nothing more
        for message_id in ids:
            await pool.enqueue_job("deliver_message", message_id, _job_id=f"again:{message_id}")
        again = Worker(
            functions=WorkerSettings.functions,
            redis_pool=pool,
            burst=True,
            poll_delay=0.01,
            on_startup=startup,
            ctx={"db_ready": True, "settings": settings},
            job_serializer=WorkerSettings.job_serializer,
            job_deserializer=WorkerSettings.job_deserializer,
            handle_signals=False,
        )
        await again.main()
        assert again.ctx["email"].sent == type(again.ctx["email"].sent)()
    finally:
        await pool.flushdb()
        await pool.aclose()


async def test_in_process_sweep_finds_work_left_in_the_database(app: Any, client: httpx.AsyncClient) -> None:
    ids = await _planned_messages(client, app, 2)
    email = app.state.queue.ctx["email"]
    email.sent.clear()
    from mobilize.services.delivery import batch_of
    from workers.messages import sweep_outbox

    assert await sweep_outbox(app.state.queue.ctx) == len({batch_of(i) for i in ids})  # one job per batch
    await app.state.queue.drain()
    assert sorted(int(m.reference) for m in email.sent) == sorted(ids)


async def test_planning_twice_creates_one_message(app: Any, client: httpx.AsyncClient) -> None:
    await _planned_messages(client, app, 1)
    signup = await Signup.first()
    assert signup is not None
    before = await Message.all().count()
    await messages.plan_signup_messages([signup.id], MessageKind.CONFIRMATION, "http://testserver", datetime.now(UTC))
    assert await Message.all().count() == before


def test_in_process_sweep_interval_comes_from_settings(settings: Any) -> None:
    from dataclasses import replace

    from mobilize.queue import InProcessQueue
    from workers.attendance import sweep_no_shows
    from workers.gaps import ask_standby
    from workers.housekeeping import forget_idempotency_keys
    from workers.messages import sweep_outbox
    from workers.strikes import close_forgotten_duty

    assert InProcessQueue.from_module(settings=replace(settings, outbox_sweep_seconds=2.5)).cron == [
        (sweep_outbox, 2.5),
        (sweep_no_shows, 60),  # the no-show rule keeps its own pace
        (ask_standby, 300),  # and so does gap filling
        (forget_idempotency_keys, 3600),  # and the hourly clean-up
        (close_forgotten_duty, 300),  # and closing picket duty nobody signed out of
    ]
    assert InProcessQueue.from_module(settings=replace(settings, outbox_sweep_seconds=0)).cron == []
