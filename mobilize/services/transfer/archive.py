"""The full export of an organization: one JSON Lines file per kind (the source of truth), a CSV beside each for
spreadsheets, and manifest.json (format version, counts, exported_at, what each column means).

Rows refer to each other by UUID (the `uuid` column of every exported table), never by the instance's
integer ids, so the archive loads into another instance (services.transfer.restore). A row of another
organization (a coalition's other side) is named by its public name (kinds.Peer), so none of that
organization's data is in the archive. The files are
deterministic: rows in creation order, keys in the declared order, one format for every value; exporting
the same data again gives the same bytes, whatever the database. Rows are read in keyset pages, so memory
stays flat however large the organization is.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID

from tortoise import connections, fields

from mobilize.models import Campaign, Organization
from mobilize.services.transfer.kinds import FORMAT_VERSION, KINDS, Col, Kind, Peer, Ref
from mobilize.services.transfer.volunteers import csv_cell

PAGE = 2000
FORMAT = "mobilize-archive"
# Kinds whose rows other kinds may point to without them being the organization's (an organizer who left
# still wrote the messages they sent; a partner's event joined the convener's campaign): such a reference is
# written as null, by a map of the exported rows (a Peer beside it names another organization's campaign).
OUTSIDE = frozenset({"organizers", "campaigns"})

# A version-4 UUID in SQLite's own functions (as migration 0021 fills the existing rows).
SQLITE_UUID4 = (
    "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2)"
    " || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-'"
    " || lower(hex(randomblob(6)))"
)


def plain(value: Any) -> Any:
    """A value as the archive writes it: UTC ISO 8601 times, ISO dates, enum values, UUID strings, and JSON
    objects with sorted keys (PostgreSQL's jsonb and SQLite's text keep keys in different orders)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def json_line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"


