"""The event page's list of shifts, grouped to be read and picked at a glance: a heading per week, one line per
day (its date, then each shift's time range and seats), times in the event's zone with the zone named; and
reading which shifts a sign-up form ticked, and what the page after it says about them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mobilize.calendar.links import google_calendar_url
from mobilize.models import Event, Shift, Signup
from mobilize.times import day_label
from mobilize.web.text import row_id
from mobilize.web.views import ShiftView, format_span, shift_view


@dataclass(frozen=True)
class Slot:
    """One shift on its day's line."""

    view: ShiftView
    times: str  # "6–10 AM CST"
    seats: str  # "12 seats left", "Full — join the waitlist", "Cancelled" (and "under way")


@dataclass
class Day:
    key: str  # ISO date, for element ids
    label: str  # "Mon, Dec 7"
    slots: list[Slot] = field(default_factory=list)

    @property
    def parts(self) -> tuple[str, str]:
        """("Mon,", "Dec 7"): a phone shows them on two lines."""
        weekday, _, rest = self.label.partition(" ")
        return weekday, rest


@dataclass
class Week:
    key: str
    label: str  # "Week of Mon, Dec 7"
    days: list[Day] = field(default_factory=list)


def _clock(moment: datetime) -> str:
    """'6 AM', '6:30 AM': a whole hour without its minutes, as people write a shift's times."""
    hour = f"{moment.hour % 12 or 12}" + (f":{moment.minute:02d}" if moment.minute else "")
    return f"{hour} {'AM' if moment.hour < 12 else 'PM'}"


def time_range(starts_at: datetime, ends_at: datetime, zone: str, now: datetime, usual: str = "") -> str:
    """'6–10 AM', '10 AM–2 PM' in `zone`, with its zone's name ('6–10 AM CDT') unless it is `usual` (the one
    the list names once); the end's day when it is another one, each zone name when they differ (a night
    across a daylight-saving change)."""
    tz = ZoneInfo(zone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    first, last = _clock(start), _clock(end)
    if start.date() != end.date():
        last = f"{day_label(end, now.astimezone(tz))}, {last}"
    elif start.tzname() == end.tzname() and first[-2:] == last[-2:]:
        first = first[:-3]  # "6–10 AM": one AM for both
    if start.tzname() != end.tzname():
        return f"{first} {start.tzname()} – {last} {end.tzname()}"
    separator = " – " if start.date() != end.date() else "–"
    named = "" if end.tzname() == usual else f" {end.tzname()}"
    return f"{first}{separator}{last}{named}"


def _seats(view: ShiftView) -> str:
    if view.state == "cancelled":
        return "Cancelled"
    text = "Full — join the waitlist" if view.state == "waitlist" else f"{view.seats_left} seats left"
    if view.seats_left == 1 and view.state == "open":
        text = "1 seat left"
    return text + (" · under way" if view.under_way else "")


@dataclass
class Listing:
    """The shifts by week and day, and the name of the zone their times are in ('America/Chicago (CST)'; a
    shift in another offset of it, across a daylight-saving change, names its own: 'unless marked')."""

    weeks: list[Week]
    zone: str


def listing(shifts: Iterable[Shift], views: dict[int, ShiftView], event: Event, now: datetime) -> Listing:
    """The shifts (by start) that have a view, in weeks starting on Monday and days, in the event's zone."""
    tz = ZoneInfo(event.timezone)
    today = now.astimezone(tz)
    shown = sorted((s for s in shifts if s.id in views), key=lambda s: (s.starts_at, s.id))
    usual = (shown[0].starts_at if shown else now).astimezone(tz).tzname() or ""
    found: list[Week] = []
    marked = False
    for shift in shown:
        start = shift.starts_at.astimezone(tz)
        monday = start.date() - timedelta(days=start.weekday())
        if not found or found[-1].key != monday.isoformat():
            monday_at = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
            found.append(Week(key=monday.isoformat(), label=f"Week of {day_label(monday_at, today)}"))
        week = found[-1]
        if not week.days or week.days[-1].key != start.date().isoformat():
            week.days.append(Day(key=start.date().isoformat(), label=day_label(start, today)))
        times = time_range(shift.starts_at, shift.ends_at, event.timezone, now, usual)
        marked = marked or {start.tzname(), shift.ends_at.astimezone(tz).tzname()} != {usual}
        view = views[shift.id]
        week.days[-1].slots.append(Slot(view=view, times=times, seats=_seats(view)))
    return Listing(weeks=found, zone=f"{event.timezone} ({usual}{' unless marked' if marked else ''})")


def picked(values: Iterable[object], open_ids: set[int]) -> tuple[list[int], str]:
    """The shift ids a form ticked (each once, in the order sent), and what is wrong with them
    ("" when nothing): none ticked, or one that is not (or no longer) open to sign-ups on this page."""
    ids: list[int] = []
    for value in values:
        shift_id = row_id(value)
        if shift_id is None:
            return [], "Choose shifts from the list."
        if shift_id not in open_ids:
            return [], "One of the shifts you chose no longer takes sign-ups. Please choose again."
        if shift_id not in ids:
            ids.append(shift_id)
    if not ids:
        return [], "Choose at least one shift."
    return ids, ""


def held(fields: dict[str, str], shift_ids: list[int], event: Event) -> list[str]:
    """When the shifts are that an AlreadySignedUp names (`shifts.N` of `shift_ids`), in the event's zone."""
    by_id = {s.id: s for s in getattr(event, "shift_list", [])}
    ids = [shift_ids[int(name.split(".")[1])] for name in fields if name.startswith("shifts.")]
    return [format_span(by_id[i].starts_at, by_id[i].ends_at, event.timezone) for i in ids if i in by_id]


@dataclass(frozen=True)
class Picked:
    """A shift just signed up for, on the page that confirms it."""

    shift: ShiftView
    status: str
    position: int | None  # on the waitlist: 1 = next in line
    google_url: str


def confirmation_rows(
    found: list[tuple[Signup, int | None]], event: Event, event_url: str, now: datetime
) -> list[Picked]:
    return [
        Picked(
            shift=shift_view(signup.shift, event, now),
            status=str(signup.status),
            position=position,
            google_url=google_calendar_url(event, signup.shift, event_url),
        )
        for signup, position in found
    ]
