"""Events and shifts: creation (inline shifts, RRULE picket schedules), edits, cancellation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from mobilize.models import (
    ActionGroup,
    Campaign,
    Event,
    EventStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Visibility,
)
from mobilize.models.events import new_share_token
from mobilize.schemas import EventIn, EventPatch, LocationIn, ShiftPatch, ShiftsCreate
from mobilize.services import geo, notifications
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Invalid, NotFound
from mobilize.services.pagination import Page, paginate
from mobilize.services.recurrence import expand_recurrence

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed on phones
LOCATION_FIELDS = ("venue", "address", "city", "region", "postal_code", "country", "lat", "lon")
COUNT_KEYS = tuple(s.value for s in SignupStatus)


def new_shift_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


# ---- reading ---------------------------------------------------------------------------------


def event_query(actor: Actor) -> Any:
    return Event.filter(**actor.group_filter())


async def shift_counts(shift_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per shift, how many sign-ups are in each status."""
    counts = {sid: dict.fromkeys(COUNT_KEYS, 0) for sid in shift_ids}
    if not shift_ids:
        return counts
    rows = (
        await Signup.filter(shift_id__in=shift_ids)
        .annotate(n=Count("id"))
        .group_by("shift_id", "status")
        .values_list("shift_id", "status", "n")
    )
    for shift_id, status, n in rows:
        counts[shift_id][str(status)] = n
    return counts


async def load_shifts(events: list[Event]) -> None:
    """Attach `event.shift_list` (ordered) and each `shift.counts`, in two queries for the whole page."""
    by_event: dict[int, list[Shift]] = {e.id: [] for e in events}
    if events:
        for shift in await Shift.filter(event_id__in=list(by_event)).order_by("starts_at", "id"):
            by_event[shift.event_id].append(shift)  # type: ignore[attr-defined]
    all_shifts = [s for shifts in by_event.values() for s in shifts]
    counts = await shift_counts([s.id for s in all_shifts])
    for shift in all_shifts:
        shift.counts = counts[shift.id]  # type: ignore[attr-defined]
    for event in events:
        event.shift_list = by_event[event.id]  # type: ignore[attr-defined]


async def list_events(
    actor: Actor,
    cursor: str | None,
    limit: int,
    *,
    group: str | None = None,
    campaign: str | None = None,
    status: str | None = None,
) -> Page[Event]:
    query = event_query(actor).prefetch_related("group", "campaign")
    if group:
        query = query.filter(group__slug=group)
    if campaign:
        query = query.filter(campaign__slug=campaign)
    if status:
        if status not in {s.value for s in EventStatus}:
            raise Invalid.field("status", "scheduled or cancelled")
        query = query.filter(status=status)
    page = await paginate(query, cursor, limit)
    await load_shifts(page.items)
    return page


async def get_event(actor: Actor, event_id: int) -> Event:
    event = await event_query(actor).get_or_none(id=event_id).prefetch_related("group", "campaign")
    if event is None:
        raise NotFound(f"event {event_id} not found")
    await load_shifts([event])
    return event


async def get_shift(actor: Actor, shift_id: int) -> Shift:
    shift = await Shift.get_or_none(id=shift_id).prefetch_related("event")
    if (
        shift is None
        or shift.event.organization_id != actor.organization_id
        or not actor.sees_group(  # type: ignore[attr-defined]
            shift.event.group_id  # type: ignore[attr-defined]
        )
    ):
        raise NotFound(f"shift {shift_id} not found")
    shift.counts = (await shift_counts([shift.id]))[shift.id]  # type: ignore[attr-defined]
    return shift


# ---- writing ---------------------------------------------------------------------------------


async def _resolve_group(actor: Actor, slug: str) -> ActionGroup:
    group = await ActionGroup.get_or_none(organization_id=actor.organization_id, slug=slug)
    if group is None or not actor.sees_group(group.id):
        raise Invalid.field("group", f"no group {slug!r} in this organization")
    return group


