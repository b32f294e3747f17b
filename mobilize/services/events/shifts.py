"""Shifts: their JOIN codes, adding one or a schedule of them (RRULE), changing times, capacity or target,
and removing one. Seats are signups.seats' alone: a larger capacity promotes through its promotion rule, and a
removed shift's seats are closed there."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mobilize.models import (
    Event,
    EventStatus,
    Shift,
    Signup,
)
from mobilize.schemas import ShiftPatch, ShiftsCreate
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Invalid
from mobilize.services.events.queries import get_event, get_shift, live_upcoming, shift_counts
from mobilize.services.events.recurrence import expand_recurrence
from mobilize.services.outbox import notifications
from mobilize.services.signups import seats

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed on phones


def new_shift_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


async def create_shift(
    event: Event, starts_at: datetime, ends_at: datetime, capacity: int, target: int | None
) -> Shift:
    for _ in range(5):
        try:
            async with in_transaction():  # a savepoint, so a code collision does not spoil the outer transaction
                return await Shift.create(
                    event=event,
                    starts_at=starts_at.astimezone(UTC),
                    ends_at=ends_at.astimezone(UTC),
                    capacity=capacity,
                    target=capacity if target is None else target,
                    code=new_shift_code(),
                )
        except IntegrityError:
            continue
    raise Conflict("could not allocate a shift code; try again", code="retry")  # pragma: no cover


async def add_shifts(actor: Actor, event_id: int, data: ShiftsCreate) -> list[Shift]:
    """One shift, or a schedule of them from an RRULE, all or nothing."""
    event = await get_event(actor, event_id)
    actor.require_writer(event.group_id)  # type: ignore[attr-defined]
    if event.status == EventStatus.CANCELLED:
        raise Conflict("the event is cancelled", code="event_cancelled")
    if data.recurrence is None:
        assert data.starts_at is not None and data.ends_at is not None
        slots = [(data.starts_at, data.ends_at)]
    else:
        length = timedelta(minutes=data.recurrence.duration_minutes)
        slots = [
            (start, (start.astimezone(UTC) + length))
            for start in expand_recurrence(data.recurrence.rrule, data.recurrence.dtstart, event.timezone)
        ]
    async with in_transaction():
        created = [await create_shift(event, s, e, data.capacity, data.target) for s, e in slots]
    counts = await shift_counts([s.id for s in created])
    for shift in created:
        shift.counts = counts[shift.id]  # type: ignore[attr-defined]
    return created


@dataclass
class ShiftChange:
    tell: list[int] = field(default_factory=list)  # live sign-ups of a shift that moved
    promoted: list[Signup] = field(default_factory=list)  # waitlisted people given a seat by a larger capacity


async def update_shift(actor: Actor, shift_id: int, data: ShiftPatch) -> tuple[Shift, ShiftChange]:
    """Change times, capacity or target; a larger capacity promotes waitlisted people at once. Returns
    the shift and whom it told (their messages commit with the change)."""
    shift = await get_shift(actor, shift_id)
    actor.require_writer(shift.event.group_id)  # type: ignore[attr-defined]
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None:
            raise Invalid.field(key, "cannot be null")
    starts = changes.get("starts_at", shift.starts_at)
    ends = changes.get("ends_at", shift.ends_at)
    if ends <= starts:
        raise Invalid.field("ends_at", "must be after starts_at")
    change = ShiftChange()
    moved = starts != shift.starts_at or ends != shift.ends_at
    async with in_transaction():
        if moved:
            shift.starts_at, shift.ends_at = starts.astimezone(UTC), ends.astimezone(UTC)
            shift.sequence += 1
        if "target" in changes:
            shift.target = changes["target"]
        await shift.save(update_fields=["starts_at", "ends_at", "target", "sequence", "updated_at"])
        if "capacity" in changes:
            change.promoted = await seats.resize(shift.id, changes["capacity"])
            await notifications.after_promotion(change.promoted)
        if moved:
            promoted = {s.id for s in change.promoted}  # their promotion notice gives the new time already
            change.tell = [i for i in await live_upcoming(shift_id=shift.id) if i not in promoted]
            await notifications.after_change(change.tell, revision=f"s{shift.id}.{shift.sequence}")
    return await get_shift(actor, shift.id), change


async def remove_shift(actor: Actor, shift_id: int) -> tuple[Shift, list[int]]:
    """Cancel a shift and every live sign-up on it (attendance already recorded stays); returns the shift
    and the sign-ups told (their notices commit with it). The row stays so calendars can show it cancelled.
    Idempotent."""
    shift = await get_shift(actor, shift_id)
    actor.require_writer(shift.event.group_id)  # type: ignore[attr-defined]
    now = datetime.now(UTC)  # queryset updates leave auto_now alone; feeds read updated_at (Last-Modified)
    async with in_transaction():
        affected = await seats.close_shift(shift.id, shift.sequence + 1, now)
        await notifications.after_cancellation(affected)
    return await get_shift(actor, shift.id), affected
