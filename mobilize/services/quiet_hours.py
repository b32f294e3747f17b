"""Quiet hours: no SMS at night in the recipient's time zone. Pure functions, no I/O.

A window is (start, end) in local wall time, e.g. (21:00, 08:00). It crosses midnight when start > end;
start == end means no quiet hours at all. An SMS due inside the window is moved to the last allowed moment
before it: one minute before the window opened (the previous evening for an early-morning reminder).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

QuietHours = tuple[time, time]
DEFAULT_QUIET_HOURS: QuietHours = (time(21, 0), time(8, 0))
MARGIN = timedelta(minutes=1)


def _wall_to_utc(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The first instant at which the local clock reads `wall` on `day`, or passes it: on a DST fall-back
    the earlier of the two readings, and in a spring-forward gap the (earlier) pre-gap reading, so the
    window is taken as opening no later than it really does."""
    candidates = [datetime.combine(day, wall, tzinfo=tz).replace(fold=fold).astimezone(UTC) for fold in (0, 1)]
    return min(candidates)


def quiet_night_start(moment: datetime, zone: str, window: QuietHours) -> datetime | None:
    """When the quiet window containing `moment` opened (UTC), or None when `moment` is not in quiet hours."""
    start, end = window
    if start == end:
        return None
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    wall = local.time().replace(tzinfo=None)
    if start < end:  # e.g. 01:00-06:00: the window lies within one day
        if start <= wall < end:
            return _wall_to_utc(local.date(), start, tz)
        return None
    # Crosses midnight (21:00-08:00): the evening part opened today, the morning part opened yesterday.
    if wall >= start:
        return _wall_to_utc(local.date(), start, tz)
    if wall < end:
        return _wall_to_utc(local.date() - timedelta(days=1), start, tz)
    return None


def sms_due_at(due: datetime, zone: str, window: QuietHours) -> datetime:
    """The time to send an SMS meant for `due` (aware): unchanged outside quiet hours, else one minute
    before the window opened. Returned in UTC."""
    opened = quiet_night_start(due, zone, window)
    if opened is None:
        return due.astimezone(UTC)
    return opened - MARGIN


def quiet_night_end(moment: datetime, zone: str, window: QuietHours) -> datetime | None:
    """When the quiet window containing `moment` closes (UTC), or None when `moment` is not in quiet hours."""
    if quiet_night_start(moment, zone, window) is None:
        return None
    start, end = window
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    wall = local.time().replace(tzinfo=None)
    # In the evening part of a window crossing midnight, it closes tomorrow; otherwise later today.
    day = local.date() + timedelta(days=1) if start > end and wall >= start else local.date()
    return _wall_to_utc(day, end, tz)


def sms_send_after(now: datetime, zone: str, window: QuietHours) -> datetime:
    """The time to send an SMS written `now` to go out as soon as allowed: now outside quiet hours, else when
    the window closes. Unlike `sms_due_at` (for planned messages, moved earlier), nothing can move earlier
    than now: one minute before the window opened has already passed. Returned in UTC."""
    closes = quiet_night_end(now, zone, window)
    return now.astimezone(UTC) if closes is None else closes
