"""The strike's lines as captains and organizers watch them: the next hours of each line's shifts with their
staffing light, how many were on the line each hour of a week (the thin hours), and the members' badges."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Q

from mobilize import db
from mobilize.models import Duty, Shift, ShiftStatus, Strike, Volunteer
from mobilize.services.reports import forecast
from mobilize.services.strikes import postgres
from mobilize.services.strikes.rules import Rules, week_start
from mobilize.strike_schemas import MAX_STRETCH

AHEAD = timedelta(hours=48)


async def upcoming(strike: Strike, now: datetime | None = None) -> list[dict[str, Any]]:
    """Shifts of the strike's lines under way or starting in the next 48 hours, with their forecast light."""
    now = (now or datetime.now(UTC)).astimezone(UTC)  # SQLite compares stored times as text, in UTC
    shifts = (
        await Shift.filter(
            event__strike_id=strike.id,
            event__organization_id=strike.organization_id,
            status=ShiftStatus.SCHEDULED,
            ends_at__gt=now,
            starts_at__lt=now + AHEAD,
        )
        .order_by("starts_at", "id")
        .prefetch_related("event")
    )
    outlooks = await forecast.shift_outlook(shifts)
    return [{"shift": s, "event": s.event, "outlook": outlooks.get(s.id)} for s in shifts]


async def presence_orm(strike_id: int, begin: datetime, end: datetime, now: datetime) -> list[int]:
    """The reference: every stretch of duty in the week read, its hours marked here."""
    rows = await Duty.filter(
        Q(signed_out_at__isnull=True) | Q(signed_out_at__gt=begin),
        strike_id=strike_id,
        signed_in_at__gte=begin - MAX_STRETCH,
        signed_in_at__lt=end,
    ).values_list("volunteer_id", "signed_in_at", "signed_out_at")
    hours: list[set[int]] = [set() for _ in range(168)]
    for volunteer_id, signed_in, signed_out in rows:
        a = max(signed_in, begin)
        b = min(signed_out or now, end)
        first = math.floor((a - begin).total_seconds() / 3600)
        last = math.ceil((b - begin).total_seconds() / 3600) - 1
        for h in range(max(first, 0), min(last, 167) + 1):
            hours[h].add(volunteer_id)
    return [len(h) for h in hours]


async def hourly_presence(strike: Strike, day: date, zone: str, now: datetime | None = None) -> tuple[date, list[int]]:
    """People on the strike's lines in each hour of the week containing `day` (168 counts, in `zone`): a person
    counts in an hour they were on duty for any part of (open duty until now)."""
    rules = Rules.of(strike.rules)
    start = week_start(day, rules.week_starts_on)
    tz = ZoneInfo(zone)
    begin = datetime.combine(start, time(), tz).astimezone(UTC)
    end = datetime.combine(start + timedelta(days=7), time(), tz).astimezone(UTC)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if db.postgres_statements():
        return start, await postgres.hourly_presence(strike.id, begin, end, now)
    return start, await presence_orm(strike.id, begin, end, now)


async def badge_members(strike: Strike) -> list[Volunteer]:
    """Everyone of the organization with a member id, by member id: one badge each."""
    people = await Volunteer.filter(organization_id=strike.organization_id, member_id__not_isnull=True).exclude(
        member_id=""
    )
    return sorted(people, key=lambda v: str(v.member_id))
