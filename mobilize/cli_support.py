"""What every database command of `mobilize` shares: the database opened and closed around its work, and a
domain error ending it with its message (used by mobilize.cli and mobilize.cli_transfer)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from mobilize.settings import get_settings

T = TypeVar("T")


def with_database(work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` with the database open, and closed after it whatever happens; a domain error (an unknown
    slug, a refused value) ends the command with its message (exit code 1) instead of a traceback."""
    from mobilize import db
    from mobilize.services.errors import DomainError

    async def opened() -> T:
        await db.init_db(get_settings().database_url)
        try:
            return await work()
        finally:
            await db.close_db()

    try:
        return asyncio.run(opened())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
