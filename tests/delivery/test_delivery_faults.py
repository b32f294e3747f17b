"""Faults during a fan-out, with real worker processes (`mobilize worker`) on Redis and PostgreSQL and the
real twilio client talking to the local Twilio server, which counts what it accepts per message id:
a worker killed with SIGKILL, Redis killed and restarted, and a provider failing for a while. Each ends
with every reminder sent exactly once."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from mobilize.models import Message, MessageState
from tests.conftest import IN_CI
from tests.factories import seed_due_reminders
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, free_port, running

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
MOBILIZE = str(Path(sys.executable).parent / "mobilize")
UNFINISHED = [MessageState.PENDING, MessageState.SENDING]


class WorkerProcess:
    """`mobilize worker` in a process of its own, its output in a file shown when a test fails."""

    def __init__(self, env: dict[str, str], log_dir: Path, name: str) -> None:
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [MOBILIZE, "worker"], cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


@pytest.fixture
def log_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="mobilize-workers-") as tmp:
        yield Path(tmp)


def worker_env(database_url: str, redis_url: str, twilio: FakeTwilio, **extra: str) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PUBLIC_BASE_URL="http://testserver",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM_NUMBER="+15005550006",
        TWILIO_API_BASE_URL=twilio.base_url,
        SMS_RATE_PER_SECOND="0",
        OUTBOX_STALE_CLAIM_SECONDS="3",
        OUTBOX_RETRY_SECONDS="1",
        QUIET_HOURS="00:00-00:00",  # the fan-out must not depend on the hour the suite runs at
        LOG_LEVEL="warning",
        **extra,
    )


async def wait_until(check: Callable[[], Awaitable[bool]], seconds: float, why: Callable[[], str]) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(why())
        await asyncio.sleep(0.2)


async def unfinished(ids: list[int]) -> int:
    return await Message.filter(id__in=ids, state__in=UNFINISHED).count()


def assert_each_sent_once(twilio: FakeTwilio, ids: list[int]) -> None:
    seen = twilio.references()
    twice = {ref: n for ref, n in seen.items() if n > 1}
    assert not twice, f"{len(twice)} messages reached Twilio more than once, e.g. {list(twice.items())[:5]}"
    assert sorted(seen) == sorted(str(i) for i in ids)


@pytest.fixture
async def fresh_redis(redis_url: str) -> AsyncIterator[str]:
    client = aioredis.Redis.from_url(redis_url)
    await client.flushdb()
    try:
        yield redis_url
    finally:
        await client.flushdb()
        await client.aclose()


async def test_a_worker_killed_mid_fanout_leaves_each_reminder_sent_once(
    app: Any, migrated: str, fresh_redis: str, log_dir: Path
) -> None:
    ids = await seed_due_reminders(5000)
    async with running(FakeTwilio(delay=0.002)) as twilio:
        env = worker_env(migrated, fresh_redis, twilio)
        first = WorkerProcess(env, log_dir, "first")
        try:
            await wait_until(lambda: _at_least(twilio, 1000), 90, first.output)
        finally:
            first.kill()
            first.stop()
        # The dead worker's claims: some of these reached Twilio, some did not; nobody knows which.
        left_claimed = await Message.filter(id__in=ids, state=MessageState.SENDING).count()
        assert len(twilio.messages) < len(ids), "the worker finished before it could be killed"
        second = WorkerProcess(env, log_dir, "second")
        try:
            await wait_until(lambda: _none_left(ids), 120, second.output)
        finally:
            second.stop()
    assert left_claimed > 0
    assert_each_sent_once(twilio, ids)
    assert await Message.filter(id__in=ids, state=MessageState.SENT).count() == len(ids)
    assert await Message.filter(id__in=ids, in_doubt=True).count() == 0


async def test_redis_restarted_during_a_fanout_loses_nothing(app: Any, migrated: str, log_dir: Path) -> None:
    server = shutil.which("redis-server")
    if server is None:
        if IN_CI:
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    port = free_port()
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    redis_process = start(command)
    ids = await seed_due_reminders(3000)
    try:
        await _redis_ready(port)
        async with running(FakeTwilio(delay=0.002)) as twilio:
            worker = WorkerProcess(worker_env(migrated, f"redis://127.0.0.1:{port}/0", twilio), log_dir, "worker")
            try:
                await wait_until(lambda: _at_least(twilio, 600), 90, worker.output)
                redis_process.kill()  # everything queued in Redis is gone
                redis_process.wait(timeout=10)
                lost_at = len(twilio.messages)
                await asyncio.sleep(1.5)
                redis_process = start(command)
                await _redis_ready(port)
                await wait_until(lambda: _none_left(ids), 120, worker.output)
                assert worker.process.poll() is None, "the worker gave up instead of reconnecting"
            finally:
                worker.stop()
        assert lost_at < len(ids), "the fan-out finished before Redis went away"
        assert_each_sent_once(twilio, ids)
    finally:
        redis_process.kill()
        redis_process.wait(timeout=10)


async def test_a_provider_failing_for_a_while_gets_everything_once_when_it_recovers(
    app: Any, migrated: str, fresh_redis: str, log_dir: Path
) -> None:
    ids = await seed_due_reminders(1000)
    fake = FakeTwilio()
    fake.fail_next_requests(300, 429)  # "too many requests" first...
    fake.fail_until = time.time() + 4  # ...then 500s until four seconds from now
    async with running(fake) as twilio:
        worker = WorkerProcess(worker_env(migrated, fresh_redis, twilio), log_dir, "worker")
        try:
            await wait_until(lambda: _none_left(ids), 120, worker.output)
        finally:
            worker.stop()
    assert twilio.requests > len(ids)  # the failures were real, and retried
    assert_each_sent_once(twilio, ids)
    retried = await Message.filter(id__in=ids, attempts__gt=1).count()
    assert retried > 0
    assert await Message.filter(id__in=ids, state=MessageState.SENT).count() == len(ids)


def start(command: list[str]) -> subprocess.Popen[bytes]:
    # The suite may run under faketime to prove it passes at any hour. Only Redis itself reads its clock (key
    # expiry, the send-rate script's TIME), and libfaketime can stop redis-server starting (a recursive
    # clock_gettime at start-up): it runs on the real clock, as the PostgreSQL and Redis servers of the suite do.
    env = {name: value for name, value in os.environ.items() if name != "LD_PRELOAD"}
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)


async def _at_least(twilio: FakeTwilio, count: int) -> bool:
    return len(twilio.messages) >= count


async def _none_left(ids: list[int]) -> bool:
    return await unfinished(ids) == 0


async def _redis_ready(port: int) -> None:
    client = aioredis.Redis(host="127.0.0.1", port=port)
    try:
        for _ in range(100):
            try:
                await client.ping()
                return
            except (aioredis.ConnectionError, OSError):
                await asyncio.sleep(0.05)
        pytest.fail(f"redis-server on port {port} did not start")
    finally:
        await client.aclose()
