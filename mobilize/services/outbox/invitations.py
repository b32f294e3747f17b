"""Calendar invitations carried by sign-up emails: built at delivery time from the rows as they are then,
so a shift moved since the sign-up is invited at its new time."""

from __future__ import annotations

from datetime import datetime

from mobilize import links
from mobilize.calendar.feeds import EventRow, ShiftRow
from mobilize.calendar.invitations import Invitation, Method, build_invitation
from mobilize.models import (
    SEAT_STATUSES,
    Channel,
    EventStatus,
    Message,
    MessageKind,
    MessageState,
    ShiftStatus,
    Signup,
    SignupStatus,
)


def by_organizers(signup: Signup) -> bool:
    """The shift or its event was cancelled by the organizers (not dropped by the volunteer)."""
    return signup.shift.status == ShiftStatus.CANCELLED or signup.shift.event.status == EventStatus.CANCELLED


# Emails that carry an invitation: a seat (REQUEST) and the end of one (CANCEL).
INVITATION_KINDS = frozenset(
    {MessageKind.CONFIRMATION, MessageKind.PROMOTED, MessageKind.CHANGED, MessageKind.CANCELLED_SIGNUP}
)


# The dedupe-key revision of a message listing several shifts (services.outbox.combined): it carries no
# invitation, since one iTIP message describes one event.
SEVERAL = ":shifts"


def lists_shifts(dedupe_key: str) -> bool:
    """Whether an outbox row is the one message of a sign-up for several shifts (no invitation goes with it)."""
    return f"{SEVERAL}:" in dedupe_key


async def invitation_for(
    signup_id: int, kind: MessageKind, base_url: str, mail_from: str, now: datetime
) -> tuple[bytes, Method] | None:
    """The .ics for a sign-up email, built from the rows as they are now (a shift moved since the sign-up
    is invited at its new time). None when it no longer applies: a confirmation of a seat given up since."""
    signup = await Signup.get_or_none(id=signup_id).select_related("shift__event__organization", "volunteer")
    if signup is None or not signup.volunteer.email:
        return None
    method: Method
    if kind == MessageKind.CANCELLED_SIGNUP and (signup.status == SignupStatus.CANCELLED or by_organizers(signup)):
        method = "CANCEL"
    elif kind != MessageKind.CANCELLED_SIGNUP and signup.status in SEAT_STATUSES:
        method = "REQUEST"
    else:
        return None
    shift, volunteer = signup.shift, signup.volunteer
    event = shift.event
    # Earlier drops of this shift by this person: their invitations used up SEQUENCE numbers (see invitations).
    revision = await Signup.filter(
        volunteer_id=volunteer.id, shift_id=shift.id, status=SignupStatus.CANCELLED, id__lt=signup.id
    ).count()
    row = ShiftRow(
        id=shift.id,
        event=EventRow(
            id=event.id,
            title=event.title,
            timezone=event.timezone,
            url=links.event_url(base_url, event.id, event.address_token()),
            updated_at=event.updated_at,
            description=event.description,
            event_type=str(event.event_type),
            venue=event.venue,
            address=event.address,  # the person holds (or held) a seat: the full address
            city=event.city,
            region=event.region,
            postal_code=event.postal_code,
            country=event.country,
            lat=event.lat,
            lon=event.lon,
            virtual_url=event.virtual_url,
            instructions=event.instructions,
            cancelled=event.status == EventStatus.CANCELLED,
            sequence=event.sequence,
        ),
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        updated_at=shift.updated_at,
        cancelled=shift.status == ShiftStatus.CANCELLED,
        sequence=shift.sequence,
    )
    invitation = Invitation(
        shift=row,
        uid_domain=links.uid_domain(base_url),
        organizer_name=event.organization.name,
        organizer_email=mail_from,
        attendee_name=volunteer.name,
        attendee_email=volunteer.email,
        manage_url=links.manage_url(base_url, volunteer.manage_token),
        revision=revision,
    )
    return build_invitation(invitation, method, now), method


async def was_invited(signup_id: int) -> bool:
    """Whether an invitation email went (or is going) out for this sign-up's seat: only then is a CANCEL due."""
    return (
        await Message.filter(
            signup_id=signup_id,
            channel=Channel.EMAIL,
            kind__in=[MessageKind.CONFIRMATION, MessageKind.PROMOTED],
            state__in=[MessageState.PENDING, MessageState.SENDING, MessageState.SENT, MessageState.DELIVERED],
        )
        .exclude(dedupe_key__contains=f"{SEVERAL}:")
        .exists()
    )
