"""Turnout: sign-ups, confirmations, attendance and show rate per event and per action group."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from tortoise.functions import Count

from mobilize.models import ActionGroup, Event, Signup, SignupStatus
from mobilize.services.access import Actor
from mobilize.services.errors import Invalid
from mobilize.services.events.groups import get_campaign, get_group

FIGURES = ("signups", "confirmed", "attended", "no_show", "waitlisted", "cancelled")


def _empty() -> dict[str, Any]:
    return dict.fromkeys(FIGURES, 0)


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    decided = row["attended"] + row["no_show"]
    row["show_rate"] = round(row["attended"] / decided, 4) if decided else None
    return row


def _add(row: dict[str, Any], status: str, n: int) -> None:
    if status != SignupStatus.CANCELLED and status != SignupStatus.WAITLISTED:
        row["signups"] += n  # people holding a seat, whatever happened next
    if status == SignupStatus.CONFIRMED:
        row["confirmed"] += n
    elif status == SignupStatus.ATTENDED:
        row["attended"] += n
    elif status == SignupStatus.NO_SHOW:
        row["no_show"] += n
    elif status == SignupStatus.WAITLISTED:
        row["waitlisted"] += n
    elif status == SignupStatus.CANCELLED:
        row["cancelled"] += n


async def turnout(
    actor: Actor,
    *,
    group: str | None = None,
    campaign: str | None = None,
    starts_from: datetime | None = None,
    starts_to: datetime | None = None,
) -> dict[str, Any]:
    """Figures per event and per group, within a group or a campaign, for shifts starting in [from, to)."""
    if bool(group) == bool(campaign):
        raise Invalid.field("group", "give a group or a campaign (one of the two)")
    events = Event.filter(**actor.group_filter())
    scope: dict[str, Any]
    if group:
        g = await get_group(actor, group)
        events = events.filter(group_id=g.id)
        scope = {"group": g.slug}
    else:
        c = await get_campaign(actor, campaign or "")
        events = events.filter(campaign_id=c.id)
        scope = {"campaign": c.slug}
    event_rows = await events.order_by("id").values("id", "title", "group_id", "status")
    signups = Signup.filter(shift__event_id__in=[e["id"] for e in event_rows])
    if starts_from:
        signups = signups.filter(shift__starts_at__gte=starts_from)
    if starts_to:
        signups = signups.filter(shift__starts_at__lt=starts_to)
    counts = (
        await signups.annotate(n=Count("id"))
        .group_by("shift__event_id", "status")
        .values_list("shift__event_id", "status", "n")
    )
    per_event: dict[int, dict[str, Any]] = defaultdict(_empty)
    for event_id, status, n in counts:
        _add(per_event[event_id], str(status), n)
    group_ids = {e["group_id"] for e in event_rows}
    names = dict(await ActionGroup.filter(id__in=list(group_ids)).values_list("id", "slug"))
    per_group: dict[int, dict[str, Any]] = {gid: _empty() for gid in group_ids}
    total = _empty()
    events_out = []
    for e in event_rows:
        row = per_event[e["id"]]
        for key in FIGURES:
            per_group[e["group_id"]][key] += row[key]
            total[key] += row[key]
        events_out.append(
            {"event": e["id"], "title": e["title"], "group": names[e["group_id"]], "status": str(e["status"])}
            | _finish(dict(row))
        )
    groups_out = [
        {"group": names[gid]} | _finish(row) for gid, row in sorted(per_group.items(), key=lambda x: names[x[0]])
    ]
    return scope | {"totals": _finish(total), "groups": groups_out, "events": events_out}
