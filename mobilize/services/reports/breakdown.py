"""Turnout reports for the dashboard: per action group, campaign or event, the figures, their breakdown
(per event or per group), per day, new versus returning volunteers, and the outlook of upcoming shifts.

Definitions (the README repeats them): `signups` are sign-ups that held a seat (signed up, confirmed,
attended, no-show; not waitlisted or cancelled); `confirmed` are those confirmed and not yet checked in;
`walk_ins` are sign-ups from the walk_in source (also counted in signups and attended); show rate is
attended / (attended + no-shows). A volunteer is `returning` when they attended a shift of the organization
that started before their first shift in the report, `new` otherwise. Days are the shift's start date in
its event's time zone. A host's report covers their groups only.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from mobilize import db
from mobilize.models import ActionGroup, Event, Shift, ShiftStatus, SignupSource, SignupStatus
from mobilize.services.access import Actor
from mobilize.services.errors import NotFound
from mobilize.services.events.groups import get_campaign, get_group
from mobilize.services.reports import forecast

SEATED = (SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED, SignupStatus.ATTENDED, SignupStatus.NO_SHOW)
MAX_UPCOMING = 50  # upcoming shifts listed with their outlook


@dataclass(slots=True)
class Figures:
    signups: int = 0
    confirmed: int = 0
    attended: int = 0
    no_show: int = 0
    walk_ins: int = 0
    waitlisted: int = 0
    cancelled: int = 0

    def add(self, status: str, source: str, n: int) -> None:
        if status in SEATED:
            self.signups += n
        if status == SignupStatus.CONFIRMED:
            self.confirmed += n
        elif status == SignupStatus.ATTENDED:
            self.attended += n
        elif status == SignupStatus.NO_SHOW:
            self.no_show += n
        elif status == SignupStatus.WAITLISTED:
            self.waitlisted += n
        elif status == SignupStatus.CANCELLED:
            self.cancelled += n
        if source == SignupSource.WALK_IN and status in SEATED:
            self.walk_ins += n

    def merge(self, other: Figures) -> None:
        # Spelled out: this runs a few times per shift of a campaign (thousands), a loop over fields is slower.
        self.signups += other.signups
        self.confirmed += other.confirmed
        self.attended += other.attended
        self.no_show += other.no_show
        self.walk_ins += other.walk_ins
        self.waitlisted += other.waitlisted
        self.cancelled += other.cancelled

    @property
    def show_rate(self) -> float | None:
        decided = self.attended + self.no_show
        return self.attended / decided if decided else None


@dataclass
class Row:
    label: str
    key: int | str  # event id or group slug
    figures: Figures = field(default_factory=Figures)


@dataclass
class Report:
    kind: str  # group | campaign | event
    title: str
    key: int | str
    totals: Figures
    rows: list[Row]  # per event (group and campaign reports), per shift (event report)
    groups: list[Row]  # per group (campaign reports)
    days: list[tuple[date, Figures]]
    new_volunteers: int
    returning_volunteers: int
    upcoming: list[tuple[Any, forecast.Outlook]]  # (shift view dict, outlook)


async def _scope(actor: Actor, kind: str, key: str | int) -> tuple[str, dict[str, Any]]:
    """The report's title and the filter on events that defines it (hosts: their groups only)."""
    base = dict(actor.group_filter())
    if kind == "group":
        group = await get_group(actor, str(key))
        return group.name, base | {"group_id": group.id}
    if kind == "campaign":
        campaign = await get_campaign(actor, str(key))
        return campaign.name, base | {"campaign_id": campaign.id}
    event = await Event.filter(**base).get_or_none(id=int(key))
    if event is None:
        raise NotFound(f"event {key} not found")
    return event.title, base | {"id": event.id}


def _where(event_filter: dict[str, Any]) -> tuple[str, list[Any]]:
    """The scope's filter on events (alias `e`) as SQL with `?` placeholders."""
    clauses, params = [], []
    for key, value in event_filter.items():
        column, _, op = key.partition("__")
        if op == "in":
            ids = [int(v) for v in value] or [0]  # no group at all matches nothing
            clauses.append(f"e.{column} IN ({', '.join('?' for _ in ids)})")
            params.extend(ids)
        else:
            clauses.append(f"e.{column} = ?")
            params.append(int(value))
    return " AND ".join(clauses), params


FROM_SIGNUPS = "FROM signup s JOIN shift sh ON sh.id = s.shift_id JOIN event e ON e.id = sh.event_id"


async def _counts(where: str, params: list[Any]) -> list[dict[str, Any]]:
    """Sign-ups per shift, status and walk-in or not: one aggregate, read without model conversion."""
    return await db.fetch_all(
        # Only walk-ins matter among the sources: fewer groups to build and send.
        f"SELECT s.shift_id, s.status, CASE WHEN s.source = 'walk_in' THEN 'walk_in' ELSE '' END AS source, "
        f"COUNT(*) AS n {FROM_SIGNUPS} WHERE {where} GROUP BY 1, 2, 3",
        *params,
    )


