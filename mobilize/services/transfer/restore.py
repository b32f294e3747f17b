"""Loading an archive (services.transfer.archive) into an instance, a fresh one or one hosting others.

Everything is checked before anything is written (services.transfer.checks). Then the organization is written
in one transaction: all of it or nothing. Rows are matched by UUID, so a second run writes nothing; a row
whose UUID belongs to another organization stops the import (it never merges into another organization's
data). Organizers are matched by email (an account is the instance's, not one organization's); an account the
import creates has no password and gets a "set your password" email through the outbox. Links to other
organizations (a coalition's other side) are made by their public names when those organizations are here
(services.transfer.peers), and reported when they are not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from tortoise import connections
from tortoise import fields as f
from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from mobilize.models import Organization, Organizer, Shift
from mobilize.services.accounts import onboarding
from mobilize.services.errors import Conflict
from mobilize.services.events.shifts import new_shift_code
from mobilize.services.transfer.checks import Damaged, check_archive, lines, pages, value
from mobilize.services.transfer.kinds import KINDS, Col, Kind, Ref
from mobilize.services.transfer.peers import PeerLinks, link_values, relink

__all__ = ["Damaged", "Restored", "check_archive", "restore_archive"]


@dataclass
class Restored:
    organization: Organization
    created: dict[str, int] = field(default_factory=dict)  # kind -> rows written
    linked: dict[str, int] = field(default_factory=dict)  # kind -> rows already here given a missing link
    new_organizers: list[Organizer] = field(default_factory=list)
    # Rows matched by another column than their UUID (organizers, by email): archived UUID -> id here.
    aliases: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # links to other organizations that could not be made


# ---- writing ------------------------------------------------------------------------------------


async def _ids(model: type[Model], uuids: set[str]) -> dict[str, int]:
    if not uuids:
        return {}
    rows = await model.filter(uuid__in=list(uuids)).values_list("uuid", "id")
    return {str(u): i for u, i in rows}


@cache
def _to_db(model: type[Model], name: str) -> Callable[[Any], Any]:
    """How a checked value is written: text, numbers and booleans as they are, enums as their value, the rest
    (times, JSON) as the field writes it. The model class, not an instance: `auto_now` columns keep the
    archived times."""
    column: Any = model._meta.fields_map[name]
    if getattr(column, "enum_type", None) is not None:
        return lambda value: None if value is None else value.value
    if isinstance(column, f.CharField | f.TextField | f.IntField | f.BooleanField | f.FloatField):
        return lambda value: value
    return lambda value: column.to_db_value(value, model)


async def _insert(model: type[Model], rows: list[dict[str, Any]]) -> None:
    conn = connections.get("default")
    names = list(rows[0])
    postgres = conn.capabilities.dialect == "postgres"
    marks = ", ".join(f"${n}" if postgres else "?" for n in range(1, len(names) + 1))
    columns = ", ".join(f'"{model._meta.fields_db_projection[n]}"' for n in names)
    sql = f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({marks})'
    convert = [_to_db(model, n) for n in names]
    values = [[to(row[n]) for n, to in zip(names, convert, strict=True)] for row in rows]
    await conn.execute_many(sql, values)


def _with_defaults(model: type[Model], values: dict[str, Any]) -> dict[str, Any]:
    """The columns the archive does not carry (a delivery's claim, a link's last use) as a new row has them."""
    for name in model._meta.fields_db_projection:
        column: Any = model._meta.fields_map[name]
        if name in values or column.generated:
            continue
        if getattr(column, "auto_now", False) or getattr(column, "auto_now_add", False):
            values[name] = datetime.now(UTC)
        else:
            values[name] = column.default() if callable(column.default) else column.default
    return values


async def _free_codes(rows: list[dict[str, Any]]) -> None:
    """A shift code is unique on the instance: one taken already gets a new code (people text the new one)."""
    taken = set(await Shift.filter(code__in=[r["code"] for r in rows]).values_list("code", flat=True))
    for row in rows:
        while row["code"] in taken:
            row["code"] = new_shift_code()


async def _organization(manifest_row: dict[str, Any], slug: str) -> tuple[Organization, bool]:
    uuid = manifest_row["uuid"]
    org = await Organization.get_or_none(slug=slug)
    if org is not None:
        if str(org.uuid) != uuid:
            raise Conflict(
                f"an organization {slug!r} exists here already; choose another slug with --org", code="slug_taken"
            )
        return org, False
    elsewhere = await Organization.get_or_none(uuid=uuid)
    if elsewhere is not None:
        raise Conflict(f"this archive is loaded here already, as {elsewhere.slug!r}", code="already_here")
    values = {"uuid": uuid, "slug": slug, "name": value(Organization, "name", manifest_row["name"]),
              "created_at": value(Organization, "created_at", manifest_row["created_at"])}  # fmt: skip
    await _insert(Organization, [values])
    return await Organization.get(uuid=uuid), True


@dataclass
class Load:
    """One import: where the archive is, its version, the organization it loads into and whether this import
    created it (then nothing of it can be here yet: no lookups by UUID)."""

    directory: Path
    version: int
    org: Organization
    fresh: bool
    links: PeerLinks


async def _write_kind(load: Load, kind: Kind, restored: Restored) -> None:
    """Write the rows of one kind not on the instance yet (a row of another organization with the same UUID
    stops the import, at the latest at its unique index), and give the rows already here the links to other
    organizations they were loaded without."""
    restored.created[kind.name] = restored.linked[kind.name] = 0
    org = load.org
    for page in pages(load.directory, kind, load.version):
        uuids = {row["uuid"] for row in page}
        existing = await _ids(kind.model, uuids) if not load.fresh or kind.match_on else {}
        if kind.match_on:
            wanted = {row[kind.match_on]: row["uuid"] for row in page if row["uuid"] not in existing}
            found = await kind.model.filter(**{f"{kind.match_on}__in": list(wanted)}).values_list(kind.match_on, "id")
            matched = {wanted[key]: i for key, i in found}
            existing.update(matched)
            restored.aliases.setdefault(kind.name, {}).update(matched)
        elif existing:
            mine = await _ids(kind.model.filter(kind.scope(org.id)), set(existing))  # type: ignore[arg-type]
            if len(mine) != len(existing):
                other = next(u for u in existing if u not in mine)
                raise Conflict(
                    f"{kind.name} {other} belongs to another organization on this instance", code="not_yours"
                )
            if kind.peers():
                here = [row for row in page if row["uuid"] in existing]
                outside = await _refs(kind, here, restored, only_outside=True)
                restored.linked[kind.name] += await relink(kind, here, existing, load.links, outside)
        new = [row for row in page if row["uuid"] not in existing]
        if not new:
            continue
        refs = await _refs(kind, new, restored)
        rows = []
        for row in new:
            values: dict[str, Any] = {"uuid": row["uuid"]}
            for col in kind.fields:
                if isinstance(col, Col):
                    values[col.name] = value(kind.model, col.name, row[col.name])
                elif isinstance(col, Ref):
                    values[col.column] = None if row[col.name] is None else refs[col.name][row[col.name]]
            if kind.org_column:
                values[kind.org_column] = org.id
            for name, make in kind.fresh.items():
                values[name] = make(values)
            rows.append(values)
        if kind.peers():
            keep = await link_values(kind, new, rows, load.links)
            new, rows = (
                [r for r, k in zip(new, keep, strict=True) if k],
                [v for v, k in zip(rows, keep, strict=True) if k],
            )
        if kind.natural:
            new, rows = await _not_here(kind, new, rows)
        if not rows:
            continue
        rows = [_with_defaults(kind.model, values) for values in rows]
        if kind.model is Shift:
            await _free_codes(rows)
        try:
            async with in_transaction():  # a savepoint: the error below is ours to explain
                await _insert(kind.model, rows)
        except IntegrityError as exc:
            raise Conflict(
                f"{kind.name}: a row of this archive is on this instance already, in another organization ({exc})",
                code="not_yours",
            ) from exc
        restored.created[kind.name] += len(rows)
        if kind.many:
            await _link_many(kind, new)
        if kind.model is Organizer:
            restored.new_organizers += await Organizer.filter(uuid__in=[r["uuid"] for r in rows])


async def _refs(
    kind: Kind, rows: list[dict[str, Any]], restored: Restored, only_outside: bool = False
) -> dict[str, dict[str, int]]:
    """For each Ref of the kind: archived UUID -> id here, for the UUIDs the rows name (`only_outside`: the
    optional Refs to organizers only, the links a row may have been loaded without: the organizer of another
    organization who invited a partner)."""
    refs: dict[str, dict[str, int]] = {}
    for ref in kind.fields:
        if not isinstance(ref, Ref) or (only_outside and not (ref.optional and ref.kind == "organizers")):
            continue
        wanted = {row[ref.name] for row in rows if row[ref.name] is not None}
        refs[ref.name] = await _ids(_model(ref.kind), wanted) | restored.aliases.get(ref.kind, {})
    return refs


async def _not_here(
    kind: Kind, rows: list[dict[str, Any]], values: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows whose natural key (kind.natural) names no row on this instance yet: one that does is that row
    (a partnership the other organization's own records hold already), not written twice."""
    keep_rows, keep_values = [], []
    for row, written in zip(rows, values, strict=True):
        key = {name: written[name] for name in kind.natural}
        if not await kind.model.exists(**key):
            keep_rows.append(row)
            keep_values.append(written)
    return keep_rows, keep_values


