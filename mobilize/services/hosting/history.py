"""Hosts as people of the organization: what a person record has hosted (proposed, approved, held, and the
turnout of each), for the organizers' page of that person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mobilize.models import EventStatus, HostedEvent, Shift
from mobilize.services.access import Actor
from mobilize.services.hosting.hostpage import event_turnout


@dataclass(frozen=True)
class HostHistory:
    proposed: int
    approved: int
    held: int
    attended: int
    events: list[dict[str, Any]]


async def host_history(actor: Actor, volunteer_id: int, now: datetime | None = None) -> HostHistory:
    """The events this organization's record of a person proposed as a host (never another organization's).
    Held: approved and its last shift is over."""
    now = now or datetime.now(UTC)
    rows = await HostedEvent.filter(organization_id=actor.organization_id, volunteer_id=volunteer_id).prefetch_related(
        "event", "campaign"
    ).order_by("-id")  # fmt: skip
    events: list[dict[str, Any]] = []
    approved = held = attended = 0
    for hosted in rows:
        event = hosted.event
        if not actor.sees_group(event.group_id):
            continue
        last = await Shift.filter(event_id=event.id).order_by("-ends_at").first()
        was_approved = hosted.approved_at is not None
        was_held = was_approved and event.status == EventStatus.SCHEDULED and last is not None and last.ends_at <= now
        turnout = await event_turnout(event.id)
        approved += was_approved
        held += was_held
        attended += turnout["attended"]
        events.append({
            "event": event, "campaign": hosted.campaign, "status": str(event.status), "decision": hosted.decision,
            "approved": was_approved, "held": was_held, "turnout": turnout, "proposed_at": hosted.created_at,
        })  # fmt: skip
    return HostHistory(proposed=len(events), approved=approved, held=held, attended=attended, events=events)
