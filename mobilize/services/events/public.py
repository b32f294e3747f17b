"""What anyone may see without an account: public upcoming events, near a place or in a campaign, and an
event or shift at one of its public addresses (see `reachable`)."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from mobilize.models import (
    PUBLIC_STATUSES,
    Campaign,
    Event,
    EventStatus,
    EventType,
    Shift,
    ShiftStatus,
    Visibility,
)
from mobilize.services import geo
from mobilize.services.coalesce import Coalesced
from mobilize.services.errors import Invalid, NotFound
from mobilize.services.events import nearby
from mobilize.services.events.queries import EVENT_RELATIONS, load_shifts
from mobilize.services.signups.loading import block_of, load_shift_and_neighbours, reads_neighbours

MAX_RESULTS = 200
MAX_CAMPAIGN_RESULTS = 2000  # a day of action has about 1,500 events: its page lists them all


@dataclass
class Found:
    event: Event
    distance_km: float | None
    next_start: datetime


async def find_events(
    *,
    near: str | None = None,
    radius_km: float = 40.0,
    campaign: str | Campaign | None = None,
    event_type: str | None = None,
    host: str | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> list[Found]:
    """Public, scheduled events with a shift still to come; nearest first when `near` is given (then soonest,
    then by id), else soonest first. A campaign (`CONVENER/SLUG`, a bare slug, or the row) lists its convener's
    and its accepted partners' events, up to MAX_CAMPAIGN_RESULTS; `event_type` and `host` (an organization's
    slug) narrow the list. The database cuts the list (services.events.nearby); only the events kept are
    loaded, with their shifts."""
    now = now or datetime.now(UTC)
    if not 0 < radius_km <= 1000:
        raise Invalid.field("radius_km", "between 0 and 1000")
    center = None
    if near:
        center = geo.centroid(near)
        if center is None:
            raise Invalid.field("near", f"unknown postal code {near!r}")
    cap = MAX_RESULTS
    campaign_id = None
    if campaign:
        found_campaign = campaign if isinstance(campaign, Campaign) else await find_campaign(campaign)
        if found_campaign is None:
            return []
        campaign_id, cap = found_campaign.id, MAX_CAMPAIGN_RESULTS
    if event_type and event_type not in {t.value for t in EventType}:
        raise Invalid.field("event_type", "one of " + ", ".join(t.value for t in EventType))
    where = nearby.Where(
        now=now, campaign_id=campaign_id, event_type=event_type or None, host=host[:64] if host else None,
        center=center, radius_km=radius_km,
    )  # fmt: skip
    ranked = await nearby.first_events(where, min(limit, cap))
    events = {
        e.id: e for e in await Event.filter(id__in=[r.event_id for r in ranked]).prefetch_related(*EVENT_RELATIONS)
    }
    found = [Found(events[r.event_id], r.distance_km, r.next_start) for r in ranked if r.event_id in events]
    await load_shifts([f.event for f in found])
    return found


async def find_campaign(reference: str) -> Campaign | None:
    """A campaign by `CONVENER/SLUG`, or by a bare slug: the first campaign that took it, so that a link that
    found a campaign keeps finding it when another organization picks the same slug."""
    org, _, slug = reference.rpartition("/")
    if len(slug) > 64 or len(org) > 64 or "\x00" in reference:
        return None
    query = Campaign.filter(slug=slug, organization__slug=org) if org else Campaign.filter(slug=slug)
    return await query.order_by("id").prefetch_related("organization").first()


def address_reaches(visibility: str, share_token: str, token: str | None) -> bool:
    """Whether a public address (carrying `token`, or none) reaches an event. Ids are guessable, so the
    plain address serves public events only; the tokened one serves any event but a private one while the
    token is its current share token (an unlisted link keeps working if the event becomes public, and a
    rotated token answers nothing)."""
    if visibility == Visibility.PRIVATE:
        return False
    if token is None:
        return visibility == Visibility.PUBLIC
    return secrets.compare_digest(token.encode(), share_token.encode())


def reachable(event: Event, token: str | None) -> bool:
    """A hosted proposal not yet approved (or turned down) answers at no public address at all."""
    return event.status in PUBLIC_STATUSES and address_reaches(event.visibility, event.share_token, token)


async def get_public_event(event_id: int, token: str | None = None) -> Event:
    """The event at its public address (see `reachable`), cancelled ones too so links keep working; else
    NotFound, the same for an unknown id as for one the address does not reach."""
    event = await Event.get_or_none(id=event_id).prefetch_related(*EVENT_RELATIONS)
    if event is None or not reachable(event, token):
        raise NotFound(f"event {event_id} not found")
    await load_shifts([event])
    return event


# A rally shared widely sends thousands of sign-ups to the same few shifts, and a day of action spreads them
# over thousands: their rows are read once per process and kept, not read once per sign-up. What must be
# current is checked again where it counts. A copy read on PostgreSQL carries the digests of the shift, its
# event and organization (services.signups.loading; a shift not kept is read with the open shifts of its event
# in its block of ids, and all are kept), and the one-statement sign-up compares them with the
# rows as they are: a copy that no longer matches writes nothing (services.signups.StaleShift), and the sign-up
# reads the shift again, checks its address again and starts over (`fresh=True`). Such a copy is kept for
# CHECKED_SHIFT_CACHE_SECONDS; any other use of a copy (SQLite, or a sign-up that takes the general path) takes
# one read at most SHIFT_CACHE_SECONDS ago (`is_fresh`).
SHIFT_CACHE_SECONDS = 1.0
CHECKED_SHIFT_CACHE_SECONDS = 300.0
SHIFT_CACHE_SIZE = 16384
_shift_cache: OrderedDict[int, tuple[float, Shift]] = OrderedDict()
# One copy of each event for all the cached shifts that share it (while its digest is the same).
_event_copies: dict[int, tuple[str, Event]] = {}


def forget_shifts() -> None:
    """Empty the cache (tests reuse ids after emptying the tables)."""
    _shift_cache.clear()
    _event_copies.clear()


def _checked(shift: Shift) -> bool:
    """A copy the sign-up statement checks, still taking sign-ups by its own account (one that says closed is
    read again after a second, as if the closing were undone the copy would say so for five minutes)."""
    return (
        getattr(shift, "fingerprint", None) is not None
        and shift.status == ShiftStatus.SCHEDULED
        and shift.event.status == EventStatus.SCHEDULED
        and shift.ends_at > datetime.now(UTC)
    )


def is_fresh(shift: Shift) -> bool:
    """Whether a copy from `public_shift` was read at most SHIFT_CACHE_SECONDS ago."""
    loaded_at: float = getattr(shift, "loaded_at", 0.0)
    return time.monotonic() - loaded_at < SHIFT_CACHE_SECONDS


def _keep(shift_id: int, loaded: Shift, now: float) -> None:
    loaded.loaded_at = now  # type: ignore[attr-defined]
    prints = getattr(loaded, "fingerprint", None)
    if prints is not None:
        event_id = loaded.event.id
        copy = _event_copies.get(event_id)
        if copy is not None and copy[0] == prints[1]:
            loaded.event = copy[1]
        else:
            if len(_event_copies) >= SHIFT_CACHE_SIZE:
                _event_copies.clear()
            _event_copies[event_id] = (prints[1], loaded.event)
    _shift_cache[shift_id] = (now, loaded)
    _shift_cache.move_to_end(shift_id)
    while len(_shift_cache) > SHIFT_CACHE_SIZE:
        _shift_cache.popitem(last=False)


_reads: Coalesced[tuple[int, list[Shift]]] = Coalesced()  # (the shift id asked for, the copies read)


async def _read(shift_id: int, fresh: bool) -> list[Shift]:
    """The shift (if there is one) and the neighbours read with it (services.signups.loading). Reads of one
    block of ids at the same moment share one query (a cold cache in a surge), unless `fresh`: the shift
    changed since a read that may be in flight. A shift that another request's query did not read (another
    event's, or not open) is read on its own."""
    if not fresh and reads_neighbours():

        async def read() -> tuple[int, list[Shift]]:
            return shift_id, await load_shift_and_neighbours(shift_id)

        asked, copies = await _reads.run(block_of(shift_id), read)
        if asked == shift_id or any(copy.id == shift_id for copy in copies):
            return copies
    return await load_shift_and_neighbours(shift_id)