def spreadsheet_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return csv_cell(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return csv_cell(value)


async def give_missing_uuids() -> None:
    """A UUID for every row that has none yet (written by a hand-written INSERT that does not set it): once
    given, it stays, so the next export names the row the same way."""
    conn = connections.get("default")
    make = "gen_random_uuid()" if conn.capabilities.dialect == "postgres" else SQLITE_UUID4
    for kind in KINDS:
        await conn.execute_script(f'UPDATE "{kind.model._meta.db_table}" SET "uuid" = {make} WHERE "uuid" IS NULL')


def _read_columns(kind: Kind) -> list[str]:
    read = ["id", "uuid"]
    for f in kind.fields:
        if isinstance(f, Col):
            read.append(f.name)
        elif isinstance(f, Peer):
            read.append(f.db_column)
        elif f.kind in OUTSIDE:
            read.append(f.column)
        else:
            read.append(f"{f.name}__uuid")
    return list(dict.fromkeys(read))


async def _peer_names(peer: Peer, ids: set[int], org_id: int) -> dict[int, str | None]:
    """The public names of the rows a Peer column points to: an organization's slug; another organization's
    campaign as ORG_SLUG/CAMPAIGN_SLUG (the organization's own campaigns: None, their Ref names them)."""
    if not ids:
        return {}
    if peer.of == "organization":
        return dict(await Organization.filter(id__in=list(ids)).values_list("id", "slug"))
    rows = await Campaign.filter(id__in=list(ids)).values_list("id", "organization_id", "organization__slug", "slug")
    return {i: None if owner == org_id else f"{org_slug}/{slug}" for i, owner, org_slug, slug in rows}


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat()


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def _converter(kind: Kind, name: str) -> Callable[[Any], Any] | None:
    """How a column's values are written, chosen once per kind: most need nothing (an enum is a str)."""
    column: Any = kind.model._meta.fields_map[name]
    if isinstance(column, fields.DatetimeField):
        return _utc
    if isinstance(column, fields.DateField):
        return _iso
    if isinstance(column, fields.JSONField):
        return plain
    return None


def _csv_converter(kind: Kind, name: str) -> Callable[[Any], Any]:
    """How a value goes into the spreadsheet copy: text escaped against formulas, the rest as is."""
    if name == "uuid" or any(isinstance(f, Ref) and f.name == name for f in kind.fields):
        return _blank_or
    column: Any = kind.model._meta.fields_map.get(name)
    if isinstance(column, fields.CharField | fields.TextField) and getattr(column, "enum_type", None) is None:
        return _safe_text
    return spreadsheet_cell


def _blank_or(value: Any) -> Any:
    return "" if value is None else value


def _safe_text(value: str | None) -> str:
    if not value:
        return ""
    if value[0] in FORMULA_FIRST:
        return str(csv_cell(value))
    return value


FORMULA_FIRST = frozenset("=+-@\t\r")


async def _many(kind: Kind, ids: list[int]) -> dict[str, dict[int, list[str]]]:
    """For each many-to-many relation of `kind`: row id -> the related rows' UUIDs, in their creation order."""
    found: dict[str, dict[int, list[str]]] = {}
    for name, _ in kind.many:
        relation: Any = kind.model._meta.fields_map[name]
        table = relation.related_model._meta.db_table
        marks = ", ".join(str(int(i)) for i in ids)
        sql = (
            f'SELECT t."{relation.backward_key}" AS owner, r."uuid" AS uuid FROM "{relation.through}" t '
            f'JOIN "{table}" r ON r."id" = t."{relation.forward_key}" '
            f'WHERE t."{relation.backward_key}" IN ({marks}) ORDER BY r."id"'
        )
        rows = await connections.get("default").execute_query_dict(sql) if ids else []
        by_owner: dict[int, list[str]] = {}
        for row in rows:
            by_owner.setdefault(row["owner"], []).append(str(row["uuid"]))
        found[name] = by_owner
    return found


async def rows_of(kind: Kind, org_id: int, known: dict[str, dict[int, str]]) -> AsyncIterator[list[dict[str, Any]]]:
    """The organization's rows of `kind` as the archive writes them, page by page in creation order (by UUID
    for the kinds whose rows another organization's import may have written: Kind.by_uuid).
    `known` holds, for the kinds in OUTSIDE, id -> UUID of the rows already exported."""
    read = _read_columns(kind)
    plan: list[tuple[str, str, Any]] = []  # (archive column, read column, converter or a map)
    names: dict[Peer, dict[int, str | None]] = {peer: {} for peer in kind.peers()}
    for f in kind.fields:
        if isinstance(f, Col):
            plan.append((f.name, f.name, _converter(kind, f.name)))
        elif isinstance(f, Peer):
            plan.append((f.name, f.db_column, names[f]))
        elif f.kind in OUTSIDE:
            plan.append((f.name, f.column, known.setdefault(f.kind, {})))
        else:
            plan.append((f.name, f"{f.name}__uuid", _text))
    key = "uuid" if kind.by_uuid else "id"
    last: Any = None
    while True:
        query = kind.model.filter(kind.scope(org_id))
        if last is not None:
            query = query.filter(**{f"{key}__gt": last})
        page = await query.order_by(key).limit(PAGE).values(*read)
        if not page:
            return
        last = page[-1][key]
        many = await _many(kind, [r["id"] for r in page]) if kind.many else {}
        for peer, known_names in names.items():
            wanted = {r[peer.db_column] for r in page if r[peer.db_column] is not None} - set(known_names)
            known_names.update(await _peer_names(peer, wanted, org_id))
        out = []
        for raw in page:
            row: dict[str, Any] = {"uuid": str(raw["uuid"])}
            for name, source, convert in plan:
                value = raw[source]
                if convert is None:
                    row[name] = value
                elif isinstance(convert, dict):
                    row[name] = convert.get(value) if value is not None else None
                else:
                    row[name] = convert(value)
            for name, _ in kind.many:
                row[name] = many[name].get(raw["id"], [])
            if kind.name in OUTSIDE:
                known.setdefault(kind.name, {})[raw["id"]] = row["uuid"]
            out.append(row)
        yield out


def dictionary() -> dict[str, Any]:
    """What each file holds and what each of its columns means (the manifest's `kinds`)."""
    kinds: dict[str, Any] = {}
    for kind in KINDS:
        columns = {"uuid": "stable id of the row (references in other files use it)"}
        for f in kind.fields:
            if isinstance(f, Ref):
                columns[f.name] = f"{f.meaning} (uuid in {f.kind})"
            elif isinstance(f, Peer):
                named = "its slug" if f.of == "organization" else "ORG_SLUG/CAMPAIGN_SLUG"
                columns[f.name] = f"{f.meaning} ({named}: another organization's, never its data)"
            else:
                columns[f.name] = f.meaning
        for name, other in kind.many:
            columns[name] = f"list of uuids in {other}"
        kinds[kind.name] = {"meaning": kind.meaning, "files": [f"{kind.name}.jsonl", f"{kind.name}.csv"],
                            "columns": columns}  # fmt: skip
    return kinds


async def count_rows(org: Organization) -> int:
    return sum([await kind.model.filter(kind.scope(org.id)).count() for kind in KINDS])


async def export_archive(
    org: Organization, out: Path, progress: Callable[[int], None] | None = None, now: datetime | None = None
) -> dict[str, int]:
    """Write the organization's archive into `out` (created if missing; its files are replaced). Returns the
    count of rows per kind; `progress` is told how many rows each page wrote."""
    await give_missing_uuids()
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a CLI or a worker writing local files
    counts: dict[str, int] = {}
    known: dict[str, dict[int, str]] = {}
    for kind in KINDS:
        counts[kind.name] = 0
        columns = kind.columns()
        with (
            (out / f"{kind.name}.jsonl").open("w", encoding="utf-8", newline="\n") as lines,
            (out / f"{kind.name}.csv").open("w", encoding="utf-8", newline="") as table,
        ):
            writer = csv.writer(table)
            writer.writerow(columns)
            cells = [(c, _csv_converter(kind, c)) for c in columns]
            async for page in rows_of(kind, org.id, known):
                lines.write("".join([json_line(row) for row in page]))
                writer.writerows([[convert(row[c]) for c, convert in cells] for row in page])
                counts[kind.name] += len(page)
                if progress:
                    progress(len(page))
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "organization": org.slug,
        "exported_at": (now or datetime.now(UTC)).astimezone(UTC).isoformat(),
        "counts": counts,
        "kinds": dictionary(),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return counts


def zip_archive(directory: Path, target: Path) -> None:
    """The archive's files as one zip file (the dashboard's download), in the manifest's order, written to
    disk file by file (never whole in memory)."""
    import zipfile

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(directory / "manifest.json", "manifest.json")
        for kind in KINDS:
            for suffix in ("jsonl", "csv"):
                archive.write(directory / f"{kind.name}.{suffix}", f"{kind.name}.{suffix}")


async def download_archive(actor: Any, directory: Path) -> Path:
    """The archive an owner downloads from the dashboard, as a zip file in `directory`: only an owner may take
    everything at once, and the download is in the audit log (the entry is in the archive too)."""
    from mobilize.models import Role
    from mobilize.services import audit
    from mobilize.services.errors import Forbidden

    if actor.role != Role.OWNER:
        raise Forbidden("only an owner can download everything the organization holds", code="owner_only")
    org = await Organization.get(id=actor.organization_id)
    await audit.record(actor, "organization.archive", {"via": "dashboard"})
    files = directory / "files"
    await export_archive(org, files)
    target = directory / f"{org.slug}-archive.zip"
    zip_archive(files, target)
    return target
