"""A sign-up and its messages commit together; the enqueue comes after. A real server (uvicorn, `mobilize serve`)
exits hard between the commit and the enqueue (CRASH_AFTER_COMMIT): the confirmation and the reminders are in
the outbox all the same, and after a restart the sweep of a real worker delivers each exactly once."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from mobilize.models import Event, Message, MessageKind, MessageState, Signup
from mobilize.services.outbox import after_commit
from tests.delivery.test_delivery_faults import (
    WorkerProcess,
    assert_each_sent_once,
    fresh_redis,
    log_dir,
    wait_until,
    worker_env,
)
from tests.factories import make_shift, make_world
from tests.fakes.twilio_server import FakeTwilio, free_port, running

__all__ = ["fresh_redis", "log_dir"]  # fixtures shared with the delivery fault tests

ROOT = Path(__file__).resolve().parents[2]
CRASHED = 17  # the exit status of the crash hook (web/deliveries.py)


class Server:
    """`mobilize serve` on a free port, against the test database and Redis."""

    def __init__(self, database_url: str, redis_url: str, **extra: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = os.environ | {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "PUBLIC_BASE_URL": "http://testserver",
            "SECRET_KEY": "after-commit-test-secret",
            "QUIET_HOURS": "00:00-00:00",  # the texts must not depend on the hour the suite runs at
            "LOG_LEVEL": "warning",
            **extra,
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "mobilize.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
            cwd=ROOT, env=self.env,
        )  # fmt: skip
        async with httpx.AsyncClient() as client:
            for _ in range(150):
                try:
                    if (await client.get(self.base + "/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        pytest.fail("the app did not start under uvicorn")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), timeout=15)


@pytest.fixture
async def servers() -> AsyncIterator[list[Server]]:
    started: list[Server] = []
    try:
        yield started
    finally:
        for server in started:
            await server.stop()


async def sign_up(server: Server, shift_id: int, n: int) -> httpx.Response | None:
    """A public sign-up with text consent; None when the server died before it answered."""
    body = {"volunteer": {"name": f"Surge {n}", "phone": f"+1312555{n:04d}", "sms_opt_in": True}}
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        try:
            return await client.post(f"/api/v1/public/shifts/{shift_id}/signups", json=body)
        except httpx.TransportError:
            return None


async def messages_of(signup_id: int) -> list[Message]:
    return await Message.filter(signup_id=signup_id).order_by("id")


async def test_a_crash_between_commit_and_enqueue_loses_no_message_and_sends_none_twice(
    app: Any, migrated: str, fresh_redis: str, log_dir: Path, servers: list[Server]
) -> None:
    world = await make_world()
    # Both reminders a few seconds away (a timeline of its own), so that the sweep has them to send soon.
    starts = datetime.now(UTC) + timedelta(minutes=120, seconds=6)
    event: Event = world["event"]
    event.reminders = [{"kind": "day_before", "minutes_before": 120}, {"kind": "soon", "minutes_before": 120}]
    await event.save(update_fields=["reminders"])
    shift = await make_shift(event, starts_at=starts)

    crashing = Server(migrated, fresh_redis, CRASH_AFTER_COMMIT="1")
    servers.append(crashing)
    await crashing.start()
    await sign_up(crashing, shift.id, 1)  # the answer may or may not have left before the exit
    assert crashing.process is not None
    assert await asyncio.wait_for(crashing.process.wait(), timeout=15) == CRASHED

    # The sign-up committed with its confirmation and both reminders, and nothing reached the queue.
    first = await Signup.get(shift_id=shift.id)
    planned = await messages_of(first.id)
    kinds = sorted(str(m.kind) for m in planned)
    expected = sorted(
        str(k) for k in (MessageKind.CONFIRMATION, MessageKind.REMINDER_DAY_BEFORE, MessageKind.REMINDER_SOON)
    )
    assert kinds == expected and {m.state for m in planned} == {MessageState.PENDING}
    queue = aioredis.Redis.from_url(fresh_redis)
    try:
        assert await queue.keys("arq:job:*") == []
    finally:
        await queue.aclose()

    # Restarted without the hook: the next sign-up is enqueued as usual.
    restarted = Server(migrated, fresh_redis)
    servers.append(restarted)
    await restarted.start()
    later = await make_shift(event, starts_at=datetime.now(UTC) + timedelta(minutes=120, seconds=6))
    answer = await sign_up(restarted, later.id, 2)
    assert answer is not None and answer.status_code == 201, answer and answer.text
    second = await Signup.get(shift_id=later.id)
    ids = [m.id for m in planned] + [m.id for m in await messages_of(second.id)]
    assert len(ids) == 6

    async with running(FakeTwilio()) as twilio:
        worker = WorkerProcess(worker_env(migrated, fresh_redis, twilio), log_dir, "worker")
        try:
            states: list[tuple[str, str, str]] = []

            async def all_sent() -> bool:
                rows = await Message.filter(id__in=ids).order_by("id")
                states[:] = [(str(m.kind), str(m.state), m.skip_reason or m.last_error) for m in rows]
                return all(m.state == MessageState.SENT for m in rows)

            await wait_until(all_sent, 60, lambda: f"{states}\n{worker.output()}")
            await asyncio.sleep(6)  # another sweep or two: nothing goes twice
        finally:
            worker.stop()
    assert_each_sent_once(twilio, ids)


def test_a_buffer_holds_what_the_services_deliver_until_its_owner_flushes_it() -> None:
    with after_commit.buffer(after_commit.Plan(base_url="http://example.org")) as pending:
        assert after_commit.plan().base_url == "http://example.org"
        after_commit.deliver([3, 4])
        with after_commit.collecting(now=datetime(2026, 6, 1, tzinfo=UTC)) as inner:
            assert after_commit.plan().base_url == "http://example.org"  # the outer plan, on the inner clock
            assert after_commit.plan().clock() == datetime(2026, 6, 1, tzinfo=UTC)
            after_commit.deliver([5])
        after_commit.deliver([3])
    assert pending.ids == [3, 4, 3] and inner == [5]
    after_commit.deliver([6])  # no buffer open: left to the sweep
    assert after_commit.plan() == after_commit.Plan()
