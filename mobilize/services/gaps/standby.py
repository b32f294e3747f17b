"""Standby lists (volunteers a group may text when a shift needs people) and, for organizers, who was asked
to fill a shift and what they answered. The asking itself is services/gaps/filling.py."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from mobilize.models import ActionGroup, GapRequest, Shift, Standby, Volunteer
from mobilize.services import events
from mobilize.services.access import Actor
from mobilize.services.events import groups
from mobilize.services.people import directory as volunteers


async def list_standby(actor: Actor, slug: str) -> tuple[ActionGroup, list[Standby]]:
    """The group's standby volunteers, oldest first (hosts: their own groups only, else NotFound)."""
    group = await groups.get_group(actor, slug)
    rows = await Standby.filter(group_id=group.id).select_related("volunteer").order_by("id")
    return group, list(rows)


async def add_standby(actor: Actor, slug: str, volunteer_id: int) -> tuple[Standby, bool]:
    """Put a volunteer the organization knows on the group's standby list; (row, created). Idempotent.
    Whether they are texted still depends on their SMS consent, checked when asking and when sending."""
    group = await groups.get_group(actor, slug)
    actor.require_writer(group.id)
    volunteer: Volunteer = await volunteers.get_volunteer(actor, volunteer_id)
    try:
        row = await Standby.create(group_id=group.id, volunteer=volunteer, added_by_id=actor.organizer_id)
        created = True
    except IntegrityError:
        row = await Standby.get(group_id=group.id, volunteer_id=volunteer.id)
        created = False
    row.volunteer, row.group = volunteer, group
    return row, created


async def remove_standby(actor: Actor, slug: str, volunteer_id: int) -> bool:
    """Take a volunteer off the group's standby list; whether they were on it. Asks already sent stay."""
    group = await groups.get_group(actor, slug)
    actor.require_writer(group.id)
    return bool(await Standby.filter(group_id=group.id, volunteer_id=volunteer_id).delete())


async def volunteer_standby(actor: Actor, volunteer_id: int) -> list[tuple[ActionGroup, bool]]:
    """The groups this actor sees, each with whether this volunteer is on its standby list."""
    volunteer = await volunteers.get_volunteer(actor, volunteer_id)
    every = await groups.visible_groups(actor)
    on = set(
        await Standby.filter(volunteer_id=volunteer.id, group_id__in=[g.id for g in every]).values_list(
            "group_id", flat=True
        )
    )
    return [(group, group.id in on) for group in every]


async def shift_gap_requests(actor: Actor, shift_id: int) -> tuple[Shift, list[GapRequest]]:
    """Who was asked to fill this shift, when, and their answer; latest first (NotFound outside the actor's
    organization or, for hosts, groups)."""
    shift = await events.get_shift(actor, shift_id)
    rows = await GapRequest.filter(shift_id=shift.id).select_related("volunteer").order_by("-asked_at", "-id")
    return shift, list(rows)
