"""A coalition campaign's turnout: per host organization (the convener and each accepted partner), per action
group and per day, the events, sign-ups, attendance, no-shows and show rate, and who recruited whom. Counts only:
no person's data, whoever's event it is. The convener sees every row; a partner its own: its organization, its
groups, and the days of its own events. Also as CSV (audited); `coalition_map` draws the same tally on a map.

On an organization's row, `recruited` counts the sign-ups (on any event of the campaign) that organization
brought, and `recruited_attended` those that came: the partner's credit. On a group's or a day's row, they count
the row's own sign-ups that came through an organization of the campaign (`recruited_by` or `?ref=`). So the
convener's total is both the sum of the organizations' rows and the sum of the groups' (or the days') rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Subquery
from tortoise.functions import Count

from mobilize import db
from mobilize.models import (
    SEAT_STATUSES,
    ActionGroup,
    Campaign,
    Event,
    Organization,
    PartnershipStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)
from mobilize.services import audit
from mobilize.services.access import Actor
from mobilize.services.errors import Invalid, NotFound

FIGURES = ("events", "signups", "attended", "no_show", "recruited", "recruited_attended")
SEATED = tuple(sorted(SEAT_STATUSES))
CSV_HEADER = ["row", "organization", "group", "day", "name", *FIGURES, "show_rate"]
EVENT_COLUMNS = ("id", "organization_id", "group_id", "timezone", "title", "lat", "lon", "city", "visibility", "status")


async def campaign_for_turnout(actor: Actor, slug: str, convener: str | None = None) -> Campaign:
    """The actor's own campaign `slug`, else one of another organization (`convener`, when several) whose
    invitation the actor's organization accepted; NotFound otherwise."""
    if convener is None or convener == actor.organization_slug:
        own = await Campaign.get_or_none(organization_id=actor.organization_id, slug=slug)
        if own is not None:
            return own
    query = Campaign.filter(
        slug=slug, partnerships__organization_id=actor.organization_id, partnerships__status=PartnershipStatus.ACCEPTED
    ).prefetch_related("organization")
    if convener:
        query = query.filter(organization__slug=convener)
    found = list(await query.distinct())
    if not found:
        raise NotFound(f"campaign {slug!r} not found")
    if len(found) > 1:
        raise Invalid.field("convener", "several campaigns have this slug: name the convener's organization")
    return found[0]


# Per shift and status: how many sign-ups, and how many of them an organization of the campaign recruited. One
# grouped pass over the campaign's sign-ups (150,000 on a day of action), read as plain rows.
_PER_SHIFT = """
SELECT g.shift_id, g.status, COUNT(*) AS n, COUNT(g.recruited_by_id) AS recruited
FROM signup g JOIN shift s ON s.id = g.shift_id JOIN event e ON e.id = s.event_id
WHERE e.campaign_id = ? {own}
GROUP BY g.shift_id, g.status
"""


# A shift's seated sign-ups, by position: signed up, confirmed, attended, no-show, and of all those, how many came
# through a recruiter, and how many of them attended.
SIGNED_UP, CONFIRMED, ATTENDED, NO_SHOW, RECRUITED, RECRUITED_ATTENDED = range(6)
_POSITION = {
    SignupStatus.SIGNED_UP.value: SIGNED_UP,
    SignupStatus.CONFIRMED.value: CONFIRMED,
    SignupStatus.ATTENDED.value: ATTENDED,
    SignupStatus.NO_SHOW.value: NO_SHOW,
}


@dataclass
class Tally:
    """What the report and the map are drawn from, read once: the events the actor's rows cover, their shifts,
    the seated sign-ups of each shift (six counts: see SIGNED_UP...), and each organization's recruiting credit."""

    campaign: Campaign
    convener: bool
    events: dict[int, dict[str, Any]]
    shifts: dict[int, dict[str, Any]]
    per_shift: dict[int, list[int]]
    credit: dict[int, list[int]]  # organization id -> [recruited, recruited_attended]
    organizations: dict[int, Organization] = field(default_factory=dict)
    groups: dict[int, ActionGroup] = field(default_factory=dict)


async def coalition_tally(actor: Actor, campaign: Campaign) -> Tally:
    """The campaign's counts as the actor may see them (every organization's for the convener; a partner's own)."""
    convener = campaign.organization_id == actor.organization_id  # type: ignore[attr-defined]
    events = Event.filter(campaign_id=campaign.id)
    if not convener:
        events = events.filter(organization_id=actor.organization_id)
    event_rows = {e["id"]: e for e in await events.values(*EVENT_COLUMNS)}
    shift_rows = {
        s["id"]: s
        for s in await Shift.filter(event_id__in=Subquery(events.values("id"))).values(
            "id", "event_id", "starts_at", "ends_at", "status", "target"
        )
    }
    own = "" if convener else "AND e.organization_id = ?"
    params: list[Any] = [campaign.id] if convener else [campaign.id, actor.organization_id]
    per_shift: dict[int, list[int]] = {}
    for row in await db.fetch_all(_PER_SHIFT.format(own=own), *params):
        position = _POSITION.get(row["status"])
        if position is None or row["shift_id"] not in shift_rows:
            continue  # waitlisted or cancelled: no seat
        counts = per_shift.setdefault(row["shift_id"], [0] * 6)
        counts[position] += row["n"]
        counts[RECRUITED] += row["recruited"]
        if position == ATTENDED:
            counts[RECRUITED_ATTENDED] += row["recruited"]
    recruited = Signup.filter(shift__event__campaign_id=campaign.id, status__in=SEATED, recruited_by_id__isnull=False)
    if not convener:
        recruited = recruited.filter(recruited_by_id=actor.organization_id)
    credit: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for org_id, status, n in (
        await recruited.annotate(n=Count("id"))
        .group_by("recruited_by_id", "status")
        .values_list("recruited_by_id", "status", "n")
    ):
        credit[org_id][0] += n
        credit[org_id][1] += n if status == SignupStatus.ATTENDED else 0
    org_ids = {e["organization_id"] for e in event_rows.values()} | set(credit)
    if not convener:
        org_ids = {actor.organization_id}
    found = Tally(campaign, convener, event_rows, shift_rows, per_shift, dict(credit))
    found.organizations = {o.id: o for o in await Organization.filter(id__in=list(org_ids))}
    group_ids = list({e["group_id"] for e in event_rows.values()})
    found.groups = {g.id: g for g in await ActionGroup.filter(id__in=group_ids)}
    return found


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    decided = row["attended"] + row["no_show"]
    row["show_rate"] = round(row["attended"] / decided, 4) if decided else None
    return row


