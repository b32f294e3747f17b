"""Quiet hours: no SMS at night in the recipient's time zone. Pure functions, no I/O.

A window is (start, end) in local wall time, e.g. (21:00, 08:00). It crosses midnight when start > end;
start == end means no quiet hours at all. An SMS due inside the window is moved to the last allowed moment
before it: one minute before the window opened (the previous evening for an early-morning reminder). An SMS
written inside it waits until it closes, except urgent news about a shift (`notice_due_at`): waiting would
leave too little notice, so it goes at once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

QuietHours = tuple[time, time]
DEFAULT_QUIET_HOURS: QuietHours = (time(21, 0), time(8, 0))
MARGIN = timedelta(minutes=1)
# Default URGENT_NOTICE_HOURS: news about a shift starting sooner than this after the quiet hours end goes at once.
URGENT_NOTICE = timedelta(hours=3)


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


def notice_due_at(now: datetime, starts_at: datetime, zone: str, window: QuietHours, urgent: timedelta) -> datetime:
    """The time to send urgent news about a shift (a cancellation, a change, a seat) written `now`: as soon as
    quiet hours allow (`sms_send_after`), unless the shift starts less than `urgent` after that: then now, at
    night if need be (people must hear of it before they set out). `urgent` of zero: never. In UTC."""
    after = sms_send_after(now, zone, window)
    if urgent > timedelta(0) and starts_at - after < urgent:
        return now.astimezone(UTC)
    return after
