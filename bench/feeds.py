"""Calendar feed of a day of action: how long the campaign feed takes cold, unchanged and as a 304.

    .venv/bin/python bench/feeds.py [--events 1500] [--shifts 4] [--repeat 30]

What it does, in one run:

1. creates a fresh PostgreSQL database (MOBILIZE_BENCH_ADMIN_URL, default postgres://postgres@127.0.0.1:5432),
   migrates it, and seeds one public campaign of `--events` events in four US time zones, each with `--shifts`
   shifts on the same day, with realistic titles, descriptions and addresses;
2. runs the real app (its lifespan included) behind httpx's ASGITransport, and times
   GET /feeds/campaigns/<slug>.ics as a calendar app asks it (gzip, the bytes read as sent): cold (the first
   build in the process, then again with the feed cache emptied), unchanged (the version asked again, the
   feed from the cache, 200), unchanged within its second (the answer kept, web/kept.py) and with
   If-None-Match (304, the version asked again);
3. as a baseline, times icalendar's own serialization of the same VEVENTs (`Calendar.to_ical` of components
   already built, read back from the feed), and prints the ratios; drops the database.

Targets: cold under 1.5 s; unchanged and 304 under 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import icalendar
from tortoise import Tortoise

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mobilize import (
    db,  # noqa: E402
    links,  # noqa: E402
)
from mobilize.app import create_app  # noqa: E402
from mobilize.calendar.feeds import FeedMeta  # noqa: E402
from mobilize.models import ActionGroup, Campaign, Event, Organization, Shift  # noqa: E402
from mobilize.services import feeds  # noqa: E402
from mobilize.services.feeds import rows as feed_rows  # noqa: E402
from mobilize.services.feeds import scopes  # noqa: E402
from mobilize.settings import load_settings  # noqa: E402
from mobilize.web import kept  # noqa: E402

SERVER = os.environ.get("MOBILIZE_BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
BASE_URL = "https://mobilize.example.org"
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
CITIES = [("Chicago", "IL", "60614"), ("Detroit", "MI", "48201"), ("Denver", "CO", "80202"), ("Oakland", "CA", "94612")]
DESCRIPTION = (
    "May Day: workers, tenants and neighbours rally together for a fair contract, safe staffing and housing "
    "for all. Bring a sign, water and a friend; marshals in orange vests will guide you. Accessible route; "
    "ASL interpretation on the main stage. Questions? Reply to the confirmation text."
)


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(SERVER.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def seed(database_url: str, n_events: int, n_shifts: int) -> str:
    """One organization, group and campaign; `n_events` public events of `n_shifts` shifts each."""
    await db.init_db(database_url)
    try:
        org = await Organization.create(slug="coalition", name="May Day Coalition")
        group = await ActionGroup.create(organization=org, slug="national", name="National")
        campaign = await Campaign.create(organization=org, slug="may-day", name="May Day of Action")
        day = (datetime.now(UTC) + timedelta(days=60)).date()
        events = []
        for i in range(n_events):
            city, region, postal = CITIES[i % len(CITIES)]
            events.append(
                Event(
                    organization=org,
                    group=group,
                    campaign=campaign,
                    title=f"May Day rally #{i + 1}, {city}",
                    description=DESCRIPTION,
                    event_type="rally",
                    timezone=ZONES[i % len(ZONES)],
                    venue=f"Union Hall {i + 1}",
                    address=f"{100 + i} W Main St",
                    city=city,
                    region=region,
                    postal_code=postal,
                    lat=41.9 + i / 10000,
                    lon=-87.6 - i / 10000,
                )
            )
        await Event.bulk_create(events, batch_size=500)
        shifts = []
        for event in await Event.filter(campaign=campaign).order_by("id"):
            zone = ZoneInfo(event.timezone)
            for k in range(n_shifts):
                start = datetime(day.year, day.month, day.day, 8 + 2 * k, tzinfo=zone)
                shifts.append(
                    Shift(
                        event_id=event.id,
                        starts_at=start,
                        ends_at=start + timedelta(hours=2),
                        capacity=50,
                        target=30,
                        code=secrets.token_hex(5),
                    )
                )
        await Shift.bulk_create(shifts, batch_size=1000)
        await Tortoise.get_connection("default").execute_script("ANALYZE")  # as autovacuum would after it
        return campaign.slug
    finally:
        await Tortoise.close_connections()


async def timed(action: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, list[float]]:
    """Median and all timings (seconds) of `repeat` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def event_url(event_id: int, token: str | None) -> str:
    return f"{BASE_URL}/events/{event_id}" + (f"-{token}" if token else "")


