"""How a moment reads to a person: every time a page, a text or an email shows, always in a named IANA zone
and with that zone's abbreviation beside it (an event's own zone on what concerns the event, the
organization's zone elsewhere). Pure functions, no models: the web layer and the services both format here.

Built by hand rather than with strftime: `%-I` is not portable and `%p` follows the process locale."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

FALLBACK_ZONE = "UTC"  # only for a zone name that no longer exists on this system


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The zone of that name (UTC for a name the system does not know, so a page never fails on it)."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo(FALLBACK_ZONE)


def local(moment: datetime, name: str) -> datetime:
    return moment.astimezone(zone(name))


def clock(moment: datetime) -> str:
    """'6:00 AM' (the moment as it is, already in the zone wanted)."""
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def day_label(moment: datetime, today: datetime | date) -> str:
    text = f"{moment:%a}, {moment:%b} {moment.day}"
    return text if moment.year == today.year else f"{text}, {moment.year}"


def _today(name: str, now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(zone(name))


def format_span(starts_at: datetime, ends_at: datetime, name: str, now: datetime | None = None) -> str:
    """'Sat, May 1, 10:00 AM – 12:00 PM CDT' in zone `name`; the year only when it is not the current one."""
    start, end = local(starts_at, name), local(ends_at, name)
    today = _today(name, now)
    head = f"{day_label(start, today)}, {clock(start)}"
    if start.date() != end.date():
        return f"{head} {start.tzname()} – {day_label(end, today)}, {clock(end)} {end.tzname()}"
    if start.tzname() != end.tzname():  # a night shift across a daylight-saving change
        return f"{head} {start.tzname()} – {clock(end)} {end.tzname()}"
    return f"{head} – {clock(end)} {end.tzname()}"


def format_moment(moment: datetime, name: str, now: datetime | None = None) -> str:
    """'Sat, May 1, 10:00 AM CDT' in zone `name`; the year only when it is not the current one."""
    at = local(moment, name)
    return f"{day_label(at, _today(name, now))}, {clock(at)} {at.tzname()}"


def format_clock(moment: datetime, name: str) -> str:
    """'6:00 AM CDT': the time of day alone, for a page that already says which day."""
    at = local(moment, name)
    return f"{clock(at)} {at.tzname()}"


def hour_minute(moment: datetime, name: str) -> str:
    """'14:00': the 24-hour time of day in zone `name`, as texts about a shift starting soon say it."""
    return f"{local(moment, name):%H:%M}"


def format_date(moment: datetime, name: str) -> str:
    """'2026-05-01': the day it was in zone `name` (for tables of dates)."""
    return local(moment, name).date().isoformat()


def text_span(starts_at: datetime, ends_at: datetime, name: str) -> str:
    """'Sat May 1, 10:00 AM-12:00 PM CDT': the shorter form texts and emails use."""
    start, end = local(starts_at, name), local(ends_at, name)
    return f"{start:%a} {start:%b} {start.day}, {clock(start)}-{clock(end)} {end.tzname()}"


def wall_input(moment: datetime, name: str) -> str:
    """'2026-05-01T10:00': a `datetime-local` field's value, in zone `name`."""
    return local(moment, name).strftime("%Y-%m-%dT%H:%M")


def zone_label(name: str, now: datetime | None = None) -> str:
    """'America/Chicago (CDT)': the zone named as a page says it shows its times in."""
    return f"{name} ({_today(name, now).tzname()})"
