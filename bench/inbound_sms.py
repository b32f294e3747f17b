"""Inbound SMS: latency and throughput of signed Twilio webhook posts at a steady rate, on PostgreSQL, against a
trivial signed endpoint in the same run.

    .venv/bin/python bench/inbound_sms.py [--rate 200] [--duration 15] [--warmup 3] [--workers 1] [--mix all]

What it does, in one run:

1. creates a fresh PostgreSQL database (`mobilize_bench_inbound`), migrates it with `mobilize migrate` and seeds
   an organization with an event, 10 shifts tomorrow and 2,000 volunteers signed up with SMS consent;
2. serves the baseline with uvicorn: a tiny Starlette app that checks X-Twilio-Signature exactly as the app
   does (twilio's RequestValidator, the URL built from the public base URL) and answers an empty TwiML
   <Response/>; then serves the app itself (`mobilize.app:create_app`, one process, Redis db 11 as its queue);
3. posts to each, from one async client, `--rate` signed inbound messages per second (an open loop: request i
   leaves at t0 + i/rate whatever the earlier ones are doing), each with a new MessageSid, from the seeded
   volunteers, cycling through YES (confirms their shift), HELP, HERE (nothing under way), and two questions
   for the organizers' inbox (with `--mix all`, NO and STOP too: a dropped seat with its waitlist, an
   opt-out with its consent record); forms and signatures are computed before the clock starts;
4. prints, per target, the requests answered per second, p50/p99/max latency and errors, and the ratio of the
   app's p99 to the baseline's; drops the database and the queue keys it made.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import asyncpg
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, or loaded by uvicorn as bench.inbound_sms
from bench import signup_surge  # noqa: E402
from bench.signup_surge import admin, free_port, percentile  # noqa: E402 - the surge's helpers

DATABASE = "mobilize_bench_inbound"
REDIS_URL = "redis://127.0.0.1:6379/11"
ACCOUNT_SID = "AC" + "be" * 16
AUTH_TOKEN = "bench-auth-token"
FROM_NUMBER = "+15005550006"
VOLUNTEERS = 2000
BODIES = ["YES", "HELP", "Can I bring a friend?", "HERE", "Where do we meet tomorrow?"]
# --mix all adds the replies that change the most: NO (drops the seat, promotes the waitlist) and STOP
# (opts the number out everywhere, with its consent record).
ALL_BODIES = [*BODIES, "NO", "STOP"]
PATH = "/webhooks/twilio/sms"


# ---- the baseline: a trivial signed endpoint -----------------------------------------------------------


async def _baseline_sms(request: Request) -> Response:
    form = await request.form()
    url = os.environ["PUBLIC_BASE_URL"] + request.url.path
    if not RequestValidator(AUTH_TOKEN).validate(url, form, request.headers.get("x-twilio-signature", "")):
        return PlainTextResponse("invalid signature", status_code=403)
    return Response('<?xml version="1.0" encoding="UTF-8"?><Response />', media_type="application/xml")


baseline_app = Starlette(routes=[Route(PATH, _baseline_sms, methods=["POST"])])


# ---- set-up --------------------------------------------------------------------------------------------


def database_url() -> str:
    return signup_surge.database_url(DATABASE).replace("postgresql://", "postgres://", 1)


def phone(n: int) -> str:
    return f"+1312555{n:04d}"


async def seed(url: str) -> None:
    """An organization, an event with 10 shifts tomorrow, VOLUNTEERS people signed up with SMS consent."""
    from mobilize import db
    from mobilize.models import ActionGroup, Event, Organization, Shift, Signup, Volunteer
    from mobilize.services.events.shifts import new_shift_code
    from mobilize.services.people import new_token

    await db.init_db(url)
    try:
        org = await Organization.create(slug="bench", name="Bench Local")
        group = await ActionGroup.create(organization=org, slug="bench", name="Bench", postal_code="60614")
        event = await Event.create(organization=org, group=group, title="Picket", timezone="America/Chicago")
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        shifts = [
            await Shift.create(
                event=event,
                starts_at=start + timedelta(hours=i),
                ends_at=start + timedelta(hours=i + 3),
                capacity=VOLUNTEERS,
                filled=0,
                code=new_shift_code(),
            )
            for i in range(10)
        ]
        await Volunteer.bulk_create(
            [
                Volunteer(
                    organization=org,
                    name=f"V{n}",
                    phone=phone(n),
                    sms_status="opted_in",
                    manage_token=new_token(),
                    feed_token=new_token(),
                )
                for n in range(VOLUNTEERS)
            ],
            batch_size=500,
        )
        people = await Volunteer.all().order_by("id").values_list("id", flat=True)
        rows = [
            Signup(shift=shifts[i % 10], volunteer_id=v, holder=shifts[i % 10].id, status="signed_up", source="web")
            for i, v in enumerate(people)
        ]
        await Signup.bulk_create(rows, batch_size=500)
        for shift in shifts:
            await Shift.filter(id=shift.id).update(filled=await Signup.filter(shift_id=shift.id).count())
    finally:
        await db.close_db()


def serve(app: str, port: int, env: dict[str, str], factory: bool = False, workers: int = 1) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--log-level", "warning", "--no-access-log"]
    args += ["--workers", str(workers)]
    if factory:
        args.append("--factory")
    return subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env})


async def wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with {proc.returncode}")
        try:
            async with httpx.AsyncClient() as client:
                await client.get(f"http://127.0.0.1:{port}/")
            return
        except httpx.TransportError:
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server on port {port} did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


# ---- load ----------------------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    elapsed: float = 0.0


def forms(base_url: str, count: int, offset: int, bodies: list[str]) -> list[tuple[bytes, dict[str, str]]]:
    """Signed, encoded inbound forms (computed before the clock starts)."""
    validator = RequestValidator(AUTH_TOKEN)
    signed = []
    for i in range(offset, offset + count):
        sid = "SM" + secrets.token_hex(16)
        form = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "Body": bodies[i % len(bodies)],
            "From": phone(i % VOLUNTEERS),
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": FROM_NUMBER,
        }
        headers = {
            "X-Twilio-Signature": validator.compute_signature(base_url + PATH, form),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        signed.append((urlencode(form).encode(), headers))
    return signed


async def drive(port: int, rate: float, duration: float, warmup: float, offset: int, bodies: list[str]) -> Tally:
    """Post at `rate` per second, open loop (aiohttp: a general client light enough not to be what is
    measured); measure what leaves after the warm-up."""
    base_url = f"http://127.0.0.1:{port}"
    total = int(rate * (warmup + duration))
    measured_from = int(rate * warmup)
    work = forms(base_url, total, offset, bodies)
    tally = Tally()
    connector = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(base_url, connector=connector) as session:

        async def one(i: int, at: float) -> None:
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            body, headers = work[i]
            began = time.perf_counter()
            try:
                async with session.post(PATH, data=body, headers=headers) as r:
                    text = await r.text()
                ok = r.status == 200 and text.startswith("<?xml")
                what = f"{r.status} {text[:200]}"
            except aiohttp.ClientError as exc:
                ok, what = False, f"{type(exc).__name__}: {exc}"
            if i < measured_from:
                return
            tally.latencies_ms.append((time.perf_counter() - began) * 1000)
            if not ok:
                tally.errors += 1
                tally.first_error = tally.first_error or what

        t0 = time.perf_counter() + 0.2
        tasks = [asyncio.create_task(one(i, t0 + i / rate)) for i in range(total)]
        await asyncio.gather(*tasks)
        tally.elapsed = time.perf_counter() - (t0 + warmup)
    return tally


def report(title: str, tally: Tally) -> tuple[float, float]:
    rate = len(tally.latencies_ms) / tally.elapsed if tally.elapsed else 0.0
    p50, p99 = percentile(tally.latencies_ms, 0.50), percentile(tally.latencies_ms, 0.99)
    print(title)
    print(f"  requests/s     {rate:8.1f}   ({len(tally.latencies_ms)} in {tally.elapsed:.1f} s)")
    print(f"  latency p50    {p50:8.1f} ms")
    print(f"  latency p99    {p99:8.1f} ms")
    print(f"  latency max    {max(tally.latencies_ms, default=float('nan')):8.1f} ms")
    print(f"  errors         {tally.errors:8d}" + (f"   first: {tally.first_error}" if tally.first_error else ""))
    return p50, p99


async def outcomes(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await conn.fetch("SELECT outcome, count(*) AS n FROM inbound_message GROUP BY outcome ORDER BY outcome")
        return {r["outcome"]: r["n"] for r in rows}
    finally:
        await conn.close()


async def forget_queue_keys() -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter("arq:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn processes serving each target")
    parser.add_argument("--mix", choices=["common", "all"], default="common", help="all: NO and STOP too")
    args = parser.parse_args()
    bodies = ALL_BODIES if args.mix == "all" else BODIES

    url = database_url()
    await admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await admin(f'CREATE DATABASE "{DATABASE}"')
    try:
        migrate = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "mobilize.cli", "migrate", cwd=ROOT, env={**os.environ, "DATABASE_URL": url}
        )
        if await migrate.wait() != 0:
            raise RuntimeError("migrations failed")
        await seed(url)
        print(
            f"{args.workers} uvicorn process(es) per target; inbound SMS at {args.rate:.0f}/s for "
            f"{args.duration:.0f} s (after {args.warmup:.0f} s of warm-up), "
            f"{VOLUNTEERS} volunteers, bodies {bodies}"
        )
        results = {}
        targets = (
            ("baseline: a trivial signed endpoint (RequestValidator, empty TwiML)", "bench.inbound_sms:baseline_app"),
            ("mobilize: POST /webhooks/twilio/sms (PostgreSQL)", "mobilize.app:create_app"),
        )
        for offset, (title, app) in enumerate(targets):
            factory = app.endswith("create_app")
            port = free_port()
            env = {
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                "DATABASE_URL": url,
                "REDIS_URL": REDIS_URL,
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_FROM_NUMBER": FROM_NUMBER,
                "TWILIO_API_BASE_URL": f"http://127.0.0.1:{free_port()}",  # nothing is sent in this run
                "SECRET_KEY": "bench",
                "LOG_LEVEL": "warning",
                "OUTBOX_SWEEP_SECONDS": "0",
            }
            proc = serve(app, port, env, factory=factory, workers=args.workers)
            try:
                await wait_ready(port, proc)
                tally = await drive(port, args.rate, args.duration, args.warmup, offset * 1_000_000, bodies)
            finally:
                stop(proc)
            results[title] = report(title, tally)
        (_, base_p99), (_, app_p99) = results.values()
        print(f"p99 ratio mobilize/baseline: {app_p99 / base_p99:.1f}x   (target: mobilize p99 under 50 ms)")
        print(f"outcomes: {await outcomes(url)}")
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await forget_queue_keys()


if __name__ == "__main__":
    asyncio.run(main())
