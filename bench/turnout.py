"""Turnout of a big day of action: how long the campaign's turnout page and its CSV export take.

    .venv/bin/python bench/turnout.py [--events 1500] [--signups 150000] [--repeat 5]

What it does, in one run:

1. creates a fresh PostgreSQL database (MOBILIZE_BENCH_ADMIN_URL, default postgres://postgres@127.0.0.1:5432),
   migrates it, and seeds one campaign of `--events` events in 20 action groups and four time zones, 4 shifts
   each over the past 30 days (and a few upcoming), and `--signups` sign-ups from a pool of a third as many
   volunteers (so most come back), in realistic statuses (attended, no-show, confirmed, dropped, walk-ins);
2. runs the real app behind httpx's ASGITransport, logs in as the owner through /login, and times
   GET /dashboard/turnout/campaigns/<slug> and its .csv export (which writes an audit row each time);
3. as a baseline, times the one aggregate query (counts per shift, status and source) sent straight through
   asyncpg, and prints the ratios; drops the database.

Targets: the page under 1 s, the CSV export under 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from tortoise import Tortoise

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mobilize import db  # noqa: E402
from mobilize.app import create_app  # noqa: E402
from mobilize.models import ActionGroup, Campaign, Event, Shift  # noqa: E402
from mobilize.services.accounts.organizers import create_organizer  # noqa: E402
from mobilize.settings import load_settings  # noqa: E402

SERVER = os.environ.get("MOBILIZE_BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
BASE_URL = "https://mobilize.example.org"
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
EMAIL, PASSWORD = "owner@example.org", "bench-password-123"
# (status, source, weight): most came, some did not, a few dropped; 3% walked in
MIX = [("attended", "web", 55), ("attended", "walk_in", 3), ("no_show", "web", 15), ("confirmed", "sms", 12),
       ("signed_up", "web", 10), ("cancelled", "web", 5)]  # fmt: skip
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(SERVER.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg(database_url: str) -> str:
    return database_url.replace("postgres://", "postgresql://", 1)


async def seed(database_url: str, n_events: int, n_signups: int) -> str:
    rng = random.Random(7)
    await db.init_db(database_url)
    try:
        membership, _ = await create_organizer(email=EMAIL, name="Owner", org_slug="coalition", password=PASSWORD)
        org_id = membership.organization_id
        groups = [
            await ActionGroup.create(organization_id=org_id, slug=f"group-{g}", name=f"Group {g}") for g in range(20)
        ]
        campaign = await Campaign.create(organization_id=org_id, slug="day-of-action", name="Day of Action")
        await Event.bulk_create(
            [
                Event(
                    organization_id=org_id,
                    group=groups[i % 20],
                    campaign=campaign,
                    title=f"Action #{i + 1}",
                    event_type="rally",
                    timezone=ZONES[i % 4],
                )  # fmt: skip
                for i in range(n_events)
            ],
            batch_size=500,
        )
        now = datetime.now(UTC)
        shifts = []
        for event in await Event.filter(campaign=campaign).order_by("id"):
            zone = ZoneInfo(event.timezone)
            day = (now - timedelta(days=rng.randint(-3, 30))).astimezone(zone).date()
            for k in range(4):
                start = datetime(day.year, day.month, day.day, 8 + 2 * k, tzinfo=zone)
                shifts.append(Shift(event_id=event.id, starts_at=start, ends_at=start + timedelta(hours=2),
                                    capacity=60, target=30, code=secrets.token_hex(5)))  # fmt: skip
        await Shift.bulk_create(shifts, batch_size=1000)
    finally:
        await Tortoise.close_connections()

    conn = await asyncpg.connect(pg(database_url))
    try:
        shift_ids = [r["id"] for r in await conn.fetch("SELECT id FROM shift ORDER BY id")]
        n_people = max(1, n_signups // 3)
        stamp = datetime.now(UTC)
        await conn.copy_records_to_table(
            "volunteer",
            columns=[
                "organization_id",
                "name",
                "phone",
                "postal_code",
                "sms_status",
                "email_status",
                "manage_token",
                "feed_token",
                "created_at",
                "updated_at",
            ],  # fmt: skip
            records=[
                (
                    org_id,
                    f"Volunteer {n}",
                    f"+1312{n:07d}",
                    "60614",
                    "opted_in",
                    "unknown",
                    f"m{n}-{secrets.token_hex(8)}",
                    f"f{n}-{secrets.token_hex(8)}",
                    stamp,
                    stamp,
                )  # fmt: skip
                for n in range(n_people)
            ],
        )
        people = [r["id"] for r in await conn.fetch("SELECT id FROM volunteer ORDER BY id")]
        statuses, weights = [(s, src) for s, src, _ in MIX], [w for *_, w in MIX]
        records, used = [], set()
        while len(records) < n_signups:
            shift_id, person = rng.choice(shift_ids), rng.choice(people)
            if (shift_id, person) in used:
                continue
            used.add((shift_id, person))
            status, source = rng.choices(statuses, weights)[0]
            holder = None if status == "cancelled" else shift_id
            records.append((shift_id, person, holder, status, source, "", False, stamp, stamp))
        await conn.copy_records_to_table(
            "signup",
            columns=[
                "shift_id",
                "volunteer_id",
                "holder",
                "status",
                "source",
                "referrer",
                "attendance_locked",
                "created_at",
                "updated_at",
            ],  # fmt: skip
            records=records,
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return "day-of-action"


async def timed(action: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def measure(database_url: str, slug: str, repeat: int) -> dict[str, float]:
    settings = load_settings({"DATABASE_URL": database_url, "PUBLIC_BASE_URL": BASE_URL, "SECRET_KEY": "bench"})
    app = create_app(settings)
    page_path = f"/dashboard/turnout/campaigns/{slug}"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            token = CSRF.search((await client.get("/login")).text)
            assert token
            r = await client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)})
            assert r.status_code == 303, r.text

            async def page() -> None:
                r = await client.get(page_path)
                assert r.status_code == 200 and "<svg" in r.text

            async def export() -> None:
                r = await client.get(page_path + ".csv")
                assert r.status_code == 200 and r.text.count("\n") > 1000

            await page()  # warm the connection pool and the template cache
            page_time = await timed(page, repeat)
            export_time = await timed(export, repeat)

    conn = await asyncpg.connect(pg(database_url))
    try:
        sql = (
            "SELECT s.shift_id, s.status, s.source, count(*) FROM signup s JOIN shift sh ON sh.id = s.shift_id "
            "JOIN event e ON e.id = sh.event_id JOIN campaign c ON c.id = e.campaign_id WHERE c.slug = $1 "
            "GROUP BY 1, 2, 3"
        )

        async def baseline() -> None:
            await conn.fetch(sql, slug)

        baseline_time = await timed(baseline, repeat)
    finally:
        await conn.close()
    return {"page": page_time, "export": export_time, "baseline": baseline_time}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1500)
    parser.add_argument("--signups", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    name = f"mobilize_bench_turnout_{secrets.token_hex(4)}"
    database_url = f"{SERVER}/{name}"
    await admin(f'CREATE DATABASE "{name}"')
    try:
        await db.apply_migrations(database_url)
        started = time.perf_counter()
        slug = await seed(database_url, args.events, args.signups)
        print(
            f"seeded {args.events} events x 4 shifts, {args.signups:,} sign-ups "
            f"in {time.perf_counter() - started:.1f} s"
        )
        r = await measure(database_url, slug, args.repeat)
        print(f"campaign turnout page   {r['page'] * 1000:8.1f} ms   (target < 1000 ms)")
        print(f"campaign turnout CSV    {r['export'] * 1000:8.1f} ms   (target < 5000 ms)")
        print(f"baseline: the aggregate query through asyncpg {r['baseline'] * 1000:8.1f} ms")
        print(f"  page / baseline {r['page'] / r['baseline']:6.2f}   CSV / baseline {r['export'] / r['baseline']:6.2f}")
        print("targets met" if r["page"] < 1.0 and r["export"] < 5.0 else "TARGETS MISSED")
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
