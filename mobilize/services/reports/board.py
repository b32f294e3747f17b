"""The day-of-action board on the dashboard's home: the events still to come, soonest first, each with its
sign-ups against its target and the staffing light of its coming shifts; the events that are over, with their
turnout; and the events that have no shift yet. Filters narrow all three the same way. Also the turnout
home's headline numbers per group and campaign."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Subquery
from tortoise.functions import Count, Max, Min

from mobilize.models import (
    Campaign,
    Event,
    EventStatus,
    EventType,
    Organization,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)
from mobilize.services.access import Actor
from mobilize.services.errors import Invalid
from mobilize.services.events.groups import visible_groups
from mobilize.services.events.queries import event_query, load_shifts
from mobilize.services.reports import forecast

LIMIT = 50  # events per list: the board is for the weeks at hand; older ones are on the turnout pages
PAST_LIMIT = 20


@dataclass(frozen=True)
class BoardFilters:
    group: str | None = None
    campaign: str | None = None
    event_type: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    needs_people: bool = False
    search: str = ""
    zone: str = "America/Chicago"  # the day a date filter means

    def holds(self, moment: datetime) -> bool:
        """Whether a shift starting at `moment` falls within the date filters."""
        day = moment.astimezone(ZoneInfo(self.zone)).date()
        return (self.starts_on is None or day >= self.starts_on) and (self.ends_on is None or day <= self.ends_on)

    def check(self) -> None:
        if self.event_type and self.event_type not in {t.value for t in EventType}:
            raise Invalid.field("type", "choose a kind of action from the list")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise Invalid.field("to", "the last day comes before the first")


@dataclass
class BoardRow:
    event: Event
    first: Shift | None  # the next shift (upcoming) or the last one (past)
    shifts: int = 0
    holding: int = 0  # seated: signed up, confirmed or came
    confirmed: int = 0
    target: int = 0
    expected: float = 0.0
    attended: int = 0
    no_show: int = 0
    light: str = "green"
    short_shifts: int = 0  # coming shifts that are not on target

    @property
    def light_label(self) -> str:
        return {"green": "On target", "amber": "Short unless unconfirmed people come", "red": "Understaffed"}[
            self.light
        ]

    @property
    def show_rate(self) -> str:
        marked = self.attended + self.no_show
        return f"{round(100 * self.attended / marked)}%" if marked else "–"


@dataclass
class Board:
    organization: str = ""  # its name, as volunteers read it
    upcoming: list[BoardRow] = field(default_factory=list)
    past: list[BoardRow] = field(default_factory=list)
    unscheduled: list[Event] = field(default_factory=list)


def _events(actor: Actor, filters: BoardFilters) -> Any:
    query = event_query(actor)
    if filters.group:
        query = query.filter(group__slug=filters.group)
    if filters.campaign:
        query = query.filter(campaign__slug=filters.campaign)
    if filters.event_type:
        query = query.filter(event_type=filters.event_type)
    if filters.search:
        query = query.filter(title__icontains=filters.search)
    return query


def _shifts(actor: Actor, filters: BoardFilters) -> Any:
    query = Shift.filter(event__organization_id=actor.organization_id)
    if actor.is_host:
        query = query.filter(event__group_id__in=list(actor.group_ids))
    if filters.group:
        query = query.filter(event__group__slug=filters.group)
    if filters.campaign:
        query = query.filter(event__campaign__slug=filters.campaign)
    if filters.event_type:
        query = query.filter(event__event_type=filters.event_type)
    if filters.search:
        query = query.filter(event__title__icontains=filters.search)
    zone = ZoneInfo(filters.zone)  # the local midnights in UTC: SQLite compares the stored times as text
    if filters.starts_on:
        query = query.filter(starts_at__gte=datetime.combine(filters.starts_on, time(), zone).astimezone(UTC))
    if filters.ends_on:
        ends = datetime.combine(filters.ends_on + timedelta(days=1), time(), zone)
        query = query.filter(starts_at__lt=ends.astimezone(UTC))
    return query


async def _load(event_ids: list[int]) -> list[Event]:
    found = {e.id: e for e in await Event.filter(id__in=event_ids).prefetch_related("group", "campaign")}
    ordered = [found[i] for i in event_ids if i in found]
    await load_shifts(ordered)
    return ordered


async def day_board(actor: Actor, filters: BoardFilters, now: datetime) -> Board:
    """The three lists, in a handful of queries whatever the number of shifts."""
    filters.check()
    board = Board(organization=(await Organization.get(id=actor.organization_id)).name)
    coming = (
        await _shifts(actor, filters)
        .filter(ends_at__gt=now, status=ShiftStatus.SCHEDULED, event__status=EventStatus.SCHEDULED)
        .annotate(first=Min("starts_at"))
        .group_by("event_id")
        .order_by("first")
        .limit(LIMIT)
        .values_list("event_id", "first")
    )
    events = await _load([event_id for event_id, _ in coming])
    live = [s for e in events for s in e.shift_list if s.ends_at > now and s.status == ShiftStatus.SCHEDULED]  # type: ignore[attr-defined]
    outlook = await forecast.shift_outlook(live)
    for event in events:
        mine = [s for s in event.shift_list if s.id in outlook and filters.holds(s.starts_at)]  # type: ignore[attr-defined]
        row = BoardRow(event=event, first=mine[0] if mine else None, shifts=len(mine))
        for shift in mine:
            o = outlook[shift.id]
            row.holding += o.confirmed + o.signed_up + o.attended
            row.confirmed += o.confirmed + o.attended
            row.target += o.target
            row.expected += o.expected
            row.short_shifts += o.light != "green"
        row.expected = round(row.expected, 1)
        row.light = forecast.light(row.target, row.confirmed, row.holding)
        if not filters.needs_people or row.short_shifts:
            board.upcoming.append(row)
    if not filters.needs_people:
        board.past = await _past(actor, filters, now)
        with_shifts = Shift.filter(event__organization_id=actor.organization_id).values_list("event_id", flat=True)
        board.unscheduled = (
            await _events(actor, filters)
            .filter(status=EventStatus.SCHEDULED)
            .exclude(id__in=Subquery(with_shifts))
            .prefetch_related("group", "campaign")
            .order_by("-id")
            .limit(LIMIT)
        )
    return board


async def _past(actor: Actor, filters: BoardFilters, now: datetime) -> list[BoardRow]:
    ended = (
        await _shifts(actor, filters)
        .annotate(last=Max("ends_at"))
        .group_by("event_id")
        .filter(last__lte=now)
        .order_by("-last")
        .limit(PAST_LIMIT)
        .values_list("event_id", "last")
    )
    rows = []
    for event in await _load([event_id for event_id, _ in ended]):
        shifts = event.shift_list  # type: ignore[attr-defined]
        row = BoardRow(event=event, first=shifts[-1] if shifts else None, shifts=len(shifts))
        for shift in shifts:
            counts = shift.counts  # type: ignore[attr-defined]
            row.attended += counts["attended"]
            row.no_show += counts["no_show"]
            row.holding += counts["attended"] + counts["no_show"] + counts["confirmed"] + counts["signed_up"]
            row.target += shift.target
        rows.append(row)
    return rows


@dataclass
class Headline:
    """One group's or campaign's numbers on the turnout home."""

    slug: str
    name: str
    events: int = 0
    signups: int = 0  # holding a seat, whatever happened next
    attended: int = 0
    no_show: int = 0

    @property
    def show_rate(self) -> str:
        marked = self.attended + self.no_show
        return f"{round(100 * self.attended / marked)}%" if marked else "–"


async def _tally(actor: Actor, key: str, heads: dict[int, Headline]) -> list[Headline]:
    """Fill `heads` (by group or campaign id, `key` the event's column) in two grouped queries."""
    ids = list(heads)
    events = (
        await event_query(actor)
        .filter(**{f"{key}__in": ids})
        .annotate(n=Count("id"))
        .group_by(key)
        .values_list(key, "n")
    )
    for owner, n in events:
        heads[owner].events = n
    rows = (
        await Signup.filter(shift__event__organization_id=actor.organization_id, **{f"shift__event__{key}__in": ids})
        .annotate(n=Count("id"))
        .group_by(f"shift__event__{key}", "status")
        .values_list(f"shift__event__{key}", "status", "n")
    )
    for owner, status, n in rows:
        head = heads[owner]
        if status not in (SignupStatus.CANCELLED, SignupStatus.WAITLISTED):
            head.signups += n
        if status == SignupStatus.ATTENDED:
            head.attended += n
        elif status == SignupStatus.NO_SHOW:
            head.no_show += n
    return sorted(heads.values(), key=lambda h: h.name.lower())


async def headlines(actor: Actor) -> tuple[list[Headline], list[Headline]]:
    """Each group's and (except for hosts) each campaign's events, sign-ups, attendance and show rate."""
    group_rows = await visible_groups(actor)
    by_group = await _tally(actor, "group_id", {g.id: Headline(slug=g.slug, name=g.name) for g in group_rows})
    if actor.is_host:
        return by_group, []
    campaigns = await Campaign.filter(organization_id=actor.organization_id)
    by_campaign = await _tally(actor, "campaign_id", {c.id: Headline(slug=c.slug, name=c.name) for c in campaigns})
    return by_group, by_campaign
