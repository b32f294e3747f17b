"""Strikes and their pay rules: creation, edits (a rule change recomputes the open weeks; a closed week keeps
the rules it was paid under), the picket events that belong to one, closing a week, and who may act as a
picket captain on its lines."""

from __future__ import annotations

from datetime import date
from typing import Any

from mobilize.models import Event, Membership, Organizer, Role, Strike, StrikeCaptain, StrikeWeek
from mobilize.services import audit
from mobilize.services.access import MANAGER_ROLES, Actor
from mobilize.services.errors import Forbidden, Invalid, NotFound
from mobilize.services.strikes.rules import Rules, week_start
from mobilize.strike_schemas import RulesIn, StrikeIn, StrikePatch


def rules_of(data: RulesIn) -> dict[str, Any]:
    return Rules.of(data.model_dump()).as_dict()


async def get_strike(actor: Actor, strike_id: int) -> Strike:
    """One of the actor's organization's strikes; another organization's is not found."""
    strike = await Strike.get_or_none(id=strike_id, organization_id=actor.organization_id)
    if strike is None:
        raise NotFound(f"strike {strike_id} not found")
    return strike


async def list_strikes(actor: Actor) -> list[Strike]:
    return await Strike.filter(organization_id=actor.organization_id).order_by("-starts_on", "-id")


async def create_strike(actor: Actor, data: StrikeIn) -> Strike:
    actor.require_manager()
    return await Strike.create(
        organization_id=actor.organization_id,
        name=data.name,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        rules=rules_of(data.rules),
    )


async def update_strike(actor: Actor, strike_id: int, data: StrikePatch) -> Strike:
    """Change the name, dates or the whole rule set. Weeks already closed keep their own copy of the rules."""
    actor.require_manager()
    strike = await get_strike(actor, strike_id)
    changes = data.model_dump(exclude_unset=True)
    for key in ("name", "starts_on"):
        if key in changes and changes[key] is None:
            raise Invalid.field(key, "cannot be null")
    if "name" in changes:
        strike.name = changes["name"]
    if "starts_on" in changes:
        strike.starts_on = changes["starts_on"]
    if "ends_on" in changes:
        strike.ends_on = changes["ends_on"]
    if strike.ends_on is not None and strike.ends_on < strike.starts_on:
        raise Invalid.field("ends_on", "must not be before starts_on")
    if "rules" in changes:
        if data.rules is None:
            raise Invalid.field("rules", "cannot be null")
        before = strike.rules
        strike.rules = rules_of(data.rules)
        await audit.record(
            actor, "strike.rules_changed", {"strike": strike.id, "before": before, "after": strike.rules}
        )
    await strike.save()
    return strike


async def strike_lines(strike: Strike) -> list[Event]:
    """The strike's picket events (its lines), by title."""
    return await Event.filter(strike_id=strike.id, organization_id=strike.organization_id).order_by("title", "id")


async def require_captain(actor: Actor, strike: Strike) -> None:
    """Duty at the line is written by the organization's managers and the strike's own picket captains."""
    if actor.role in MANAGER_ROLES:
        return
    if actor.role != Role.CAPTAIN:
        raise Forbidden(f"the {actor.role.value} role cannot record duty", code="role_not_allowed")
    if not await StrikeCaptain.exists(strike_id=strike.id, organizer_id=actor.organizer_id):
        raise Forbidden("only this strike's picket captains and organizers can record duty", code="not_captain")


async def add_captain(actor: Actor, strike_id: int, email: str) -> Organizer:
    """Make an organizer of this organization a captain of the strike (idempotent)."""
    actor.require_manager()
    strike = await get_strike(actor, strike_id)
    organizer = await Organizer.get_or_none(email=email.strip().lower())
    if organizer is None or not await Membership.exists(
        organizer_id=organizer.id, organization_id=actor.organization_id
    ):
        raise Invalid.field("email", "no organizer with this email in this organization")
    await StrikeCaptain.get_or_create(strike_id=strike.id, organizer_id=organizer.id)
    return organizer


async def close_week(actor: Actor, strike_id: int, day: date) -> StrikeWeek:
    """The strike fund paid the week containing `day`: its rules are frozen with it (idempotent: a week closed
    once keeps its first rules)."""
    actor.require_manager()
    strike = await get_strike(actor, strike_id)
    rules = Rules.of(strike.rules)
    start = week_start(day, rules.week_starts_on)
    week, created = await StrikeWeek.get_or_create(
        strike_id=strike.id, week_start=start, defaults={"rules": strike.rules, "closed_by_id": actor.organizer_id}
    )
    if created:
        await audit.record(actor, "strike.week_closed", {"strike": strike.id, "week_start": start.isoformat()})
    return week
