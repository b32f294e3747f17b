"""Reminder fan-out: 100,000 due SMS reminders drained through arq to a local Twilio server.

    .venv/bin/python bench/reminder_fanout.py [--messages 100000] [--noop-jobs 20000] [--rate-seconds 12]
        [--workers 1,2]

What it does, in one run:

1. creates a fresh PostgreSQL database, migrates it with `mobilize migrate`, and writes `--messages` people,
   each signed up (SMS opted in) for one of 100 shifts a week away, each with a "starts soon" reminder in
   the outbox (bulk COPY: the planning is not what is measured);
2. starts the local Twilio server (tests/fakes/twilio_server.py, the Messages API the real twilio client
   talks to) in a process of its own;
3. baseline: arq's throughput for no-op jobs, with the same worker settings (poll delay, max jobs, msgpack)
   as ours, one burst worker process, on Redis db 14;
4. makes every reminder due now and runs `mobilize worker` (the real worker: sweep, batch jobs, claims,
   twilio client) in one process, then again in two, until the outbox is drained: messages per second, the
   lateness of each message against its due time (p50, p99), each worker's peak RSS (VmHWM), and the CPU
   time per message of the workers and of the Twilio server (they share the machine's cores);
5. sets SMS_RATE_PER_SECOND=100 and measures the rate two workers actually send at, in steady state;
6. checks nothing went twice (the Twilio server counts per message id), prints it all, drops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from signup_surge import admin, database_url, flush_redis, free_port, migrate, percentile, seed  # noqa: E402

from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN  # noqa: E402

REDIS_URL = os.environ.get("MOBILIZE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
MOBILIZE = str(Path(sys.executable).parent / "mobilize")
BODY = "Local 100: Picket at the gate starts at 06:00 at the north gate. Reply STOP to opt out."


# ---- set-up --------------------------------------------------------------------------------------------


async def write_reminders(url: str, count: int) -> None:
    """`count` volunteers, sign-ups and pending reminders, through COPY."""
    org, shift_ids = await seed(url, 100)
    conn = await asyncpg.connect(url)
    now = datetime.now(UTC)
    try:
        starts = dict(await conn.fetch("SELECT id, starts_at FROM shift"))
        await conn.copy_records_to_table(
            "volunteer",
            columns=["id", "organization_id", "name", "phone", "postal_code", "sms_status", "email_status",
                     "manage_token", "feed_token", "created_at", "updated_at"],
            records=[
                (i, org, f"Volunteer {i}", f"+1312{2000000 + i:07d}", "60614", "opted_in", "unknown",
                 secrets.token_urlsafe(24), secrets.token_urlsafe(24), now, now)
                for i in range(1, count + 1)
            ],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "signup",
            columns=["id", "shift_id", "volunteer_id", "holder", "status", "source", "referrer", "created_at",
                     "updated_at"],
            records=[
                (i, shift_ids[i % len(shift_ids)], i, shift_ids[i % len(shift_ids)], "signed_up", "api", "", now, now)
                for i in range(1, count + 1)
            ],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "message",
            columns=["id", "organization_id", "volunteer_id", "signup_id", "channel", "kind", "to_address",
                     "subject", "body", "due_at", "expires_at", "state", "skip_reason", "attempts", "last_error",
                     "dedupe_key", "in_doubt", "created_at", "updated_at"],
            records=[
                (i, org, i, i, "sms", "reminder_soon", f"+1312{2000000 + i:07d}", "", BODY, now,
                 starts[shift_ids[i % len(shift_ids)]], "pending", "", 0, "", f"bench:{i}", False, now, now)
                for i in range(1, count + 1)
            ],
        )  # fmt: skip
        for table in ("volunteer", "signup", "message"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count})")
            await conn.execute(f"ANALYZE {table}")  # as autovacuum would after such an import
    finally:
        await conn.close()


async def make_due(url: str, limit: int | None = None) -> datetime:
    """Every reminder (or the first `limit`) back to pending, due now; the rest out of the way."""
    conn = await asyncpg.connect(url)
    now = datetime.now(UTC)
    try:
        await conn.execute(
            """UPDATE message SET state = CASE WHEN $2::int IS NULL OR id <= $2 THEN 'pending' ELSE 'cancelled' END,
                   due_at = $1, attempts = 0, provider_id = NULL, sent_at = NULL, claimed_at = NULL,
                   claim_token = NULL, claimed_by = NULL, in_doubt = false, updated_at = $1""",
            now,
            limit,
        )
        await conn.execute("DELETE FROM delivery_worker")
    finally:
        await conn.close()
    return now


async def outbox_counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        return {
            row["state"]: row["n"] for row in await conn.fetch("SELECT state, count(*) AS n FROM message GROUP BY 1")
        }
    finally:
        await conn.close()


async def sent_times(url: str) -> list[tuple[datetime, datetime]]:
    """(due_at, sent_at) of every message sent."""
    conn = await asyncpg.connect(url)
    try:
        return [
            (r["due_at"], r["sent_at"])
            for r in await conn.fetch("SELECT due_at, sent_at FROM message WHERE state = 'sent'")
        ]
    finally:
        await conn.close()


# ---- processes -----------------------------------------------------------------------------------------


def start_twilio(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-m", "tests.fakes.twilio_server", str(port)], cwd=ROOT)
    for _ in range(100):
        try:
            fake_counts(port)
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the local Twilio server did not start")


def fake_reset(port: int) -> None:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/_fake/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass


def fake_counts(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_fake/counts", timeout=10) as answer:
        counts: dict[str, int] = json.loads(answer.read())
        return counts


def worker_env(url: str, twilio_port: int, rate: int) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=url.replace("postgresql://", "postgres://", 1),
        REDIS_URL=REDIS_URL,
        PUBLIC_BASE_URL="https://mobilize.example.org",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM_NUMBER="+15005550006",
        TWILIO_API_BASE_URL=f"http://127.0.0.1:{twilio_port}",
        SMS_RATE_PER_SECOND=str(rate),
        LOG_LEVEL="warning",
    )


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ---- phases --------------------------------------------------------------------------------------------


NOOP_WORKER = """
import sys
from arq.worker import run_worker
from mobilize.queue import deserialize, redis_settings, serialize
from workers.main import WorkerSettings

