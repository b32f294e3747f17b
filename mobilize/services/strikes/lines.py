"""The strike's lines as captains and organizers watch them: the next hours of each line's shifts with their
staffing light, how many were on the line each hour of a week (the thin hours), and the members' badges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mobilize.models import Duty, Shift, ShiftStatus, Strike, Volunteer
from mobilize.services.reports import forecast
from mobilize.services.strikes.rules import Rules, week_start

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


async def hourly_presence(strike: Strike, day: date, zone: str) -> tuple[date, list[int]]:
    """People on the strike's lines in each hour of the week containing `day` (168 counts, in `zone`): a person
    counts in an hour they were on duty for any part of."""
    rules = Rules.of(strike.rules)
    start = week_start(day, rules.week_starts_on)
    tz = ZoneInfo(zone)
    begin = datetime.combine(start, time(), tz).astimezone(UTC)
    end = datetime.combine(start + timedelta(days=7), time(), tz).astimezone(UTC)
    rows = (
        await Duty.filter(strike_id=strike.id, signed_in_at__lt=end)
        .exclude(signed_out_at__lte=begin)
        .values_list("volunteer_id", "signed_in_at", "signed_out_at")
    )
    hours: list[set[int]] = [set() for _ in range(168)]
    now = datetime.now(UTC)
    for volunteer_id, signed_in, signed_out in rows:
        a = max(signed_in, begin)
        b = min(signed_out or now, end)
        first = int((a - begin).total_seconds() // 3600)
        last = int(((b - begin).total_seconds() - 1e-6) // 3600)
        for h in range(max(first, 0), min(last, 167) + 1):
            hours[h].add(volunteer_id)
    return start, [len(h) for h in hours]


async def badge_members(strike: Strike) -> list[Volunteer]:
    """Everyone of the organization with a member id, by member id: one badge each."""
    people = await Volunteer.filter(organization_id=strike.organization_id, member_id__not_isnull=True).exclude(
        member_id=""
    )
    return sorted(people, key=lambda v: str(v.member_id))
