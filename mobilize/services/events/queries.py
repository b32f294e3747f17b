"""Reading events and shifts as an organizer may see them: one organization's, within the groups the actor
sees; shifts with their counts per sign-up status, loaded for a whole page at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.functions import Count

from mobilize.models import (
    LIVE_STATUSES,
    Event,
    EventStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)
from mobilize.services.access import Actor
from mobilize.services.errors import Invalid, NotFound
from mobilize.services.pagination import Page, paginate

COUNT_KEYS = tuple(s.value for s in SignupStatus)
# What an event's answer names: its group, its host organization, its campaign and that campaign's convener.
EVENT_RELATIONS = ("group", "organization", "campaign__organization")


def campaign_filter(reference: str) -> dict[str, str]:
    """Event filter kwargs for `SLUG` or `CONVENER/SLUG` (campaign slugs are unique per organization only)."""
    org, _, slug = reference.rpartition("/")
    return {"campaign__slug": slug, "campaign__organization__slug": org} if org else {"campaign__slug": slug}


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
    query = event_query(actor).prefetch_related(*EVENT_RELATIONS)
    if group:
        query = query.filter(group__slug=group)
    if campaign:
        query = query.filter(**campaign_filter(campaign))
    if status:
        if status not in {s.value for s in EventStatus}:
            raise Invalid.field("status", "scheduled or cancelled")
        query = query.filter(status=status)
    page = await paginate(query, cursor, limit)
    await load_shifts(page.items)
    return page


async def get_event(actor: Actor, event_id: int) -> Event:
    event = await event_query(actor).get_or_none(id=event_id).prefetch_related(*EVENT_RELATIONS)
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


async def live_upcoming(**filters: Any) -> list[int]:
    """Ids of live sign-ups (seated or waiting) on shifts still to come: the people to tell of a change."""
    query = Signup.filter(
        status__in=LIVE_STATUSES, shift__status=ShiftStatus.SCHEDULED, shift__ends_at__gt=datetime.now(UTC), **filters
    )
    return [row["id"] for row in await query.values("id")]
