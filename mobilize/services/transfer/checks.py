"""Reading an archive (services.transfer.archive) and refusing a damaged one before anything is written: the
format and its version, every row's columns and values, every reference (it must name a row earlier in the
archive), every name of another organization's row (kinds.Peer). An archive of an older version loads too:
the kinds and columns it did not have yet are empty."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

from tortoise import fields as f
from tortoise.models import Model

from mobilize.services.errors import Invalid
from mobilize.services.transfer.archive import FORMAT
from mobilize.services.transfer.kinds import KINDS, READS, Col, Field, Kind, Peer

PAGE = 1000


class Damaged(Invalid):
    """The archive cannot be loaded as it is (nothing was written)."""


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Damaged.field("manifest.json", f"cannot be read ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Damaged.field("manifest.json", "is not a mobilize archive")
    version = manifest.get("format_version")
    if isinstance(version, bool) or version not in READS:
        readable = " or ".join(str(v) for v in READS)
        raise Damaged.field("format_version", f"is {version!r}; this mobilize reads version {readable}")
    return manifest


def lines(directory: Path, kind: Kind, version: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of one kind (line number, row with every column of the current format: those an archive of
    an older `version` did not have are None). A kind newer than the archive has no rows."""
    if kind.since > version:
        return
    path = directory / f"{kind.name}.jsonl"
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise Damaged.field(path.name, "is missing") from exc
    columns, current = kind.columns(version), kind.columns()
    with handle:
        for number, text in enumerate(handle, start=1):
            try:
                row = json.loads(text)
            except ValueError as exc:
                raise Damaged.field(f"{path.name} line {number}", "is not JSON") from exc
            if not isinstance(row, dict) or list(row) != columns:
                raise Damaged.field(f"{path.name} line {number}", f"needs the columns {', '.join(columns)}")
            if columns != current:
                row = {name: row.get(name) for name in current}
            yield number, row


def pages(directory: Path, kind: Kind, version: int) -> Iterator[list[dict[str, Any]]]:
    page: list[dict[str, Any]] = []
    for _, row in lines(directory, kind, version):
        page.append(row)
        if len(page) == PAGE:
            yield page
            page = []
    if page:
        yield page


def value(model: type[Model], name: str, value: Any) -> Any:
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
    """Refuse a damaged archive before anything is written: version, columns, values, uniqueness, every
    reference naming a row earlier in the archive, every name of another organization's row well formed.
    Returns the manifest."""
    manifest = read_manifest(directory)
    version: int = manifest["format_version"]
    listed = manifest.get("counts")
    counts: dict[str, Any] = listed if isinstance(listed, dict) else {}
    seen: dict[str, set[bytes]] = {}
    for kind in KINDS:
        mine: set[bytes] = set()
        where = f"{kind.name}.jsonl"
        count = 0
        for number, row in lines(directory, kind, version):
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
                _check_cell(kind, col, row, seen, at)
            for name, other in kind.many:
                if not isinstance(row[name], list) or not all(_known(seen.get(other), v) for v in row[name]):
                    raise Damaged.field(f"{at} {name}", f"must list rows of {other}.jsonl")
        if kind.since <= version and count != counts.get(kind.name):
            raise Damaged.field(where, f"holds {count} rows; the manifest says {counts.get(kind.name)}")
        if kind.name == "organization" and count != 1:
            raise Damaged.field(where, "must hold one row")
        seen[kind.name] = mine
    return manifest


def _check_cell(kind: Kind, col: Field, row: dict[str, Any], seen: dict[str, set[bytes]], at: str) -> None:
    cell = row[col.name]
    if isinstance(col, Col):
        try:
            value(kind.model, col.name, cell)
        except (ValueError, TypeError) as exc:
            raise Damaged.field(f"{at} {col.name}", str(exc)) from exc
    elif isinstance(col, Peer):
        if cell is not None and not is_public_name(col, cell):
            shape = "an organization's slug" if col.of == "organization" else "ORG_SLUG/CAMPAIGN_SLUG"
            raise Damaged.field(f"{at} {col.name}", f"must be {shape}")
        beside = row[col.beside] if col.beside else None
        if cell is not None and beside is not None:
            raise Damaged.field(f"{at} {col.name}", f"names a campaign and so does {col.beside}: one of them")
        if col.required and cell is None and beside is None:
            raise Damaged.field(f"{at} {col.name}", "may not be empty")
    elif cell is None:
        if not col.optional:
            raise Damaged.field(f"{at} {col.name}", "may not be empty")
    elif not _known(seen.get(col.kind), cell):
        raise Damaged.field(f"{at} {col.name}", f"names no row of {col.kind}.jsonl")


def is_public_name(peer: Peer, name: Any) -> bool:
    """An organization's slug, or ORG_SLUG/CAMPAIGN_SLUG for a campaign (each part 1 to 64 characters)."""
    if not isinstance(name, str):
        return False
    parts = name.split("/")
    wanted = 2 if peer.of == "campaign" else 1
    return len(parts) == wanted and all(0 < len(part) <= 64 and not any(c.isspace() for c in part) for part in parts)


def _known(keys: set[bytes] | None, value: Any) -> bool:
    try:
        return keys is not None and UUID(value).bytes in keys
    except (TypeError, ValueError, AttributeError):
        return False
