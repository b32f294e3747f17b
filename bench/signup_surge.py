"""Sign-up surge: how many public sign-ups per second the app takes on PostgreSQL, against a baseline.

    .venv/bin/python bench/signup_surge.py [--duration 16] [--rounds 4] [--clients 64] [--workers 2] [--email]

What it does, in one run:

1. creates a fresh PostgreSQL database, migrates it with `mobilize migrate` (in a subprocess, as a release
   does) and seeds one public event with 100 shifts whose capacity is never reached;
2. serves the app with uvicorn in `--workers` processes (Redis db 14 for the shared rate limiter and queue,
   unless `--no-redis`), with rate limits high enough not to interfere;
3. drives `POST /api/v1/public/shifts/{id}/signups` with distinct phone numbers from `--clients` concurrent
   keep-alive connections, spread over the shifts, from `--loaders` separate load processes (a minimal
   HTTP/1.1 client on uvloop, far cheaper than a general one);
4. as a baseline, issues the same transaction straight through asyncpg (volunteer upsert by phone, the
   organization's record of the person, the conditional seat UPDATE, INSERT signup) from as many concurrent
   tasks over `--workers` processes, a connection each (`--baseline-pool` for fewer), on the app's connection
   class (no reset query);
5. measures each side for `--duration` seconds in all, in `--rounds` turns that alternate (app, baseline,
   baseline, app, app, ...: on a shared machine whose speed drifts during a run, one side after the other
   made the ratio swing by half), each turn fresh load processes after a `--warmup`;
6. prints sign-ups per second, p50/p99 latency and errors of both, and their ratio; drops the database.

The people give a phone and no SMS consent: their sign-ups call for no message. With `--email` each also
gives an email address, so that every sign-up writes its confirmation and two reminders to the outbox in
its transaction; the baseline then writes the same three rows in its transaction too (one more INSERT).

The numbers include the load generator's own CPU use: on a small machine it shares the cores with the app,
PostgreSQL and Redis, exactly as the baseline's processes do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import asyncpg

from mobilize.db import PooledConnection

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("MOBILIZE_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
# Area codes whose every exchange 200-999 is a valid US number to libphonenumber; one per load process and
# phase, so every sign-up of the run is a new person.
AREA_CODES = ["312", "773", "872", "630", "708", "847", "415", "646", "212", "202", "617", "206"]


# ---- results -------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one load process saw inside the measured window (and errors outside it)."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    warmup_errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    first_error: str = ""

    def merge(self, other: Tally) -> None:
        """Add another process's tally to this one."""
        self.latencies_ms.extend(other.latencies_ms)
        self.errors += other.errors
        self.warmup_errors += other.warmup_errors
        for key, count in other.statuses.items():
            self.statuses[key] = self.statuses.get(key, 0) + count
        self.first_error = self.first_error or other.first_error

    def error(self, in_window: bool, what: str) -> None:
        """Count one failed request, remembering the first reason."""
        if in_window:
            self.errors += 1
        else:
            self.warmup_errors += 1
        self.first_error = self.first_error or what


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of the values, nan if there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(title: str, tally: Tally, duration: float) -> float:
    """Print one block of figures; return the rate."""
    rate = len(tally.latencies_ms) / duration
    print(f"{title}")
    print(f"  sign-ups/s     {rate:10.0f}   ({len(tally.latencies_ms)} in {duration:.1f} s)")
    print(f"  latency p50    {percentile(tally.latencies_ms, 0.50):10.1f} ms")
    print(f"  latency p99    {percentile(tally.latencies_ms, 0.99):10.1f} ms")
    if tally.latencies_ms:
        mean, worst = statistics.fmean(tally.latencies_ms), max(tally.latencies_ms)
        print(f"  latency mean   {mean:10.1f} ms   max {worst:.1f} ms")
    print(f"  errors         {tally.errors:10d}   (warm-up: {tally.warmup_errors})")
    if tally.statuses:
        print(f"  answers        {json.dumps(tally.statuses, sort_keys=True)}")
    if tally.first_error:
        print(f"  first error    {tally.first_error[:300]}")
    return rate


