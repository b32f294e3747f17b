"""Migrations on a database that holds data from before them (the session database starts empty)."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
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


async def test_0025_gives_each_organization_the_zone_of_its_latest_event(old_database: tuple[str, Run]) -> None:
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
