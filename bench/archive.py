"""The full archive at scale: export an organization, load it into a fresh database, export it again.

    .venv/bin/python bench/archive.py [--events 1500] [--shifts 4] [--signups 150000] [--messages 300000]

What it does, in one run:

1. creates two fresh PostgreSQL databases (MOBILIZE_BENCH_ADMIN_URL, default postgres://postgres@127.0.0.1:5432),
   migrates both, and seeds the first with one organization: `--events` events of `--shifts` shifts each,
   `--signups` sign-ups of a third as many people, `--messages` messages about those sign-ups (in SQL, with
   generate_series: seeding is not what is measured);
2. runs `mobilize export` into a temporary directory and `mobilize import archive` into the second database,
   each as its own process, and reports each one's wall time and peak RSS (the process's own, from wait4);
   then exports the loaded organization again and checks the files are the same, byte for byte, but for
   the manifest's exported_at;
3. as a baseline, times `pg_dump --data-only` of the same tables from the first database and `psql` loading
   that dump into a third fresh, migrated database; drops the databases.

Targets: export under 60 s, import under 120 s, peak RSS under 300 MB for both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mobilize import db  # noqa: E402
from mobilize.services.transfer.kinds import KINDS  # noqa: E402

SERVER = os.environ.get("MOBILIZE_BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
UUID = "gen_random_uuid()"


def pg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(pg(SERVER) + "/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


SEED = """
INSERT INTO organization (slug, name, created_at, uuid) VALUES ('bench-local', 'Bench Local 1', now(), {u});
INSERT INTO organizer (email, name, created_at, uuid) VALUES ('owner@bench.example', 'Owner', now(), {u});
INSERT INTO membership (organizer_id, organization_id, role, can_export, created_at, uuid)
    VALUES (1, 1, 'owner', TRUE, now(), {u});
INSERT INTO action_group (organization_id, slug, name, description, postal_code, created_at, uuid)
    SELECT 1, 'group-' || g, 'Group ' || g, 'A local group', '60614', now(), {u} FROM generate_series(1, 20) g;
INSERT INTO campaign (organization_id, slug, name, description, created_at, uuid)
    VALUES (1, 'may-day', 'May Day', 'A day of action', now(), {u});
INSERT INTO event (organization_id, group_id, campaign_id, title, description, instructions, event_type, timezone,
        venue, address, city, region, postal_code, country, lat, lon, address_after_signup, virtual_url,
        visibility, share_token, status, sequence, created_at, updated_at, uuid)
    SELECT 1, 1 + g % 20, 1, 'Rally ' || g, 'Workers and neighbours rally for a fair contract and safe staffing.',
        'Meet at the north gate', 'rally', 'America/Chicago', 'Union Hall', g || ' Main St', 'Chicago', 'IL', '60614',
        'US', 41.9, -87.6, FALSE, '', 'public', md5(random()::text || g), 'scheduled', 0,
        now() - interval '30 days', now(), {u}
    FROM generate_series(1, {events}) g;
INSERT INTO shift (event_id, starts_at, ends_at, capacity, target, filled, code, status, sequence, created_at,
        updated_at, uuid)
    SELECT 1 + (g - 1) / {shifts}, now() - interval '1 day' + ((g % {shifts}) * interval '3 hours'),
        now() - interval '1 day' + ((g % {shifts}) * interval '3 hours') + interval '3 hours', 100, 50, 25,
        'B' || lpad(g::text, 8, '0'), 'scheduled', 0, now() - interval '30 days', now(), {u}
    FROM generate_series(1, {events} * {shifts}) g;
INSERT INTO volunteer (organization_id, name, phone, email, postal_code, notes, source, sms_status, sms_blocked,
        email_status, manage_token, feed_token, created_at, updated_at, uuid)
    SELECT 1, 'Person ' || g, '+1312' || lpad(g::text, 7, '0'), 'person' || g || '@example.org', '60614', '', 'web',
        'opted_in', FALSE, 'ok', md5('m' || g || random()::text), md5('f' || g || random()::text),
        now() - interval '30 days', now(), {u}
    FROM generate_series(1, {people}) g;
INSERT INTO signup (shift_id, volunteer_id, holder, status, source, referrer, attendance_locked, checked_in_at,
        created_at, updated_at, uuid)
    SELECT 1 + g % ({events} * {shifts}), 1 + g / 3, 1 + g % ({events} * {shifts}),
        (ARRAY['attended', 'no_show', 'confirmed'])[1 + g % 3], 'web', '', FALSE, NULL,
        now() - interval '20 days', now(), {u}
    FROM generate_series(0, {signups} - 1) g;