# ---- phone numbers -------------------------------------------------------------------------------------


def phones(slot: int):  # type: ignore[no-untyped-def]
    """Distinct E.164 numbers for this slot (a million of them): an area code, and a band of 100 exchanges
    of it for each turn of the area codes (up to 96 slots)."""
    area = AREA_CODES[slot % len(AREA_CODES)]
    band = 200 + 100 * (slot // len(AREA_CODES))
    for exchange in range(band, band + 100):
        for line in range(10000):
            yield f"+1{area}{exchange}{line:04d}"


# ---- the app under load --------------------------------------------------------------------------------


class HttpConnection(asyncio.Protocol):
    """A minimal keep-alive HTTP/1.1 client connection: one request at a time, answers with a
    Content-Length (as uvicorn sends them). A fraction of the CPU a full client spends, so that on a small
    machine the load generator takes as little as possible from the server it measures."""

    def __init__(self) -> None:
        self.transport: Any = None  # uvloop's transports are not asyncio.Transport subclasses
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.lost: BaseException | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        """Buffer the answer; hand it over once its headers and Content-Length bytes are in."""
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None or self.waiter.done():
            return
        length = 0
        for line in bytes(self.buffer[:end]).split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if len(self.buffer) < end + 4 + length:
            return
        status = int(self.buffer[9:12])
        body = bytes(self.buffer[end + 4 : end + 4 + length])
        del self.buffer[: end + 4 + length]
        self.waiter.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc or ConnectionResetError("server closed the connection")
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(self.lost)

    async def post_json(self, host: bytes, path: str, body: bytes) -> tuple[int, bytes]:
        """POST a JSON body; (status, body) of the answer."""
        if self.lost is not None or self.transport is None:
            raise ConnectionResetError("connection lost")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(
            b"POST %s HTTP/1.1\r\nhost: %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
            % (path.encode(), host, len(body), body)
        )
        return await self.waiter


async def _load(
    port: int, shift_ids: list[int], clients: int, slot: int, t0: float, t1: float, email: bool = False
) -> Tally:
    """`clients` connections signing up new people until t1; what happened between t0 and t1."""
    tally = Tally()
    numbers = phones(slot)
    counter = iter(range(10**9))
    loop = asyncio.get_running_loop()
    host = f"127.0.0.1:{port}".encode()

    async def client() -> None:
        """One keep-alive connection, one sign-up after the other."""
        connection: HttpConnection | None = None
        while True:
            start_wall = time.time()
            if start_wall >= t1:
                break
            n = next(counter)
            shift_id = shift_ids[(n * 7 + slot) % len(shift_ids)]
            person = {"name": f"Surge {slot}-{n}", "phone": next(numbers), "postal_code": "60614"}
            if email:
                person["email"] = f"surge-{slot}-{n}@example.org"
            body = json.dumps({"volunteer": person}).encode()
            started = time.perf_counter()
            try:
                if connection is None or connection.lost is not None:
                    _, connection = await loop.create_connection(HttpConnection, "127.0.0.1", port)
                async with asyncio.timeout(30):  # a timer on the loop (wait_for would add a task per request)
                    status, payload = await connection.post_json(
                        host, f"/api/v1/public/shifts/{shift_id}/signups", body
                    )
            except (OSError, TimeoutError) as exc:
                tally.error(start_wall >= t0, repr(exc))
                connection = None
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            in_window = start_wall >= t0 and time.time() <= t1
            if status != 201:
                tally.error(in_window, f"{status} {payload[:200]!r}")
                continue
            if in_window:
                tally.latencies_ms.append(elapsed_ms)
                state = json.loads(payload)["status"]
                tally.statuses[state] = tally.statuses.get(state, 0) + 1
        if connection is not None and connection.transport is not None:
            connection.transport.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return tally


def load_process(
    port: int, shift_ids: list[int], clients: int, slot: int, t0: float, t1: float, email: bool = False
) -> Tally:
    """Entry point of one load process."""
    import uvloop

    return uvloop.run(_load(port, shift_ids, clients, slot, t0, t1, email))


# ---- the baseline: the same transaction straight through asyncpg ---------------------------------------

UPSERT_VOLUNTEER = """
INSERT INTO volunteer (organization_id, name, phone, email, postal_code, sms_status, email_status, manage_token,
                       feed_token, manage_token_seen_at, feed_token_seen_at, created_at, updated_at)
VALUES ($6, $1, $2, NULL, $3, 'unknown', 'unknown', $4, $5, now(), now(), now(), now())
ON CONFLICT (organization_id, phone) DO UPDATE SET updated_at = now()
RETURNING id
"""
TAKE_SEAT = "UPDATE shift SET filled = filled + 1 WHERE id = $1 AND status = 'scheduled' AND filled < capacity"
INSERT_SIGNUP = """
INSERT INTO signup (shift_id, volunteer_id, holder, status, source, referrer, created_at, updated_at)
VALUES ($1, $2, $1, $3, 'web', '', now(), now())
RETURNING id, created_at
"""
# With --email: the person's email too, and the confirmation and two reminders, as the app plans them.
UPSERT_VOLUNTEER_EMAIL = UPSERT_VOLUNTEER.replace("NULL, $3, 'unknown', 'unknown'", "$7, $3, 'unknown', 'ok'")
INSERT_MESSAGES = """
INSERT INTO message (organization_id, volunteer_id, signup_id, channel, kind, to_address, subject, body, due_at,
                     expires_at, timezone, state, skip_reason, attempts, last_error, dedupe_key, in_doubt,
                     created_at, updated_at)
SELECT $1, $2, $3::integer, 'email', m.kind, $4, m.subject, m.body, m.due_at, $5, 'America/Chicago', 'pending',
       '', 0, '', 'signup:' || $3::integer || ':' || m.kind || ':email', FALSE, now(), now()
FROM unnest($6::text[], $7::text[], $8::text[], $9::timestamptz[]) AS m(kind, subject, body, due_at)
RETURNING id
"""
EMAIL_KINDS = ["confirmation", "reminder_day_before", "reminder_soon"]
EMAIL_TEXT = (
    "Hello {name},\n\n{lead} Surge, Sat Dec 12, 10:00 AM-1:00 PM CST at Chicago.\n\n"
    "Event page: http://127.0.0.1:8000/events/1\nSee or drop your shifts: http://127.0.0.1:8000/signups/{token}\n\n"
    "-- Bench"
)


async def _baseline(
    dsn: str,
    organization_id: int,
    shift_ids: list[int],
    tasks: int,
    pool_size: int,
    slot: int,
    t0: float,
    t1: float,
    email: bool = False,
) -> Tally:
    """`tasks` concurrent sign-up transactions straight through asyncpg until t1; what happened in [t0, t1]."""
    tally = Tally()
    numbers = phones(slot)
    counter = iter(range(10**9))
    # The app's own connection class (no reset query on release), so that both sides pay the same.
    pool = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size, connection_class=PooledConnection)
    starts = dict(await pool.fetch("SELECT id, starts_at FROM shift"))

    async def task() -> None:
        """One connection's worth of transactions, one after the other."""
        while True:
            start_wall = time.time()
            if start_wall >= t1:
                return
            n = next(counter)
            shift_id = shift_ids[(n * 7 + slot) % len(shift_ids)]
            started = time.perf_counter()
            try:
                name, token = f"Surge {slot}-{n}", secrets.token_urlsafe(24)
                address = f"surge-{slot}-{n}@example.org"
                person = (name, next(numbers), "60614", token, secrets.token_urlsafe(24), organization_id)
                async with pool.acquire() as conn, conn.transaction():
                    if email:
                        volunteer_id = await conn.fetchval(UPSERT_VOLUNTEER_EMAIL, *person, address)
                    else:
                        volunteer_id = await conn.fetchval(UPSERT_VOLUNTEER, *person)
                    seated = await conn.execute(TAKE_SEAT, shift_id) == "UPDATE 1"
                    signup = await conn.fetchrow(
                        INSERT_SIGNUP, shift_id, volunteer_id, "signed_up" if seated else "waitlisted"
                    )
                    if email:
                        start = starts[shift_id]
                        await conn.fetch(
                            INSERT_MESSAGES, organization_id, volunteer_id, signup["id"], address, start, EMAIL_KINDS,
                            ["Signed up: Surge", "Reminder: Surge", "Starting soon: Surge"],
                            [EMAIL_TEXT.format(name=name, lead=lead, token=token) for lead in ("You're signed up for",
                             "A reminder: you're signed up for", "Starting at 10:00:")],
                            [datetime.now(UTC), start - timedelta(days=1), start - timedelta(hours=2)],
                        )  # fmt: skip
            except (asyncpg.PostgresError, OSError) as exc:
                tally.error(start_wall >= t0, repr(exc))
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            if start_wall >= t0 and time.time() <= t1:
                tally.latencies_ms.append(elapsed_ms)

    try:
        await asyncio.gather(*(task() for _ in range(tasks)))
    finally:
        await pool.close()
    return tally