import time
seen = []

async def noop(ctx, n):
    seen.append(time.perf_counter())

async def report(ctx):
    print(seen[0], seen[-1], len(seen) - 1, flush=True)  # intervals between the first and the last job

class Noop:
    functions = [noop]
    redis_settings = redis_settings(sys.argv[1])
    poll_delay = WorkerSettings.poll_delay
    max_jobs = WorkerSettings.max_jobs
    job_serializer = serialize
    job_deserializer = deserialize
    keep_result = 0
    on_shutdown = report

run_worker(Noop, burst=True)
"""


async def noop_rate(jobs: int) -> float:
    """arq alone: no-op jobs per second through one burst worker with our worker settings."""
    from mobilize.queue import connect_pool

    flush_redis(REDIS_URL)
    pool = await connect_pool(REDIS_URL)
    try:
        for first in range(0, jobs, 1000):
            await asyncio.gather(*(pool.enqueue_job("noop", n) for n in range(first, min(jobs, first + 1000))))
    finally:
        await pool.aclose()
    out = run_noop_worker()
    first, last, done = (float(x) for x in out.split())
    return done / (last - first)


def run_noop_worker() -> str:
    """The burst worker's own account: 'first-job-start last-job-end jobs' (start-up not counted)."""
    env = dict(os.environ, LOG_LEVEL="warning")
    finished = subprocess.run(
        [sys.executable, "-c", NOOP_WORKER, REDIS_URL], cwd=ROOT, check=True, env=env, capture_output=True
    )
    return finished.stdout.decode().strip().splitlines()[-1]


def start_workers(env: dict[str, str], count: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([MOBILIZE, "worker"], cwd=ROOT, env=env) for _ in range(count)]


async def drain(
    url: str, twilio_port: int, twilio_pid: int, workers: int, count: int, limit_s: float = 600
) -> dict[str, Any]:
    """Make everything due, run `workers` worker processes until the outbox is drained."""
    flush_redis(REDIS_URL)
    await make_due(url)
    fake_reset(twilio_port)
    twilio_cpu_before = cpu_seconds(twilio_pid)
    processes = start_workers(worker_env(url, twilio_port, 0), workers)
    deadline = time.monotonic() + limit_s
    try:
        while True:
            await asyncio.sleep(0.5)
            counts = await outbox_counts(url)
            if counts.get("sent", 0) + counts.get("failed", 0) + counts.get("skipped", 0) >= count:
                break
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                raise SystemExit(f"the drain did not finish: {counts}")
        rss = [peak_rss_mb(p.pid) for p in processes]
        cpu = sum(cpu_seconds(p.pid) for p in processes)
        twilio_cpu = cpu_seconds(twilio_pid) - twilio_cpu_before
    finally:
        for process in processes:
            stop(process)
    times = await sent_times(url)
    first = min(sent for _, sent in times)
    last = max(sent for _, sent in times)
    due = min(due for due, _ in times)
    lateness = [(sent - due_at).total_seconds() for due_at, sent in times]
    return {
        "workers": workers,
        "sent": len(times),
        "outbox": counts,
        "accepted": fake_counts(twilio_port)["messages"],
        "duplicates": fake_counts(twilio_port)["duplicates"],
        "per_second": len(times) / max(1e-9, (last - first).total_seconds()),
        "from_due_per_second": len(times) / max(1e-9, (last - due).total_seconds()),
        "lateness_p50": percentile(lateness, 0.50),
        "lateness_p99": percentile(lateness, 0.99),
        "rss_mb": rss,
        "cpu_ms_per_message": cpu * 1000 / max(1, len(times)),
        "twilio_cpu_ms_per_message": twilio_cpu * 1000 / max(1, len(times)),
    }


