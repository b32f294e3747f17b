"""A volunteer's record in the dashboard: their history with this organization (actions, groups, consent
records, messages) and merging two records of the same person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mobilize.models import (
    SEAT_STATUSES,
    ConsentRecord,
    GapRequest,
    Message,
    Relationship,
    Role,
    Shift,
    Signup,
    SignupStatus,
    SmsStatus,
    Standby,
    Volunteer,
)
from mobilize.services import audit
from mobilize.services.access import Actor
from mobilize.services.errors import Forbidden, Invalid
from mobilize.services.volunteers import get_volunteer

MERGERS = frozenset({Role.OWNER, Role.ADMIN})


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


async def merge(actor: Actor, keep_id: int, duplicate_id: int) -> Volunteer:
    """Fold `duplicate` into `keep`: sign-ups, consent records, messages and relationships move over, a
    missing phone or email is taken from the duplicate, an opt-out on either record wins, and the duplicate
    is deleted. Where both held a live sign-up on one shift, the duplicate's is cancelled (its seat freed).
    Owners and admins only; both records must be known to the organization. Audited."""
    if actor.role not in MERGERS:
        raise Forbidden("only owners and admins merge volunteer records", code="role_not_allowed")
    if keep_id == duplicate_id:
        raise Invalid.field("duplicate", "choose another record than the one kept")
    keep = await get_volunteer(actor, keep_id)
    duplicate = await get_volunteer(actor, duplicate_id)
    now = datetime.now(UTC)
    async with in_transaction():
        held = set(await Signup.filter(volunteer_id=keep.id, holder__not_isnull=True).values_list("holder", flat=True))
        for clash in await Signup.filter(volunteer_id=duplicate.id, holder__in=list(held)):
            await Signup.filter(id=clash.id).update(status=SignupStatus.CANCELLED, holder=None, updated_at=now)
            if clash.status in SEAT_STATUSES:
                await Shift.filter(id=clash.shift_id, filled__gt=0).update(filled=F("filled") - 1)  # type: ignore[attr-defined]
        moved = await Signup.filter(volunteer_id=duplicate.id).update(volunteer_id=keep.id)
        await ConsentRecord.filter(volunteer_id=duplicate.id).update(volunteer_id=keep.id)
        await Message.filter(volunteer_id=duplicate.id).update(volunteer_id=keep.id)
        known = set(await Relationship.filter(volunteer_id=keep.id).values_list("organization_id", flat=True))
        movable = Relationship.filter(volunteer_id=duplicate.id)
        if known:
            movable = movable.filter(organization_id__not_in=list(known))
        await movable.update(volunteer_id=keep.id)
        await Relationship.filter(volunteer_id=duplicate.id).delete()
        # Standby lists and gap-filling asks move too (what both had goes with the duplicate), so the weekly
        # cap and "asked once per shift" still hold for the merged person.
        for model, key in ((Standby, "group_id"), (GapRequest, "shift_id")):
            mine = list(await model.filter(volunteer_id=keep.id).values_list(key, flat=True))
            theirs = model.filter(volunteer_id=duplicate.id)
            if mine:
                theirs = theirs.filter(**{f"{key}__not_in": mine})
            await theirs.update(volunteer_id=keep.id)
        phone, email = duplicate.phone, duplicate.email
        opted_out = SmsStatus.OPTED_OUT in (keep.sms_status, duplicate.sms_status)
        await Volunteer.filter(id=duplicate.id).delete()  # first: phone and email are unique
        keep.phone = keep.phone or phone
        keep.email = keep.email or email
        keep.name = keep.name or duplicate.name
        keep.postal_code = keep.postal_code or duplicate.postal_code
        if opted_out:
            keep.sms_status = SmsStatus.OPTED_OUT
        elif keep.sms_status == SmsStatus.UNKNOWN:
            keep.sms_status = duplicate.sms_status
        await keep.save(update_fields=["phone", "email", "name", "postal_code", "sms_status", "updated_at"])
        await audit.record(actor, "volunteer.merge", {"kept": keep.id, "merged": duplicate_id, "signups_moved": moved})
    return keep
