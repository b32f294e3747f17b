"""A coalition campaign's turnout: per host organization (the convener and each accepted partner) the
events, sign-ups, attendance, no-shows and show rate, and who recruited whom (`recruited`: sign-ups the
organization brought to any event of the campaign; `recruited_attended`: those that came). Counts only: no
person's data, whoever's event it is. The convener sees every row; a partner sees its own. Also per day, for
the dashboard's chart, and as CSV (audited)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.functions import Count

from mobilize.models import Campaign, Event, Organization, PartnershipStatus, Shift, Signup, SignupStatus
from mobilize.services import audit
from mobilize.services.access import Actor
from mobilize.services.errors import Invalid, NotFound

FIGURES = ("events", "signups", "attended", "no_show", "recruited", "recruited_attended")
SEATED = (SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED, SignupStatus.ATTENDED, SignupStatus.NO_SHOW)
CSV_HEADER = ["organization", "name", *FIGURES, "show_rate"]


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


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    decided = row["attended"] + row["no_show"]
    row["show_rate"] = round(row["attended"] / decided, 4) if decided else None
    return row


async def coalition_turnout(actor: Actor, campaign: Campaign) -> dict[str, Any]:
    """{"organizations": [{"organization": {slug, name}, figures..., "show_rate"}], "total": {...}, "days":
    [{"day", "signups", "attended"}]}: every row for the convener, only the actor's own for a partner (and the
    total and days of that row)."""
    convener = campaign.organization_id == actor.organization_id
    events = Event.filter(campaign_id=campaign.id)
    if not convener:
        events = events.filter(organization_id=actor.organization_id)
    event_rows = await events.values("id", "organization_id", "timezone")
    rows: dict[int, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    zones = {e["id"]: e["timezone"] for e in event_rows}
    for e in event_rows:
        rows[e["organization_id"]]["events"] += 1
    signups = Signup.filter(shift__event__campaign_id=campaign.id, status__in=SEATED)
    hosted = signups if convener else signups.filter(shift__event__organization_id=actor.organization_id)
    for org_id, status, n in (
        await hosted.annotate(n=Count("id"))
        .group_by("shift__event__organization_id", "status")
        .values_list("shift__event__organization_id", "status", "n")
    ):
        rows[org_id]["signups"] += n
        rows[org_id]["attended"] += n if status == SignupStatus.ATTENDED else 0
        rows[org_id]["no_show"] += n if status == SignupStatus.NO_SHOW else 0
    recruited = signups.filter(recruited_by_id__isnull=False)
    if not convener:
        recruited = recruited.filter(recruited_by_id=actor.organization_id)
    for org_id, status, n in (
        await recruited.annotate(n=Count("id"))
        .group_by("recruited_by_id", "status")
        .values_list("recruited_by_id", "status", "n")
    ):
        rows[org_id]["recruited"] += n
        rows[org_id]["recruited_attended"] += n if status == SignupStatus.ATTENDED else 0
    if not convener:
        rows = defaultdict(lambda: dict.fromkeys(FIGURES, 0), {actor.organization_id: rows[actor.organization_id]})
    names = {o.id: o for o in await Organization.filter(id__in=list(rows))}
    total = dict.fromkeys(FIGURES, 0)
    out = []
    for org_id, row in sorted(rows.items(), key=lambda item: names[item[0]].name.lower()):
        for key in FIGURES:
            total[key] += row[key]
        out.append({"organization": {"slug": names[org_id].slug, "name": names[org_id].name}} | _finish(dict(row)))
    per_shift = (
        await hosted.annotate(n=Count("id")).group_by("shift_id", "status").values_list("shift_id", "status", "n")
    )
    starts = dict(
        (shift_id, (starts_at, event_id))
        for shift_id, starts_at, event_id in await Shift.filter(id__in=list({r[0] for r in per_shift})).values_list(
            "id", "starts_at", "event_id"
        )
    )
    days: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for shift_id, status, n in per_shift:  # each shift's day in its event's zone
        starts_at, event_id = starts[shift_id]
        day = starts_at.astimezone(ZoneInfo(zones.get(event_id, "UTC"))).date()
        days[day][0] += n
        days[day][1] += n if status == SignupStatus.ATTENDED else 0
    by_day = [{"day": d.isoformat(), "signups": s, "attended": a} for d, (s, a) in sorted(days.items())]
    return {"organizations": out, "total": _finish(total), "days": by_day}


async def coalition_turnout_rows(actor: Actor, campaign: Campaign) -> tuple[list[str], list[list[Any]]]:
    """The turnout as CSV rows, one per organization and the total; audited (export permission)."""
    audit.require_export(actor)
    report = await coalition_turnout(actor, campaign)
    rows = [
        [r["organization"]["slug"], r["organization"]["name"], *(r[k] for k in FIGURES), r["show_rate"]]
        for r in report["organizations"]
    ]
    rows.append(["total", campaign.name, *(report["total"][k] for k in FIGURES), report["total"]["show_rate"]])
    await audit.record(actor, "export.coalition_turnout", {"campaign": campaign.id, "rows": len(rows)})
    return CSV_HEADER, rows
