"""Keyset pagination by id: stable under inserts, cheap at any depth."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise.queryset import QuerySet

from mobilize.models import MAX_ID
from mobilize.services.errors import Invalid

T = TypeVar("T")
MAX_LIMIT = 500


class BadCursor(Invalid):
    code = "bad_query"


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, value = raw.split(":", 1)
        if kind != "id":
            raise ValueError(kind)
        after = int(value)
        if not 0 <= after <= MAX_ID:
            raise ValueError(value)
        return after
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("cursor: not a cursor from this API", fields={"cursor": "invalid"}) from exc


def parse_limit(raw: str | None, default: int = 50) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadCursor("limit: not a number", fields={"limit": "not a number"}) from exc
    if not 1 <= value <= MAX_LIMIT:
        raise BadCursor(f"limit: between 1 and {MAX_LIMIT}", fields={"limit": f"between 1 and {MAX_LIMIT}"})
    return value


async def paginate(query: QuerySet[Any], cursor: str | None, limit: int) -> Page[Any]:
    after = decode_cursor(cursor)
    rows = await query.filter(id__gt=after).order_by("id").limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].id) if more and rows else None)
