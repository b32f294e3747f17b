"""A coalition campaign's events on the turnout page's map, each coloured by its staffing: the light the
dashboard's board gives an event (services.reports.forecast.light over its coming shifts: green when confirmed
or checked-in people reach their targets, amber when everyone holding a seat would, red otherwise), or `over`
once no shift is to come. Drawn from the report's own tally (services.reports.coalition), so the page reads the
campaign's sign-ups once. Counts only. The convener sees its own events and its partners' that are not private;
a partner, its own events only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mobilize.models import EventStatus, ShiftStatus, Visibility
from mobilize.services.access import Actor
from mobilize.services.reports import forecast
from mobilize.services.reports.coalition import ATTENDED, CONFIRMED, NO_SHOW, SIGNED_UP, Tally

NONE = [0] * 6
ORDER = {"red": 0, "amber": 1, "green": 2, "over": 3}  # the list shows the events that need people first
OVER_LABEL = "Over"


@dataclass(frozen=True)
class MapEvent:
    id: int
    title: str
    organization: str  # the host's name
    organization_slug: str
    group: str
    city: str
    lat: float | None
    lon: float | None
    timezone: str
    own: bool  # the actor's organization hosts it (its dashboard page is theirs to open)
    public: bool
    light: str  # green | amber | red | over
    next_start: datetime | None  # the next coming shift; None when it is over
    next_end: datetime | None
    holding: int  # seated on its coming shifts (signed up, confirmed, checked in)
    confirmed: int  # of those, confirmed or checked in
    target: int  # of its coming shifts
    attended: int  # over all its shifts
    signups: int  # seated, over all its shifts

    @property
    def light_label(self) -> str:
        return OVER_LABEL if self.light == "over" else forecast.light_label(self.light)


@dataclass
class _Sums:
    holding: int = 0
    confirmed: int = 0
    target: int = 0
    attended: int = 0
    signups: int = 0
    next_shift: dict[str, Any] | None = None


def campaign_map(actor: Actor, t: Tally, now: datetime) -> list[MapEvent]:
    """The scheduled events the actor may see on the map, those that need people first, then soonest."""
    sums: dict[int, _Sums] = {}
    for shift in t.shifts.values():  # one pass: the light sums the coming shifts' seats against their targets
        counts = t.per_shift.get(shift["id"], NONE)
        s = sums.setdefault(shift["event_id"], _Sums())
        s.signups += counts[SIGNED_UP] + counts[CONFIRMED] + counts[ATTENDED] + counts[NO_SHOW]
        s.attended += counts[ATTENDED]
        if shift["status"] != ShiftStatus.SCHEDULED or shift["ends_at"] <= now:
            continue
        s.holding += counts[SIGNED_UP] + counts[CONFIRMED] + counts[ATTENDED]
        s.confirmed += counts[CONFIRMED] + counts[ATTENDED]  # checked in counts as confirmed, as on the board
        s.target += shift["target"]
        if s.next_shift is None or (shift["starts_at"], shift["id"]) < (s.next_shift["starts_at"], s.next_shift["id"]):
            s.next_shift = shift
    found = []
    for e in t.events.values():
        own = e["organization_id"] == actor.organization_id
        if e["status"] != EventStatus.SCHEDULED or not (own or e["visibility"] != Visibility.PRIVATE):
            continue
        s = sums.get(e["id"], _Sums())
        nxt = s.next_shift
        org = t.organizations[e["organization_id"]]
        found.append(
            MapEvent(
                id=e["id"],
                title=e["title"],
                organization=org.name,
                organization_slug=org.slug,
                group=t.groups[e["group_id"]].name,
                city=e["city"],
                lat=e["lat"],
                lon=e["lon"],
                timezone=e["timezone"],
                own=own and actor.sees_group(e["group_id"]),
                public=e["visibility"] == Visibility.PUBLIC,
                light=forecast.light(s.target, s.confirmed, s.holding) if nxt else "over",
                next_start=nxt["starts_at"] if nxt else None,
                next_end=nxt["ends_at"] if nxt else None,
                holding=s.holding,
                confirmed=s.confirmed,
                target=s.target,
                attended=s.attended,
                signups=s.signups,
            )  # fmt: skip
        )
    found.sort(key=lambda m: (ORDER[m.light], m.next_start or now, m.id))
    return found