async def _resolve_campaign(actor: Actor, slug: str | None) -> Campaign | None:
    if slug is None:
        return None
    campaign = await Campaign.get_or_none(organization_id=actor.organization_id, slug=slug)
    if campaign is None:
        raise Invalid.field("campaign", f"no campaign {slug!r} in this organization")
    return campaign


def _apply_location(event: Event, location: LocationIn | None) -> None:
    location = location or LocationIn()
    for key in LOCATION_FIELDS:
        setattr(event, key, getattr(location, key))
    if event.lat is None or event.lon is None:
        point = geo.centroid(event.postal_code, event.country) if event.postal_code else None
        event.lat, event.lon = point if point else (None, None)


async def _create_shift(
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


async def create_event(actor: Actor, data: EventIn) -> Event:
    """Create an event with its inline shifts, all or nothing."""
    group = await _resolve_group(actor, data.group)
    actor.require_writer(group.id)
    campaign = await _resolve_campaign(actor, data.campaign)
    event = Event(
        organization_id=actor.organization_id,
        group=group,
        campaign=campaign,
        **data.model_dump(exclude={"group", "campaign", "location", "shifts"}),
    )
    _apply_location(event, data.location)
    async with in_transaction():
        await event.save()
        for shift in data.shifts:
            await _create_shift(event, shift.starts_at, shift.ends_at, shift.capacity, shift.target)
    return await get_event(actor, event.id)


async def _live_upcoming(**filters: Any) -> list[int]:
    """Ids of live sign-ups (seated or waiting) on shifts still to come: the people to tell of a change."""
    query = Signup.filter(
        status__in=LIVE_STATUSES, shift__status=ShiftStatus.SCHEDULED, shift__ends_at__gt=datetime.now(UTC), **filters
    )
    return [row["id"] for row in await query.values("id")]


async def update_event(actor: Actor, event_id: int, data: EventPatch) -> tuple[Event, list[int]]:
    """Edit an event; returns it and, when its place or time zone changed, the sign-ups told (their notices
    and new reminders commit with the change, as do reminders moved to a new timeline)."""
    event = await get_event(actor, event_id)
    actor.require_writer(event.group_id)  # type: ignore[attr-defined]
    changes = data.model_dump(exclude_unset=True)
    significant = False
    if "group" in changes:
        slug = changes.pop("group")
        if slug is None:
            raise Invalid.field("group", "cannot be null")
        group = await _resolve_group(actor, slug)
        actor.require_writer(group.id)
        event.group = group
    if "campaign" in changes:
        event.campaign = await _resolve_campaign(actor, changes.pop("campaign"))
    retimed = "reminders" in changes
    if retimed:
        # null is allowed here: it returns the event to the default timeline; the reminders planned already
        # move to it (notifications.after_timeline_change).
        event.reminders = changes.pop("reminders")
    if "location" in changes:
        before = tuple(getattr(event, k) for k in LOCATION_FIELDS)
        _apply_location(event, data.location)
        changes.pop("location")
        significant |= before != tuple(getattr(event, k) for k in LOCATION_FIELDS)
    for key, value in changes.items():
        if value is None:
            raise Invalid.field(key, "cannot be null")
        # What calendars show as the place or time; hiding the street address changes public LOCATION.
        if key in ("timezone", "virtual_url", "address_after_signup") and getattr(event, key) != value:
            significant = True
        setattr(event, key, value)
    if significant:
        event.sequence += 1
    async with in_transaction():  # the change and the messages it calls for commit together
        await event.save()
        tell = await _live_upcoming(shift__event_id=event.id) if significant else []
        await notifications.after_change(tell, revision=f"e{event.sequence}")
        if retimed:
            await notifications.after_timeline_change(event.id)
    return await get_event(actor, event.id), tell


LIVE_STATUSES = (SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)


async def cancel_event(actor: Actor, event_id: int) -> tuple[Event, list[int]]:
    """Cancel the event; returns it and the live sign-ups told (none when it was cancelled already:
    idempotent), whose notices commit with the cancellation. Sign-ups stay (history) but the event leaves
    every public list; calendars see STATUS:CANCELLED."""
    event = await get_event(actor, event_id)
    actor.require_writer(event.group_id)
    affected: list[int] = []
    async with in_transaction():
        # A queryset update leaves auto_now alone: set updated_at, which feeds use for Last-Modified.
        changed = await Event.filter(id=event.id, status=EventStatus.SCHEDULED).update(
            status=EventStatus.CANCELLED, sequence=event.sequence + 1, updated_at=datetime.now(UTC)
        )
        if changed:
            live = Signup.filter(
                shift__event_id=event.id, shift__status=ShiftStatus.SCHEDULED, status__in=LIVE_STATUSES
            )
            affected = [row["id"] for row in await live.values("id")]
            await notifications.after_cancellation(affected)
    return await get_event(actor, event.id), affected


async def rotate_share_token(actor: Actor, event_id: int) -> Event:
    """Give the event a new share token: its tokened page, feed and sign-up addresses change, and the old
    ones answer 404 at once (the public sign-up reads shifts cached for at most a second)."""
    event = await get_event(actor, event_id)
    actor.require_writer(event.group_id)  # type: ignore[attr-defined]
    # A queryset update leaves auto_now alone: set updated_at, which feeds (whose URLs change) read.
    await Event.filter(id=event.id).update(share_token=new_share_token(), updated_at=datetime.now(UTC))
    return await get_event(actor, event.id)


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
        created = [await _create_shift(event, s, e, data.capacity, data.target) for s, e in slots]
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
    from mobilize.services.signups import fill_from_waitlist

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
            # Conditional, like every write to a seat count: never below the seats already taken.
            resized = await Shift.filter(id=shift.id, filled__lte=changes["capacity"]).update(
                capacity=changes["capacity"]
            )
            if not resized:
                taken = (await Shift.get(id=shift.id)).filled
                raise Conflict(
                    f"{taken} people hold seats on this shift; the capacity cannot go below that",
                    code="capacity_below_signups",
                    fields={"capacity": f"at least {taken}"},
                )
            change.promoted = await fill_from_waitlist(shift.id)
            await notifications.after_promotion(change.promoted)
        if moved:
            promoted = {s.id for s in change.promoted}  # their promotion notice gives the new time already
            change.tell = [i for i in await _live_upcoming(shift_id=shift.id) if i not in promoted]
            await notifications.after_change(change.tell, revision=f"s{shift.id}.{shift.sequence}")
    return await get_shift(actor, shift.id), change


async def remove_shift(actor: Actor, shift_id: int) -> tuple[Shift, list[int]]:
    """Cancel a shift and every live sign-up on it (attendance already recorded stays); returns the shift
    and the sign-ups told (their notices commit with it). The row stays so calendars can show it cancelled.
    Idempotent."""
    shift = await get_shift(actor, shift_id)
    actor.require_writer(shift.event.group_id)  # type: ignore[attr-defined]
    now = datetime.now(UTC)  # queryset updates leave auto_now alone; feeds read updated_at (Last-Modified)
    affected: list[int] = []
    async with in_transaction():
        updated = await Shift.filter(id=shift.id, status=ShiftStatus.SCHEDULED).update(
            status=ShiftStatus.CANCELLED, sequence=shift.sequence + 1, filled=0, updated_at=now
        )
        if updated:
            live = Signup.filter(shift_id=shift.id, status__in=LIVE_STATUSES)
            affected = [row["id"] for row in await live.values("id")]
            await Signup.filter(id__in=affected).update(status=SignupStatus.CANCELLED, holder=None, updated_at=now)
            await notifications.after_cancellation(affected)
    return await get_shift(actor, shift.id), affected


def is_listed(event: Event) -> bool:
    return event.visibility == Visibility.PUBLIC and event.status == EventStatus.SCHEDULED