async def paced(url: str, twilio_port: int, rate: int, seconds: float) -> dict[str, Any]:
    """Two workers with SMS_RATE_PER_SECOND=rate on a backlog: the rate they send at after a warm-up."""
    flush_redis(REDIS_URL)
    backlog = int(rate * (seconds + 20))
    await make_due(url, backlog)
    fake_reset(twilio_port)
    processes = start_workers(worker_env(url, twilio_port, rate), 2)
    try:
        await asyncio.sleep(4)  # start-up (imports, connections) and the first burst
        before = [cpu_seconds(p.pid) for p in processes]
        await asyncio.sleep(seconds)
        busy = [(cpu_seconds(p.pid) - b) / seconds for p, b in zip(processes, before, strict=True)]
        await asyncio.sleep(4)
    finally:
        for process in processes:
            stop(process)
    times = sorted(sent for _, sent in await sent_times(url))
    start = times[0] + timedelta(seconds=4)  # after start-up and the first burst allowance
    end = start + timedelta(seconds=seconds)
    inside = [t for t in times if start <= t < end]
    return {"configured": rate, "measured": len(inside) / seconds, "window_s": seconds, "cpu_share": busy}


# ---- main ----------------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    name = f"mobilize_bench_fanout_{os.getpid()}"
    url = database_url(name)
    await admin(f"DROP DATABASE IF EXISTS {name}")
    await admin(f"CREATE DATABASE {name}")
    twilio_port = free_port()
    twilio = start_twilio(twilio_port)
    try:
        migrate(url.replace("postgresql://", "postgres://", 1))
        started = time.perf_counter()
        await write_reminders(url, args.messages)
        print(f"wrote {args.messages:,} reminders in {time.perf_counter() - started:.1f} s", flush=True)
        baseline = await noop_rate(args.noop_jobs)
        print(f"arq no-op baseline: {baseline:,.0f} jobs/s", flush=True)
        runs = []
        for workers in args.workers:
            result = await drain(url, twilio_port, twilio.pid, workers, args.messages)
            runs.append(result)
            print(f"{workers} worker(s): {json.dumps(result, default=str)}", flush=True)
        pace = await paced(url, twilio_port, 100, args.rate_seconds) if args.rate_seconds > 0 else None
        duplicates = sum(r["duplicates"] for r in runs) + fake_counts(twilio_port)["duplicates"]
    finally:
        stop(twilio)
        await admin(f"DROP DATABASE IF EXISTS {name}")
        flush_redis(REDIS_URL)

    print()
    print(f"Reminder fan-out: {args.messages:,} due SMS reminders through arq to the local Twilio server")
    print(f"  arq no-op jobs (baseline)   {baseline:10,.0f} jobs/s   (1 worker, same settings)")
    for result in runs:
        per_worker = result["per_second"] / result["workers"]
        print(f"  {result['workers']} worker process(es)")
        print(f"    messages/s                {result['per_second']:10,.0f}   ({per_worker:,.0f} per worker; "
              f"{result['per_second'] / baseline:.2f}x the no-op rate)")  # fmt: skip
        print(f"    from due to last sent     {result['from_due_per_second']:10,.0f} /s (start-up included)")
        print(f"    lateness p50 / p99        {result['lateness_p50']:10.1f} s / {result['lateness_p99']:.1f} s")
        print(f"    peak RSS                  {', '.join(f'{r:.0f} MB' for r in result['rss_mb'])}")
        print(f"    worker CPU per message    {result['cpu_ms_per_message']:10.3f} ms (start-up included; the local "
              f"Twilio server, on the same two cores: {result['twilio_cpu_ms_per_message']:.3f} ms)")  # fmt: skip
        print(f"    sent / accepted by Twilio {result['sent']:,} / {result['accepted']:,}")
    if pace is not None:
        error = abs(pace["measured"] - pace["configured"]) / pace["configured"] * 100
        print(f"  send rate at {pace['configured']}/s (2 workers) {pace['measured']:.1f}/s over "
              f"{pace['window_s']:.0f} s ({error:.1f}% off); each worker busy "
              f"{', '.join(f'{share:.0%}' for share in pace['cpu_share'])} of a core")  # fmt: skip
    print(f"  messages accepted twice     {duplicates:10d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--noop-jobs", type=int, default=20_000)
    parser.add_argument("--rate-seconds", type=float, default=12.0, help="0 leaves out the send-rate phase")
    parser.add_argument(
        "--workers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2],
        help="worker process counts to drain with, in turn (default 1,2)",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
