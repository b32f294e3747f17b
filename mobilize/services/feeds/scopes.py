"""Calendar feeds: what each feed shows, a cheap version of it, and a cache of the feeds already built.

- Public feeds (an event, a group, a campaign, an organization) show public events only (the single-event
  feed also serves an unlisted one, at its tokened address only), never anyone's sign-up, and leave out
  the street address and the exact point of events whose organizer keeps them for people signed up. A
  volunteer's own feed (behind their revocable feed token) shows the shifts they hold or wait for, with
  address and instructions.
- Cancelled shifts and events stay in, as STATUS:CANCELLED. Group, campaign and organization feeds leave out
  shifts that ended more than WINDOW ago, to bound their size; the event and volunteer feeds are complete.
- `feed_version` costs one aggregate query (counts, sums of ids and sequences, the latest updated_at): the
  ETag and Last-Modified come from it, so an unchanged feed is answered (200 from the cache, or 304) without
  loading or building anything. Sums and status counts catch changes that a queryset update made without
  touching `updated_at`.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count, Max, Sum

from mobilize import links
from mobilize.calendar.feeds import FORMAT_VERSION, FeedMeta
from mobilize.models import (
    PUBLIC_STATUSES,
    ActionGroup,
    Campaign,
    Event,
    EventStatus,
    Organization,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Visibility,
)
from mobilize.services.coalesce import Kept
from mobilize.services.errors import NotFound
from mobilize.services.events.public import address_reaches
from mobilize.services.feeds.cache import FeedCache
from mobilize.services.feeds.rows import EVENT_FIELDS, SHIFT_FIELDS, EventUrl, render
from mobilize.services.people import links as private_links

WINDOW = timedelta(days=90)  # cancelled shifts must stay visible 30 days after they end: this keeps them 90


class FeedKind(StrEnum):
    EVENT = "event"
    GROUP = "group"
    CAMPAIGN = "campaign"
    ORGANIZATION = "organization"
    VOLUNTEER = "volunteer"


@dataclass(frozen=True, slots=True)
class FeedScope:
    """Which feed: resolved from the URL, before anything about its shifts is read."""

    kind: FeedKind
    id: int
    name: str
    since: datetime  # the oldest Last-Modified the feed can have (when its subject was created or changed)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def public(self) -> bool:
        return self.kind != FeedKind.VOLUNTEER

    @property
    def windowed(self) -> bool:
        return self.kind in (FeedKind.GROUP, FeedKind.CAMPAIGN, FeedKind.ORGANIZATION)


@dataclass(frozen=True, slots=True)
class FeedVersion:
    scope: FeedScope
    base_url: str
    etag: str  # strong: the same ETag always means the same bytes
    last_modified: datetime
    cutoff: datetime | None  # shifts ending before this are left out (windowed feeds)


class AmbiguousSlug(NotFound):
    """A bare group or campaign slug that several organizations use."""

    def __init__(self, kind: str, slug: str, organizations: list[str]):
        super().__init__(
            f"several organizations have a {kind} {slug!r}; use the address that names the organization",
            code="ambiguous",
        )
        self.kind = kind
        self.slug = slug
        self.organizations = organizations


# ---- which feed ---------------------------------------------------------------------------------


def _lookup_text(value: str, what: str) -> str:
    # Slugs and tokens fit in 64 characters; longer ones, or NUL (which PostgreSQL rejects with an error
    # rather than finding nothing), cannot match anything.
    if not value or len(value) > 64 or "\x00" in value:
        raise NotFound(f"no such {what}")
    return value


async def event_scope(event_id: int, token: str | None = None) -> FeedScope:
    """An event at a public address (cancelled too): without a token a public event, with its current
    share token any event but a private one (as services.public.reachable); else NotFound."""
    if not 0 < event_id < 2**31:  # past the integer column, PostgreSQL would fail rather than find nothing
        raise NotFound(f"event {event_id} not found")
    rows = await Event.filter(id=event_id, status__in=PUBLIC_STATUSES).values(
        "id", "title", "visibility", "share_token", "updated_at"
    )
    if not rows or not address_reaches(rows[0]["visibility"], rows[0]["share_token"], token):
        raise NotFound(f"event {event_id} not found")
    return FeedScope(FeedKind.EVENT, event_id, rows[0]["title"], rows[0]["updated_at"])


# A public feed's version (and so the kept campaign page's), and the group or campaign its slug names, are
# asked by every reader of a day of action: one process asks the database at most once per
# PUBLIC_VERSION_SECONDS per feed, and readers asking meanwhile share the answer. A change shows within that
# second; a volunteer's own feed is asked every time.
PUBLIC_VERSION_SECONDS = 1.0
_SCOPES: Kept[FeedScope] = Kept(lambda: PUBLIC_VERSION_SECONDS, 4096)
_FINGERPRINTS: Kept[tuple[tuple[Any, ...], list[datetime]]] = Kept(lambda: PUBLIC_VERSION_SECONDS, 4096)


def forget_versions() -> None:
    """Forget the public feeds' versions and scopes read (tests reuse ids after emptying the tables)."""
    _FINGERPRINTS.clear()
    _SCOPES.clear()


