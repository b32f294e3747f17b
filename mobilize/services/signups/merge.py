"""Merging two of an organization's records of the same person: their sign-ups, consent, messages, tags,
standby lists and gap asks move to the record kept; a seat the merge frees goes through the one promotion
rule (seats.release_seat_and_promote), and whoever gets it is told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from mobilize.models import (
    SEAT_STATUSES,
    ConsentRecord,
    GapRequest,
    HostedEvent,
    Message,
    Role,
    Signup,
    SignupStatus,
    SmsStatus,
    Standby,
    Volunteer,
    VolunteerTag,
)
from mobilize.services import audit
from mobilize.services.access import Actor
from mobilize.services.errors import Forbidden, Invalid
from mobilize.services.outbox.notifications import after_promotion
from mobilize.services.people.directory import get_volunteer
from mobilize.services.signups.seats import release_seat_and_promote

MERGERS = frozenset({Role.OWNER, Role.ADMIN})


@dataclass
class Merged:
    volunteer: Volunteer
    promoted: list[Signup]  # waitlisted people who got the seats the merge freed (told, with the merge)


async def merge(actor: Actor, keep_id: int, duplicate_id: int) -> Merged:
    """Fold `duplicate` into `keep`, two records of this organization: sign-ups, consent records, messages,
    tags, standby lists and gap asks move over, a missing phone, email or member id is taken from the
    duplicate, an opt-out on either record wins, and the duplicate is deleted. Where both held a live sign-up
    on one shift, the duplicate's is cancelled and its seat goes to the waitlist (like every freed seat).
    Owners and admins only; both records must be this organization's (another's is NotFound). Audited."""
    if actor.role not in MERGERS:
        raise Forbidden("only owners and admins merge volunteer records", code="role_not_allowed")
    if keep_id == duplicate_id:
        raise Invalid.field("duplicate", "choose another record than the one kept")
    keep = await get_volunteer(actor, keep_id)
    duplicate = await get_volunteer(actor, duplicate_id)
    now = datetime.now(UTC)
    promoted: list[Signup] = []
    async with in_transaction():
        held = set(await Signup.filter(volunteer_id=keep.id, holder__not_isnull=True).values_list("holder", flat=True))
        for clash in await Signup.filter(volunteer_id=duplicate.id, holder__in=list(held)):
            await Signup.filter(id=clash.id).update(status=SignupStatus.CANCELLED, holder=None, updated_at=now)
            if clash.status in SEAT_STATUSES:
                promoted += await release_seat_and_promote(clash.shift_id)  # type: ignore[attr-defined]
        moved = await Signup.filter(volunteer_id=duplicate.id).update(volunteer_id=keep.id)
        await ConsentRecord.filter(volunteer_id=duplicate.id).update(volunteer_id=keep.id)
        await Message.filter(volunteer_id=duplicate.id).update(volunteer_id=keep.id)
        await HostedEvent.filter(volunteer_id=duplicate.id).update(volunteer_id=keep.id)  # their host history
        # Standby lists, gap asks and tags move too (what both had goes with the duplicate), so the weekly cap
        # and "asked once per shift" still hold for the merged person.
        for model, key in ((Standby, "group_id"), (GapRequest, "shift_id"), (VolunteerTag, "name")):
            mine = list(await model.filter(volunteer_id=keep.id).values_list(key, flat=True))
            theirs = model.filter(volunteer_id=duplicate.id)
            if mine:
                theirs = theirs.filter(**{f"{key}__not_in": mine})
            await theirs.update(volunteer_id=keep.id)
        phone, email, member_id = duplicate.phone, duplicate.email, duplicate.member_id
        opted_out = SmsStatus.OPTED_OUT in (keep.sms_status, duplicate.sms_status)
        await Volunteer.filter(id=duplicate.id).delete()  # first: phone, email and member id are unique
        if not keep.phone and phone:
            keep.phone, keep.sms_blocked = phone, duplicate.sms_blocked
        keep.email = keep.email or email
        keep.member_id = keep.member_id or member_id
        keep.name = keep.name or duplicate.name
        keep.postal_code = keep.postal_code or duplicate.postal_code
        if duplicate.notes and duplicate.notes not in keep.notes:
            keep.notes = "\n\n".join(n for n in (keep.notes, duplicate.notes) if n)
        if opted_out:
            keep.sms_status = SmsStatus.OPTED_OUT
        elif keep.sms_status == SmsStatus.UNKNOWN:
            keep.sms_status = duplicate.sms_status
        await keep.save(
            update_fields=[
                "phone",
                "email",
                "member_id",
                "name",
                "postal_code",
                "notes",
                "sms_status",
                "sms_blocked",
                "updated_at",
            ]
        )
        await after_promotion(promoted)  # whoever got a freed seat is told, with the merge
        await audit.record(
            actor,
            "volunteer.merge",
            {"kept": keep.id, "merged": duplicate_id, "signups_moved": moved, "promoted": [s.id for s in promoted]},
        )
    return Merged(keep, promoted)
