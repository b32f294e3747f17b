"""Test set-up: one database backend per pytest process (MOBILIZE_TEST_DB=sqlite|postgres), migrated
once with the real migrations, emptied after every test; the app runs its real lifespan."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from tortoise import connections

from mobilize import db
from mobilize.app import create_app
from mobilize.services.accounts import senders
from mobilize.services.events import public
from mobilize.services.feeds import scopes
from mobilize.settings import Settings, load_settings
from mobilize.web import kept
from mobilize.web.api import public as public_api

BACKEND = os.environ.get("MOBILIZE_TEST_DB", "sqlite")
PG_URL = os.environ.get("MOBILIZE_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("MOBILIZE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"
PUBLIC = "http://testserver"

# Tests change a feed and read it again at once: the public feeds' versions are asked every time here
# (tests/feeds/test_feeds.py shows the second they are kept for in production).
scopes.PUBLIC_VERSION_SECONDS = 0.0


def unavailable(what: str, why: object) -> None:
    """Skip loudly, or fail under CI=true where nothing may be skipped."""
    message = f"{what} is not reachable ({why}); this test needs it"
    if IN_CI:
        pytest.fail(message + " and CI=true forbids skipping", pytrace=False)
    pytest.skip("!!! SKIPPED: " + message)


def pg_server_url(database: str) -> str:
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{database}"


async def pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(pg_server_url("postgres").replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    if BACKEND == "postgres":
        name = f"mobilize_test_{os.getpid()}_{secrets.token_hex(3)}"
        try:
            await pg_admin(f'CREATE DATABASE "{name}"')
        except (OSError, asyncpg.PostgresError) as exc:
            unavailable("PostgreSQL", exc)
        try:
            yield pg_server_url(name)
        finally:
            await db.close_db()
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite://{Path(tmp) / 'test.sqlite3'}"
            await db.close_db()


@pytest.fixture(scope="session")
async def migrated(database_url: str) -> str:
    # Migrate exactly as a release does: `mobilize migrate` in its own process.
    env = dict(os.environ, DATABASE_URL=database_url)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mobilize.cli",
        "migrate",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode()
    await db.init_db(database_url)
    return database_url


def make_settings(database_url: str, **overrides: str) -> Settings:
    env = {
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": PUBLIC,
        "SECRET_KEY": "test-secret",
        "PUBLIC_SIGNUP_RATE_LIMIT_IP": "100000/minute",
        "PUBLIC_SIGNUP_RATE_LIMIT_PHONE": "100000/hour",
        "HOST_PROPOSAL_RATE_LIMIT_IP": "100000/hour",
        "HOST_PROPOSAL_RATE_LIMIT_EMAIL": "100000/hour",
        "SMS_RATE_PER_SECOND": "0",  # pacing has its own tests; elsewhere it would only slow the suite
        # Tests drive the sweep themselves: a periodic one in the session app would deliver other apps'
        # messages (they share the database) through its own senders, at random moments.
        "OUTBOX_SWEEP_SECONDS": "0",
    }
    env.update(overrides)
    return load_settings(env)


@pytest.fixture(scope="session")
async def settings(migrated: str) -> Settings:
    return make_settings(migrated)


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings, manage_db=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as c:
        yield c


TABLES = [
    "saved_list",
    "strike_scan",
    "strike_duty",
    "strike_week",
    "strike_dispute",
    "strike_captain",
    "hosted_event",
    "trusted_host",
    "hosting_policy",
    "organizer_session",
    "idempotent_request",
    "gap_request",
    "standby",
    "audit_log",
    "organizer_invitation",
    "inbound_message",
    "inbox_thread",
    "pending_question",
    "message",
    "delivery_worker",
    "consent_record",
    "sms_block",
    "volunteer_tag",
    "signup",
    "shift",
    "event",
    "strike",
    "partnership",
    "campaign",
    "membership_group",
    "api_token",
    "membership",
    "action_group",
    "organizer",
    "volunteer",
    "organization",
]


# Which tables hold a row, in one query (a test writes to a few of them).
_HOLDING_ROWS = "SELECT " + ", ".join(f"EXISTS (SELECT 1 FROM {table}) AS {table}" for table in TABLES)
# PostgreSQL: each table's id sequences (read once), restarted with the table so that ids start at 1 again,
# as SQLite's do once a table is empty.
_SEQUENCES: dict[str, list[str]] = {}
_SEQUENCES_SQL = """
SELECT t.relname AS "table", s.relname AS "sequence"
FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relkind = 'S'
"""


async def empty_tables() -> None:
    """Empty the tables a test wrote to, children first (the order of TABLES). DELETE rather than TRUNCATE:
    on PostgreSQL a TRUNCATE of every table costs about 100 ms, a test's whole share of the suite."""
    conn = connections.get("default")
    holding = (await conn.execute_query_dict(_HOLDING_ROWS))[0]
    written = [table for table in TABLES if holding[table]]
    if not written:
        return
    statements = [f"DELETE FROM {table}" for table in written]
    if BACKEND == "postgres":
        if not _SEQUENCES:
            for row in await conn.execute_query_dict(_SEQUENCES_SQL):
                _SEQUENCES.setdefault(row["table"], []).append(row["sequence"])
        statements += [f"ALTER SEQUENCE {seq} RESTART" for table in written for seq in _SEQUENCES.get(table, [])]
    await conn.execute_script(";\n".join(statements))