async def _public_fingerprint(scope: FeedScope, cutoff: datetime | None) -> tuple[tuple[Any, ...], list[datetime]]:
    return await _FINGERPRINTS.run(scope.key, lambda: _fingerprint(scope, cutoff))


async def _scoped(model: type[ActionGroup] | type[Campaign], kind: FeedKind, slug: str, org: str | None) -> FeedScope:
    """The group or campaign a slug names (a rename or a new owner of a bare slug shows within the second)."""
    return await _SCOPES.run((kind, slug, org), lambda: _find_scope(model, kind, slug, org))


async def _find_scope(
    model: type[ActionGroup] | type[Campaign], kind: FeedKind, slug: str, org: str | None
) -> FeedScope:
    query = model.filter(slug=_lookup_text(slug, kind.value))
    if org is not None:
        query = query.filter(organization__slug=_lookup_text(org, "organization"))
    rows = await query.order_by("id").values("id", "name", "created_at", "organization__slug", "organization__name")
    if not rows:
        raise NotFound(f"no {kind} {slug!r}" + (f" in {org!r}" if org else ""))
    if len(rows) > 1 and kind != FeedKind.CAMPAIGN:
        raise AmbiguousSlug(kind.value, slug, sorted(r["organization__slug"] for r in rows))
    # A bare campaign slug names the first campaign that took it: the subscription it served keeps serving
    # it when another organization picks the same slug later (that one is found under its organization's).
    row = rows[0]
    return FeedScope(kind, row["id"], f"{row['organization__name']}: {row['name']}", row["created_at"])


async def group_scope(slug: str, org: str | None = None) -> FeedScope:
    """A group by its slug, within `org` when given; AmbiguousSlug if the bare slug is not unique."""
    return await _scoped(ActionGroup, FeedKind.GROUP, slug, org)


async def campaign_scope(slug: str, org: str | None = None) -> FeedScope:
    """A campaign by its slug, within `org` when given; a bare slug is the first campaign that took it. The
    feed carries the public events of the convener and of its accepted partners (their events point at it)."""
    return await _scoped(Campaign, FeedKind.CAMPAIGN, slug, org)


async def organization_scope(slug: str) -> FeedScope:
    rows = await Organization.filter(slug=_lookup_text(slug, "organization")).values("id", "name", "created_at")
    if not rows:
        raise NotFound(f"no organization {slug!r}")
    return FeedScope(FeedKind.ORGANIZATION, rows[0]["id"], rows[0]["name"], rows[0]["created_at"])


async def volunteer_scope(token: str) -> FeedScope:
    """A volunteer's own feed. A rotated token finds nobody: the old address is 404 at once."""
    volunteer = await private_links.feed_owner(_lookup_text(token, "calendar feed"))
    if volunteer is None:
        raise NotFound("no such calendar feed (its link may have been replaced by a new one, or expired unused)")
    return FeedScope(FeedKind.VOLUNTEER, volunteer.id, "My shifts", volunteer.created_at)


# ---- its version --------------------------------------------------------------------------------

# One row per feed: grouping by the column the feed is filtered on (Tortoise would otherwise group an
# aggregate over a join by every column of the table).
_GROUP_BY = {
    FeedKind.EVENT: "event_id",
    FeedKind.GROUP: "event__group_id",
    FeedKind.CAMPAIGN: "event__campaign_id",
    FeedKind.ORGANIZATION: "event__organization_id",
}


def _shift_query(scope: FeedScope, cutoff: datetime | None) -> Any:
    if scope.kind == FeedKind.EVENT:
        query = Shift.filter(event_id=scope.id)
    else:
        query = Shift.filter(
            **{_GROUP_BY[scope.kind]: scope.id, "event__visibility": Visibility.PUBLIC},
            event__status__in=PUBLIC_STATUSES,  # never a hosted proposal not yet approved
        )
    if cutoff is not None:
        query = query.filter(ends_at__gte=cutoff)
    return query