INSERT INTO message (organization_id, volunteer_id, signup_id, channel, kind, to_address, subject, body, due_at,
        timezone, state, skip_reason, provider_id, attempts, last_error, dedupe_key, in_doubt, sent_at, created_at,
        updated_at, uuid)
    SELECT 1, 1 + ((g / 2) % {signups}) / 3, 1 + (g / 2) % {signups}, 'sms',
        (ARRAY['confirmation', 'reminder_day_before'])[1 + g % 2],
        '+1312' || lpad((1 + ((g / 2) % {signups}) / 3)::text, 7, '0'),
        '', 'Rally tomorrow at 10: reply YES to confirm, NO to drop. Reply STOP to stop.', now() - interval '2 days',
        'America/Chicago', 'delivered', '', 'SM' || md5(g::text), 1, '', 'bench:' || g, FALSE,
        now() - interval '2 days', now() - interval '2 days', now(), {u}
    FROM generate_series(0, {messages} - 1) g;
"""


def timed_process(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a command; (wall seconds, peak RSS in MB of that process, its output). GNU time measures the RSS:
    a child forked from this process would count this process's own pages too."""
    with tempfile.NamedTemporaryFile("r") as peak:
        started = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", peak.name, *args], env=env, capture_output=True)
        elapsed = time.perf_counter() - started
        output = (done.stdout + done.stderr).decode()
        if done.returncode:
            raise SystemExit(f"{' '.join(args)} failed:\n{output[-3000:]}")
        kilobytes = int(Path(peak.name).read_text().split()[-1])
    return elapsed, kilobytes / 1024, done.stdout.decode()


def mobilize(database_url: str, *args: str) -> tuple[float, float, str]:
    env = dict(os.environ, DATABASE_URL=database_url, LOG_LEVEL="warning")
    return timed_process([sys.executable, "-m", "mobilize.cli", *args], env)


def files(directory: Path) -> dict[str, bytes]:
    found = {p.name: p.read_bytes() for p in sorted(directory.iterdir())}
    manifest = json.loads(found["manifest.json"])
    manifest.pop("exported_at")
    found["manifest.json"] = json.dumps(manifest).encode()
    return found


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1500)
    parser.add_argument("--shifts", type=int, default=4)
    parser.add_argument("--signups", type=int, default=150_000)
    parser.add_argument("--messages", type=int, default=300_000)
    args = parser.parse_args()
    names = [f"mobilize_bench_archive_{n}_{secrets.token_hex(3)}" for n in ("source", "target", "dump")]
    urls = [f"{SERVER}/{name}" for name in names]
    for name in names:
        await admin(f'CREATE DATABASE "{name}"')
    tmp = Path(tempfile.mkdtemp(prefix="mobilize-bench-archive-"))
    try:
        for url in urls:
            await db.apply_migrations(url)
        started = time.perf_counter()
        conn = await asyncpg.connect(pg(urls[0]))
        people = max(args.signups // 3, 1)
        sql = SEED.format(u=UUID, events=args.events, shifts=args.shifts, people=people, signups=args.signups,
                          messages=args.messages)  # fmt: skip
        await conn.execute(sql)
        await conn.execute("ANALYZE")
        await conn.close()
        seeded = f"{args.events * args.shifts} shifts, {people} people, {args.signups} sign-ups, {args.messages} texts"
        print(f"seeded {args.events} events, {seeded} in {time.perf_counter() - started:.1f} s")

        first, again = tmp / "first", tmp / "again"
        seconds, rss, _ = mobilize(urls[0], "export", "--org", "bench-local", "--out", str(first))
        size = sum(p.stat().st_size for p in first.iterdir()) / 2**20
        print(f"mobilize export:          {seconds:6.1f} s, peak RSS {rss:5.0f} MB ({size:.0f} MB of files)")
        seconds, rss, out = mobilize(urls[1], "import", "archive", str(first))
        print(f"mobilize import archive:  {seconds:6.1f} s, peak RSS {rss:5.0f} MB")
        print(f"  {out.strip().splitlines()[0][:110]}")
        seconds, rss, _ = mobilize(urls[1], "import", "archive", str(first))
        print(f"  again (changes nothing): {seconds:5.1f} s, peak RSS {rss:5.0f} MB")
        seconds, rss, _ = mobilize(urls[1], "export", "--org", "bench-local", "--out", str(again))
        same = files(first) == files(again)
        print(f"export of the loaded org: {seconds:6.1f} s, peak RSS {rss:5.0f} MB; identical files: {same}")

        tables = sorted({kind.model._meta.db_table for kind in KINDS} | {"membership_group"})
        dump = tmp / "dump.sql"
        table_args = [a for t in tables for a in ("-t", t)]
        env = dict(os.environ)
        seconds, rss, _ = timed_process(["pg_dump", "--data-only", *table_args, "-f", str(dump), pg(urls[0])], env)
        size = dump.stat().st_size / 2**20
        print(f"pg_dump --data-only:      {seconds:6.1f} s, peak RSS {rss:5.0f} MB ({size:.0f} MB)")
        command = ["psql", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", str(dump), pg(urls[2])]
        seconds, rss, _ = timed_process(command, env)
        print(f"psql loading that dump:   {seconds:6.1f} s, peak RSS {rss:5.0f} MB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for name in names:
            await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
