"""Database configuration for Tortoise: the one app, its models and its native migrations."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as tortoise_migrate

MODELS = ["mobilize.models"]


def _normalize_url(url: str) -> str:
    # Heroku-style URLs say postgresql://; Tortoise names its asyncpg backend postgres://.
    if url.startswith("postgresql://"):
        url = "postgres://" + url[len("postgresql://") :]
    return url


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise config dict for one database URL."""
    return {
        "connections": {"default": _normalize_url(database_url)},
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


async def close_db() -> None:
    await Tortoise.close_connections()


async def apply_migrations(database_url: str) -> None:
    """Apply every pending migration; safe to run on every release."""
    await tortoise_migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


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
