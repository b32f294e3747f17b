"""An organization with a row of every kind the archive holds, some of them awkward (a formula in a cell,
accents, JSON, nulls), and a second organization that knows the same phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mobilize.models import (
    AuditLog,
    Channel,
    ConsentAction,
    ConsentChannel,
    ConsentRecord,
    GapAnswer,
    GapRequest,
    InboundMessage,
    InboxThread,
    ListHistory,
    Message,
    MessageKind,
    MessageState,
    Role,
    SavedList,
    Signup,
    SignupSource,
    SignupStatus,
    SmsStatus,
    Standby,
    TagMatch,
    VolunteerTag,
)
from tests.factories import make_campaign, make_event, make_group, make_organizer, make_person, make_shift

PHONE = "+13125550142"


async def seed_organization(slug: str, name: str = "Rosa Ávila") -> dict[str, Any]:
    owner, token = await make_organizer(slug)
    group = await make_group(owner, slug=f"{slug}-yard")
    other_group = await make_group(owner, slug=f"{slug}-north")
    host, _ = await make_organizer(slug, role=Role.HOST, groups=[other_group.slug])
    campaign = await make_campaign(owner, slug=f"{slug}-day")
    start = datetime(2026, 6, 11, 11, 0, tzinfo=UTC)
    event = await make_event(
        group, campaign=campaign, instructions="=HYPERLINK(\"x\")", reminders=[{"kind": "soon", "minutes_before": 90}]
    )
    lone = await make_event(other_group, title="Phone bank", lat=None, lon=None, event_type="phone_bank")
    shift = await make_shift(event, starts_at=start, capacity=2)
    past = await make_shift(lone, starts_at=start - timedelta(days=3))
    rosa = await make_person(owner.organization_id, name=name, phone=PHONE, email="rosa@example.org",
                             notes="+1 ride needed", sms_status=SmsStatus.OPTED_IN, member_id="M-1")  # fmt: skip
    ben = await make_person(owner.organization_id, name="Ben", email="ben@example.org", sms_blocked=True)
    await VolunteerTag.create(volunteer=rosa, name="steward")
    await SavedList.create(organization_id=owner.organization_id, name="Stewards of the yard", tags=["steward"],
                           tag_match=TagMatch.ALL, postal_codes=["606"], group=group, history=ListHistory.ATTENDED,
                           since=start.date(), created_by_id=owner.organizer_id)  # fmt: skip
    await ConsentRecord.create(volunteer=rosa, organization_id=owner.organization_id, channel=ConsentChannel.SMS,
                               action=ConsentAction.GRANTED, source="web", words="I agree to texts", ip="10.0.0.1")
    signup = await Signup.create(shift=shift, volunteer=rosa, holder=shift.id, status=SignupStatus.CONFIRMED,
                                 source=SignupSource.WEB, referrer="flyer")
    await Signup.create(shift=shift, volunteer=ben, holder=None, status=SignupStatus.CANCELLED, source=SignupSource.API)
    came = await Signup.create(shift=past, volunteer=ben, holder=past.id, status=SignupStatus.ATTENDED,
                               source=SignupSource.WALK_IN, attendance_locked=True, checked_in_at=start)
    await Message.create(organization_id=owner.organization_id, volunteer=rosa, signup=signup,
                                   channel=Channel.SMS, kind=MessageKind.CONFIRMATION, to_address=PHONE,
                                   body="You're in", due_at=start, state=MessageState.DELIVERED, provider_id="SM1",
                                   attempts=1, sent_at=start, dedupe_key=f"confirmation:{signup.id}:sms")
    await Message.create(organization_id=owner.organization_id, volunteer=ben, signup=came,
                         sent_by_id=host.organizer_id,
                         channel=Channel.EMAIL, kind=MessageKind.BLAST, to_address="ben@example.org", subject="Thanks",
                         body="Thank you, Ben", due_at=start, state=MessageState.PENDING, dedupe_key=f"blast:{slug}")
    gap = await Message.create(organization_id=owner.organization_id, volunteer=rosa, channel=Channel.SMS,
                               kind=MessageKind.GAP_REQUEST, to_address=PHONE, body="Can you come?", due_at=start,
                               state=MessageState.FAILED, last_error="30003", dedupe_key=f"gap:{slug}")
    await InboundMessage.create(message_sid=f"SM-{slug}", from_number=PHONE, body="is there parking?",
                                volunteer=rosa, organization_id=owner.organization_id, outcome="inbox")
    await InboxThread.create(organization_id=owner.organization_id, volunteer=rosa, last_message_at=start,
                             last_preview="is there parking?", handled_at=start, handled_by_id=owner.organizer_id)
    await Standby.create(group=group, volunteer=rosa, added_by_id=owner.organizer_id)
    await GapRequest.create(shift=shift, volunteer=rosa, message=gap, asked_at=start, answer=GapAnswer.YES,
                            answered_at=start, signup=signup)
    await AuditLog.create(organization_id=owner.organization_id, organizer_id=owner.organizer_id,
                          action="volunteers.export", detail={"tag": "steward", "filters": {"b": 1, "a": [2, 1]}})
    return {"owner": owner, "token": token, "rosa": rosa, "shift": shift, "past": past}