def baseline_process(
    dsn: str,
    organization_id: int,
    shift_ids: list[int],
    tasks: int,
    pool_size: int,
    slot: int,
    t0: float,
    t1: float,
    email: bool = False,
) -> Tally:
    """Entry point of one baseline process."""
    import uvloop

    return uvloop.run(_baseline(dsn, organization_id, shift_ids, tasks, pool_size, slot, t0, t1, email))


# ---- set-up --------------------------------------------------------------------------------------------


def database_url(name: str) -> str:
    """The URL of database `name` on the admin URL's server."""
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


async def admin(sql: str) -> None:
    """Run one statement on the server's maintenance database (CREATE/DROP DATABASE)."""
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def migrate(url: str) -> None:
    """Migrate as a release does: `mobilize migrate` in its own process."""
    env = dict(os.environ, DATABASE_URL=url, LOG_LEVEL="warning")
    subprocess.run([sys.executable, "-m", "mobilize.cli", "migrate"], cwd=ROOT, env=env, check=True)


async def seed(url: str, shifts: int) -> tuple[int, list[int]]:
    """One organization, group and public event with `shifts` shifts nobody can fill; its ids."""
    conn = await asyncpg.connect(url)
    now = datetime.now(UTC)
    try:
        async with conn.transaction():
            org = await conn.fetchval(
                "INSERT INTO organization (slug, name, created_at) VALUES ('bench', 'Bench', $1) RETURNING id", now
            )
            group = await conn.fetchval(
                "INSERT INTO action_group (organization_id, slug, name, description, postal_code, created_at) "
                "VALUES ($1, 'bench', 'Bench', '', '60614', $2) RETURNING id",
                org, now,
            )  # fmt: skip
            event = await conn.fetchval(
                """INSERT INTO event (organization_id, group_id, title, description, instructions, event_type,
                       timezone, venue, address, city, region, postal_code, country, lat, lon, virtual_url,
                       visibility, status, sequence, created_at, updated_at, share_token)
                   VALUES ($1, $2, 'Surge', '', '', 'rally', 'America/Chicago', '', '', 'Chicago', 'IL', '60614',
                       'US', 41.92, -87.65, '', 'public', 'scheduled', 0, $3, $3, $4) RETURNING id""",
                org, group, now, secrets.token_urlsafe(16),
            )  # fmt: skip
            starts = now + timedelta(days=7)
            ids = [
                await conn.fetchval(
                    """INSERT INTO shift (event_id, starts_at, ends_at, capacity, target, filled, code, status,
                           sequence, created_at, updated_at)
                       VALUES ($1, $2, $3, 1000000000, 10, 0, $4, 'scheduled', 0, $5, $5) RETURNING id""",
                    event,
                    starts + timedelta(hours=i),
                    starts + timedelta(hours=i + 3),
                    f"SRG{i:05d}",
                    now,
                )  # fmt: skip
                for i in range(shifts)
            ]
    finally:
        await conn.close()
    return org, ids


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def flush_redis(url: str | None) -> None:
    """Empty the bench's Redis database (rate-limit counters, queued jobs)."""
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()


