"""A person's own data: what one organization holds about them (their download, as JSON, from their private
page), and its erasure ("forget me", or an owner or admin erasing a record). Erasure removes the contact
details and every free text (names, notes, message bodies, texts they sent) but keeps the sign-ups and
attendance, so the turnout counts stay right: they become anonymous. Nothing of another organization's
record of the same person is read or touched."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from mobilize.models import (
    AuditLog,
    ConsentRecord,
    EmailStatus,
    InboundMessage,
    InboxThread,
    Message,
    MessageState,
    Organization,
    PendingQuestion,
    Role,
    Signup,
    SmsStatus,
    Standby,
    Volunteer,
    VolunteerTag,
)
from mobilize.services.access import Actor
from mobilize.services.errors import Forbidden, NotFound
from mobilize.services.people.records import new_token

ERASERS = frozenset({Role.OWNER, Role.ADMIN})


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


async def own_data(volunteer: Volunteer) -> dict[str, Any]:
    """Everything the organization holds about this record of the person, in plain JSON values."""
    org = await Organization.get(id=volunteer.organization_id)
    signups = await Signup.filter(volunteer_id=volunteer.id).prefetch_related("shift__event").order_by("id")
    consents = await ConsentRecord.filter(volunteer_id=volunteer.id).order_by("id")
    messages = await Message.filter(volunteer_id=volunteer.id, organization_id=org.id).order_by("id")
    inbound = await InboundMessage.filter(volunteer_id=volunteer.id).order_by("id")
    return {
        "organization": org.name,
        "exported_at": _when(datetime.now(UTC)),
        "person": {
            "name": volunteer.name, "phone": volunteer.phone, "email": volunteer.email,
            "postal_code": volunteer.postal_code, "member_id": volunteer.member_id, "notes": volunteer.notes,
            "sms_status": str(volunteer.sms_status), "email_status": str(volunteer.email_status),
            "known_since": _when(volunteer.created_at),
        },
        "tags": sorted(await VolunteerTag.filter(volunteer_id=volunteer.id).values_list("name", flat=True)),
        "standby_groups": sorted(await Standby.filter(volunteer_id=volunteer.id).values_list("group__name", flat=True)),
        "consent": [{"channel": str(c.channel), "action": str(c.action), "source": c.source, "words": c.words,
                     "at": _when(c.created_at)} for c in consents],
        "signups": [{"event": s.shift.event.title, "starts_at": _when(s.shift.starts_at), "status": str(s.status),
                     "source": str(s.source), "at": _when(s.created_at)} for s in signups],
        "messages_to_you": [{"channel": str(m.channel), "kind": str(m.kind), "to": m.to_address, "subject": m.subject,
                             "body": m.body, "state": str(m.state), "sent_at": _when(m.sent_at)} for m in messages],
        "texts_from_you": [{"body": i.body, "at": _when(i.created_at)} for i in inbound],
    }  # fmt: skip


async def erase(volunteer: Volunteer, by: Actor | None = None) -> None:
    """Erase this record of the person, in one transaction with its audit entry: contact details, name,
    notes, tags, standby places, inbox threads and the text of every message to or from them go; the
    sign-ups stay (turnout counts) with nothing saying whose they were; consent records keep their words
    and dates (the proof an organization must keep) but lose the IP and browser. The private links stop
    working. `by`: the organizer who erased it; None when the person asked from their page."""
    async with in_transaction():
        phone = volunteer.phone
        await Volunteer.filter(id=volunteer.id).update(
            name="", phone=None, email=None, postal_code="", notes="", member_id=None,
            sms_status=SmsStatus.UNKNOWN, email_status=EmailStatus.UNKNOWN, manage_token=new_token(),
            feed_token=new_token(), updated_at=datetime.now(UTC),
        )  # fmt: skip
        await VolunteerTag.filter(volunteer_id=volunteer.id).delete()
        await Standby.filter(volunteer_id=volunteer.id).delete()
        await InboxThread.filter(volunteer_id=volunteer.id).delete()
        await ConsentRecord.filter(volunteer_id=volunteer.id).update(ip="", user_agent="")
        await Signup.filter(volunteer_id=volunteer.id).update(referrer="")
        unsent = (MessageState.PENDING, MessageState.SENDING)
        await Message.filter(volunteer_id=volunteer.id, state__in=unsent).update(
            state=MessageState.CANCELLED, skip_reason="the person was erased"
        )
        await Message.filter(volunteer_id=volunteer.id).update(to_address="", subject="", body="", last_error="")
        await InboundMessage.filter(volunteer_id=volunteer.id).update(from_number="", body="", reply="")
        if phone:
            await PendingQuestion.filter(phone=phone, organization_id=volunteer.organization_id).delete()
        await AuditLog.create(
            organization_id=volunteer.organization_id, organizer_id=by.organizer_id if by else None,
            action="person.erased", detail={"person": volunteer.id, "asked_by": "organizer" if by else "the person"},
        )  # fmt: skip


async def erase_by_organizer(actor: Actor, volunteer_id: int) -> None:
    """An owner or admin erases one of the organization's records (another organization's is NotFound)."""
    if actor.role not in ERASERS:
        raise Forbidden("only an owner or an admin can erase a person", code="role_not_allowed")
    volunteer = await Volunteer.get_or_none(id=volunteer_id, organization_id=actor.organization_id)
    if volunteer is None:
        raise NotFound(f"volunteer {volunteer_id} not found")
    await erase(volunteer, by=actor)