async def _link_many(kind: Kind, rows: list[dict[str, Any]]) -> None:
    owners = await _ids(kind.model, {row["uuid"] for row in rows})
    for name, other in kind.many:
        relation: Any = kind.model._meta.fields_map[name]
        related = await _ids(_model(other), {u for row in rows for u in row[name]})
        pairs = [(owners[row["uuid"]], related[u]) for row in rows for u in row[name]]
        if not pairs:
            continue
        conn = connections.get("default")
        postgres = conn.capabilities.dialect == "postgres"
        marks = "$1, $2" if postgres else "?, ?"
        sql = f'INSERT INTO "{relation.through}" ("{relation.backward_key}", "{relation.forward_key}") VALUES ({marks})'
        await conn.execute_many(sql, [list(pair) for pair in pairs])


async def _analyze(model: type[Model]) -> None:
    """Fresh planner statistics for a table just filled (PostgreSQL's ANALYZE counts this transaction's own
    rows): without them, the next kinds' reference lookups would scan the whole table for every page."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(f'ANALYZE "{model._meta.db_table}"')


def _model(kind_name: str) -> type[Model]:
    return next(kind.model for kind in KINDS if kind.name == kind_name)


async def restore_archive(
    directory: Path,
    slug: str | None = None,
    *,
    secret: str,
    reset_link: str,
    progress: Callable[[str], None] | None = None,
) -> Restored:
    """Load the archive in `directory` as the organization `slug` (the archive's own by default), in one
    transaction with the "set your password" emails of the accounts it creates (`reset_link` has a
    `{token}`). Idempotent: a second run writes nothing (but the links to other organizations that were
    missing and can be made now). Damaged (before writing) or Conflict."""
    manifest = check_archive(directory)
    version: int = manifest["format_version"]
    org_row = next(lines(directory, KINDS[0], version))[1]
    target = slug or org_row["slug"]
    async with in_transaction():
        org, fresh = await _organization(org_row, target)
        restored = Restored(organization=org)
        load = Load(directory, version, org, fresh, PeerLinks(org.id, org_row["slug"]))
        for kind in KINDS[1:]:
            if progress:
                progress(kind.name)
            await _write_kind(load, kind, restored)
            await _analyze(kind.model)
        for organizer in restored.new_organizers:
            await onboarding.set_password_email(secret, organizer, org, reset_link)
    restored.notes = load.links.report()
    return restored