def start_server(  # noqa: PLR0913
    url: str,
    port: int,
    workers: int,
    redis_url: str | None,
    pool: int | None,
    checkout: Path = ROOT,
    http: str = "httptools",
) -> subprocess.Popen[bytes]:
    """uvicorn with `workers` processes on the bench database, rate limits out of the way, serving the
    `mobilize` package of `checkout` (this one unless bench/signup_ab.py names another) with uvicorn's `http`
    protocol."""
    db_url = url.replace("postgresql://", "postgres://", 1) + (f"?maxsize={pool}" if pool else "")
    env = dict(
        os.environ,
        DATABASE_URL=db_url,
        REDIS_URL=redis_url or "",
        SECRET_KEY="bench-secret",
        PUBLIC_BASE_URL="http://127.0.0.1:8000",
        PUBLIC_SIGNUP_RATE_LIMIT_IP="1000000000/minute",
        PUBLIC_SIGNUP_RATE_LIMIT_PHONE="1000000000/hour",
        LOG_LEVEL="warning",
    )
    command = [
        sys.executable, "-m", "uvicorn", "mobilize.app:create_app", "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
        "--loop", "uvloop", "--http", http, "--backlog", "4096",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=checkout, env=env, start_new_session=True)


def wait_healthy(port: int, workers: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Until /healthz answers (several answers in a row, so that every worker has had time to start)."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    ok = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"uvicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                ok = ok + 1 if response.status == 200 else 0
        except (urllib.error.URLError, OSError):
            ok = 0
        if ok >= 4 * workers:
            return
        time.sleep(0.1)
    raise SystemExit("uvicorn never became healthy")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to uvicorn's supervisor (it stops its workers); SIGKILL the group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_processes(target: Any, argument_lists: list[tuple[Any, ...]]) -> Tally:
    """Run one function per argument tuple, each in its own (spawned) process; merge their tallies."""
    total = Tally()
    with ProcessPoolExecutor(max_workers=len(argument_lists), mp_context=get_context("spawn")) as pool:
        for tally in [pool.submit(target, *args) for args in argument_lists]:
            total.merge(tally.result())
    return total


def interleaved(rounds: int, warmup: float, sides: list[tuple[float, Any]], before_turn: Any = None) -> list[Tally]:
    """Each side's measured seconds as `rounds` phases, the sides taking turns in the order A B, B A, A B...,
    so that a shared machine that gets faster or slower during the run weighs on every side alike (one side
    after the other once each is what made the ratio swing by half). A phase is `run(round, t0, t1)`, a fresh
    set of load processes measuring [t0, t1] after `warmup` seconds; the tallies of each side are merged.
    `before_turn(turn)`, if given, runs before each turn's phases, outside their measured windows."""
    totals = [Tally() for _ in sides]
    for turn in range(rounds):
        if before_turn is not None:
            before_turn(turn)
        for i in range(len(sides)) if turn % 2 == 0 else reversed(range(len(sides))):
            seconds, run = sides[i]
            t0 = time.time() + 1.5 + warmup  # the processes need a moment to spawn
            tally = run(turn, t0, t0 + seconds / rounds)
            print(f"  turn {turn + 1} side {i + 1}: {len(tally.latencies_ms) / (seconds / rounds):.0f}/s", flush=True)
            totals[i].merge(tally)
    return totals


def split(total: int, parts: int) -> list[int]:
    """`total` shared out as evenly as possible between `parts`."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


# ---- main ----------------------------------------------------------------------------------------------


def main() -> None:
    """Set up, measure the app, measure the baseline, report, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=16.0, help="measured seconds (each side, all turns)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring (each turn)")
    parser.add_argument("--rounds", type=int, default=4, help="turns each side takes, alternating with the other")
    parser.add_argument("--clients", type=int, default=64, help="concurrent connections / baseline tasks")
    parser.add_argument("--loaders", type=int, default=2, help="load generator processes")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers, and baseline processes")
    parser.add_argument("--shifts", type=int, default=100)
    parser.add_argument("--pool", type=int, default=None, help="asyncpg pool size per app worker (?maxsize=)")
    parser.add_argument("--baseline-pool", type=int, default=None, help="connections per baseline process")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="shared rate limiter and queue (a db it may flush)")
    parser.add_argument("--no-redis", action="store_true", help="in-memory rate limiter, in-process jobs")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--email", action="store_true", help="people give an email: three outbox rows per sign-up, on both sides"
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()
    redis_url = None if args.no_redis else args.redis_url

    name = f"mobilize_bench_{os.getpid()}_{secrets.token_hex(3)}"
    url = database_url(name)
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    server: subprocess.Popen[bytes] | None = None
    try:
        migrate(url)
        organization_id, shift_ids = asyncio.run(seed(url, args.shifts))
        flush_redis(redis_url)
        port = free_port()
        server = start_server(url, port, args.workers, redis_url, args.pool)
        wait_healthy(port, args.workers, server)
        rounds = 1 if args.skip_baseline else args.rounds
        print(
            f"signup surge: {args.clients} clients from {args.loaders} load processes -> uvicorn x{args.workers} "
            f"on PostgreSQL, {len(shift_ids)} shifts, {'Redis ' + redis_url if redis_url else 'no Redis'}, "
            f"pool {args.pool or 'default'}; {args.duration:.0f} s measured each side in {rounds} alternating "
            f"turns ({args.warmup:.0f} s warm-up each)"
            + ("; with email (3 outbox rows per sign-up)" if args.email else ""),
            flush=True,
        )

        slots = args.loaders + args.workers  # phone slots per turn (AREA_CODES, phones)

        def app_phase(turn: int, t0: float, t1: float) -> Tally:
            shares = split(args.clients, args.loaders)
            return run_processes(
                load_process,
                [(port, shift_ids, n, turn * slots + i, t0, t1, args.email) for i, n in enumerate(shares)],
            )

        def baseline_phase(turn: int, t0: float, t1: float) -> Tally:
            shares = split(args.clients, args.workers)
            return run_processes(
                baseline_process,
                [
                    (url, organization_id, shift_ids, n, args.baseline_pool or n, turn * slots + args.loaders + i,
                     t0, t1, args.email)
                    for i, n in enumerate(shares)
                ],
            )  # fmt: skip

        sides = [(args.duration, app_phase)] + ([] if args.skip_baseline else [(args.duration, baseline_phase)])
        tallies = interleaved(rounds, args.warmup, sides)
        stop_server(server)
        server = None
        app = tallies[0]
        print()
        app_rate = report("app (HTTP, public sign-up endpoint)", app, args.duration)
        if not args.skip_baseline:
            print()
            base_rate = report(
                f"baseline (asyncpg, same transaction, {args.clients} tasks in {args.workers} processes)",
                tallies[1],
                args.duration,
            )
            print()
            ratio = app_rate / base_rate if base_rate else float("nan")
            print(f"app / baseline   {ratio:.2f}x   (each side {args.duration:.0f} s in {rounds} turns, alternating)")
        targets = [
            ("sign-ups/s >= 1000", app_rate >= 1000),
            ("p99 < 150 ms", percentile(app.latencies_ms, 0.99) < 150),
            ("errors == 0", app.errors == 0),
        ]
        if not args.skip_baseline:
            targets.append(("app >= 0.5x baseline", ratio >= 0.5))
        print("targets          " + ", ".join(f"{label}: {'ok' if met else 'MISSED'}" for label, met in targets))
    finally:
        if server is not None:
            stop_server(server)
        flush_redis(redis_url)
        if not args.keep_db:
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