def _add(row: dict[str, Any], counts: list[int]) -> None:
    """A shift's seated sign-ups into a row: sign-ups, attended, no-shows, and those that came through a recruiter."""
    row["signups"] += counts[SIGNED_UP] + counts[CONFIRMED] + counts[ATTENDED] + counts[NO_SHOW]
    row["attended"] += counts[ATTENDED]
    row["no_show"] += counts[NO_SHOW]
    row["recruited"] += counts[RECRUITED]
    row["recruited_attended"] += counts[RECRUITED_ATTENDED]


def shift_day(shift: dict[str, Any], zone: str) -> date:
    """The shift's day: its start's date in its event's zone."""
    starts_at: datetime = shift["starts_at"]
    return starts_at.astimezone(ZoneInfo(zone)).date()


def coalition_report(t: Tally) -> dict[str, Any]:
    """{"organizations": [...], "groups": [...], "days": [...], "total": {...}} (see the module)."""
    blank = dict.fromkeys(FIGURES, 0)
    by_org: dict[int, dict[str, Any]] = {o: dict(blank) for o in t.organizations}
    by_group: dict[int, dict[str, Any]] = {}
    by_day: dict[date, dict[str, Any]] = {}
    day_events: dict[date, set[int]] = defaultdict(set)
    for e in t.events.values():
        by_org[e["organization_id"]]["events"] += 1
        by_group.setdefault(e["group_id"], dict(blank))["events"] += 1
    for shift_id, shift in t.shifts.items():
        event = t.events[shift["event_id"]]
        day = shift_day(shift, event["timezone"])
        row = by_day.setdefault(day, dict(blank))
        if shift["status"] != ShiftStatus.CANCELLED:
            day_events[day].add(event["id"])
        counts = t.per_shift.get(shift_id)
        if counts is not None:
            for target in (row, by_org[event["organization_id"]], by_group[event["group_id"]]):
                _add(target, counts)
    for org_row in by_org.values():  # an organization's recruiting is its credit, not its events' recruits
        org_row["recruited"] = org_row["recruited_attended"] = 0
    for org_id, (recruited, came) in t.credit.items():
        if org_id in by_org:
            by_org[org_id]["recruited"], by_org[org_id]["recruited_attended"] = recruited, came
    total = dict(blank)
    for key in ("events", "signups", "attended", "no_show"):
        total[key] = sum(r[key] for r in by_org.values())
    total["recruited"] = sum(r["recruited"] for r in by_org.values())
    total["recruited_attended"] = sum(r["recruited_attended"] for r in by_org.values())

    def org_ref(org_id: int) -> dict[str, str]:
        org = t.organizations[org_id]
        return {"slug": org.slug, "name": org.name}

    organizations = [
        {"organization": org_ref(o)} | _finish(r)
        for o, r in sorted(by_org.items(), key=lambda item: t.organizations[item[0]].name.lower())
    ]
    groups = []
    for group_id, r in by_group.items():
        group = t.groups[group_id]
        owner = group.organization_id  # type: ignore[attr-defined]
        groups.append({"group": {"slug": group.slug, "name": group.name, "organization": org_ref(owner)}} | _finish(r))
    groups.sort(key=lambda g: (g["group"]["organization"]["name"].lower(), g["group"]["name"].lower()))
    days = []
    for day, r in sorted(by_day.items()):
        r["events"] = len(day_events[day])
        days.append({"day": day.isoformat()} | _finish(r))
    return {"organizations": organizations, "groups": groups, "days": days, "total": _finish(total)}


async def coalition_turnout(actor: Actor, campaign: Campaign) -> dict[str, Any]:
    """The report (see `coalition_report`) of the campaign as the actor may see it."""
    return coalition_report(await coalition_tally(actor, campaign))


async def coalition_turnout_rows(actor: Actor, campaign: Campaign) -> tuple[list[str], list[list[Any]]]:
    """The turnout as CSV rows: each organization, group and day, then the total; audited (export permission)."""
    audit.require_export(actor)
    found = await coalition_turnout(actor, campaign)

    def figures(r: dict[str, Any]) -> list[Any]:
        return [*(r[k] for k in FIGURES), r["show_rate"]]

    rows: list[list[Any]] = []
    for r in found["organizations"]:
        org = r["organization"]
        rows.append(["organization", org["slug"], "", "", org["name"], *figures(r)])
    for r in found["groups"]:
        group = r["group"]
        rows.append(["group", group["organization"]["slug"], group["slug"], "", group["name"], *figures(r)])
    for r in found["days"]:
        rows.append(["day", "", "", r["day"], r["day"], *figures(r)])
    rows.append(["total", "", "", "", campaign.name, *figures(found["total"])])
    await audit.record(actor, "export.coalition_turnout", {"campaign": campaign.id, "rows": len(rows)})
    return CSV_HEADER, rows
