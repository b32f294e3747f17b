"""Loading an archive (services.transfer.archive) into an instance, a fresh one or one hosting others.

Everything is checked before anything is written: the format and its version, every row's columns and
values, every reference (it must name a row earlier in the archive). Then the organization is written in one
transaction: all of it or nothing. Rows are matched by UUID, so a second run writes nothing; a row whose
UUID belongs to another organization stops the import (it never merges into another organization's data).
Organizers are matched by email (an account is the instance's, not one organization's); an account the
import creates has no password and gets a "set your password" email through the outbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

from tortoise import connections
from tortoise import fields as f
from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from mobilize.models import Organization, Organizer, Shift
from mobilize.services.accounts import onboarding
from mobilize.services.errors import Conflict, Invalid
from mobilize.services.events.shifts import new_shift_code
from mobilize.services.transfer.archive import FORMAT
from mobilize.services.transfer.kinds import FORMAT_VERSION, KINDS, Col, Kind, Ref

PAGE = 1000


class Damaged(Invalid):
    """The archive cannot be loaded as it is (nothing was written)."""


@dataclass
class Restored:
    organization: Organization
    created: dict[str, int] = field(default_factory=dict)  # kind -> rows written
    new_organizers: list[Organizer] = field(default_factory=list)
    # Rows matched by another column than their UUID (organizers, by email): archived UUID -> id here.
    aliases: dict[str, dict[str, int]] = field(default_factory=dict)


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Damaged.field("manifest.json", f"cannot be read ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Damaged.field("manifest.json", "is not a mobilize archive")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise Damaged.field(
            "format_version", f"is {manifest.get('format_version')!r}; this mobilize reads version {FORMAT_VERSION}"
        )
    return manifest


def _lines(directory: Path, kind: Kind) -> Iterator[tuple[int, dict[str, Any]]]:
    path = directory / f"{kind.name}.jsonl"
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise Damaged.field(path.name, "is missing") from exc
    columns = kind.columns()
    with handle:
        for number, text in enumerate(handle, start=1):
            try:
                row = json.loads(text)
            except ValueError as exc:
                raise Damaged.field(f"{path.name} line {number}", "is not JSON") from exc
            if not isinstance(row, dict) or list(row) != columns:
                raise Damaged.field(f"{path.name} line {number}", f"needs the columns {', '.join(kind.columns())}")
            yield number, row


def _pages(directory: Path, kind: Kind) -> Iterator[list[dict[str, Any]]]:
    page: list[dict[str, Any]] = []
    for _, row in _lines(directory, kind):
        page.append(row)
        if len(page) == PAGE:
            yield page
            page = []
    if page:
        yield page


def _value(model: type[Model], name: str, value: Any) -> Any:
    """The Python value of one archived column, or ValueError saying why it cannot be one."""
    if value is None:
        if not model._meta.fields_map[name].null:
            raise ValueError("may not be empty")
        return None
    return _parser(model, name)(value)


def _moment(value: Any) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("needs a time zone")
    return moment


def _kind_of(expected: type | tuple[type, ...], what: str, boolean: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, expected) or (isinstance(value, bool) and not boolean):
            raise ValueError(f"must be {what}")
        return value

    return check


@cache
def _parser(model: type[Model], name: str) -> Callable[[Any], Any]:
    """The check and conversion of one column's values, chosen once per column (imports run it per cell)."""
    column: Any = model._meta.fields_map[name]
    if isinstance(column, f.DatetimeField):
        return _moment
    if isinstance(column, f.DateField):
        return date.fromisoformat
    enum = getattr(column, "enum_type", None)
    if enum is not None:
        return enum  # type: ignore[no-any-return]
    if isinstance(column, f.BooleanField):
        return _kind_of(bool, "true or false", boolean=True)
    if isinstance(column, f.IntField):
        return _kind_of(int, "a whole number")
    if isinstance(column, f.FloatField):
        number = _kind_of((int, float), "a number")
        return lambda value: float(number(value))
    if isinstance(column, f.CharField | f.TextField):
        limit = column.max_length if isinstance(column, f.CharField) else None

        def text(value: Any) -> str:
            if not isinstance(value, str):
                raise ValueError("must be text")
            if limit is not None and len(value) > limit:
                raise ValueError(f"is longer than {limit} characters")
            return value

        return text
    return lambda value: value


