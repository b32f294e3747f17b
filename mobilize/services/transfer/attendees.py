"""Attendee exports from the tools people leave (Mobilize, Action Network) or in our own columns: each row a
person on an event's time slot, and whether they came. A row goes on the organization's shift of an event
with the same title starting at the same moment; without one, on a past event of that title (or a new past
event, private, in the group given) as a new shift. The person is matched or created as `import volunteers`
does, and the sign-up is attended or a no-show (services.signups.attendance: never before the shift).

A row is written whole (event, shift, person, sign-up: one transaction) or rejected with its reason; every
column not used is reported; running a file again changes nothing (its rows find their shifts by title and
start, their people and their sign-ups)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mobilize.models import (
    ActionGroup,
    Event,
    EventType,
    Organization,
    Shift,
    Signup,
    SignupSource,
    SignupStatus,
    Visibility,
)
from mobilize.services.access import Actor
from mobilize.services.errors import DomainError, Invalid
from mobilize.services.events.shifts import create_shift
from mobilize.services.people import Contact
from mobilize.services.signups.attendance import add_with_attendance, require_attendance_open
from mobilize.services.transfer.volunteers import ImportPlan, header_key, import_person, parse_person, plan_columns

DEFAULT_LENGTH = timedelta(hours=2)  # a time slot without an end
EVENT_FIELDS = ("event_id", "title", "start", "end", "timezone", "attended", "status", "event_type")
# Our field -> the column names each tool's attendee export has used (normalized as header_key does).
EVENT_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "plain": {
        "event_id": ("event_id",), "title": ("event_title", "event", "title"),
        "start": ("starts_at", "shift_start", "start", "start_time"),
        "end": ("ends_at", "shift_end", "end", "end_time"),
        "timezone": ("timezone",), "attended": ("attended",), "status": ("status", "attendance"),
        "event_type": ("event_type",),
    },
    "mobilize": {
        "event_id": ("event_id",), "title": ("event_title", "event_name", "event", "title"),
        "start": ("timeslot_start", "timeslot_start_date", "timeslot_start_time", "start_date", "start"),
        "end": ("timeslot_end", "timeslot_end_date", "timeslot_end_time", "end_date", "end"),
        "timezone": ("timezone", "event_timezone", "timeslot_timezone"),
        "attended": ("attended", "attendance"), "status": ("status", "attendance_status", "participation_status"),
        "event_type": ("event_type",),
    },
    "actionnetwork": {
        "event_id": ("event_id", "event_uuid"), "title": ("event", "event_title", "event_name", "title"),
        "start": ("start_date", "event_start", "start_time", "event_date"),
        "end": ("end_date", "event_end", "end_time"), "timezone": ("timezone", "time_zone"),
        "attended": ("attended", "can2_attended", "checked_in"), "status": ("status", "rsvp_status"),
        "event_type": ("event_type",),
    },
}  # fmt: skip
CAME = {"1", "true", "yes", "y", "x", "attended", "checked_in", "present", "showed_up"}
DID_NOT = {"", "0", "false", "no", "n", "no_show", "noshow", "absent", "did_not_attend", "not_attended"}
CANCELLED = {"cancelled", "canceled", "declined", "removed", "deleted"}
TYPES = {
    "canvass": EventType.CANVASS, "community_canvass": EventType.CANVASS, "literature_drop_off": EventType.CANVASS,
    "signature_gathering": EventType.CANVASS, "phone_bank": EventType.PHONE_BANK, "text_bank": EventType.PHONE_BANK,
    "automated_phone_bank": EventType.PHONE_BANK, "advocacy_call": EventType.PHONE_BANK, "rally": EventType.RALLY,
    "visibility_event": EventType.RALLY, "solidarity_event": EventType.RALLY, "picket": EventType.PICKET,
    "training": EventType.TRAINING, "workshop": EventType.TRAINING, "meeting": EventType.MEETING,
    "town_hall": EventType.MEETING, "house_party": EventType.MEETING, "community": EventType.MEETING,
    "meet_greet": EventType.MEETING,
}  # fmt: skip
FORMATS_READ = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p",
                "%m/%d/%Y %I:%M:%S %p", "%m/%d/%y %H:%M", "%m/%d/%y %I:%M %p")  # fmt: skip


@dataclass
class AttendeePlan:
    """How a file is read: its people's columns (ImportPlan), its events' columns, and what is not used."""

    people: ImportPlan
    events: dict[str, str]  # our field -> its column
    unused: list[str]


def plan_attendees(headers: list[str], format_name: str = "auto", one_shift: bool = False) -> AttendeePlan:
    """Which column feeds which field. Without `one_shift` (every row on one given shift), a file needs an
    event title and a start column; it always needs an attended or status column."""
    by_key = {header_key(h): h for h in headers}
    people = plan_columns(headers, format_name, extra=tuple(by_key))  # the people's columns, as for volunteers
    columns = EVENT_COLUMNS.get(people.format.name, EVENT_COLUMNS["plain"])
    taken = set(people.used.values())
    events: dict[str, str] = {}
    wanted = ("attended", "status") if one_shift else EVENT_FIELDS
    for name in wanted:
        column = next((by_key[a] for a in columns[name] if a in by_key and by_key[a] not in taken), None)
        if column is not None:
            events[name] = column
            taken.add(column)
    if not one_shift and not {"title", "start"} <= set(events):
        names = ", ".join(columns["title"][:2] + columns["start"][:2])
        raise Invalid.field("file", f"needs the event's title and start columns (such as {names}), or --shift")
    if not {"attended", "status"} & set(events):
        raise Invalid.field("file", "needs an attended or a status column: whether each person came")
    return AttendeePlan(people, events, [h for h in headers if h not in taken])


@dataclass
class AttendeeReport:
    added: int = 0  # new sign-ups
    changed: int = 0  # sign-ups given a different mark
    unchanged: int = 0  # already so
    events: int = 0  # past events created
    shifts: int = 0  # shifts created
    rejected: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Slot:
    """Where a row goes: an event's title and time slot, in a zone."""

    key: str  # the source's event (its id, else its title), for the rows of one event to share one
    title: str
    starts_at: datetime
    ends_at: datetime
    zone: str | None
    event_type: EventType