async def public_shift(
    shift_id: int, event_id: int | None = None, token: str | None = None, *, fresh: bool = False
) -> Shift:
    """A shift of an event at its public address (`event_id` and `token` name the event's tokened
    address; without them, a public event's shift), with its event (`shift.event`), from the cache above
    (`fresh`: read now); else NotFound. For reading only: the object is shared between requests."""

    def addressed(shift: Shift) -> bool:
        return (event_id is None or shift.event.id == event_id) and reachable(shift.event, token)

    now = time.monotonic()
    cached = None if fresh else _shift_cache.get(shift_id)
    # A copy that the address does not reach is read again: a token given out (or a visibility changed)
    # a moment ago works at once; one taken away is refused by the sign-up's own check (see above).
    if cached is not None and addressed(cached[1]):
        age = now - cached[0]
        if age < SHIFT_CACHE_SECONDS or (_checked(cached[1]) and age < CHECKED_SHIFT_CACHE_SECONDS):
            return cached[1]
    copies = await _read(shift_id, fresh)
    for copy in copies:  # read together: kept together
        _keep(copy.id, copy, now)
    loaded = next((copy for copy in copies if copy.id == shift_id), None)
    if loaded is None:
        _shift_cache.pop(shift_id, None)
        raise NotFound(f"shift {shift_id} not found")
    if not addressed(loaded):
        raise NotFound(f"shift {shift_id} not found")
    return loaded
