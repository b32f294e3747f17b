"""An RRULE expanded into shift start times, with the work bounded as well as the result.

dateutil walks a rule period by period until it has COUNT occurrences, passes UNTIL, or reaches the year 9999,
and it checks UNTIL only against an occurrence: a rule that never matches (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30)
walks ~8,000 years of days, and a sub-daily one billions of periods (a server frozen for a minute or more). So
the walk runs in twin years shortly before 9999, years whose calendar is the same as the schedule's (the same
weekday on 1 January, the same leap years), where it ends within a few decades whatever the rule.
"""

from __future__ import annotations

import calendar
from datetime import MAXYEAR, date, datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import HOURLY, WEEKLY, rrule, rrulestr

from mobilize.schemas import MAX_YEAR, MIN_YEAR
from mobilize.services.errors import Invalid

FIELD = "recurrence.rrule"
MAX_OCCURRENCES = 1000
HORIZON_YEARS = 10  # a schedule of shifts ends within ten years of its first start
MAX_INTERVAL = 1000
MAX_SETPOS = 10  # each position costs the walk a pass over every period's days


def _refuse(message: str) -> Invalid:
    return Invalid.field(FIELD, message)


def _keys(text: str) -> set[str]:
    return {part.split("=", 1)[0].strip().upper() for part in text.split(";") if part.strip()}


def parse_rule(rule: str, local_start: datetime) -> rrule:
    """The rule, parsed and checked for what the walk cannot bound: one RRULE, COUNT or UNTIL (not both),
    INTERVAL from 1 to 1000, no BYEASTER (Easter follows no 400-year cycle), below daily only FREQ=HOURLY with
    the minutes and seconds of dtstart (each hour of a walk would otherwise build up to 3,600 times, or search
    up to 1,440 minutes for the next valid one), and BYSETPOS (at most 10) only for periods of days (in a day
    or an hour, a position past the one or few times there never matches, and each costs a pass per period)."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if "\n" in text or ":" in text:  # a DTSTART line would override dtstart with a naive time
        raise _refuse("one rule, like FREQ=DAILY;COUNT=14; the start goes in dtstart")
    keys = _keys(text)
    if not keys & {"COUNT", "UNTIL"}:
        raise _refuse("needs COUNT or UNTIL so the schedule ends")
    if {"COUNT", "UNTIL"} <= keys:
        raise _refuse("give COUNT or UNTIL, not both")
    if "BYEASTER" in keys:
        raise _refuse("BYEASTER is not supported")
    if keys & {"BYMINUTE", "BYSECOND"}:
        raise _refuse("BYMINUTE and BYSECOND are not supported: the minutes come from dtstart")
    try:
        parsed = rrulestr(text, dtstart=local_start)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise _refuse(f"not a valid RRULE: {exc}") from exc
    if not isinstance(parsed, rrule):  # pragma: no cover - rrulestr without forceset returns rrule
        raise _refuse("one RRULE only")
    # dateutil keeps the parts it parsed in underscored attributes (it has no public accessors for them).
    if not 1 <= parsed._interval <= MAX_INTERVAL:
        raise _refuse(f"INTERVAL must be between 1 and {MAX_INTERVAL}")
    if parsed._freq > HOURLY:
        raise _refuse("shifts repeat at most hourly: FREQ=HOURLY or longer")
    if parsed._bysetpos and parsed._freq > WEEKLY:
        raise _refuse("BYSETPOS needs FREQ=WEEKLY, MONTHLY or YEARLY")
    if parsed._bysetpos and len(parsed._bysetpos) > MAX_SETPOS:
        raise _refuse(f"at most {MAX_SETPOS} BYSETPOS positions")
    return parsed


def expand_recurrence(rule: str, dtstart: datetime, zone: str) -> list[datetime]:
    """Start times (aware, in the event's zone) of a recurrence; wall-clock times survive DST changes. At most
    1000, none past ten years after the first start or the year 2999; answers Invalid naming recurrence.rrule
    (within a fraction of a second, whatever the rule) when the rule goes further or produces nothing."""
    tz = ZoneInfo(zone)
    local = dtstart.astimezone(tz) if dtstart.tzinfo else dtstart.replace(tzinfo=tz)
    if not MIN_YEAR <= local.year <= MAX_YEAR:
        raise Invalid.field("recurrence.dtstart", f"must be between the years {MIN_YEAR} and {MAX_YEAR}")
    parsed = parse_rule(rule, local)
    horizon = local + relativedelta(years=HORIZON_YEARS)
    until: datetime | None = parsed._until
    if until is not None and until > horizon:
        raise _refuse(f"UNTIL is more than {HORIZON_YEARS} years after dtstart")
    if until is not None and until < local:
        raise _refuse("UNTIL is before dtstart")
    # Walked in wall-clock time (naive), in the twin years; the zone goes back on at the end.
    shift = twin_year(local.year, HORIZON_YEARS + 1) - local.year
    start = local.replace(tzinfo=None)
    walk = parsed.replace(
        dtstart=start.replace(year=start.year + shift),
        until=None if until is None else _later(until.astimezone(tz).replace(tzinfo=None), shift),
    )
    starts: list[datetime] = []
    try:
        for occurrence in walk:
            moment = occurrence.replace(year=occurrence.year - shift, tzinfo=tz)
            if moment.year > MAX_YEAR:
                raise _refuse(f"goes past the year {MAX_YEAR}")
            if moment > horizon:
                raise _refuse(f"goes on more than {HORIZON_YEARS} years after dtstart")
            if until is not None and moment > until:  # the exact instant (the walk compared wall times)
                break
            starts.append(moment)
            if len(starts) > MAX_OCCURRENCES:
                raise _refuse(f"more than {MAX_OCCURRENCES} occurrences")
    except ValueError as exc:  # dateutil: "Invalid combination of interval and byhour resulting in empty rule"
        raise _refuse(f"not a valid RRULE: {exc}") from exc
    if not starts:
        raise _refuse(f"produces no occurrence within {HORIZON_YEARS} years of dtstart")
    if parsed._count is not None and len(starts) < parsed._count:
        # The walk ended at the year 9999, later than the horizon: the rest fall after it, or never.
        raise _refuse(f"goes on more than {HORIZON_YEARS} years after dtstart")
    return starts


def _same_calendar(year: int, twin: int, span: int) -> bool:
    return all(
        calendar.isleap(year + n) == calendar.isleap(twin + n)
        and date(year + n, 1, 1).weekday() == date(twin + n, 1, 1).weekday()
        for n in range(span)
    )


def twin_year(year: int, span: int) -> int:
    """The latest year from which `span` years (and the next, which a weekly period may reach) have the same
    calendar as those from `year`, and end before 9999. Found within a few decades (the weekdays repeat every
    28 years between the century years that are not leap years), and always: the Gregorian calendar repeats
    exactly every 400 years."""
    twin = MAXYEAR - span
    while not _same_calendar(year, twin, span + 1):
        twin -= 1
    return twin


def _later(moment: datetime, years: int) -> datetime:
    return moment.replace(year=moment.year + years)
