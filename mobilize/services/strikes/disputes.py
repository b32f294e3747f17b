"""Disputes over a day of the ledger: raised by the member or a captain, resolved by an organizer with a note;
both steps are in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from mobilize.models import DisputeStatus, StrikeDispute
from mobilize.services import audit
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, NotFound
from mobilize.services.strikes.catalog import get_strike, require_captain
from mobilize.services.strikes.duty import find_person
from mobilize.strike_schemas import DisputeIn, DisputeResolve


async def raise_dispute(actor: Actor, strike_id: int, data: DisputeIn) -> StrikeDispute:
    """Record a dispute over a member's day (entered by a captain or an organizer on the member's word)."""
    strike = await get_strike(actor, strike_id)
    await require_captain(actor, strike)
    field = "volunteer" if data.volunteer is not None else "member_id"
    person = await find_person(strike, data.volunteer, data.member_id, field)
    async with in_transaction():
        dispute = await StrikeDispute.create(
            strike_id=strike.id, volunteer_id=person.id, day=data.day, raised_by=data.raised_by, note=data.note
        )
        await audit.record(
            actor,
            "strike.dispute_raised",
            {"strike": strike.id, "dispute": dispute.id, "volunteer": person.id, "day": data.day.isoformat()},
        )
    return dispute


async def resolve_dispute(actor: Actor, strike_id: int, dispute_id: int, data: DisputeResolve) -> StrikeDispute:
    """An organizer settles the dispute with a note (a correction of the duty itself is its own, audited step)."""
    actor.require_manager()
    strike = await get_strike(actor, strike_id)
    dispute = await StrikeDispute.get_or_none(id=dispute_id, strike_id=strike.id)
    if dispute is None:
        raise NotFound(f"dispute {dispute_id} not found")
    if dispute.status == DisputeStatus.RESOLVED:
        if dispute.resolution == data.resolution:
            return dispute  # a retry
        raise Conflict("this dispute is resolved already", code="resolved")
    dispute.status = DisputeStatus.RESOLVED
    dispute.resolution = data.resolution
    dispute.resolved_by_id = actor.organizer_id
    dispute.resolved_at = datetime.now(UTC)
    async with in_transaction():
        await dispute.save()
        await audit.record(
            actor, "strike.dispute_resolved", {"strike": strike.id, "dispute": dispute.id, "note": data.resolution}
        )
    return dispute


async def list_disputes(actor: Actor, strike_id: int) -> list[StrikeDispute]:
    strike = await get_strike(actor, strike_id)
    return await StrikeDispute.filter(strike_id=strike.id).order_by("-id").prefetch_related("volunteer")
