"""The `mobilize` command: serve, worker, migrate, seed-demo, organizer create."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

import click

from mobilize.models.accounts import Role
from mobilize.settings import get_settings


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


@click.group()
def main() -> None:
    """mobilize: volunteer mobilization for unions, chapters and coalitions."""
    logging.basicConfig(
        level=get_settings().log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="uvicorn worker processes")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app; runs the background jobs in-process when REDIS_URL is unset."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and not settings.redis_url:
        raise click.UsageError("several web processes need REDIS_URL (in-process jobs run in one process only)")
    uvicorn.run(
        "mobilize.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level=settings.log_level,
    )


@main.command()
def worker() -> None:
    """Run the arq worker (same as `arq workers.main.WorkerSettings`)."""
    from arq.worker import run_worker

    if not get_settings().redis_url:
        raise click.UsageError("the worker needs REDIS_URL; without it `mobilize serve` runs the jobs itself")
    from workers.main import WorkerSettings

    run_worker(WorkerSettings)  # type: ignore[arg-type]


@main.command()
def migrate() -> None:
    """Apply database migrations (safe to run on every release)."""
    from mobilize import db

    _run(db.apply_migrations(get_settings().database_url))
    click.echo("migrations applied")


@main.command("seed-demo")
@click.option("--force", is_flag=True, help="load even if demo data exists")
def seed_demo(force: bool) -> None:
    """Load demo organizations, groups, a campaign, a picket schedule, a rally and volunteers."""
    from mobilize import db
    from mobilize.services.demo import seed

    async def go() -> dict[str, str]:
        await db.init_db(get_settings().database_url)
        try:
            return await seed(force=force)
        finally:
            await db.close_db()

    result = _run(go())
    click.echo("demo data loaded" if result["new"] else "demo data already loaded; here is a fresh demo token")
    click.echo(f"demo organizer login: {result['email']} / {result['password']}")
    click.echo(f"demo API token (the previous demo token is revoked): {result['token']}")


@main.group()
def organizer() -> None:
    """Organizer accounts."""


@organizer.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--org", "org", required=True, help="organization slug (created if new)")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.OWNER.value, show_default=True)
@click.option("--password", default=None, help="for the dashboard; omit for API-only accounts")
@click.option("--group", "groups", multiple=True, help="for hosts: a group slug they run (repeatable)")
def organizer_create(email: str, name: str, org: str, role: str, password: str | None, groups: tuple[str, ...]) -> None:
    """Create the organization if new and the organizer; print an API token as the last line."""
    from mobilize import db
    from mobilize.services.accounts import create_organizer
    from mobilize.services.errors import DomainError

    async def go() -> str:
        await db.init_db(get_settings().database_url)
        try:
            _, token = await create_organizer(
                email=email, name=name, org_slug=org, role=Role(role), password=password, group_slugs=list(groups)
            )
            return token
        finally:
            await db.close_db()

    try:
        token = _run(go())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"organizer {email} is {role} of {org}; API token (shown once):", err=False)
    click.echo(token)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

__all__ = ["main", "os"]
