"""The `mobilize` commands that move an organization's data: `import volunteers`, `import attendance`, `import
attendees`, `import archive` and `export` (registered on the main command in mobilize.cli)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mobilize.cli_support import with_database
from mobilize.settings import get_settings


@click.group("import")
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


@import_.command("attendees")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="organization slug")
@click.option(
    "--format", "format_name", type=click.Choice(["auto", "mobilize", "actionnetwork", "plain"]), default="auto",
    show_default=True, help="whose column names the file has",
)  # fmt: skip
@click.option("--shift", "shift_id", type=click.IntRange(1, 2**31 - 1), help="put every row on this shift")
@click.option("--group", "group_slug", help="the group past events are created in (default: the only one)")
@click.option("--timezone", "zone", help="for times without a UTC offset (default: the latest event's zone)")
@click.option("--sms-consent-words", default=None, help="as for `import volunteers`")
def import_attendees(
    file: Path, org_slug: str, format_name: str, shift_id: int | None, group_slug: str | None, zone: str | None,
    sms_consent_words: str | None,
) -> None:  # fmt: skip
    """Import attendance history: an attendee export of Mobilize or Action Network (or our columns), one row
    per person on an event's time slot with whether they came. Rows go on the shift of the event with the same
    title starting at the same time, else on a new shift of a past event of that title, else of a new past
    event in --group. A row is imported whole or rejected with its reason; running it again changes nothing.
    """
    from mobilize.services import transfer
    from mobilize.services.transfer import attendees, sheets

    settings = get_settings()
    total = sum(1 for _ in file.open(encoding="utf-8-sig")) - 1

    async def go() -> tuple[attendees.AttendeePlan, attendees.AttendeeReport, str | None]:
        org = await transfer.organization(org_slug)
        actor = await sheets.owner_actor(org)
        headers, rows = transfer.read_csv(file)
        plan = attendees.plan_attendees(headers, format_name, one_shift=shift_id is not None)
        places = await attendees.places_for(org, group_slug, plan.people.format.title, needed=shift_id is None)
        default_zone = await attendees.default_zone(org, zone)
        report = attendees.AttendeeReport()
        with click.progressbar(length=max(total, 0), label="importing", file=sys.stderr) as bar:
            found = attendees.import_attendees(
                actor, rows, plan, places, report, settings.phone_region, shift_id=shift_id,
                default_zone=default_zone, tool_words=sms_consent_words,
            )  # fmt: skip
            async for _ in found:
                bar.update(1)
        return plan, report, default_zone

    plan, report, default_zone = with_database(go)
    used = {**{f: c for f, c in plan.people.used.items()}, **{f"event {f}": c for f, c in plan.events.items()}}
    click.echo(f"read as {plan.people.format.title} columns: " + ", ".join(f"{c} -> {f}" for f, c in used.items()))
    if default_zone:
        click.echo(f"times without a UTC offset read in {default_zone}")
    click.echo("columns not used: " + (", ".join(plan.unused) if plan.unused else "none"))
    click.echo(
        f"entered {report.added + report.changed + report.unchanged} attendances ({report.added} new, "
        f"{report.changed} changed, {report.unchanged} already so); created {report.events} past events and "
        f"{report.shifts} shifts; rejected {len(report.rejected)} rows"
    )
    for line, reason in report.rejected:
        click.echo(f"  line {line}: {reason}")


@click.command("export")
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
    linked = sum(done.linked.values())
    if linked:
        counts = ", ".join(f"{n} {k}" for k, n in done.linked.items() if n)
        click.echo(f"made {linked} links that were missing ({counts}): their organizations are here now")
    for note in done.notes:
        click.echo(note)
    if done.new_organizers:
        click.echo(f"asked {len(done.new_organizers)} organizers by email to set their password")
