"""Events: creation with their inline shifts, where an event is (its place, for every way an event is made),
edits (a new place or time zone tells the people signed up), cancellation (and telling the people signed up of
it, also when a hosted event is unpublished), share tokens, and whether an event is listed publicly."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from mobilize.models import (
    LIVE_STATUSES,
    ActionGroup,
    Campaign,
    Event,
    EventStatus,
    EventType,
    ShiftStatus,
    Signup,
    Strike,
    Visibility,
)
from mobilize.models.events import new_share_token
from mobilize.schemas import EventIn, EventPatch, LocationIn
from mobilize.services import coalitions, geo
from mobilize.services.access import Actor
from mobilize.services.errors import Invalid
from mobilize.services.events.queries import get_event, live_upcoming
from mobilize.services.events.shifts import create_shift
from mobilize.services.outbox import notifications

LOCATION_FIELDS = ("venue", "address", "city", "region", "postal_code", "country", "lat", "lon")


async def _resolve_group(actor: Actor, slug: str) -> ActionGroup:
    group = await ActionGroup.get_or_none(organization_id=actor.organization_id, slug=slug)
    if group is None or not actor.sees_group(group.id):
        raise Invalid.field("group", f"no group {slug!r} in this organization")
    return group


async def _resolve_campaign(actor: Actor, reference: str | None) -> Campaign | None:
    """`SLUG` (the organization's own) or `CONVENER/SLUG` (a campaign it is an accepted partner of)."""
    if reference is None:
        return None
    return await coalitions.campaign_for_event(actor, reference)


async def strike_for_event(organization_id: int, strike_id: int | None, event_type: str) -> int | None:
    """The strike a picket event may join (`"strike": ID`), checked: the organization's own, and the event a
    picket. Raises Invalid naming `strike`."""
    if strike_id is None:
        return None
    if not await Strike.exists(id=strike_id, organization_id=organization_id):
        raise Invalid.field("strike", f"no strike {strike_id} in this organization")
    if event_type != EventType.PICKET:
        raise Invalid.field("strike", "only a picket event can belong to a strike")
    return strike_id


def apply_location(event: Event, location: LocationIn | None) -> None:
    """The place (every field; none given clears it), with the postal code's centre when no point is given:
    for organizers' events and volunteers' proposals alike."""
    location = location or LocationIn()
    for key in LOCATION_FIELDS:
        setattr(event, key, getattr(location, key))
    if event.lat is None or event.lon is None:
        point = geo.centroid(event.postal_code, event.country) if event.postal_code else None
        event.lat, event.lon = point if point else (None, None)


async def create_event(actor: Actor, data: EventIn) -> Event:
    """Create an event with its inline shifts, all or nothing."""
    group = await _resolve_group(actor, data.group)
    actor.require_writer(group.id)
    campaign = await _resolve_campaign(actor, data.campaign)
    strike_id = await strike_for_event(actor.organization_id, data.strike, data.event_type)
    event = Event(
        organization_id=actor.organization_id,
        group=group,
        campaign=campaign,
        strike_id=strike_id,
        **data.model_dump(exclude={"group", "campaign", "location", "shifts", "strike"}),
    )
    apply_location(event, data.location)
    async with in_transaction():
        await event.save()
        for shift in data.shifts:
            await create_shift(event, shift.starts_at, shift.ends_at, shift.capacity, shift.target)
    return await get_event(actor, event.id)


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
    strike_id = changes.pop("strike", event.strike_id)
    event_type = changes.get("event_type") or event.event_type
    if strike_id is not None and ("strike" in data.model_fields_set or "event_type" in changes):
        event.strike_id = await strike_for_event(actor.organization_id, strike_id, event_type)
    else:
        event.strike_id = strike_id
    retimed = "reminders" in changes
    if retimed:
        # null is allowed here: it returns the event to the default timeline; the reminders planned already
        # move to it (notifications.after_timeline_change).
        event.reminders = changes.pop("reminders")
    if "location" in changes:
        before = tuple(getattr(event, k) for k in LOCATION_FIELDS)
        apply_location(event, data.location)
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
        tell = await live_upcoming(shift__event_id=event.id) if significant else []
        await notifications.after_change(tell, revision=f"e{event.sequence}")
        if retimed:
            await notifications.after_timeline_change(event.id)
    return await get_event(actor, event.id), tell


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
            affected = await tell_cancellation(event.id)
    return await get_event(actor, event.id), affected


async def tell_cancellation(event_id: int) -> list[int]:
    """Inside the transaction that called the event off (cancelled, or a hosted event unpublished): the live
    sign-ups on its scheduled shifts, their reminders called off and each told as for a cancellation (the
    notices commit with the change). Returns their ids."""
    live = Signup.filter(shift__event_id=event_id, shift__status=ShiftStatus.SCHEDULED, status__in=LIVE_STATUSES)
    affected = [row["id"] for row in await live.values("id")]
    await notifications.after_cancellation(affected)
    return affected


async def rotate_share_token(actor: Actor, event_id: int) -> Event:
    """Give the event a new share token: its tokened page, feed and sign-up addresses change, and the old
    ones answer 404 at once (the public sign-up reads shifts cached for at most a second)."""
    event = await get_event(actor, event_id)
    actor.require_writer(event.group_id)  # type: ignore[attr-defined]
    # A queryset update leaves auto_now alone: set updated_at, which feeds (whose URLs change) read.
    await Event.filter(id=event.id).update(share_token=new_share_token(), updated_at=datetime.now(UTC))
    return await get_event(actor, event.id)


def is_listed(event: Event) -> bool:
    return event.visibility == Visibility.PUBLIC and event.status == EventStatus.SCHEDULED
