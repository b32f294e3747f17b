"""A volunteer's record in the dashboard: their history with this organization (actions, groups, consent
records, messages). Merging two records of one person is signups.merge (it moves their seats)."""

from __future__ import annotations

from dataclasses import dataclass

from mobilize.models import (
    ConsentRecord,
    Message,
    Signup,
    SignupStatus,
    Volunteer,
)
from mobilize.services.access import Actor
from mobilize.services.people.directory import get_volunteer


@dataclass
class History:
    volunteer: Volunteer
    signups: list[Signup]  # with shift__event__group, newest first
    groups: list[str]
    attended: int
    no_show: int
    consents: list[ConsentRecord]
    messages: list[Message]


async def history(actor: Actor, volunteer_id: int) -> History:
    """What this organization knows of a person (hosts: through their groups' events only)."""
    volunteer = await get_volunteer(actor, volunteer_id)
    signups = (
        await Signup.filter(
            volunteer_id=volunteer.id, **{f"shift__event__{k}": v for k, v in actor.group_filter().items()}
        )
        .prefetch_related("shift__event__group")
        .order_by("-shift__starts_at", "-id")
        .limit(200)
    )
    groups = sorted({s.shift.event.group.name for s in signups})
    consents = await ConsentRecord.filter(volunteer_id=volunteer.id, organization_id=actor.organization_id).order_by(
        "-id"
    )
    messages = (
        await Message.filter(volunteer_id=volunteer.id, organization_id=actor.organization_id).order_by("-id").limit(50)
    )
    return History(
        volunteer=volunteer,
        signups=signups,
        groups=groups,
        attended=sum(1 for s in signups if s.status == SignupStatus.ATTENDED),
        no_show=sum(1 for s in signups if s.status == SignupStatus.NO_SHOW),
        consents=consents,
        messages=messages,
    )
