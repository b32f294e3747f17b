"""A shift read with its event and organization in one query, as every sign-up needs it: one shift
(`load_shift`), or, for the public sign-up's kept copies (services.events.public), that shift with the open
shifts of its event in its block of ids (`load_shift_and_neighbours`).

A day of action spreads a surge over thousands of shifts, and each web process keeps its own copies: read one
by one, the first minutes of a surge read a shift for most sign-ups (a query and three models each, more than
the sign-up itself costs). An event's shifts are created together, so their ids are neighbours: read by blocks
of BLOCK ids (the primary key's range, whatever the event's size), an event of four shifts is usually read
once, and a rally of a hundred shifts in two or three reads. On PostgreSQL each row carries the digests the
sign-up statement compares (services.signups.postgres), so a copy read with its neighbours is checked as
closely as one read alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from mobilize import db
from mobilize.models import Event, Organization, Shift, ShiftStatus
from mobilize.services.signups import postgres

# The ids of one read: shift N is read with the open shifts of its event among ids N - N % BLOCK to the block's
# end (at most BLOCK rows, by the primary key).
BLOCK = 64


def block_of(shift_id: int) -> int:
    return shift_id // BLOCK


def reads_neighbours() -> bool:
    """Whether `load_shift_and_neighbours` reads more than the shift: where the sign-up statement checks a
    copy (PostgreSQL); elsewhere a copy is kept for a second only."""
    return postgres.applies()


@cache
def _shift_with_event_sql(dialect: str, neighbours: bool = False) -> str:
    """SELECT of a shift, its event and organization in one row, the event's columns prefixed `event.` and the
    organization's `organization.`; on PostgreSQL with their fingerprint (services.signups.postgres). With
    `neighbours` (PostgreSQL), also those of the event's open shifts in a range of ids (parameters: the shift
    twice, the range's first and last id, the scheduled status, now)."""
    columns = [f's."{c}"' for c in Shift._meta.db_fields]
    columns += db.prefixed_columns("e", Event, "event") + db.prefixed_columns("o", Organization, "organization")
    if dialect == "postgres":
        columns += [f'{postgres.SHIFT_PRINT} AS "print.shift"', f'{postgres.EVENT_PRINT} AS "print.event"']
    where = "s.id = ?"
    if neighbours:
        where = (
            "s.id = ANY(ARRAY[CAST(? AS integer)] || ARRAY(SELECT n.id FROM shift t JOIN shift n ON "
            "n.event_id = t.event_id AND n.id <> t.id WHERE t.id = ? AND n.id BETWEEN ? AND ? "
            "AND n.status = ? AND n.ends_at > ?))"
        )
    return (
        f"SELECT {', '.join(columns)} FROM shift s JOIN event e ON e.id = s.event_id "
        f"JOIN organization o ON o.id = e.organization_id WHERE {where}"
    )


def _built(row: dict[str, Any], event: Event | None) -> Shift:
    """The shift of a row, with `event` (built from the row when None, with its organization)."""
    if event is None:
        event = Event._init_from_db(**db.prefixed(row, "event"))
        event.organization = Organization._init_from_db(**db.prefixed(row, "organization"))
    shift = Shift._init_from_db(**{k: v for k, v in row.items() if "." not in k})
    shift.event = event
    if "print.shift" in row:
        shift.fingerprint = (row["print.shift"], row["print.event"])  # type: ignore[attr-defined]
    return shift


async def load_shift(shift_id: int) -> Shift | None:
    """The shift with its event and the event's organization loaded (`shift.event.organization`), in one
    query. Built from the row as the ORM would, for a fraction of what its `select_related` costs (this runs
    on every sign-up)."""
    row = await db.fetch_one(_shift_with_event_sql(db.dialect()), shift_id)
    return None if row is None else _built(row, None)


async def load_shift_and_neighbours(shift_id: int) -> list[Shift]:
    """The shift as `load_shift` reads it (none if there is no such shift) and, where `reads_neighbours()`, the
    open shifts (scheduled, not over) of its event in its block of ids, read in the same query and sharing one
    copy of the event."""
    if not reads_neighbours():
        shift = await load_shift(shift_id)
        return [] if shift is None else [shift]
    sql = _shift_with_event_sql("postgres", neighbours=True)
    first = block_of(shift_id) * BLOCK
    now = datetime.now(UTC)
    rows = await db.fetch_all(sql, shift_id, shift_id, first, first + BLOCK - 1, ShiftStatus.SCHEDULED.value, now)
    copies: list[Shift] = []
    for row in rows:
        copies.append(_built(row, copies[0].event if copies else None))
    return copies
