"""Capacity under concurrency: no overbooking, the waitlist in order, one person one sign-up.

The PostgreSQL tests run two real uvicorn processes against the test database, so the guarantees are
checked across processes (each with its own connection pool), not just across tasks of one event loop.
The in-process test runs on whichever backend this pytest process uses (SQLite or PostgreSQL).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mobilize.models import SEAT_STATUSES, Shift, Signup, SignupStatus, Volunteer
from tests.factories import make_world, volunteer_body

ROOT = Path(__file__).resolve().parents[2]
CAPACITY = 10
CROWD = 50
SAME_PERSON = 20
STARTUP_TIMEOUT = 30.0

Call = Callable[[], Awaitable[httpx.Response]]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One `uvicorn mobilize.app:create_app --factory` process on a free port, logging to a file."""

    def __init__(self, database_url: str, log_dir: Path, index: int) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"uvicorn-{index}.log"
        env = dict(
            os.environ,
            DATABASE_URL=database_url,
            REDIS_URL="",  # in-process jobs and an in-memory rate limiter per process
            SECRET_KEY="test-secret",
            PUBLIC_BASE_URL="http://testserver",
            PUBLIC_SIGNUP_RATE_LIMIT_IP="100000/minute",
            PUBLIC_SIGNUP_RATE_LIMIT_PHONE="100000/hour",
            LOG_LEVEL="warning",
        )
        command = [
            sys.executable, "-m", "uvicorn", "mobilize.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        """What the server logged so far."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    async def wait_healthy(self) -> None:
        """Poll /healthz until it answers 200; fail with the server's output if it dies or never answers."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        last: object = None
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    pytest.fail(f"uvicorn on port {self.port} exited with {self.process.returncode}:\n{self.output()}")
                try:
                    response = await client.get("/healthz")
                    if response.status_code == 200:
                        return
                    last = f"{response.status_code} {response.text}"
                except httpx.TransportError as exc:
                    last = exc
                await asyncio.sleep(0.1)
        pytest.fail(f"uvicorn on port {self.port} not healthy after {STARTUP_TIMEOUT} s ({last}):\n{self.output()}")

    def stop(self) -> None:
        """SIGTERM (uvicorn shuts down gracefully, running the lifespan exit), SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture(scope="module")
async def servers(migrated: str) -> AsyncIterator[list[Server]]:
    """Two app processes sharing the test PostgreSQL database."""
    with tempfile.TemporaryDirectory(prefix="mobilize-uvicorn-") as tmp:
        started: list[Server] = []
        try:
            for index in range(2):
                started.append(Server(migrated, Path(tmp), index))
            await asyncio.gather(*(server.wait_healthy() for server in started))
            yield started
        finally:
            for server in started:
                server.stop()


@pytest.fixture
async def http_clients(servers: list[Server]) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One HTTP client per server process, with room for every request of a burst at once."""
    limits = httpx.Limits(max_connections=CROWD, max_keepalive_connections=CROWD)
    clients = [httpx.AsyncClient(base_url=s.base_url, timeout=60.0, limits=limits) for s in servers]
    try:
        yield clients
    finally:
        for client in clients:
            await client.aclose()


async def burst(calls: list[Call]) -> list[httpx.Response]:
    """Start every call, hold them at a gate, then release them all at the same moment."""
    gate = asyncio.Event()

    async def gated(call: Call) -> httpx.Response:
        await gate.wait()
        return await call()

    tasks = [asyncio.ensure_future(gated(call)) for call in calls]
    await asyncio.sleep(0)  # let every task reach the gate
    gate.set()
    return await asyncio.gather(*tasks)


def signup_call(client: httpx.AsyncClient, shift_id: int, body: dict[str, Any]) -> Call:
    """A public sign-up request, ready to be sent."""
    return lambda: client.post(f"/api/v1/public/shifts/{shift_id}/signups", json=body)


async def status_counts(shift_id: int) -> Counter[str]:
    """The shift's sign-ups per status, from the database."""
    rows = await Signup.filter(shift_id=shift_id).values_list("status", flat=True)
    return Counter(str(status) for status in rows)


async def assert_crowd_outcome(shift_id: int, responses: list[httpx.Response]) -> None:
    """Every request answered 201; exactly CAPACITY seats, the rest waitlisted, in the answers and the rows."""
    assert [r.status_code for r in responses] == [201] * CROWD, [r.text for r in responses if r.status_code != 201]
    answered = Counter(r.json()["status"] for r in responses)
    assert answered == {"signed_up": CAPACITY, "waitlisted": CROWD - CAPACITY}
    assert await status_counts(shift_id) == {"signed_up": CAPACITY, "waitlisted": CROWD - CAPACITY}
    shift = await Shift.get(id=shift_id)
    assert shift.filled == CAPACITY
    assert await Volunteer.all().count() == CROWD


@pytest.mark.postgres
@pytest.mark.slow
async def test_fifty_concurrent_signups_across_two_processes(
    servers: list[Server], http_clients: list[httpx.AsyncClient]
) -> None:
    w = await make_world(capacity=CAPACITY)
    shift_id = w["shift"].id
    calls = [signup_call(http_clients[n % len(http_clients)], shift_id, volunteer_body(n)) for n in range(1, CROWD + 1)]
    responses = await burst(calls)
    await assert_crowd_outcome(shift_id, responses)

    # A seat-holder drops out (through the organizer API of the other process): the first in line moves up.
    seated = await Signup.filter(shift_id=shift_id, status=SignupStatus.SIGNED_UP).order_by("id").first()
    first_waiting = await Signup.filter(shift_id=shift_id, status=SignupStatus.WAITLISTED).order_by("id").first()
    assert seated is not None and first_waiting is not None
    r = await http_clients[1].patch(f"/api/v1/signups/{seated.id}", json={"status": "cancelled"}, headers=w["headers"])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    await first_waiting.refresh_from_db()
    assert first_waiting.status == SignupStatus.SIGNED_UP
    assert await status_counts(shift_id) == {"signed_up": CAPACITY, "waitlisted": CROWD - CAPACITY - 1, "cancelled": 1}
    shift = await Shift.get(id=shift_id)
    assert shift.filled == CAPACITY == await Signup.filter(shift_id=shift_id, status__in=SEAT_STATUSES).count()


@pytest.mark.postgres
@pytest.mark.slow
async def test_same_person_racing_across_two_processes_signs_up_once(
    servers: list[Server], http_clients: list[httpx.AsyncClient]
) -> None:
    w = await make_world(capacity=CAPACITY)
    shift_id = w["shift"].id
    body = volunteer_body(7)
    calls = [signup_call(http_clients[n % len(http_clients)], shift_id, body) for n in range(SAME_PERSON)]
    responses = await burst(calls)
    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 1, 409: SAME_PERSON - 1}, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"already_signed_up"}
    assert await Volunteer.filter(phone=body["volunteer"]["phone"]).count() == 1
    assert await Volunteer.all().count() == 1
    assert await status_counts(shift_id) == {"signed_up": 1}
    assert (await Shift.get(id=shift_id)).filled == 1


async def test_fifty_concurrent_signups_in_process(client: httpx.AsyncClient) -> None:
    w = await make_world(capacity=CAPACITY)
    shift_id = w["shift"].id
    responses = await burst([signup_call(client, shift_id, volunteer_body(n)) for n in range(1, CROWD + 1)])
    await assert_crowd_outcome(shift_id, responses)
