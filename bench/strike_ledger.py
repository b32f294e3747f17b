"""A six-week strike: how long the weekly strike-pay ledger, its dashboard page and its CSV take.

    .venv/bin/python bench/strike_ledger.py [--members 2000] [--weeks 6] [--repeat 5]

What it does, in one run:

1. creates a fresh PostgreSQL database (MOBILIZE_BENCH_ADMIN_URL, default postgres://postgres@127.0.0.1:5432),
   migrates it, and seeds one strike of `--weeks` weeks with 4 picket lines (two time zones) staffed around
   the clock in 4-hour shifts, `--members` members (a tenth of them part-time, pro-rated) and 200 supporters;
   each member holds one shift slot and, on 4 days out of 5, signs in three times on it (breaks between):
   about 200,000 stretches of duty for the defaults;
2. runs the real app behind httpx's ASGITransport and times, for a week in the middle of the strike,
   GET /api/v1/strikes/{id}/ledger (JSON), the dashboard's week page (ledger, per-hour chart, next 48 hours)
   and GET /api/v1/strikes/{id}/ledger.csv (which writes an audit row each time);
3. in the same run, times the aggregate statement alone (services/strikes/postgres.py, straight through
   asyncpg) and the ledger's ORM way (the reference, `db.orm_path()`), and prints the ratios; drops the
   database.

Targets: the ledger (and its page) under 1 s, the CSV under 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from tortoise import Tortoise

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mobilize import db  # noqa: E402
from mobilize.app import create_app  # noqa: E402
from mobilize.models import ActionGroup, Event, Shift, Strike  # noqa: E402
from mobilize.services import strikes  # noqa: E402
from mobilize.services.accounts.organizers import create_organizer  # noqa: E402
from mobilize.services.strikes.ledger import window  # noqa: E402
from mobilize.services.strikes.postgres import WEEK_SUMS  # noqa: E402
from mobilize.settings import load_settings  # noqa: E402

SERVER = os.environ.get("MOBILIZE_BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
BASE_URL = "https://mobilize.example.org"
ZONES = ["America/Chicago", "America/Chicago", "America/New_York", "America/New_York"]
EMAIL, PASSWORD = "owner@example.org", "bench-password-123"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SLOTS = 6  # 4-hour shifts a day, around the clock


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(SERVER.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg(database_url: str) -> str:
    return database_url.replace("postgres://", "postgresql://", 1)


async def seed(database_url: str, n_members: int, weeks: int) -> tuple[int, int, str, date]:
    """(organization, strike, owner's API token, the strike's first day)."""
    await db.init_db(database_url)
    today = datetime.now(UTC).date()
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))  # a Monday, `weeks` weeks ago
    try:
        membership, token = await create_organizer(email=EMAIL, name="Owner", org_slug="local-100", password=PASSWORD)
        org_id = membership.organization_id
        group = await ActionGroup.create(organization_id=org_id, slug="pickets", name="Pickets")
        rules = {"hours_per_day": 4, "days_per_week": 4, "hours_per_week": 16, "unpaid_weeks": 1,
                 "classes": [{"name": "part-time", "factor": 0.5}]}  # fmt: skip
        strike = await Strike.create(organization_id=org_id, name="Contract fight", starts_on=first, rules=rules)
        lines = [
            await Event.create(
                organization_id=org_id,
                group=group,
                title=f"Gate {n + 1}",
                event_type="picket",
                timezone=ZONES[n],
                strike_id=strike.id,
            )  # fmt: skip
            for n in range(4)
        ]
        shifts = []
        for line in lines:
            zone = ZoneInfo(line.timezone)
            for d in range(7 * weeks + 2):
                day = first + timedelta(days=d)
                for k in range(SLOTS):
                    start = datetime(day.year, day.month, day.day, 4 * k, tzinfo=zone)
                    shifts.append(Shift(event_id=line.id, starts_at=start, ends_at=start + timedelta(hours=4),
                                        capacity=200, target=80, code=secrets.token_hex(5)))  # fmt: skip
        await Shift.bulk_create(shifts, batch_size=1000)
    finally:
        await Tortoise.close_connections()

    conn = await asyncpg.connect(pg(database_url))
    try:
        stamp = datetime.now(UTC)
        n_people = n_members + 200
        await conn.copy_records_to_table(
            "volunteer",
            columns=[
                "organization_id",
                "name",
                "phone",
                "member_id",
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
                    f"Person {n}",
                    f"+1312{n:07d}",
                    f"M{n:05d}" if n < n_members else None,
                    "60614",
                    "opted_in",
                    "unknown",
                    f"m{n}-{secrets.token_hex(8)}",
                    f"f{n}-{secrets.token_hex(8)}",
                    stamp,
                    stamp,
                )
                for n in range(n_people)
            ],  # fmt: skip
        )
        people = [r["id"] for r in await conn.fetch("SELECT id FROM volunteer ORDER BY id")]
        await conn.copy_records_to_table(
            "volunteer_tag",
            columns=["volunteer_id", "name", "created_at"],
            records=[(people[n], "part-time", stamp) for n in range(0, n_members, 10)],
        )
        rows = await conn.fetch("SELECT id, event_id, starts_at FROM shift ORDER BY event_id, starts_at")
        line_ids = sorted({r["event_id"] for r in rows})
        per_line: dict[int, list[Any]] = {}
        for r in rows:
            per_line.setdefault(line_ids.index(r["event_id"]), []).append(r)
        duty = []
        for n, person in enumerate(people):
            line, slot = n % 4, (n // 4) % SLOTS
            for d in range(7 * weeks):
                if (n + d) % 5 == 0:  # a day off in five
                    continue
                shift = per_line[line][d * SLOTS + slot]
                if n >= n_members and d % 3:  # supporters come now and then
                    continue
                for k in range(3):  # three stretches of 70 minutes, breaks between
                    start = shift["starts_at"] + timedelta(minutes=80 * k)
                    duty.append((0, shift["id"], person, start, start + timedelta(minutes=70 + (n % 7)),
                                 "captain", False, stamp, stamp))  # fmt: skip
        strike_id = await conn.fetchval("SELECT id FROM strike")
        duty = [(strike_id, *row[1:]) for row in duty]
        await conn.copy_records_to_table(
            "strike_duty",
            columns=[
                "strike_id",
                "shift_id",
                "volunteer_id",
                "signed_in_at",
                "signed_out_at",
                "source",
                "auto_closed",
                "created_at",
                "updated_at",
            ],  # fmt: skip
            records=duty,
        )
        await conn.execute("ANALYZE")
        print(
            f"seeded {n_members} members, 200 supporters, {len(rows)} shifts on 4 lines, "
            f"{len(duty):,} stretches of duty"
        )
    finally:
        await conn.close()
    return org_id, strike_id, token, first


async def timed(action: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def measure(
    database_url: str, org_id: int, strike_id: int, token: str, week: date, repeat: int, members: int
) -> dict[str, float]:
    settings = load_settings({"DATABASE_URL": database_url, "PUBLIC_BASE_URL": BASE_URL, "SECRET_KEY": "bench"})
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {token}"}
    out: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            csrf = CSRF.search((await client.get("/login")).text)
            assert csrf
            r = await client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": csrf.group(1)})
            assert r.status_code == 303, r.text

            async def ledger() -> None:
                r = await client.get(f"/api/v1/strikes/{strike_id}/ledger?week={week}", headers=headers)
                assert r.status_code == 200 and len(r.json()["members"]) == members, r.text[:200]

            async def page() -> None:
                r = await client.get(f"/dashboard/strikes/{strike_id}?week={week}")
                assert r.status_code == 200 and "<svg" in r.text

            async def export() -> None:
                r = await client.get(f"/api/v1/strikes/{strike_id}/ledger.csv?week={week}", headers=headers)
                assert r.status_code == 200 and r.text.count("\n") == members + 1

            await ledger()  # warm the pool
            out["ledger"] = await timed(ledger, repeat)
            out["page"] = await timed(page, repeat)
            out["csv"] = await timed(export, repeat)
            strike = await Strike.get(id=strike_id)

            async def orm() -> None:
                with db.orm_path():
                    await strikes.week_ledger(strike, week)

            out["orm"] = await timed(orm, max(1, repeat // 2))
    conn = await asyncpg.connect(pg(database_url))
    try:
        begin, end = window(week)
        first = datetime.combine(week, datetime.min.time())

        async def baseline() -> None:
            await conn.fetch(WEEK_SUMS, strike_id, org_id, begin, end, first, first + timedelta(days=7))

        out["baseline"] = await timed(baseline, repeat)
    finally:
        await conn.close()
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    name = f"mobilize_bench_strike_{secrets.token_hex(4)}"
    database_url = f"{SERVER}/{name}"
    await admin(f'CREATE DATABASE "{name}"')
    try:
        await db.apply_migrations(database_url)
        started = time.perf_counter()
        org_id, strike_id, token, first = await seed(database_url, args.members, args.weeks)
        print(f"  (seeding took {time.perf_counter() - started:.1f} s)")
        week = first + timedelta(days=7 * (args.weeks // 2))
        r = await measure(database_url, org_id, strike_id, token, week, args.repeat, args.members)
        print(f"weekly ledger (API, JSON)   {r['ledger'] * 1000:8.1f} ms   (target < 1000 ms)")
        print(f"week's dashboard page       {r['page'] * 1000:8.1f} ms   (target < 1000 ms)")
        print(f"weekly ledger CSV (API)     {r['csv'] * 1000:8.1f} ms   (target < 3000 ms)")
        print(f"baseline: the aggregate statement through asyncpg {r['baseline'] * 1000:8.1f} ms")
        print(
            f"  ledger / baseline {r['ledger'] / r['baseline']:6.2f}   CSV / baseline {r['csv'] / r['baseline']:6.2f}"
        )
        print(f"the ledger the ORM way (the reference rule)        {r['orm'] * 1000:8.1f} ms")
        met = r["ledger"] < 1.0 and r["page"] < 1.0 and r["csv"] < 3.0
        print("targets met" if met else "TARGETS MISSED")
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