async def _fingerprint(scope: FeedScope, cutoff: datetime | None) -> tuple[tuple[Any, ...], list[datetime]]:
    """The feed's state in one aggregate query, and the update times in it."""
    aggregates: dict[str, Any]
    if scope.kind == FeedKind.VOLUNTEER:
        aggregates = {
            "n": Count("id"),
            "ids": Sum("id"),
            "shift_ids": Sum("shift_id"),
            "seq": Sum("shift__sequence"),
            "event_seq": Sum("shift__event__sequence"),
            "cancelled": Count("id", _filter=Q(status=SignupStatus.CANCELLED)),
            "waitlisted": Count("id", _filter=Q(status=SignupStatus.WAITLISTED)),
            "shifts_cancelled": Count("id", _filter=Q(shift__status=ShiftStatus.CANCELLED)),
            "events_cancelled": Count("id", _filter=Q(shift__event__status=EventStatus.CANCELLED)),
            "updated": Max("updated_at"),
            "shift_updated": Max("shift__updated_at"),
            "event_updated": Max("shift__event__updated_at"),
        }
        query = Signup.filter(volunteer_id=scope.id).annotate(**aggregates).group_by("volunteer_id")
    else:
        aggregates = {
            "n": Count("id"),
            "ids": Sum("id"),
            "seq": Sum("sequence"),
            "event_seq": Sum("event__sequence"),
            "cancelled": Count("id", _filter=Q(status=ShiftStatus.CANCELLED)),
            "events_cancelled": Count("id", _filter=Q(event__status=EventStatus.CANCELLED)),
            "shift_updated": Max("updated_at"),
            "event_updated": Max("event__updated_at"),
        }
        query = _shift_query(scope, cutoff).annotate(**aggregates).group_by(_GROUP_BY[scope.kind])
    names = list(aggregates)
    rows = await query.values(*names)
    if not rows:
        return (0,), []
    row = rows[0]
    times = [row[k] for k in names if k.endswith("updated") and row[k] is not None]
    parts = tuple(v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v for v in (row[k] for k in names))
    return parts, times


async def feed_version(scope: FeedScope, *, base_url: str, now: datetime | None = None) -> FeedVersion:
    """ETag and Last-Modified of the feed as it is now, from one aggregate query (nothing is built)."""
    now = now or datetime.now(UTC)
    cutoff = (now - WINDOW) if scope.windowed else None
    if scope.kind == FeedKind.VOLUNTEER:
        fingerprint, times = await _fingerprint(scope, cutoff)
    else:
        fingerprint, times = await _public_fingerprint(scope, cutoff)
    state = repr((FORMAT_VERSION, base_url, scope.key, scope.name, fingerprint))
    etag = f'"{hashlib.sha256(state.encode()).hexdigest()[:32]}"'
    last_modified = CACHE.last_modified(scope.key, etag, max([scope.since, *times]), now)
    return FeedVersion(scope=scope, base_url=base_url, etag=etag, last_modified=last_modified, cutoff=cutoff)


# ---- its bytes ----------------------------------------------------------------------------------


CACHE = FeedCache()


async def feed_body(version: FeedVersion, event_url: EventUrl) -> bytes:
    """The feed's bytes: from the cache, or loaded and built once however many requests ask at the same time.
    Building runs in a worker thread so that a large feed does not stall every other request."""
    key = (version.scope.key, version.etag)
    body = CACHE.get(key)
    if body is not None:
        return body
    pending = CACHE.building.get(key)
    if pending is None:
        CACHE.misses += 1
        pending = asyncio.ensure_future(_build(version, event_url))
        CACHE.building[key] = pending
        pending.add_done_callback(lambda _: CACHE.building.pop(key, None))
    return await asyncio.shield(pending)


async def _build(version: FeedVersion, event_url: EventUrl) -> bytes:
    scope = version.scope
    rows = await (_volunteer_rows(scope.id) if scope.kind == FeedKind.VOLUNTEER else _shift_rows(scope, version))
    meta = FeedMeta(name=scope.name, uid_domain=links.uid_domain(version.base_url))
    body = await asyncio.to_thread(render, scope.kind == FeedKind.VOLUNTEER, rows, meta, event_url)
    CACHE.put((scope.key, version.etag), body)
    return body


async def _shift_rows(scope: FeedScope, version: FeedVersion) -> list[tuple[Any, ...]]:
    # One query for the whole feed: the event's columns ride along with each of its shifts.
    fields = [*SHIFT_FIELDS, *(f"event__{f}" for f in EVENT_FIELDS)]
    return list(await _shift_query(scope, version.cutoff).order_by("starts_at", "id").values_list(*fields))


async def _volunteer_rows(volunteer_id: int) -> list[tuple[Any, ...]]:
    fields = [
        "status",
        *(f"shift__{f}" for f in SHIFT_FIELDS),
        *(f"shift__event__{f}" for f in EVENT_FIELDS),
        "shift__event__instructions",
    ]
    # Newest sign-up first within a shift: after a drop and a new sign-up, the live one decides.
    query = Signup.filter(volunteer_id=volunteer_id).order_by("shift__starts_at", "shift_id", "-id")
    return list(await query.values_list(*fields))
