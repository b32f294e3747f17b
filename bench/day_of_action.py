"""A coalition day of action at full size, on PostgreSQL, each figure beside a baseline from the same run.

    .venv/bin/python bench/day_of_action.py [--orgs 200] [--events 1500] [--shifts 6000] [--readers 100]
        [--feed-seconds 10] [--surge-seconds 50] [--signups 150000] [--workers 2] [--skip-surge]

1. seeds a fresh database: one convener and `--orgs - 1` accepted partners, `--events` events in one campaign
   spread over US postal codes, `--shifts` shifts (capacity 40);
2. under uvicorn, `--readers` concurrent keep-alive readers fetch the campaign page, the public JSON list near
   a postal code, and the campaign feed (warm: from its cache); the baseline is `/healthz` under the same load;
   p50/p99 of each (targets: page and JSON p99 < 200 ms). Then the feed under readers of its own (target: p99
   < 20 ms), beside its floor: the feed's very answer served by a bare ASGI app (bench/static_floor.py); wrk
   drives those readers (`apt-get install wrk`; without it, aiohttp, too slow itself to measure 20 ms);
3. a sign-up surge over the campaign's shifts from 64 clients for `--surge-seconds` (about 50,000 sign-ups at
   1,000/s) beside the same transaction straight through asyncpg for up to 15 s (bench/signup_surge.py), in
   two alternating turns each; checks that no shift holds more seats than its capacity;
4. tops the sign-ups up to `--signups` (attended, no-shows, recruited by partners), then times the coalition
   turnout page and its CSV in-process (targets: < 1 s, < 5 s) beside one raw aggregate query.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
from tortoise import Tortoise

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import signup_surge as surge  # noqa: E402

from mobilize import db  # noqa: E402
from mobilize.app import create_app  # noqa: E402
from mobilize.models import ActionGroup, Campaign, Event, Organization, Partnership, Shift  # noqa: E402
from mobilize.services.accounts.organizers import create_organizer  # noqa: E402
from mobilize.services.geo import _us_centroids  # noqa: E402
from mobilize.settings import load_settings  # noqa: E402

EMAIL, PASSWORD = "convener@example.org", "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")


def tortoise_url(url: str) -> str:
    return url.replace("postgresql://", "postgres://", 1)


async def seed(url: str, n_orgs: int, n_events: int, n_shifts: int) -> tuple[int, list[int], str]:
    """(convener's organization id, shift ids, a postal code with events near it)."""
    rng = random.Random(13)
    codes = sorted(_us_centroids().items())
    await db.init_db(tortoise_url(url))
    try:
        membership, _ = await create_organizer(email=EMAIL, name="Convener", org_slug="teachers", password=PASSWORD)
        convener = membership.organization_id  # type: ignore[attr-defined]
        campaign = await Campaign.create(organization_id=convener, slug="may-day", name="May Day")
        partners = [Organization(slug=f"partner-{i}", name=f"Partner {i}") for i in range(1, n_orgs)]
        await Organization.bulk_create(partners)
        orgs = [convener, *[o.id for o in await Organization.filter(slug__startswith="partner-").order_by("id")]]
        now = datetime.now(UTC)
        await Partnership.bulk_create(
            [Partnership(campaign=campaign, organization_id=o, status="accepted", invited_at=now) for o in orgs[1:]]
        )
        await ActionGroup.bulk_create([ActionGroup(organization_id=o, slug="local", name="Local") for o in orgs])
        groups = dict(await ActionGroup.all().values_list("organization_id", "id"))
        events = []
        for i in range(n_events):
            code, (lat, lon) = rng.choice(codes)
            org = orgs[i % len(orgs)]
            events.append(Event(organization_id=org, group_id=groups[org], campaign=campaign, title=f"Rally #{i + 1}",
                                event_type="rally", timezone=ZONES[i % 4], city="Somewhere", postal_code=code,
                                lat=lat, lon=lon))  # fmt: skip
        await Event.bulk_create(events, batch_size=500)
        event_ids = [e["id"] for e in await Event.filter(campaign=campaign).order_by("id").values("id")]
        day = (now + timedelta(days=20)).replace(hour=15, minute=0, second=0, microsecond=0)
        shifts = [
            Shift(
                event_id=event_ids[i % len(event_ids)],
                starts_at=day + timedelta(hours=i // len(event_ids)),
                ends_at=day + timedelta(hours=i // len(event_ids) + 1),
                capacity=40,
                target=20,
                code=secrets.token_hex(5),
            )  # fmt: skip
            for i in range(n_shifts)
        ]
        await Shift.bulk_create(shifts, batch_size=1000)
        shift_ids = [s["id"] for s in await Shift.all().order_by("id").values("id")]
        near = events[0].postal_code
        await Tortoise.get_connection("default").execute_script("ANALYZE")  # as autovacuum would after it
    finally:
        await Tortoise.close_connections()
    return convener, shift_ids, near


async def read(base: str, paths: dict[str, str], readers: int, per_reader: int) -> dict[str, list[float]]:
    """`readers` concurrent keep-alive clients, each fetching every path `per_reader` times; latencies in ms."""
    out: dict[str, list[float]] = {name: [] for name in paths}
    errors: list[str] = []
    connector = aiohttp.TCPConnector(limit=readers)
    # The bytes as sent (gzip where the app compresses): a browser or calendar app undoes it on its own machine.
    async with aiohttp.ClientSession(base, connector=connector, auto_decompress=False) as session:

        async def reader(k: int) -> None:
            names = list(paths)
            for n in range(per_reader * len(names)):
                name = names[(n + k) % len(names)]
                started = time.perf_counter()
                async with session.get(paths[name]) as response:
                    await response.read()
                    if response.status != 200:
                        errors.append(f"{name}: {response.status}")
                out[name].append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(reader(k) for k in range(readers)))
    if errors:
        print(f"  errors: {len(errors)}, first {errors[0]}")
    return out


# wrk's report as one JSON line: latencies in microseconds, the requests, and every error (non-2xx included).
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"p50": %d, "p99": %d, "requests": %d, "errors": %d}\\n',
    latency:percentile(50), latency:percentile(99), summary.requests,
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def read_wrk(base: str, path: str, readers: int, seconds: float) -> dict[str, float]:
    """`readers` keep-alive connections on one path for `seconds`, driven by wrk (C, one thread): p50 and
    p99 in ms, requests and errors. A Python loader on this machine's two cores takes the CPU the server
    needs: against bench/static_floor.py serving the feed's answer, 100 aiohttp readers saw p99 35.9 ms where
    wrk's saw 26.2 ms (2026-12-07)."""
    script = Path(f"/tmp/mobilize-wrk-{os.getpid()}.lua")
    script.write_text(WRK_REPORT)
    try:
        command = ["wrk", "-t1", f"-c{readers}", f"-d{seconds:g}s", "--timeout", "5s", "-s", str(script),
                   "-H", "Accept-Encoding: gzip", base + path]  # fmt: skip
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        script.unlink(missing_ok=True)
    found = json.loads(next(line for line in out.splitlines() if line.startswith("WRK "))[4:])
    return {"p50": found["p50"] / 1000, "p99": found["p99"] / 1000, "requests": found["requests"],
            "errors": found["errors"]}  # fmt: skip


def wrk_line(label: str, found: dict[str, float]) -> float:
    errors = f", {found['errors']:.0f} errors" if found["errors"] else ""
    print(f"  {label:<28} p50 {found['p50']:7.1f} ms   p99 {found['p99']:7.1f} ms   ({found['requests']:.0f}{errors})")
    return found["p99"] if not found["errors"] else float("inf")


def save_answer(base: str, path: str) -> Path:
    """The app's answer at `path` (status, headers but Date and Server, the gzip bytes) in a file that
    bench/static_floor.py serves."""

    async def fetch() -> bytes:
        async with aiohttp.ClientSession(base, auto_decompress=False) as session:
            async with session.get(path) as response:
                body = await response.read()
                keep = [(k, v) for k, v in response.headers.items() if k.lower() not in ("date", "server")]
                return json.dumps({"status": response.status, "headers": keep}).encode() + b"\n" + body

    saved = Path(f"/tmp/mobilize-floor-{os.getpid()}.answer")
    saved.write_bytes(asyncio.run(fetch()))
    return saved


def start_floor(saved: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    """bench/static_floor.py serving the saved answer, under uvicorn as the app is served."""
    port = surge.free_port()
    command = [sys.executable, "-m", "uvicorn", "static_floor:app", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--log-level", "warning", "--no-access-log", "--loop", "uvloop",
               "--http", "httptools", "--backlog", "4096"]  # fmt: skip
    env = dict(os.environ, FLOOR_ANSWER=str(saved))
    server = subprocess.Popen(command, cwd=Path(__file__).resolve().parent, env=env, start_new_session=True)
    surge.wait_healthy(port, workers, server)
    return server, port


def read_floor(base: str, path: dict[str, str], readers: int, per_reader: int, workers: int) -> list[float]:
    """The app's answer at `path` saved once, then served by bench/static_floor.py (uvicorn as the app is
    served, `workers` processes) to the same aiohttp readers; their latencies in ms."""
    saved = save_answer(base, next(iter(path.values())))
    server, port = start_floor(saved, workers)
    try:
        floor = f"http://127.0.0.1:{port}"
        asyncio.run(read(floor, path, 32, 2))
        return next(iter(asyncio.run(read(floor, path, readers, per_reader)).values()))
    finally:
        surge.stop_server(server)
        saved.unlink(missing_ok=True)


def feed_alone(base: str, path: str, readers: int, fetches: int, seconds: float, workers: int) -> tuple[float, float]:
    """The cached feed under readers of its own, beside its floor (its very answer from bench/static_floor.py,
    same readers); both p99s in ms. wrk drives the readers when it is installed."""
    if shutil.which("wrk") is None:
        print("  !!! wrk is not installed (apt-get install wrk): aiohttp readers, whose own cost on this machine")
        print("      is more than the 20 ms target (see read_wrk)")
        feed = {"feed (cached)": path}
        alone = line("feed (cached), alone", asyncio.run(read(base, feed, readers, fetches))["feed (cached)"])
        return alone, line("floor: the same answer, bare", read_floor(base, feed, readers, fetches, workers))
    print(f"  wrk, one thread, {readers} connections, {seconds:g} s each")
    read_wrk(base, path, readers, 2)
    alone = wrk_line("feed (cached), alone", read_wrk(base, path, readers, seconds))
    saved = save_answer(base, path)
    server, port = start_floor(saved, workers)
    try:
        floor_base = f"http://127.0.0.1:{port}"
        read_wrk(floor_base, path, readers, 2)
        floor = wrk_line("floor: the same answer, bare", read_wrk(floor_base, path, readers, seconds))
    finally:
        surge.stop_server(server)
        saved.unlink(missing_ok=True)
    return alone, floor


async def top_up(url: str, convener: int, target: int) -> None:
    """Sign-ups up to `target` (a third attended, a tenth no-show, half recruited by some partner)."""
    rng = random.Random(5)
    conn = await asyncpg.connect(url)
    try:
        have = await conn.fetchval("SELECT count(*) FROM signup")
        missing = max(0, target - have)
        shifts = [(r["id"], r["organization_id"]) for r in await conn.fetch(
            "SELECT s.id, e.organization_id FROM shift s JOIN event e ON e.id = s.event_id")]  # fmt: skip
        orgs = [r["id"] for r in await conn.fetch("SELECT id FROM organization")]
        stamp = datetime.now(UTC)
        people = [
            (org, f"Person {n}", f"+1{rng.choice(('312', '773', '415'))}{n:07d}"[:12], "", "opted_in", "unknown",
             f"m{n}-{secrets.token_hex(6)}", f"f{n}-{secrets.token_hex(6)}", stamp, stamp, stamp, stamp)
            for n, (_, org) in enumerate(rng.choices(shifts, k=missing))
        ]  # fmt: skip
        columns = [
            "organization_id", "name", "phone", "postal_code", "sms_status", "email_status", "manage_token",
            "feed_token", "manage_token_seen_at", "feed_token_seen_at", "created_at", "updated_at",
        ]  # fmt: skip
        await conn.copy_records_to_table("volunteer", columns=columns, records=people)
        ids = await conn.fetch("SELECT id, organization_id FROM volunteer WHERE name LIKE 'Person %' ORDER BY id")
        by_org: dict[int, list[int]] = {}
        for r in ids:
            by_org.setdefault(r["organization_id"], []).append(r["id"])
        records = []
        for shift_id, org in shifts * (missing // max(1, len(shifts)) + 1):
            if len(records) >= missing or not by_org.get(org):
                continue
            status = rng.choices(("attended", "no_show", "signed_up"), (33, 10, 57))[0]
            recruited = rng.choice(orgs) if rng.random() < 0.5 else None
            records.append((shift_id, by_org[org].pop(), shift_id, status, "web", "", False, recruited, stamp, stamp))
        await conn.copy_records_to_table("signup", columns=[
            "shift_id", "volunteer_id", "holder", "status", "source", "referrer", "attendance_locked",
            "recruited_by_id", "created_at", "updated_at"], records=records)  # fmt: skip
        await conn.execute("ANALYZE")
        print(f"sign-ups now {await conn.fetchval('SELECT count(*) FROM signup')}", flush=True)
    finally:
        await conn.close()


async def timed(action: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def turnout(url: str, repeat: int) -> dict[str, float]:
    settings = load_settings({"DATABASE_URL": tortoise_url(url), "PUBLIC_BASE_URL": "http://bench", "SECRET_KEY": "b"})
    app = create_app(settings)
    page_path = "/dashboard/turnout/coalitions/may-day"
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            token = CSRF.search((await client.get("/login")).text)
            assert token
            r = await client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)})
            assert r.status_code == 303, r.text

            async def page() -> None:
                r = await client.get(page_path)
                assert r.status_code == 200 and "<svg" in r.text, r.text[:300]

            async def export() -> None:
                r = await client.get(page_path + ".csv")
                assert r.status_code == 200 and r.text.count("\n") > 1

            await page()
            figures = {"page": await timed(page, repeat), "csv": await timed(export, repeat)}
    conn = await asyncpg.connect(url)
    try:
        sql = (
            "SELECT e.organization_id, s.status, s.recruited_by_id, count(*) FROM signup s "
            "JOIN shift sh ON sh.id = s.shift_id JOIN event e ON e.id = sh.event_id WHERE e.campaign_id = "
            "(SELECT id FROM campaign WHERE slug = 'may-day') GROUP BY 1, 2, 3"
        )
        figures["baseline"] = await timed(lambda: conn.fetch(sql), repeat)
    finally:
        await conn.close()
    return figures


def line(label: str, values: list[float]) -> float:
    p99 = surge.percentile(values, 0.99)
    print(f"  {label:<28} p50 {surge.percentile(values, 0.5):7.1f} ms   p99 {p99:7.1f} ms   ({len(values)})")
    return p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--events", type=int, default=1500)
    parser.add_argument("--shifts", type=int, default=6000)
    parser.add_argument("--readers", type=int, default=100)
    parser.add_argument("--per-reader", type=int, default=5, help="fetches of each path per reader")
    parser.add_argument("--feed-seconds", type=float, default=10.0, help="each wrk run on the feed and its floor")
    parser.add_argument("--surge-seconds", type=float, default=50.0)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--signups", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-surge", action="store_true")
    parser.add_argument("--redis-url", default=surge.DEFAULT_REDIS)
    args = parser.parse_args()
    name = f"mobilize_bench_doa_{os.getpid()}_{secrets.token_hex(3)}"
    url = surge.database_url(name)
    asyncio.run(surge.admin(f'CREATE DATABASE "{name}"'))
    server = None
    try:
        surge.migrate(url)
        convener, shift_ids, near = asyncio.run(seed(url, args.orgs, args.events, args.shifts))
        print(f"seeded {args.orgs} organizations, {args.events} events, {len(shift_ids)} shifts", flush=True)
        surge.flush_redis(args.redis_url)
        port = surge.free_port()
        server = surge.start_server(url, port, args.workers, args.redis_url, None)
        surge.wait_healthy(port, args.workers, server)
        paths = {
            "campaign page": "/campaigns/teachers/may-day",
            "JSON near a postal code": f"/api/v1/public/events?campaign=teachers/may-day&near={near}&radius_km=200",
            "feed (cached)": "/feeds/campaigns/teachers/may-day.ics",
            "baseline /healthz": "/healthz",
        }
        base = f"http://127.0.0.1:{port}"
        # Warm: templates, pools and the caches, in every worker process (32 connections reach them all).
        asyncio.run(read(base, paths, 32, 2))
        print(f"readers: {args.readers} concurrent, {args.per_reader} fetches of each path each")
        found = asyncio.run(read(base, paths, args.readers, args.per_reader))
        p99 = {label: line(label, values) for label, values in found.items()}
        # The feed under readers of its own, beside the floor: its very answer from a bare ASGI app.
        print(f"the feed alone: {args.readers} readers; beside it the floor (static_floor.py)")
        fetches = args.per_reader * len(paths)
        alone, floor = feed_alone(base, paths["feed (cached)"], args.readers, fetches, args.feed_seconds, args.workers)
        targets = [("page p99 < 200 ms", p99["campaign page"] < 200), ("JSON p99 < 200 ms",
                   p99["JSON near a postal code"] < 200), ("feed alone p99 < 20 ms", alone < 20)]  # fmt: skip
        print(f"  the floor {'meets' if floor < 20 else 'misses'} the feed's 20 ms itself (p99 {floor:.1f} ms)")
        if not args.skip_surge:
            # Two turns each, alternating (app, baseline, baseline, app), as bench/signup_surge.py does: one side
            # after the other lets the machine's drift decide the ratio. Each turn's processes spawn and warm
            # up for 8 s; the server stays up through the baseline's turns.
            base_seconds = min(args.surge_seconds, 15.0)

            def app_phase(turn: int, t0: float, t1: float) -> surge.Tally:
                return surge.run_processes(surge.load_process, [(port, shift_ids, n, 4 * turn + slot, t0, t1)
                                           for slot, n in enumerate(surge.split(args.clients, 2))])  # fmt: skip

            def baseline_phase(turn: int, t0: float, t1: float) -> surge.Tally:
                return surge.run_processes(surge.baseline_process, [
                    (url, convener, shift_ids, n, n, 4 * turn + 2 + slot, t0, t1)
                    for slot, n in enumerate(surge.split(args.clients, args.workers))])  # fmt: skip

            app, baseline = surge.interleaved(2, 6.5, [(args.surge_seconds, app_phase), (base_seconds, baseline_phase)])
            surge.stop_server(server)
            server = None
            rate = surge.report("surge (HTTP, public sign-ups over the campaign)", app, args.surge_seconds)
            base_rate = surge.report("baseline (asyncpg, same transaction)", baseline, base_seconds)
            over = asyncio.run(overbooked(url))
            print(f"  app / baseline {rate / base_rate if base_rate else float('nan'):.2f}x; overbooked shifts: {over}")
            targets += [("surge >= 1000/s", rate >= 1000), ("surge p99 < 150 ms",
                        surge.percentile(app.latencies_ms, 0.99) < 150), ("surge >= 0.5x baseline",
                        base_rate > 0 and rate / base_rate >= 0.5), ("none overbooked", over == 0)]  # fmt: skip
        if server is not None:
            surge.stop_server(server)
            server = None
        asyncio.run(top_up(url, convener, args.signups))
        figures = asyncio.run(turnout(url, args.repeat))
        print(f"turnout page {figures['page'] * 1000:.0f} ms, CSV {figures['csv'] * 1000:.0f} ms, "
              f"baseline aggregate {figures['baseline'] * 1000:.0f} ms (medians of {args.repeat})")  # fmt: skip
        targets += [("turnout page < 1 s", figures["page"] < 1), ("CSV < 5 s", figures["csv"] < 5)]
        print("targets  " + ", ".join(f"{label}: {'ok' if met else 'MISSED'}" for label, met in targets))
    finally:
        if server is not None:
            surge.stop_server(server)
        surge.flush_redis(args.redis_url)
        asyncio.run(surge.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def overbooked(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        seated = (
            "SELECT count(*) FROM signup g WHERE g.shift_id = s.id "
            "AND g.status IN ('signed_up', 'confirmed', 'attended', 'no_show')"
        )
        sql = f"SELECT count(*) FROM shift s WHERE s.filled > s.capacity OR ({seated}) > s.capacity"
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


if __name__ == "__main__":
    main()