async def _volunteers(actor: Actor, where: str, params: list[Any]) -> tuple[int, int]:
    """(new, returning) volunteers among those holding a seat in the report, in one statement."""
    seated = ", ".join(f"'{s.value}'" for s in SEATED)
    # One pass over the organization's sign-ups: per person, their first shift in the report and the first
    # shift they came to anywhere in the organization.
    row = await db.fetch_one(
        f"""
        SELECT COUNT(*) AS people, COALESCE(SUM(CASE WHEN came < first THEN 1 ELSE 0 END), 0) AS came_back
        FROM (
            SELECT s.volunteer_id,
                   MIN(CASE WHEN {where} AND s.status IN ({seated}) THEN sh.starts_at END) AS first,
                   MIN(CASE WHEN s.status = 'attended' THEN sh.starts_at END) AS came
            {FROM_SIGNUPS} WHERE e.organization_id = ? GROUP BY s.volunteer_id
        ) people WHERE first IS NOT NULL
        """,
        *params,
        actor.organization_id,
    )
    people, returning = (int(row["people"]), int(row["came_back"])) if row else (0, 0)
    return people - returning, returning


def _aware(value: Any) -> datetime:
    # SQLite's MIN() hands back text; PostgreSQL an aware datetime.
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def report(actor: Actor, kind: str, key: str | int, now: datetime | None = None) -> Report:
    """The turnout report of a group (slug), a campaign (slug) or an event (id)."""
    now = now or datetime.now(UTC)
    title, event_filter = await _scope(actor, kind, key)
    where, params = _where(event_filter)
    # Independent reads, concurrently on the pool's connections: the page waits for the slowest only.
    event_rows, shift_rows, counts, (new, returning) = await asyncio.gather(
        Event.filter(**event_filter).order_by("id").values("id", "title", "group_id", "timezone"),
        Shift.filter(**{f"event__{k}": v for k, v in event_filter.items()})
        .order_by("starts_at", "id")
        .values("id", "event_id", "starts_at", "ends_at", "status", "target"),
        _counts(where, params),
        _volunteers(actor, where, params),
    )
    events = {e["id"]: e for e in event_rows}
    shifts = {s["id"]: s for s in shift_rows}
    per_shift: dict[int, Figures] = defaultdict(Figures)
    for row in counts:
        per_shift[row["shift_id"]].add(row["status"], row["source"], int(row["n"]))

    totals = Figures()
    per_event: dict[int, Figures] = defaultdict(Figures)
    per_day: dict[date, Figures] = defaultdict(Figures)
    for shift_id, figures in per_shift.items():
        s = shifts[shift_id]
        totals.merge(figures)
        per_event[s["event_id"]].merge(figures)
        per_day[_aware(s["starts_at"]).astimezone(ZoneInfo(events[s["event_id"]]["timezone"])).date()].merge(figures)

    group_rows = (
        await ActionGroup.filter(id__in={e["group_id"] for e in events.values()}).values_list("id", "name", "slug")
        if events
        else []
    )
    group_names = {gid: name for gid, name, _ in group_rows}
    group_slugs = {gid: slug for gid, _, slug in group_rows}
    per_group: dict[int, Figures] = defaultdict(Figures)
    for event_id, figures in per_event.items():
        per_group[events[event_id]["group_id"]].merge(figures)

    if kind == "event":
        rows = [
            Row(label=_shift_label(s, events), key=sid, figures=per_shift.get(sid, Figures()))
            for sid, s in shifts.items()
        ]
    else:
        rows = [Row(label=e["title"], key=eid, figures=per_event.get(eid, Figures())) for eid, e in events.items()]
    groups = sorted(
        (Row(label=group_names[g], key=group_slugs[g], figures=per_group.get(g, Figures())) for g in group_names),
        key=lambda r: r.label,
    )
    upcoming_rows = [s for s in shifts.values() if s["status"] == ShiftStatus.SCHEDULED and _aware(s["ends_at"]) > now][
        :MAX_UPCOMING
    ]
    outlook = await forecast.shift_outlook([_ShiftRef(s) for s in upcoming_rows])
    upcoming = [(s | {"label": _shift_label(s, events)}, outlook[s["id"]]) for s in upcoming_rows]
    return Report(
        kind=kind,
        title=title,
        key=key,
        totals=totals,
        rows=rows,
        groups=groups,
        days=sorted(per_day.items()),
        new_volunteers=new,
        returning_volunteers=returning,
        upcoming=upcoming,
    )


class _ShiftRef:
    """What forecast.shift_outlook reads of a shift, from a values() row."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.id = row["id"]
        self.target = row["target"]


def _shift_label(s: dict[str, Any], events: dict[int, dict[str, Any]]) -> str:
    """'Picket: Sat May 01, 06:00-10:00 CDT', in the event's zone (24-hour clock: compact in tables)."""
    event = events[s["event_id"]]
    tz = ZoneInfo(event["timezone"])
    start, end = _aware(s["starts_at"]).astimezone(tz), _aware(s["ends_at"]).astimezone(tz)
    return f"{event['title']}: {start:%a %b %d, %H:%M}-{end:%H:%M} {start.tzname()}"
