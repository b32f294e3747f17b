"""Moderators' decisions on hosted events: approve (optionally trusting the host, whose next proposals then
publish at once), reject with a reason, ask for changes, and unpublish a published one (its sign-ups are
told as for a cancellation). Each decision and the email telling the host commit together."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from mobilize.models import Event, EventStatus, HostedEvent, TrustedHost
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, NotFound
from mobilize.services.events import get_event, tell_cancellation
from mobilize.services.hosting import mail
from mobilize.services.hosting.policy import require_moderator


async def hosted_event(actor: Actor, event_id: int) -> tuple[Event, HostedEvent]:
    """An event of the actor's organization that a volunteer hosts, and its host, if the actor moderates it;
    NotFound otherwise (an event of another organization included)."""
    event = await get_event(actor, event_id)
    require_moderator(actor, event)  # a viewer is refused whatever the event
    hosted = await HostedEvent.get_or_none(event_id=event.id, organization_id=actor.organization_id)
    if hosted is None:
        raise NotFound(f"event {event_id} is not a hosted event")
    await event.fetch_related("organization")
    return event, hosted


async def _decide(
    actor: Actor, event: Event, hosted: HostedEvent, what: str, reason: str, status: EventStatus, allowed: set[str]
) -> int:
    """Move the event from one of `allowed` statuses to `status`, record the decision, tell the host. Returns
    the rows changed (0: the event was no longer in an allowed status, e.g. a second click)."""
    now = datetime.now(UTC)
    changed = await Event.filter(id=event.id, status__in=list(allowed)).update(
        status=status, sequence=event.sequence + 1, updated_at=now
    )
    if changed:
        fields: dict[str, object] = {
            "decision": what, "reason": reason, "decided_by_id": actor.organizer_id or None, "decided_at": now,
        }  # fmt: skip
        if what == "approved":
            fields["approved_at"] = now
        await HostedEvent.filter(id=hosted.id).update(**fields)
        await mail.decision(hosted, event, what, reason, f"{event.sequence + 1}")
    return changed


async def approve(actor: Actor, event_id: int, *, trust_host: bool = False) -> Event:
    """Publish a pending proposal (idempotent: approving a published one changes nothing)."""
    event, hosted = await hosted_event(actor, event_id)
    if event.status not in (EventStatus.PENDING, EventStatus.SCHEDULED):
        raise Conflict(f"a {event.status} event cannot be approved", code="not_pending")
    async with in_transaction():
        await _decide(actor, event, hosted, "approved", "", EventStatus.SCHEDULED, {EventStatus.PENDING})
        if trust_host:
            await TrustedHost.get_or_create(
                organization_id=actor.organization_id, email=hosted.host_email,
                defaults={"trusted_by_id": actor.organizer_id or None},
            )  # fmt: skip
    return await get_event(actor, event.id)


async def reject(actor: Actor, event_id: int, reason: str) -> Event:
    """Turn down a proposal (unverified or pending), with the reason the host is told."""
    event, hosted = await hosted_event(actor, event_id)
    if event.status == EventStatus.SCHEDULED:
        raise Conflict("this event is published: unpublish it instead", code="published")
    if event.status not in (EventStatus.PENDING, EventStatus.UNVERIFIED, EventStatus.REJECTED):
        raise Conflict(f"a {event.status} event cannot be rejected", code="not_pending")
    async with in_transaction():
        await _decide(
            actor, event, hosted, "rejected", reason, EventStatus.REJECTED,
            {EventStatus.PENDING, EventStatus.UNVERIFIED},
        )  # fmt: skip
    return await get_event(actor, event.id)


async def request_changes(actor: Actor, event_id: int, reason: str) -> Event:
    """Keep a pending proposal pending and tell the host what to change (they edit it on their page)."""
    event, hosted = await hosted_event(actor, event_id)
    if event.status != EventStatus.PENDING:
        raise Conflict("changes can be asked for on a pending proposal only", code="not_pending")
    now = datetime.now(UTC)
    async with in_transaction():
        await HostedEvent.filter(id=hosted.id).update(
            decision="changes_requested", reason=reason, decided_by_id=actor.organizer_id or None, decided_at=now
        )
        await mail.decision(hosted, event, "changes_requested", reason, now.isoformat())
    return await get_event(actor, event.id)


async def unpublish(actor: Actor, event_id: int, reason: str) -> tuple[Event, list[int]]:
    """Take a published hosted event off every public page and feed: `rejected`, the status the contract keeps
    off the finder, the feeds and /events/{id} (a cancelled event stays reachable there). The people signed up
    are told as for a cancellation, by the events' own rule (their notices commit with it). Idempotent."""
    event, hosted = await hosted_event(actor, event_id)
    affected: list[int] = []
    async with in_transaction():
        changed = await _decide(
            actor, event, hosted, "unpublished", reason, EventStatus.REJECTED, {EventStatus.SCHEDULED}
        )
        if changed:
            affected = await tell_cancellation(event.id)
    return await get_event(actor, event.id), affected
