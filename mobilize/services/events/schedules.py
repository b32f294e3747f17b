"""Shift schedules from the dashboard's simple forms: a picket schedule (days of the week between two dates,
hours of the day cut into shifts) turned into RRULEs, and duplicating an event with its shifts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from mobilize.models import Event, EventStatus, Shift
from mobilize.schemas import MAX_YEAR, MIN_YEAR
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Invalid
from mobilize.services.events.queries import get_event
from mobilize.services.events.recurrence import MAX_OCCURRENCES, expand_recurrence
from mobilize.services.events.shifts import create_shift

MAX_SEATS = 100_000  # as for a shift from the API (schemas.ShiftIn)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # date.weekday() order
MAX_DAYS = 366
MAX_DUPLICATE_DAYS = 3660  # a copy moves at most ten years


@dataclass(frozen=True)
class PicketSchedule:
    """Every chosen weekday from `first_day` to `last_day`, shifts of `length` from `day_starts` to
    `day_ends` (wall-clock times in the event's zone)."""

    first_day: date
    last_day: date
    weekdays: frozenset[str]
    day_starts: time
    day_ends: time
    length: timedelta
    capacity: int
    target: int | None = None

    def slots(self) -> list[time]:
        """Start times of the shifts in one day."""
        if self.length <= timedelta(0):
            raise Invalid.field("length", "give the length of a shift in minutes")
        if self.length > timedelta(days=1):
            raise Invalid.field("length", "a shift lasts at most a day (1440 minutes)")
        day = datetime(2000, 1, 1)
        start, end = datetime.combine(day, self.day_starts), datetime.combine(day, self.day_ends)
        if end <= start:
            end += timedelta(days=1)  # a night picket: 22:00 to 06:00
        starts = []
        while start + self.length <= end:
            starts.append(start.time())
            start += self.length
        if not starts:
            raise Invalid.field("length", "no shift of this length fits between the start and the end of the day")
        return starts

    def days(self) -> int:
        """How many days of the schedule have shifts."""
        if not (MIN_YEAR <= self.first_day.year <= MAX_YEAR and MIN_YEAR <= self.last_day.year <= MAX_YEAR):
            raise Invalid.field("first_day", f"give days between the years {MIN_YEAR} and {MAX_YEAR}")
        if self.last_day < self.first_day:
            raise Invalid.field("last_day", "must be on or after the first day")
        if (self.last_day - self.first_day).days >= MAX_DAYS:
            raise Invalid.field("last_day", f"a schedule covers at most {MAX_DAYS} days")
        days = [d for d in WEEKDAYS if d in self.weekdays]
        if not days:
            raise Invalid.field("weekdays", "choose at least one day of the week")
        span = (self.last_day - self.first_day).days + 1
        count = sum(1 for n in range(span) if WEEKDAYS[(self.first_day + timedelta(days=n)).weekday()] in self.weekdays)
        if count == 0:
            raise Invalid.field("weekdays", "none of these days falls between the first and the last day")
        return count

    def rrule(self) -> str:
        """The days as one RRULE (COUNT, so it ends), e.g. FREQ=DAILY;BYDAY=MO,WE,FR;COUNT=6."""
        days = [d for d in WEEKDAYS if d in self.weekdays]
        return f"FREQ=DAILY;BYDAY={','.join(days)};COUNT={self.days()}"


async def _insert(
    event: Event, slots: list[tuple[datetime, datetime]], capacity: int, target: int | None
) -> list[Shift]:
    if len(slots) > MAX_OCCURRENCES:
        raise Invalid.field("schedule", f"more than {MAX_OCCURRENCES} shifts")
    async with in_transaction():
        return [await create_shift(event, s, e, capacity, target) for s, e in sorted(slots)]


async def add_picket_schedule(actor: Actor, event_id: int, schedule: PicketSchedule) -> list[Shift]:
    """Create every shift of the schedule, all or nothing, through the same RRULE expansion as the API's
    recurrences (wall-clock times hold across daylight-saving changes)."""
    event = await get_event(actor, event_id)
    actor.require_writer(event.group_id)  # type: ignore[attr-defined]
    if event.status == EventStatus.CANCELLED:
        raise Conflict("the event is cancelled", code="event_cancelled")
    for name, value in (("capacity", schedule.capacity), ("target", schedule.target)):
        if value is not None and not 0 <= value <= MAX_SEATS:
            raise Invalid.field(name, f"between 0 and {MAX_SEATS}")
    rule = schedule.rrule()
    starts = schedule.slots()
    if len(starts) * schedule.days() > MAX_OCCURRENCES:  # before expanding: each slot of the day is one expansion
        raise Invalid.field("schedule", f"more than {MAX_OCCURRENCES} shifts")
    slots: list[tuple[datetime, datetime]] = []
    for start_time in starts:
        first = datetime.combine(schedule.first_day, start_time)  # naive: the event's wall clock
        for start in expand_recurrence(rule, first, event.timezone):
            slots.append((start, start.astimezone(UTC) + schedule.length))
    return await _insert(event, slots, schedule.capacity, schedule.target)


async def duplicate_event(actor: Actor, event_id: int, days_later: int) -> Event:
    """A copy of the event (scheduled, whatever the original's status) with its scheduled shifts moved
    `days_later` days, at the same wall-clock times in the event's zone. Sign-ups are not copied."""
    if not -MAX_DUPLICATE_DAYS <= days_later <= MAX_DUPLICATE_DAYS:
        raise Invalid.field("days", "move the copy by at most ten years")
    original = await get_event(actor, event_id)
    actor.require_writer(original.group_id)  # type: ignore[attr-defined]
    skip = {"id", "uuid", "created_at", "updated_at", "status", "sequence", "share_token"}  # the copy: its own ids
    values = {f: getattr(original, f) for f in Event._meta.db_fields if f not in skip}
    tz = ZoneInfo(original.timezone)
    shift = timedelta(days=days_later)
    async with in_transaction():
        copy = await Event.create(**values, status=EventStatus.SCHEDULED)
        for s in getattr(original, "shift_list", []):
            if s.status != "scheduled":
                continue
            start = (s.starts_at.astimezone(tz).replace(tzinfo=None) + shift).replace(tzinfo=tz)
            await create_shift(copy, start, start.astimezone(UTC) + (s.ends_at - s.starts_at), s.capacity, s.target)
    return await get_event(actor, copy.id)
