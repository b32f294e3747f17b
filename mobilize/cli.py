"""The `mobilize` command: serve, worker, migrate, seed-demo, organizer create, organization sms-sender, import,
export."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from mobilize.models.accounts import Role
from mobilize.settings import get_settings

T = TypeVar("T")


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


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


def _use_uvloop() -> None:
    """uvloop's event loop (libuv, in C) for the worker: socket reads and writes, the bulk of a fan-out's
    event-loop time, cost about half of asyncio's. uvicorn picks it by itself for `serve`."""
    try:
        import uvloop
    except ImportError:  # an install without uvicorn[standard]: asyncio's own loop works the same
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _tune_gc() -> None:
    """Fewer garbage collections for the worker. A fan-out allocates a few hundred container objects per
    text (aiohttp's request and answer, the twilio client's, the ORM rows), so at Python's default threshold
    (700) the young generation is collected every few texts: 10,000 cut the SMS sender's CPU per text from
    about 0.27 to 0.20 ms against the local Twilio server (three runs each). What start-up loaded is frozen
    out of the collections (it lives as long as the process)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


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
    _tune_gc()
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


@main.group("import")
def import_() -> None:
    """Bring data in."""


@import_.command("volunteers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="organization slug")
@click.option(
    "--format", "format_name", type=click.Choice(["auto", "mobilize", "actionnetwork", "plain"]), default="auto",
    show_default=True, help="whose column names the file has",
)  # fmt: skip
@click.option(
    "--sms-consent-words", default=None,
    help="for Mobilize and Action Network files: the words people agreed to when they opted in to texts there "
    "(without them, their opt-in is not recorded: consent needs its exact words)",
)  # fmt: skip
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), help="write rejected rows here (CSV)")
def import_volunteers(
    file: Path, org_slug: str, format_name: str, sms_consent_words: str | None, rejects: Path | None
) -> None:
    """Import volunteers from a CSV: our columns (name, phone, email, postal_code, sms_opt_in,
    sms_consent_words, tags) or a Mobilize or Action Network export (see the README for the mappings).

    Volunteers are matched by phone or email, never duplicated; re-running a file changes nothing. A row is
    imported whole or rejected with its reason; every column not used is listed.
    """
    from mobilize.services import transfer

    settings = get_settings()
    total = sum(1 for _ in file.open(encoding="utf-8-sig")) - 1

    async def go() -> tuple[transfer.ImportPlan, int, list[tuple[int, str]]]:
        org = await transfer.organization(org_slug)
        headers, rows = transfer.read_csv(file)
        plan = transfer.plan_columns(headers, format_name)
        done, rejected = 0, []
        with click.progressbar(length=max(total, 0), label="importing", file=sys.stderr) as bar:
            found = transfer.import_volunteers(
                org, rows, plan, settings.phone_region, file.name, tool_words=sms_consent_words
            )
            async for line, error in found:
                if error:
                    rejected.append((line, error))
                else:
                    done += 1
                bar.update(1)
        return plan, done, rejected

    plan, done, rejected = with_database(go)
    click.echo(f"read as {plan.format.title} columns: " + ", ".join(f"{c} -> {f}" for f, c in plan.used.items()))
    click.echo("columns not used: " + (", ".join(plan.unused) if plan.unused else "none"))
    click.echo(f"imported {done} volunteers; rejected {len(rejected)} rows")
    for line, reason in rejected[:50]:
        click.echo(f"  line {line}: {reason}")
    if len(rejected) > 50:
        click.echo(f"  ... and {len(rejected) - 50} more" + (f" (all in {rejects})" if rejects else ""))
    if rejects and rejected:
        import csv

        with rejects.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "reason"])
            writer.writerows(rejected)


@import_.command("attendance")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="organization slug")
@click.option("--shift", "shift_id", required=True, type=click.IntRange(1, 2**31 - 1), help="the shift's id")
def import_attendance(file: Path, org_slug: str, shift_id: int) -> None:
    """Enter a paper sign-in sheet after the shift: a CSV with name, phone and/or email, and a status column
    (attended or no_show; empty means they came). Entered as the organization's first owner."""
    from mobilize.services import transfer
    from mobilize.services.transfer import sheets

    settings = get_settings()

    async def go() -> tuple[int, list[tuple[int, str]]]:
        org = await transfer.organization(org_slug)
        actor = await sheets.owner_actor(org)
        headers, rows = transfer.read_csv(file)
        plan = transfer.plan_columns(headers, "plain", extra=sheets.STATUS_COLUMNS)
        done, rejected = 0, []
        async for line, error in sheets.enter_sheet(actor, shift_id, headers, rows, plan, settings.phone_region):
            if error:
                rejected.append((line, error))
            else:
                done += 1
        return done, rejected

    done, rejected = with_database(go)
    click.echo(f"entered {done} people on shift {shift_id}; rejected {len(rejected)} lines")
    for line, reason in rejected:
        click.echo(f"  line {line}: {reason}")


@main.command("export")
@click.option("--org", "org_slug", required=True, help="organization slug")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path))
def export(org_slug: str, out: Path) -> None:
    """Write everything the organization owns: JSON Lines and CSV per kind, and manifest.json."""
    from mobilize.services import transfer
    from mobilize.services.transfer import archive

    async def go() -> dict[str, int]:
        org = await transfer.organization(org_slug)
        total = await archive.count_rows(org)
        with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
            return await archive.export_archive(org, out, progress=bar.update)

    counts = with_database(go)
    click.echo(f"exported to {out}: " + ", ".join(f"{n} {name}" for name, n in counts.items()))


@import_.command("archive")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--org", "org_slug", default=None, help="load it under this slug (default: the archive's)")
def import_archive(directory: Path, org_slug: str | None) -> None:
    """Load an archive written by `mobilize export`: checked whole before anything is written, then one
    transaction; running it again changes nothing. New organizer accounts get a "set your password" email."""
    from mobilize.services.transfer import restore

    settings = get_settings()
    link = settings.public_base_url.rstrip("/") + "/password-reset/choose?token={token}"

    async def go() -> restore.Restored:
        return await restore.restore_archive(
            directory, org_slug, secret=settings.secret, reset_link=link,
            progress=lambda kind: click.echo(f"loading {kind}", err=True) if sys.stderr.isatty() else None,
        )  # fmt: skip

    done = with_database(go)
    written = sum(done.created.values())
    click.echo(
        f"loaded {done.organization.slug}: {written} rows written"
        + (" (" + ", ".join(f"{n} {k}" for k, n in done.created.items() if n) + ")" if written else "")
    )
    if done.new_organizers:
        click.echo(f"asked {len(done.new_organizers)} organizers by email to set their password")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