def check_archive(directory: Path) -> dict[str, Any]:
    """Refuse a damaged archive before anything is written: version, columns, values, uniqueness, and every
    reference naming a row earlier in the archive. Returns the manifest."""
    manifest = read_manifest(directory)
    seen: dict[str, set[bytes]] = {}
    for kind in KINDS:
        mine: set[bytes] = set()
        where = f"{kind.name}.jsonl"
        count = 0
        for number, row in _lines(directory, kind):
            at = f"{where} line {number}"
            count += 1
            try:
                key = UUID(row["uuid"]).bytes
            except (TypeError, ValueError, AttributeError) as exc:
                raise Damaged.field(f"{at} uuid", "is not a UUID") from exc
            if key in mine:
                raise Damaged.field(f"{at} uuid", "appears twice")
            mine.add(key)
            for col in kind.fields:
                value = row[col.name]
                if isinstance(col, Col):
                    try:
                        _value(kind.model, col.name, value)
                    except (ValueError, TypeError) as exc:
                        raise Damaged.field(f"{at} {col.name}", str(exc)) from exc
                elif value is None:
                    if not col.optional:
                        raise Damaged.field(f"{at} {col.name}", "may not be empty")
                elif not _known(seen.get(col.kind), value):
                    raise Damaged.field(f"{at} {col.name}", f"names no row of {col.kind}.jsonl")
            for name, other in kind.many:
                if not isinstance(row[name], list) or not all(_known(seen.get(other), v) for v in row[name]):
                    raise Damaged.field(f"{at} {name}", f"must list rows of {other}.jsonl")
        if count != manifest.get("counts", {}).get(kind.name):
            raise Damaged.field(where, f"holds {count} rows; the manifest says {manifest['counts'].get(kind.name)}")
        if kind.name == "organization" and count != 1:
            raise Damaged.field(where, "must hold one row")
        seen[kind.name] = mine
    return manifest


def _known(keys: set[bytes] | None, value: Any) -> bool:
    try:
        return keys is not None and UUID(value).bytes in keys
    except (TypeError, ValueError, AttributeError):
        return False


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
    values = {"uuid": uuid, "slug": slug, "name": _value(Organization, "name", manifest_row["name"]),
              "created_at": _value(Organization, "created_at", manifest_row["created_at"])}  # fmt: skip
    await _insert(Organization, [values])
    return await Organization.get(uuid=uuid), True


async def _write_kind(directory: Path, kind: Kind, org: Organization, restored: Restored, fresh: bool) -> None:
    """Write the rows of one kind not on the instance yet. For an organization created by this import
    (`fresh`) nothing of it can be here: no lookup per page (a row of another organization with the same
    UUID still stops the import, at its unique index)."""
    restored.created[kind.name] = 0
    for page in _pages(directory, kind):
        uuids = {row["uuid"] for row in page}
        existing = await _ids(kind.model, uuids) if not fresh or kind.match_on else {}
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
        new = [row for row in page if row["uuid"] not in existing]
        if not new:
            continue
        refs: dict[str, dict[str, int]] = {}
        for ref in kind.fields:
            if isinstance(ref, Ref):
                wanted_refs = {row[ref.name] for row in new if row[ref.name] is not None}
                refs[ref.name] = await _ids(_model(ref.kind), wanted_refs) | restored.aliases.get(ref.kind, {})
        rows = []
        for row in new:
            values: dict[str, Any] = {"uuid": row["uuid"]}
            for col in kind.fields:
                if isinstance(col, Col):
                    values[col.name] = _value(kind.model, col.name, row[col.name])
                else:
                    values[col.column] = None if row[col.name] is None else refs[col.name][row[col.name]]
            if kind.org_column:
                values[kind.org_column] = org.id
            for name, make in kind.fresh.items():
                values[name] = make(values)
            rows.append(_with_defaults(kind.model, values))
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
        sql = (
            f'INSERT INTO "{relation.through}" ("{relation.backward_key}", "{relation.forward_key}") '
            f"VALUES ({marks})"
        )
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
    `{token}`). Idempotent: a second run writes nothing. Damaged (before writing) or Conflict."""
    check_archive(directory)
    org_row = next(_lines(directory, KINDS[0]))[1]
    target = slug or org_row["slug"]
    async with in_transaction():
        org, fresh = await _organization(org_row, target)
        restored = Restored(organization=org)
        for kind in KINDS[1:]:
            if progress:
                progress(kind.name)
            await _write_kind(directory, kind, org, restored, fresh)
            await _analyze(kind.model)
        for organizer in restored.new_organizers:
            await onboarding.set_password_email(secret, organizer, org, reset_link)
    return restored