@pytest.fixture(autouse=True)
async def clean_db(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    if "migrated" not in request.fixturenames:
        yield
        return
    yield
    await empty_tables()
    public.forget_shifts()
    senders.forget_senders()
    scopes.forget_versions()
    kept.forget()
    public_api.forget_lists()


PUBLIC_WINDOW = 60.0  # stands in for a public answer's second: a slow machine stays inside it


def kept_for_the_window() -> list[dict[Any, tuple[Any, ...]]]:
    """Every public answer kept for its window: feeds' versions and scopes, the public lists, the feed answers."""
    answers = [instance.kept for instance in kept._instances]
    return [scopes._FINGERPRINTS.kept, scopes._SCOPES.kept, public_api._LISTS.kept, *answers]


@pytest.fixture
def public_window(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Public answers kept for PUBLIC_WINDOW (a second in production; nothing is kept elsewhere in the suite).
    Call the value to move what is kept past its window: the dicts given, or every one of them."""
    monkeypatch.setattr(scopes, "PUBLIC_VERSION_SECONDS", PUBLIC_WINDOW)

    def past(*found: dict[Any, tuple[Any, ...]]) -> None:
        for entries in found or kept_for_the_window():
            for key, (read_at, *rest) in list(entries.items()):
                entries[key] = (read_at - PUBLIC_WINDOW, *rest)

    return past


@pytest.fixture
def redis_url() -> str:
    import redis as redis_lib

    try:
        redis_lib.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis_lib.RedisError as exc:
        unavailable("Redis", exc)
    return REDIS_URL


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` belong to the PostgreSQL pass: deselected (not skipped) in the SQLite pass."""
    if BACKEND == "postgres":
        return
    keep = [item for item in items if item.get_closest_marker("postgres") is None]
    dropped = [item for item in items if item.get_closest_marker("postgres") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(scope="module")
async def shared_sms(migrated: str) -> AsyncIterator[tuple[Any, httpx.AsyncClient, Any]]:
    """An app texting through a local fake Twilio, one per test module (starting both per test would cost
    most of an SMS test's time): (app, client, fake Twilio)."""
    from tests.fakes.twilio_server import running
    from tests.sms_helpers import sms_app

    async with running() as fake, sms_app(migrated, fake) as (application, sms_client):
        yield application, sms_client, fake


@pytest.fixture
async def sms(shared_sms: tuple[Any, httpx.AsyncClient, Any]) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """The module's SMS app and client; what a test sent is forgotten after it."""
    application, sms_client, fake = shared_sms
    yield application, sms_client
    await application.state.queue.drain()
    fake.messages.clear()
    fake.requests = 0
