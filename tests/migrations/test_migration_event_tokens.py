"""Migrations on a database that holds data from before them (the session database starts empty): 0017's share
tokens, 0024's stable ids, 0025's duty times in UTC, 0026's booked scans."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import BACKEND, pg_admin, pg_server_url, unavailable

# Rows as they were at 0015 (columns of that schema only), in SQL both databases read.
AT_0015 = """
INSERT INTO organization (slug, name, created_at) VALUES ('local-1', 'Local 1', '2026-01-01 00:00:00+00:00');
INSERT INTO action_group (slug, name, description, postal_code, created_at, organization_id)
    VALUES ('stewards', 'Stewards', '', '60614', '2026-01-01 00:00:00+00:00', 1);
INSERT INTO event (title, description, instructions, event_type, timezone, venue, address, city, region,
                   postal_code, country, virtual_url, visibility, status, sequence, created_at, updated_at,
                   group_id, organization_id)
VALUES
    ('Rally', '', '', 'rally', 'America/Chicago', '', '', 'Chicago', 'IL', '60614', 'US', '', 'public',
     'scheduled', 0, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', 1, 1),
    ('House meeting', '', '', 'meeting', 'America/Chicago', '', '', 'Chicago', 'IL', '60614', 'US', '',
     'unlisted', 'scheduled', 0, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', 1, 1),
    ('Caucus', '', '', 'meeting', 'America/Chicago', '', '', 'Chicago', 'IL', '60614', 'US', '', 'private',
     'cancelled', 1, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', 1, 1);
INSERT INTO shift (starts_at, ends_at, capacity, target, filled, code, status, sequence, created_at, updated_at,
                   event_id)
VALUES ('2027-01-01 15:00:00+00:00', '2027-01-01 18:00:00+00:00', 5, 5, 0, 'ABC234', 'scheduled', 0,
        '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', 2);
"""

Run = Callable[[str], Awaitable[list[dict[str, Any]]]]


@pytest.fixture
async def old_database(tmp_path: Path) -> AsyncIterator[tuple[str, Run]]:
    """A database of its own (the backend under test), and a way to run SQL on it without the ORM."""
    if BACKEND == "postgres":
        name = f"mobilize_migration_{os.getpid()}_{secrets.token_hex(3)}"
        try:
            await pg_admin(f'CREATE DATABASE "{name}"')
        except (OSError, asyncpg.PostgresError) as exc:
            unavailable("PostgreSQL", exc)

        async def run_pg(sql: str) -> list[dict[str, Any]]:
            conn = await asyncpg.connect(pg_server_url(name).replace("postgres://", "postgresql://", 1))
            try:
                if sql.lstrip().upper().startswith("SELECT"):
                    return [dict(r) for r in await conn.fetch(sql)]
                await conn.execute(sql)
                return []
            finally:
                await conn.close()

        try:
            yield pg_server_url(name), run_pg
        finally:
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "old.sqlite3"

        async def run_sqlite(sql: str) -> list[dict[str, Any]]:
            conn = sqlite3.connect(path)
            conn.row_factory = sqlite3.Row
            try:
                with conn:
                    if sql.lstrip().upper().startswith("SELECT"):
                        return [dict(r) for r in conn.execute(sql)]
                    conn.executescript(sql)
                    return []
            finally:
                conn.close()

        yield f"sqlite://{path}", run_sqlite


async def migrate(database_url: str, *target: str) -> None:
    """As a release does, in its own process: `tortoise migrate models NAME` up to a target, else all."""
    command = ["-m", "tortoise", "-c", "mobilize.db.TORTOISE_ORM", "migrate", *target]
    if not target:
        command = ["-m", "mobilize.cli", "migrate"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *command,
        env=dict(os.environ, DATABASE_URL=database_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode()


async def test_0017_gives_every_existing_event_its_own_share_token(old_database: tuple[str, Run]) -> None:
    url, run = old_database
    await migrate(url, "models", "0015_idempotent_requests")
    await run(AT_0015)
    await migrate(url)

    rows = await run('SELECT "id", "title", "share_token", "updated_at" FROM "event" ORDER BY "id"')
    assert [r["title"] for r in rows] == ["Rally", "House meeting", "Caucus"]
    tokens = [r["share_token"] for r in rows]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", t) for t in tokens), tokens  # 128 random bits each
    assert len(set(tokens)) == 3
    # Filling the column touched nothing else: the shift (whose ON DELETE CASCADE a rebuilt table would fire)
    # is still there, and feeds' Last-Modified did not move.
    assert (await run('SELECT "code", "event_id" FROM "shift"')) == [{"code": "ABC234", "event_id": 2}]
    assert {str(r["updated_at"])[:10] for r in rows} == {"2026-01-01"}
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await run(f"UPDATE event SET share_token = '{tokens[0]}' WHERE id = 2")
    if BACKEND == "postgres":  # SQLite cannot add NOT NULL in place (see the migration): the model sees to it
        with pytest.raises(asyncpg.NotNullViolationError):
            await run("UPDATE event SET share_token = NULL WHERE id = 2")


# Rows as they were at 0023 (before 0024 gave these tables their stable ids), in SQL both databases read.
AT_0023 = """
INSERT INTO organization (slug, name, created_at) VALUES ('local-1', 'Local 1', '2026-01-01 00:00:00+00:00'),
    ('local-2', 'Local 2', '2026-01-01 00:00:00+00:00');
INSERT INTO organizer (email, name, created_at) VALUES ('o@example.org', 'O', '2026-01-01 00:00:00+00:00');
INSERT INTO action_group (slug, name, description, postal_code, created_at, organization_id)
    VALUES ('stewards', 'Stewards', '', '60614', '2026-01-01 00:00:00+00:00', 1);
INSERT INTO campaign (slug, name, description, created_at, organization_id)
    VALUES ('day', 'Day', '', '2026-01-01 00:00:00+00:00', 1);
INSERT INTO strike (organization_id, name, starts_on, rules, created_at, updated_at)
    VALUES (1, 'Strike', '2026-01-01', '{}', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00');
INSERT INTO event (title, description, instructions, event_type, timezone, venue, address, city, region,
                   postal_code, country, virtual_url, visibility, status, sequence, created_at, updated_at,
                   group_id, organization_id, share_token, campaign_id, strike_id)
VALUES ('Picket', '', '', 'picket', 'America/Chicago', '', '', 'Chicago', 'IL', '60614', 'US', '', 'public',
        'scheduled', 0, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', 1, 1, 'tok', 1, 1);
INSERT INTO shift (starts_at, ends_at, capacity, target, filled, code, status, sequence, created_at, updated_at,
                   event_id)
VALUES ('2026-01-02 15:00:00+00:00', '2026-01-02 18:00:00+00:00', 5, 5, 0, 'ABC234', 'scheduled', 0,
        '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', 1);
INSERT INTO volunteer (organization_id, name, phone, postal_code, sms_status, email_status, manage_token,
                       feed_token, created_at, updated_at)
VALUES (1, 'Rosa', '+13125550142', '60614', 'opted_in', 'ok', 'm1', 'f1', '2026-01-01 00:00:00+00:00',
        '2026-01-01 00:00:00+00:00');
INSERT INTO partnership (campaign_id, organization_id, status, invited_at, invitations, created_at, updated_at)
    VALUES (1, 2, 'accepted', '2026-01-01 00:00:00+00:00', 1, '2026-01-01 00:00:00+00:00',
            '2026-01-01 00:00:00+00:00');
INSERT INTO strike_duty (strike_id, shift_id, volunteer_id, signed_in_at, source, auto_closed, created_at, updated_at)
    VALUES (1, 1, 1, '2026-01-02 15:00:00+00:00', 'captain', FALSE, '2026-01-01 00:00:00+00:00',
            '2026-01-01 00:00:00+00:00'),
           (1, 1, 1, '2026-01-02 17:00:00+00:00', 'sms', FALSE, '2026-01-01 00:00:00+00:00',
            '2026-01-01 00:00:00+00:00');
INSERT INTO strike_week (strike_id, week_start, rules, closed_at) VALUES (1, '2025-12-29', '{}',
    '2026-01-05 00:00:00+00:00');
INSERT INTO strike_dispute (strike_id, volunteer_id, day, raised_by, note, status, resolution, created_at)
    VALUES (1, 1, '2026-01-02', 'member', '', 'open', '', '2026-01-03 00:00:00+00:00');
INSERT INTO strike_captain (strike_id, organizer_id, created_at) VALUES (1, 1, '2026-01-01 00:00:00+00:00');
INSERT INTO hosting_policy (organization_id, campaign_id, mode, group_id, terms, created_at, updated_at)
    VALUES (1, 1, 'review', 1, 'terms', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00');
INSERT INTO hosted_event (organization_id, event_id, campaign_id, host_name, host_email, host_phone, decision,
                          reason, extra, created_at, updated_at)
    VALUES (1, 1, 1, 'Ben', 'ben@example.org', '', '', '', '{}', '2026-01-01 00:00:00+00:00',
            '2026-01-01 00:00:00+00:00');
INSERT INTO trusted_host (organization_id, email, created_at)
    VALUES (1, 'ben@example.org', '2026-01-01 00:00:00+00:00');
"""
ARCHIVE_2_TABLES = ("partnership", "hosting_policy", "hosted_event", "trusted_host", "strike", "strike_duty",
                    "strike_week", "strike_dispute", "strike_captain")  # fmt: skip


async def test_0024_gives_every_existing_row_of_the_new_kinds_its_own_uuid(old_database: tuple[str, Run]) -> None:
    url, run = old_database
    await migrate(url, "models", "0023_merged_enums")
    await run(AT_0023)
    await migrate(url)

    found = []
    for table in ARCHIVE_2_TABLES:
        rows = await run(f'SELECT "uuid" FROM "{table}" ORDER BY "id"')
        assert rows and all(r["uuid"] for r in rows), table
        found += [str(r["uuid"]) for r in rows]
    assert len(set(found)) == len(found) == len(ARCHIVE_2_TABLES) + 1  # two duty rows
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", u) for u in found)
    # Nothing else moved: no table was rebuilt (a rebuilt strike would have taken its duty along, by cascade).
    assert [r["source"] for r in await run('SELECT "source" FROM "strike_duty" ORDER BY "id"')] == ["captain", "sms"]
    assert (await run('SELECT "strike_id" FROM "event"')) == [{"strike_id": 1}]
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        other = (await run('SELECT "uuid" FROM "strike_duty" WHERE "id" = 2'))[0]["uuid"]
        await run(f"UPDATE strike_duty SET uuid = '{other}' WHERE id = 1")


# A member's duty from before 0024: signed in in UTC, signed out with the offset a correction was sent with.
AT_0023_DUTY = """
INSERT INTO volunteer (organization_id, name, postal_code, sms_status, email_status, manage_token, feed_token,
                       member_id, created_at, updated_at)
    VALUES (1, 'Ana', '60614', 'unknown', 'unknown', 'manage-1', 'feed-1', 'A1', '2026-12-01 00:00:00+00:00',
            '2026-12-01 00:00:00+00:00');
INSERT INTO strike (organization_id, name, starts_on, rules, created_at, updated_at)
    VALUES (1, 'Contract fight', '2026-12-01', '{}', '2026-12-01 00:00:00+00:00', '2026-12-01 00:00:00+00:00');
INSERT INTO strike_duty (strike_id, shift_id, volunteer_id, signed_in_at, signed_out_at, source, auto_closed,
                         scan_in, scan_out, created_at, updated_at)
    VALUES (1, 1, 1, '2026-12-02 12:00:00+00:00', '2026-12-02 08:30:00.250000-06:00', 'captain', false,
            'scan-0001-in', 'scan-0002-out', '2026-12-02 12:00:00+00:00', '2026-12-02 14:30:00+00:00'),
           (1, 1, 1, '2026-12-03 12:00:00+00:00', NULL, 'sms', false, NULL, NULL, '2026-12-03 12:00:00+00:00',
            '2026-12-03 12:00:00+00:00');
"""


async def at_head_from_0023(url: str, run: Run) -> None:
    await migrate(url, "models", "0015_idempotent_requests")
    await run(AT_0015)
    await migrate(url, "models", "0023_merged_enums")
    await run(AT_0023_DUTY)
    await migrate(url)


async def test_0025_rewrites_duty_times_stored_with_an_offset_in_utc(old_database: tuple[str, Run]) -> None:
    await at_head_from_0023(*old_database)
    duty, _ = await old_database[1]('SELECT "signed_in_at", "signed_out_at" FROM "strike_duty" ORDER BY "id"')
    if BACKEND == "postgres":
        assert duty["signed_in_at"] == datetime(2026, 12, 2, 12, tzinfo=UTC)
        assert duty["signed_out_at"] == datetime(2026, 12, 2, 14, 30, 0, 250000, tzinfo=UTC)
    else:
        assert duty["signed_in_at"] == "2026-12-02 12:00:00+00:00"
        assert duty["signed_out_at"] == "2026-12-02 14:30:00.250000+00:00"


async def test_0026_keeps_the_scans_that_opened_and_closed_a_duty(old_database: tuple[str, Run]) -> None:
    await at_head_from_0023(*old_database)
    rows = await old_database[1](
        'SELECT "strike_id", "scan_id", "volunteer_id", "duty_id", "action", "outcome", "at" FROM "strike_scan" '
        'ORDER BY "id"'
    )
    times = [r.pop("at") for r in rows]
    assert rows == [
        {
            "strike_id": 1,
            "scan_id": "scan-0001-in",
            "volunteer_id": 1,
            "duty_id": 1,
            "action": "in",
            "outcome": "signed_in",
        },
        {
            "strike_id": 1,
            "scan_id": "scan-0002-out",
            "volunteer_id": 1,
            "duty_id": 1,
            "action": "out",
            "outcome": "signed_out",
        },
    ]
    if BACKEND == "postgres":
        assert times == [datetime(2026, 12, 2, 12, tzinfo=UTC), datetime(2026, 12, 2, 14, 30, 0, 250000, tzinfo=UTC)]
    else:
        assert times == ["2026-12-02 12:00:00+00:00", "2026-12-02 14:30:00.250000+00:00"]


async def test_0027_gives_each_organization_the_zone_of_its_latest_event(old_database: tuple[str, Run]) -> None:
    url, run = old_database
    await migrate(url, "models", "0015_idempotent_requests")
    await run(AT_0015)
    await run(
        "INSERT INTO organization (slug, name, created_at) VALUES ('local-2', 'Local 2', '2026-01-01 00:00:00+00:00');"
        "INSERT INTO event (title, description, instructions, event_type, timezone, venue, address, city, region,"
        " postal_code, country, virtual_url, visibility, status, sequence, created_at, updated_at, group_id,"
        " organization_id) VALUES ('Picket', '', '', 'picket', 'America/Denver', '', '', 'Denver', 'CO', '80202',"
        " 'US', '', 'public', 'scheduled', 0, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', 1, 1);"
        "INSERT INTO organization (slug, name, created_at) VALUES ('local-3', 'Local 3', '2026-01-01 00:00:00+00:00');"
    )
    await migrate(url)

    rows = await run('SELECT "slug", "timezone" FROM "organization" ORDER BY "id"')
    # Local 1's latest event is the picket in Denver; the others have no event: the dashboard's old default.
    assert [(r["slug"], r["timezone"]) for r in rows] == [
        ("local-1", "America/Denver"),
        ("local-2", "America/Chicago"),
        ("local-3", "America/Chicago"),
    ]
    assert (await run('SELECT COUNT(*) AS n FROM "saved_list"')) == [{"n": 0}]