def outcome(row: dict[str, str], plan: AttendeePlan) -> SignupStatus:
    """Attended or a no-show; ValueError naming the column when neither (or a cancelled sign-up)."""
    status_column, attended_column = plan.events.get("status"), plan.events.get("attended")
    status = header_key(row.get(status_column, "")) if status_column else ""
    if status in CANCELLED:
        raise ValueError(f"{status_column}: {row[status_column or '']}: the sign-up was cancelled, nobody was expected")
    if attended_column:
        value = header_key(row.get(attended_column, ""))
        if value in CAME:
            return SignupStatus.ATTENDED
        if value in DID_NOT:  # an empty mark after the event: nobody checked them in (as our own sweep says)
            return SignupStatus.NO_SHOW
        raise ValueError(f"{attended_column}: say yes or no, not {row.get(attended_column)!r}")
    if status in CAME:
        return SignupStatus.ATTENDED
    if status in DID_NOT - {""}:
        return SignupStatus.NO_SHOW
    column = status_column or "status"
    raise ValueError(f"{column}: say attended or no_show, not {row.get(column, '')!r}")


def zone_of(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not a time zone (an IANA name such as America/Chicago)") from exc
    return name


def moment(text: str, zone: str | None, column: str) -> datetime:
    """A time as exports write it: ISO 8601 (with or without an offset), `MM/DD/YYYY HH:MM [AM]`, or Unix
    seconds. Without an offset, it is read in `zone`."""
    text = text.strip()
    if re.fullmatch(r"\d{9,11}", text):
        return datetime.fromtimestamp(int(text), UTC)
    found = _read_time(text)
    if found is None:
        raise ValueError(f"{column}: {text!r} is not a date and time")
    if found.tzinfo is None:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(f"{column}: {text!r} needs a time of day")
        if zone is None:
            raise ValueError(f"{column}: {text!r} has no UTC offset: give --timezone (or a timezone column)")
        found = found.replace(tzinfo=ZoneInfo(zone))
    return found.astimezone(UTC)


def _read_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for shape in FORMATS_READ:
        try:
            return datetime.strptime(text.upper(), shape)
        except ValueError:
            continue
    return None


def slot_of(row: dict[str, str], plan: AttendeePlan, default_zone: str | None) -> Slot:
    get = {name: row.get(column, "").strip() for name, column in plan.events.items()}
    title = get.get("title", "")
    if not title:
        raise ValueError(f"{plan.events['title']}: the event's title is empty")
    zone = zone_of(get["timezone"]) if get.get("timezone") else default_zone
    starts_at = moment(get.get("start", ""), zone, plan.events["start"])
    ends_at = moment(get["end"], zone, plan.events["end"]) if get.get("end") else starts_at + DEFAULT_LENGTH
    if ends_at <= starts_at:
        raise ValueError(f"{plan.events['end']}: ends before it starts")
    kind = TYPES.get(header_key(get.get("event_type", "")), EventType.OTHER)
    key = get.get("event_id") or title.casefold()
    return Slot(key, title[:200], starts_at, ends_at, zone, kind)


async def places_for(org: Organization, group_slug: str | None, tool: str, needed: bool = True) -> Places:
    """Where the rows go. The group new past events are created in: the one named, or the organization's
    only group (with several and none named, rows without an event here are rejected, saying so)."""
    groups = ActionGroup.filter(organization_id=org.id)
    if group_slug:
        group = await groups.get_or_none(slug=group_slug)
        if group is None:
            raise Invalid.field("group", f"no group {group_slug!r} in {org.slug}")
    else:
        found = await groups.limit(2)
        group = found[0] if len(found) == 1 else None
    return Places(org, group if needed else None, tool)


async def default_zone(org: Organization, zone: str | None) -> str | None:
    """The zone of times written without a UTC offset: the one given, else the organization's latest event's."""
    if zone:
        try:
            return zone_of(zone)
        except ValueError as exc:
            raise Invalid.field("timezone", str(exc)) from exc
    latest = await Event.filter(organization_id=org.id).order_by("-id").first()
    return latest.timezone if latest else None


@dataclass
class Places:
    """The events and shifts rows go to, found once each; the events this run created, by source event."""

    org: Organization
    group: ActionGroup | None
    tool: str
    created_events: dict[str, int] = field(default_factory=dict)
    created_shifts: set[int] = field(default_factory=set)

    async def shift_for(self, slot: Slot) -> tuple[int, int | None, int | None]:
        """(shift id, id of an event created for it, id of a shift created for it)."""
        found = (
            await Shift.filter(
                event__organization_id=self.org.id, event__title__iexact=slot.title, starts_at=slot.starts_at
            )
            .order_by("id")
            .first()
        )
        if found is not None:
            return found.id, None, None
        event_id = self.created_events.get(slot.key) or await self._past_event(slot)
        new_event = None
        if event_id is None:
            if self.group is None:
                raise ValueError("no event of that title at that time here: give --group to create past events")
            if slot.zone is None:
                raise ValueError("the event needs a time zone: give --timezone (or a timezone column)")
            event = await Event.create(
                organization_id=self.org.id, group=self.group, title=slot.title, event_type=slot.event_type,
                timezone=slot.zone, visibility=Visibility.PRIVATE, description=f"Imported from {self.tool}.",
            )  # fmt: skip
            event_id = new_event = event.id
        shift = await create_shift(await Event.get(id=event_id), slot.starts_at, slot.ends_at, 1, 0)
        return shift.id, new_event, shift.id

    async def _past_event(self, slot: Slot) -> int | None:
        """An event of the organization with this title and no shift still to end: history, never a current
        event (its feed and page would show the past shift)."""
        now = datetime.now(UTC)
        events = Event.filter(organization_id=self.org.id, title__iexact=slot.title).exclude(shifts__ends_at__gt=now)
        found = await events.order_by("id").first()
        return found.id if found else None


async def import_attendees(
    actor: Actor,
    rows: Iterator[tuple[int, dict[str, str]]],
    plan: AttendeePlan,
    places: Places,
    report: AttendeeReport,
    region: str,
    *,
    shift_id: int | None = None,
    default_zone: str | None = None,
    tool_words: str | None = None,
) -> AsyncIterator[tuple[int, str | None]]:
    """Import rows one by one, each whole or not at all, counting them in `report`; yields (line, reason it
    was rejected or None). A second run changes nothing."""
    source = f"import:{places.tool}"[:32]
    for line, row in rows:
        try:
            person = parse_person(row, plan.people, region, tool_words)
            status = outcome(row, plan)
            slot = None if shift_id else slot_of(row, plan, default_zone)
            if slot is not None:  # refused before anything is looked up or made
                require_attendance_open(Shift(starts_at=slot.starts_at, ends_at=slot.ends_at), status)
        except (ValueError, DomainError) as exc:
            report.rejected.append((line, exc.message if isinstance(exc, DomainError) else str(exc)))
            yield line, report.rejected[-1][1]
            continue
        try:
            async with in_transaction():
                new_event = new_shift = None
                target = shift_id
                if slot is not None:
                    target, new_event, new_shift = await places.shift_for(slot)
                assert target is not None
                await import_person(places.org, person, source)
                before = await _mark_of(target, places.org.id, person.contact)
                signup, created = await add_with_attendance(
                    actor, target, person.contact, status, source=SignupSource.IMPORT
                )
        except (ValueError, DomainError) as exc:
            report.rejected.append((line, exc.message if isinstance(exc, DomainError) else str(exc)))
            yield line, report.rejected[-1][1]
            continue
        if new_event is not None and slot is not None:
            places.created_events[slot.key] = new_event
            report.events += 1
        if new_shift is not None:
            places.created_shifts.add(new_shift)
            report.shifts += 1
        if created:
            report.added += 1
        elif before == signup.status:
            report.unchanged += 1
        else:
            report.changed += 1
        yield line, None
    if places.created_shifts:  # a past shift seats everyone who was there
        await Shift.filter(id__in=list(places.created_shifts), capacity__lt=F("filled")).update(capacity=F("filled"))


async def _mark_of(shift_id: int, organization_id: int, contact: Contact) -> str | None:
    """The person's mark on the shift before this row (None: not on it)."""
    query = Signup.filter(shift_id=shift_id, holder=shift_id, volunteer__organization_id=organization_id)
    for column, value in (("volunteer__phone", contact.phone), ("volunteer__email", contact.email)):
        found = await query.filter(**{column: value}).first() if value else None
        if found is not None:
            return str(found.status)
    return None