async def measure(database_url: str, slug: str, repeat: int) -> dict[str, Any]:
    settings = load_settings({"DATABASE_URL": database_url, "PUBLIC_BASE_URL": BASE_URL, "SECRET_KEY": "bench"})
    app = create_app(settings)
    path = f"/feeds/campaigns/{slug}.ics"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:

            async def get(headers: dict[str, str] | None = None) -> tuple[int, bytes, httpx.Headers]:
                """The answer's bytes as sent (gzip: a calendar app undoes it on its own machine)."""
                async with client.stream("GET", path, headers={"Accept-Encoding": "gzip", **(headers or {})}) as r:
                    return r.status_code, b"".join([chunk async for chunk in r.aiter_raw()]), r.headers

            start = time.perf_counter()
            status, body, headers = await get()
            cold_first = time.perf_counter() - start
            assert status == 200, body[:300]
            etag = headers["etag"]
            text = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body

            def forget() -> None:  # the version and the answer kept for a second (web/kept.py)
                kept.forget()
                scopes.forget_versions()

            async def cold() -> None:
                forget()
                feeds.CACHE.clear()
                status, found, _ = await get()
                assert status == 200 and found == body

            async def unchanged() -> None:  # past its second: the version asked again, the feed from the cache
                forget()
                status, found, _ = await get()
                assert status == 200 and found == body

            async def within_its_second() -> None:  # the answer kept
                status, found, _ = await get()
                assert status == 200 and found == body

            async def not_modified() -> None:
                forget()
                assert (await get({"If-None-Match": etag}))[0] == 304

            cold_median, _ = await timed(cold, max(3, repeat // 5))
            await get()  # back in the cache
            hit_median, _ = await timed(unchanged, repeat)
            await get()
            kept_median, _ = await timed(within_its_second, repeat)
            nm_median, _ = await timed(not_modified, repeat)

            # Where a cold build goes: the aggregate, the one query for the rows, the build itself.
            scope = await feeds.campaign_scope(slug)

            async def version_asked() -> None:
                scopes.forget_versions()
                await feeds.feed_version(scope, base_url=BASE_URL)

            version_time, _ = await timed(version_asked, repeat)
            version = await feeds.feed_version(scope, base_url=BASE_URL)
            load_time, rows_list = await timed(lambda: scopes._shift_rows(scope, version), 3)
            rows = await scopes._shift_rows(scope, version)
            meta = FeedMeta(name=scope.name, uid_domain=links.uid_domain(BASE_URL))
            render_times = []
            for _ in range(3):
                start = time.perf_counter()
                feed_rows.render(False, rows, meta, event_url)
                render_times.append(time.perf_counter() - start)

    # Baseline: icalendar serializing the same components, already built (read back from our feed).
    calendar = icalendar.Calendar.from_ical(text)
    n_vevents = len(calendar.walk("VEVENT"))
    baseline = []
    for _ in range(3):
        start = time.perf_counter()
        calendar.to_ical()
        baseline.append(time.perf_counter() - start)
    return {
        "vevents": n_vevents,
        "size": len(text),
        "sent": len(body),
        "cold_first": cold_first,
        "cold": cold_median,
        "hit": hit_median,
        "kept": kept_median,
        "not_modified": nm_median,
        "version": version_time,
        "load": load_time,
        "render": statistics.median(render_times),
        "baseline": statistics.median(baseline),
    }


def report(r: dict[str, Any]) -> None:
    ms = lambda s: f"{s * 1000:8.1f} ms"  # noqa: E731
    print(f"campaign feed: {r['vevents']} VEVENTs, {r['size']:,} bytes ({r['sent']:,} sent, gzip)")
    print(f"  cold, first build in the process  {ms(r['cold_first'])}   (target < 1500 ms)")
    print(f"  cold, median (feed cache emptied) {ms(r['cold'])}")
    print(f"    of which: version query {ms(r['version'])}, rows query {ms(r['load'])}, build {ms(r['render'])}")
    print(f"  unchanged, 200 from the cache     {ms(r['hit'])}   (target < 10 ms; the version asked again)")
    print(f"  unchanged, within its second      {ms(r['kept'])}   (the answer kept, web/kept.py)")
    print(f"  If-None-Match, 304                {ms(r['not_modified'])}   (target < 10 ms)")
    print(f"baseline: icalendar Calendar.to_ical of the same {r['vevents']} prebuilt VEVENTs {ms(r['baseline'])}")
    print(f"  cold / baseline          {r['cold'] / r['baseline']:6.2f}")
    print(f"  unchanged / baseline     {r['hit'] / r['baseline']:6.4f}")
    print(f"  304 / baseline           {r['not_modified'] / r['baseline']:6.4f}")
    ok = r["cold_first"] < 1.5 and r["hit"] < 0.010 and r["not_modified"] < 0.010
    print("targets met" if ok else "TARGETS MISSED")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1500)
    parser.add_argument("--shifts", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    name = f"mobilize_bench_feeds_{secrets.token_hex(4)}"
    database_url = f"{SERVER}/{name}"
    await admin(f'CREATE DATABASE "{name}"')
    try:
        await db.apply_migrations(database_url)
        started = time.perf_counter()
        slug = await seed(database_url, args.events, args.shifts)
        print(f"seeded {args.events} events x {args.shifts} shifts in {time.perf_counter() - started:.1f} s")
        report(await measure(database_url, slug, args.repeat))
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
