"""Which public events a list shows, in which order, cut by the database: the first `limit` of the public,
scheduled events with a shift still to come (optionally of one campaign, kind, or host organization), nearest
first within a radius of a point (then soonest, then by id), else soonest first (then by id).

A day of action puts 1,500 events in one campaign. Reading them all (with their organizations, groups and
shifts) to keep 50 cost most of the public JSON list near a postal code, so only ids, distances and first
starts come back here, and services.events.public loads the events it keeps.

Two ways, tested against each other on the same cases (tests/events/test_nearby.py):

- the ORM rule, on every database: soonest first, the grouped query on the shifts orders and cuts; near a
  point, the events in the bounding box come back as (id, lat, lon) and the great-circle distance
  (services.geo.distance_km) orders and cuts them here;
- on PostgreSQL (outside `db.orm_path()`), one statement: the same haversine formula in SQL, the radius, the
  order and the LIMIT in the database. Its distances are computed again in Python, with the rule's function, so
  that the answer is the rule's to the last digit: the statement keeps a hair more than the radius and a few rows
  more than the limit, and the rule's own distance decides among them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Subquery
from tortoise.functions import Min

from mobilize import db
from mobilize.models import Event, EventStatus, Shift, ShiftStatus, Visibility
from mobilize.services import geo

SLACK_KM = 1e-6  # the statement's distances may differ from Python's in the last bits
SLACK_ROWS = 8


@dataclass(frozen=True)
class Where:
    """What narrows the list. `center` and `radius_km` together, or neither."""

    now: datetime
    campaign_id: int | None = None
    event_type: str | None = None
    host: str | None = None  # an organization's slug
    center: tuple[float, float] | None = None
    radius_km: float = 0.0


@dataclass(frozen=True)
class Ranked:
    event_id: int
    distance_km: float | None  # None without a center
    next_start: datetime


async def first_events(where: Where, limit: int) -> list[Ranked]:
    """The first `limit` events of the list, in order (see the module)."""
    if limit <= 0:
        return []
    if db.postgres_statements():
        return await _statement(where, limit)
    return await _rule(where, limit)


def _order(rows: list[Ranked]) -> list[Ranked]:
    return sorted(rows, key=lambda r: (r.distance_km or 0.0, r.next_start, r.event_id))


def _events(where: Where) -> Any:
    query = Event.filter(visibility=Visibility.PUBLIC, status=EventStatus.SCHEDULED)
    if where.campaign_id is not None:
        query = query.filter(campaign_id=where.campaign_id)
    if where.event_type:
        query = query.filter(event_type=where.event_type)
    if where.host:
        query = query.filter(organization__slug=where.host)
    if where.center is not None:
        min_lat, max_lat, min_lon, max_lon = geo.bounding_box(where.center, where.radius_km)
        query = query.filter(lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon)
    return query


def _upcoming(where: Where) -> Any:
    return Shift.filter(status=ShiftStatus.SCHEDULED, ends_at__gt=where.now)


async def _rule(where: Where, limit: int) -> list[Ranked]:
    """The ORM rule (see the module)."""
    events = _events(where)
    firsts = _upcoming(where).annotate(first=Min("starts_at")).group_by("event_id")
    if where.center is None:
        rows = (
            await firsts.filter(event_id__in=Subquery(events.values("id")))
            .order_by("first", "event_id")
            .limit(limit)
            .values_list("event_id", "first")
        )
        return [Ranked(event_id, None, first) for event_id, first in rows]
    boxed = await events.filter(id__in=Subquery(_upcoming(where).values("event_id"))).values_list("id", "lat", "lon")
    distances = {}
    for event_id, lat, lon in boxed:
        distance = geo.distance_km(where.center, (lat, lon))
        if distance <= where.radius_km:
            distances[event_id] = distance
    if not distances:
        return []
    starts = await firsts.filter(event_id__in=list(distances)).values_list("event_id", "first")
    return _order([Ranked(event_id, distances[event_id], first) for event_id, first in starts])[:limit]


# `e` is the event; :lat and :lon the center. The terms are those of services.geo.distance_km, in its order.
_DISTANCE = """(2 * 6371.0 * asin(sqrt(
    power(sin((radians(e.lat) - radians(CAST(:lat AS double precision))) / 2), 2)
    + cos(radians(CAST(:lat AS double precision))) * cos(radians(e.lat))
    * power(sin((radians(e.lon) - radians(CAST(:lon AS double precision))) / 2), 2))))"""

_FIRST_EVENTS = """
SELECT e.id, e.lat, e.lon, f.first AS next_start, {distance} AS distance_km
FROM event e
CROSS JOIN LATERAL (
    SELECT min(s.starts_at) AS first FROM shift s
    WHERE s.event_id = e.id AND s.status = :shift_scheduled AND s.ends_at > :now
) f
WHERE f.first IS NOT NULL AND e.visibility = :public AND e.status = :event_scheduled {narrow}
ORDER BY {order}
LIMIT :limit
"""


def _statement_sql(where: Where) -> str:
    narrow = []
    if where.campaign_id is not None:
        narrow.append("AND e.campaign_id = :campaign")
    if where.event_type:
        narrow.append("AND e.event_type = :event_type")
    if where.host:
        narrow.append("AND e.organization_id IN (SELECT id FROM organization WHERE slug = :host)")
    if where.center is None:
        return _FIRST_EVENTS.format(distance="NULL", narrow=" ".join(narrow), order="f.first, e.id")
    narrow.append(
        "AND e.lat BETWEEN :min_lat AND :max_lat AND e.lon BETWEEN :min_lon AND :max_lon"
        f" AND {_DISTANCE} <= CAST(:radius AS double precision)"
    )
    return _FIRST_EVENTS.format(distance=_DISTANCE, narrow=" ".join(narrow), order="distance_km, f.first, e.id")


async def _statement(where: Where, limit: int) -> list[Ranked]:
    """The PostgreSQL statement (see the module)."""
    values: dict[str, Any] = {
        "now": where.now,
        "shift_scheduled": ShiftStatus.SCHEDULED.value,
        "public": Visibility.PUBLIC.value,
        "event_scheduled": EventStatus.SCHEDULED.value,
        "campaign": where.campaign_id,
        "event_type": where.event_type,
        "host": where.host,
        "limit": limit,
    }
    if where.center is None:
        rows = await db.fetch_all_named(_statement_sql(where), **values)
        return [Ranked(r["id"], None, r["next_start"]) for r in rows]
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(where.center, where.radius_km)
    values |= {"lat": where.center[0], "lon": where.center[1], "radius": where.radius_km + SLACK_KM}
    values |= {"min_lat": min_lat, "max_lat": max_lat, "min_lon": min_lon, "max_lon": max_lon}
    values["limit"] = limit + SLACK_ROWS
    rows = await db.fetch_all_named(_statement_sql(where), **values)
    found = []
    for r in rows:
        distance = geo.distance_km(where.center, (r["lat"], r["lon"]))
        if distance <= where.radius_km:
            found.append(Ranked(r["id"], distance, r["next_start"]))
    return _order(found)[:limit]
