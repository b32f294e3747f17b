"""The `mobilize` command: serve, worker, migrate, seed-demo, organizer create, organization sms-sender, import,
export."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import click

from mobilize.cli_support import with_database
from mobilize.cli_transfer import export, import_
from mobilize.models.accounts import Role
from mobilize.process import settle_startup_objects
from mobilize.settings import get_settings


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def _use_uvloop() -> None:
    """uvloop's event loop (libuv, in C) for the worker: socket reads and writes, the bulk of a fan-out's
    event-loop time, cost about half of asyncio's. uvicorn picks it by itself for `serve`."""
    try:
        import uvloop
    except ImportError:  # an install without uvicorn[standard]: asyncio's own loop works the same
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


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
    """Run the arq worker (as `arq workers.main.WorkerSettings` does), reconnecting when Redis goes away."""
    import time

    from arq.worker import run_worker
    from redis.exceptions import RedisError

    if not get_settings().redis_url:
        raise click.UsageError("the worker needs REDIS_URL; without it `mobilize serve` runs the jobs itself")
    from workers.main import WorkerSettings

    log = logging.getLogger("mobilize.worker")
    _use_uvloop()
    settle_startup_objects()
    while True:
        try:
            run_worker(WorkerSettings)  # type: ignore[arg-type]
            return  # stopped by a signal
        except (RedisError, OSError) as exc:  # WatchError, too, wraps a lost connection
            # arq's worker stops on a lost connection. What it had queued is still in the database: the
            # first sweep after reconnecting enqueues it again, and claims keep anything from going twice.
            log.warning("lost Redis (%s); starting the worker again in 1 s", exc)
            time.sleep(1)


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
    from mobilize.demo import seed

    async def go() -> dict[str, str]:
        return await seed(force=force)

    result = with_database(go)
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
    from mobilize.services.accounts.organizers import create_organizer

    async def go() -> str:
        _, token = await create_organizer(
            email=email, name=name, org_slug=org, role=Role(role), password=password, group_slugs=list(groups)
        )
        return token

    token = with_database(go)
    click.echo(f"organizer {email} is {role} of {org}; API token (shown once):", err=False)
    click.echo(token)


@main.group()
def organization() -> None:
    """Organizations."""


@organization.command("sms-sender")
@click.option("--org", "org_slug", required=True, help="organization slug")
@click.option("--from-number", default=None, help="its own Twilio number (E.164)")
@click.option("--messaging-service", default=None, help="its own Twilio Messaging Service SID (MG...)")
def organization_sms_sender(org_slug: str, from_number: str | None, messaging_service: str | None) -> None:
    """Give the organization its own SMS sender; with neither option, it goes back to the shared one."""
    from mobilize.services.accounts.senders import set_sms_sender

    async def go() -> tuple[str | None, str | None]:
        org = await set_sms_sender(org_slug, from_number, messaging_service)
        return org.sms_from_number, org.sms_messaging_service_sid

    number, service = with_database(go)
    click.echo(f"{org_slug} sends from {service or number or 'the shared sender'}")


main.add_command(import_)  # the commands that move data: mobilize.cli_transfer
main.add_command(export)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
