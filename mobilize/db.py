"""Database configuration for Tortoise: the one app, its models and its native migrations."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.migrations.api import migrate as tortoise_migrate
from tortoise.models import Model

from mobilize.instances import insert_row

MODELS = ["mobilize.models"]
# asyncpg connections per web process unless the URL says `?maxsize=N`. Tortoise's own default (5) queues
# a surge's sign-ups behind each other; more than 10 gains nothing on a small machine (bench/signup_surge.py)
# and, times the web processes, must stay well under PostgreSQL's max_connections (100 by default).
DEFAULT_POOL_MAXSIZE = 10
SQLITE_ENGINE = "mobilize.sqlite_backend"


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """An asyncpg connection that skips the reset query when it goes back to the pool.

    asyncpg normally sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every
    release: a round trip per query outside a transaction. mobilize takes no advisory locks, keeps no
    cursors open across a release, listens to nothing and sets nothing per session, so there is nothing
    to reset. asyncpg still rolls back a transaction left open (the documented way to do this).
    """

    def get_reset_query(self) -> str:
        """Nothing to reset (see the class)."""
        return ""


def _normalize_url(url: str) -> str:
    # Heroku-style URLs say postgresql://; Tortoise names its asyncpg backend postgres://.
    if url.startswith("postgresql://"):
        url = "postgres://" + url[len("postgresql://") :]
    return url


def connection_config(database_url: str) -> dict[str, Any]:
    """Tortoise's connection settings for a URL: SQLite through mobilize.sqlite_backend (transactions that
    take the write lock as they begin); PostgreSQL with a pool of DEFAULT_POOL_MAXSIZE connections (unless
    `?maxsize=` says otherwise) that skip the reset query."""
    url = _normalize_url(database_url)
    config = expand_db_url(url)
    if url.startswith("sqlite://"):
        config["engine"] = SQLITE_ENGINE
        return config
    if not is_postgres(url):
        return config  # another database Tortoise knows: as Tortoise configures it
    config["credentials"].setdefault("maxsize", DEFAULT_POOL_MAXSIZE)
    config["credentials"].setdefault("connection_class", PooledConnection)
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise config dict for one database URL."""
    return {
        "connections": {"default": connection_config(database_url)},
        "apps": {
            "models": {
                "models": MODELS,
                "migrations": "mobilize.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def is_postgres(database_url: str) -> bool:
    return _normalize_url(database_url).startswith(("postgres://", "asyncpg://"))


async def init_db(database_url: str) -> None:
    """Open connections (with the global context fallback so uvicorn request tasks see it)."""
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


def is_open() -> bool:
    """Whether this process opened the database already (a worker restarted after losing Redis did)."""
    return Tortoise.is_inited()


async def close_db() -> None:
    await Tortoise.close_connections()


async def apply_migrations(database_url: str) -> None:
    """Apply every pending migration; safe to run on every release."""
    await tortoise_migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


# ---- hand-written SQL for the hot path -------------------------------------------------------------
# A handful of statements run on every sign-up of a surge. Written out, they cost a fraction of what the
# ORM spends building the same SQL; both databases understand them (`?` placeholders become `$1, $2, ...`
# on PostgreSQL). They run on the current connection: inside `in_transaction()`, the transaction's.

_POSTGRES_SQL: dict[str, str] = {}


def _postgres_placeholders(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, ...` (the statements here have no `?` in literals)."""
    converted = _POSTGRES_SQL.get(sql)
    if converted is None:
        parts = sql.split("?")
        converted = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))
        _POSTGRES_SQL[sql] = converted
    return converted


def dialect() -> str:
    """`postgres` or `sqlite`: the database behind the current connection."""
    return str(connections.get("default").capabilities.dialect)


_orm_path: ContextVar[bool] = ContextVar("mobilize_orm_path", default=False)


def postgres_statements() -> bool:
    """Whether the hot paths take their hand-written PostgreSQL statements (each domain's `postgres.py`): on
    PostgreSQL, unless `orm_path` asked for the ORM rule they mirror."""
    return not _orm_path.get() and dialect() == "postgres"


@contextmanager
def orm_path() -> Iterator[None]:
    """Inside, the hot paths take the ORM way on every database: the tests run both ways on the same cases."""
    token = _orm_path.set(True)
    try:
        yield
    finally:
        _orm_path.reset(token)


def _prepare(sql: str) -> tuple[Any, str]:
    """The current connection and the statement in its dialect."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        sql = _postgres_placeholders(sql)
    return conn, sql


async def execute(sql: str, *params: Any) -> int:
    """Run an UPDATE or DELETE written with `?` placeholders; the number of rows it changed."""
    conn, sql = _prepare(sql)
    count, _ = await conn.execute_query(sql, list(params))
    return int(count)


def insert_sql(instance: Model) -> tuple[str, list[Any]]:
    """The INSERT of a new instance (see `insert_row`), with `?` placeholders, and its values."""
    row = insert_row(instance)
    columns = ", ".join(f'"{column}"' for column in row)
    marks = ", ".join("?" for _ in row)
    return f"INSERT INTO {instance._meta.db_table} ({columns}) VALUES ({marks})", list(row.values())


async def insert_all(instances: list[Model]) -> None:
    """INSERT new instances, in order, in hand-written statements (IntegrityError on a unique constraint; the
    instances are not marked saved: they have no primary key). For hot paths, where the ORM's `create` costs
    more to build than the database spends running it. See `write_all`."""
    await write_all([insert_sql(instance) for instance in instances])


async def write_all(statements: list[tuple[str, list[Any]]]) -> None:
    """Run writes (`?` placeholders, values), in order. On PostgreSQL they go as one statement (the first ones
    as data-modifying WITH clauses, which see the same snapshot): one round trip, atomic by itself, so a
    unique violation in the last one undoes the first ones too. On SQLite one after the other (wrap them in
    a transaction for atomicity)."""
    if dialect() == "postgres" and len(statements) > 1:
        heads = ", ".join(f"w{n} AS ({sql})" for n, (sql, _) in enumerate(statements[:-1]))
        statements = [(f"WITH {heads} {statements[-1][0]}", [p for _, params in statements for p in params])]
    for sql, params in statements:
        conn, sql = _prepare(sql)
        await conn.execute_query(sql, params)


async def insert_ignoring_conflicts(instance: Model) -> None:
    """INSERT a new instance unless that would break a unique constraint (then nothing happens, and no
    error aborts the caller's transaction). The instance is not marked saved: it has no primary key."""
    row = insert_row(instance)
    columns = ", ".join(f'"{column}"' for column in row)
    marks = ", ".join("?" for _ in row)
    conn, sql = _prepare(f"INSERT INTO {instance._meta.db_table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING")
    await conn.execute_query(sql, list(row.values()))


async def fetch_all(sql: str, *params: Any) -> list[dict[str, Any]]:
    """Every row of a statement written with `?` placeholders (a SELECT, or a write with RETURNING), as
    dicts (no model conversion: also for reports over many rows)."""
    conn, sql = _prepare(sql)
    rows: list[dict[str, Any]] = await conn.execute_query_dict(sql, list(params))
    return rows


async def fetch_one(sql: str, *params: Any) -> dict[str, Any] | None:
    """The first row of a SELECT written with `?` placeholders, as a dict; None if there is none."""
    conn, sql = _prepare(sql)
    rows: list[dict[str, Any]] = await conn.execute_query_dict(sql, list(params))
    return rows[0] if rows else None


def prefixed_columns(alias: str, model: type[Model], prefix: str) -> list[str]:
    """The model's columns read from `alias`, each renamed `prefix.column` (several tables in one result row;
    `prefixed` takes them out again)."""
    return [f'{alias}."{column}" AS "{prefix}.{column}"' for column in model._meta.fields_db_projection.values()]


def prefixed(row: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The columns `prefix.*` of a result row, named without the prefix (what `prefixed_columns` selected)."""
    start = len(prefix) + 1
    return {key[start:]: value for key, value in row.items() if key.startswith(prefix + ".")}


@cache
def numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """`:name` placeholders as PostgreSQL's `$1, $2, ...` (one number per name), and the names in order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return re.sub(r"(?<![:\w]):([a-z_]+)", number, sql), tuple(names)


async def fetch_all_named(sql: str, **values: Any) -> list[dict[str, Any]]:
    """Every row of a PostgreSQL statement written with `:name` placeholders, as dicts (for statements too
    long to keep their `?` in order)."""
    sql, names = numbered(sql)
    return await fetch_all_native(sql, *(values[name] for name in names))


async def fetch_one_named(sql: str, **values: Any) -> Mapping[str, Any]:
    """The one row of a PostgreSQL statement that always answers one (written with `:name` placeholders), as
    asyncpg gives it (a record: no dict is built); errors as the ORM raises them (IntegrityError,
    OperationalError). For the hottest statements, whose answer Tortoise's own call costs a fifth more."""
    sql, names = numbered(sql)
    client = connections.get("default")
    try:
        async with client.acquire_connection() as connection:
            row: Mapping[str, Any] | None = await connection.fetchrow(sql, *(values[name] for name in names))
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(exc) from exc
    except (asyncpg.SyntaxOrAccessError, asyncpg.exceptions.DataError) as exc:
        raise OperationalError(exc) from exc
    if row is None:
        raise LookupError("the statement answered no row")
    return row


async def fetch_all_native(sql: str, *params: Any) -> list[dict[str, Any]]:
    """Every row of a statement already written in the database's own dialect (`$1` placeholders on
    PostgreSQL), as dicts."""
    rows: list[dict[str, Any]] = await connections.get("default").execute_query_dict(sql, list(params))
    return rows


async def execute_native(sql: str, *params: Any) -> int:
    """Run an UPDATE or DELETE already written in the database's own dialect; the number of rows changed."""
    count, _ = await connections.get("default").execute_query(sql, list(params))
    return int(count)


async def ping() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # noqa: BLE001 - health check reports any failure
        return False
    return True


def _tortoise_cli_config() -> dict[str, Any]:
    from mobilize.settings import get_settings

    return tortoise_config(get_settings().database_url)


# `tortoise -c mobilize.db.TORTOISE_ORM makemigrations` reads this (built from DATABASE_URL).
def __getattr__(name: str) -> Any:
    if name == "TORTOISE_ORM":
        return _tortoise_cli_config()
    raise AttributeError(name)
