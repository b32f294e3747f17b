"""An organization with a row of every kind the archive holds, some of them awkward (a formula in a cell,
accents, JSON, nulls), and a second organization that knows the same phone; and the two of them in a
coalition (each invited into the other's campaign, events in the other's campaign, people credited to the
other)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mobilize.models import (
    AuditLog,
    Channel,
    ConsentAction,
    ConsentChannel,
    ConsentRecord,
    DisputeStatus,
    Duty,
    DutySource,
    Event,
    EventStatus,
    GapAnswer,
    GapRequest,
    HostedEvent,
    HostingMode,
    HostingPolicy,
    InboundMessage,
    InboxThread,
    ListHistory,
    Message,
    MessageKind,
    MessageState,
    Partnership,
    PartnershipStatus,
    Role,
    SavedList,
    Signup,
    SignupSource,
    SignupStatus,
    SmsStatus,
    Standby,
    Strike,
    StrikeCaptain,
    StrikeDispute,
    StrikeWeek,
    TagMatch,
    TrustedHost,
    VolunteerTag,
)
from tests.factories import (
    make_campaign,
    make_event,
    make_group,
    make_organization,
    make_organizer,
    make_person,
    make_shift,
)

PHONE = "+13125550142"
START = datetime(2026, 6, 11, 11, 0, tzinfo=UTC)
RULES = {
    "hours_per_day": 4.0,
    "unpaid_weeks": 1,
    "week_starts_on": "sunday",
    "classes": [{"name": "part-time", "factor": 0.5}],
}


async def seed_organization(slug: str, name: str = "Rosa Ávila") -> dict[str, Any]:
    owner, token = await make_organizer(slug)
    group = await make_group(owner, slug=f"{slug}-yard")
    other_group = await make_group(owner, slug=f"{slug}-north")
    host, _ = await make_organizer(slug, role=Role.HOST, groups=[other_group.slug])
    campaign = await make_campaign(owner, slug=f"{slug}-day")
    start = datetime(2026, 6, 11, 11, 0, tzinfo=UTC)
    event = await make_event(
        group, campaign=campaign, instructions='=HYPERLINK("x")', reminders=[{"kind": "soon", "minutes_before": 90}]
    )
    lone = await make_event(other_group, title="Phone bank", lat=None, lon=None, event_type="phone_bank")
    shift = await make_shift(event, starts_at=start, capacity=2)
    past = await make_shift(lone, starts_at=start - timedelta(days=3))
    rosa = await make_person(
        owner.organization_id,
        name=name,
        phone=PHONE,
        email="rosa@example.org",
        notes="+1 ride needed",
        sms_status=SmsStatus.OPTED_IN,
        member_id="M-1",
    )
    ben = await make_person(owner.organization_id, name="Ben", email="ben@example.org", sms_blocked=True)
    await VolunteerTag.create(volunteer=rosa, name="steward")
    await SavedList.create(organization_id=owner.organization_id, name="Stewards of the yard", tags=["steward"],
                           tag_match=TagMatch.ALL, postal_codes=["606"], group=group, history=ListHistory.ATTENDED,
                           since=start.date(), created_by_id=owner.organizer_id)  # fmt: skip
    await ConsentRecord.create(
        volunteer=rosa,
        organization_id=owner.organization_id,
        channel=ConsentChannel.SMS,
        action=ConsentAction.GRANTED,
        source="web",
        words="I agree to texts",
        ip="10.0.0.1",
    )
    signup = await Signup.create(
        shift=shift,
        volunteer=rosa,
        holder=shift.id,
        status=SignupStatus.CONFIRMED,
        source=SignupSource.WEB,
        referrer="flyer",
    )
    await Signup.create(shift=shift, volunteer=ben, holder=None, status=SignupStatus.CANCELLED, source=SignupSource.API)
    came = await Signup.create(
        shift=past,
        volunteer=ben,
        holder=past.id,
        status=SignupStatus.ATTENDED,
        source=SignupSource.WALK_IN,
        attendance_locked=True,
        checked_in_at=start,
    )
    await Message.create(
        organization_id=owner.organization_id,
        volunteer=rosa,
        signup=signup,
        channel=Channel.SMS,
        kind=MessageKind.CONFIRMATION,
        to_address=PHONE,
        body="You're in",
        due_at=start,
        state=MessageState.DELIVERED,
        provider_id="SM1",
        attempts=1,
        sent_at=start,
        dedupe_key=f"confirmation:{signup.id}:sms",
    )
    await Message.create(
        organization_id=owner.organization_id,
        volunteer=ben,
        signup=came,
        sent_by_id=host.organizer_id,
        channel=Channel.EMAIL,
        kind=MessageKind.BLAST,
        to_address="ben@example.org",
        subject="Thanks",
        body="Thank you, Ben",
        due_at=start,
        state=MessageState.PENDING,
        dedupe_key=f"blast:{slug}",
    )
    gap = await Message.create(
        organization_id=owner.organization_id,
        volunteer=rosa,
        channel=Channel.SMS,
        kind=MessageKind.GAP_REQUEST,
        to_address=PHONE,
        body="Can you come?",
        due_at=start,
        state=MessageState.FAILED,
        last_error="30003",
        dedupe_key=f"gap:{slug}",
    )
    await InboundMessage.create(
        message_sid=f"SM-{slug}",
        from_number=PHONE,
        body="is there parking?",
        volunteer=rosa,
        organization_id=owner.organization_id,
        outcome="inbox",
    )
    await InboxThread.create(
        organization_id=owner.organization_id,
        volunteer=rosa,
        last_message_at=start,
        last_preview="is there parking?",
        handled_at=start,
        handled_by_id=owner.organizer_id,
    )
    await Standby.create(group=group, volunteer=rosa, added_by_id=owner.organizer_id)
    await GapRequest.create(
        shift=shift, volunteer=rosa, message=gap, asked_at=start, answer=GapAnswer.YES, answered_at=start, signup=signup
    )
    await AuditLog.create(
        organization_id=owner.organization_id,
        organizer_id=owner.organizer_id,
        action="volunteers.export",
        detail={"tag": "steward", "filters": {"b": 1, "a": [2, 1]}},
    )
    parts = {
        "owner": owner,
        "token": token,
        "rosa": rosa,
        "ben": ben,
        "shift": shift,
        "past": past,
        "event": event,
        "group": group,
        "other_group": other_group,
        "campaign": campaign,
    }
    await seed_strike(slug, parts)
    await seed_hosting(slug, parts)
    return parts


def token_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def seed_strike(slug: str, parts: dict[str, Any]) -> None:
    """A strike (rules with a member class), its picket line, a captain, duty (one corrected, one closed by
    the shift's end), a paid week and a resolved dispute."""
    owner, rosa, ben, shift = parts["owner"], parts["rosa"], parts["ben"], parts["shift"]
    captain, _ = await make_organizer(slug, role=Role.CAPTAIN)
    strike = await Strike.create(
        organization_id=owner.organization_id, name="Contract fight", starts_on=date(2026, 6, 1), rules=RULES
    )
    await Event.filter(id=parts["event"].id).update(strike_id=strike.id)
    await StrikeCaptain.create(strike=strike, organizer_id=captain.organizer_id)
    await Duty.create(
        strike=strike,
        shift=shift,
        volunteer=rosa,
        signed_in_at=START,
        signed_out_at=START + timedelta(hours=4),
        source=DutySource.CAPTAIN,
        scan_in=f"{slug}-scan-1",
    )
    await Duty.create(
        strike=strike,
        shift=shift,
        volunteer=ben,
        signed_in_at=START + timedelta(minutes=30),
        signed_out_at=START + timedelta(hours=3),
        source=DutySource.CORRECTION,
        auto_closed=True,
    )
    await StrikeWeek.create(strike=strike, week_start=date(2026, 6, 7), rules=RULES, closed_by_id=owner.organizer_id)
    await StrikeDispute.create(
        strike=strike,
        volunteer=rosa,
        day=date(2026, 6, 11),
        raised_by="member",
        note="I was there five hours",
        status=DisputeStatus.RESOLVED,
        resolution="Corrected",
        resolved_by_id=owner.organizer_id,
        resolved_at=START,
    )
    parts["strike"] = strike


async def seed_hosting(slug: str, parts: dict[str, Any]) -> None:
    """The campaign takes events from volunteer hosts: its policy, one proposal sent back for changes (by a
    host whose record is Ben's), and a trusted host."""
    owner, campaign, other_group = parts["owner"], parts["campaign"], parts["other_group"]
    await HostingPolicy.create(
        organization_id=owner.organization_id,
        campaign=campaign,
        mode=HostingMode.REVIEW,
        group=other_group,
        event_types=["meeting", "canvass"],
        terms="I will host safely",
    )
    proposed = await make_event(
        other_group, campaign=campaign, title="House meeting", event_type="meeting", status=EventStatus.PENDING
    )
    await make_shift(proposed, starts_at=START + timedelta(days=2))
    await HostedEvent.create(
        organization_id=owner.organization_id,
        event=proposed,
        campaign=campaign,
        volunteer=parts["ben"],
        host_name="Ben",
        host_email="ben@example.org",
        verify_token_hash=token_hash(f"{slug}-verify"),
        verified_at=START,
        page_token_hash=token_hash(f"{slug}-page"),
        page_token_seen_at=START,
        decision="changes_requested",
        reason="Give the address",
        decided_by_id=owner.organizer_id,
        decided_at=START,
        extra={"first_shift": (START + timedelta(days=2)).isoformat()},
    )
    await TrustedHost.create(
        organization_id=owner.organization_id, email="ana@example.org", trusted_by_id=owner.organizer_id
    )


async def seed_coalition() -> dict[str, dict[str, Any]]:
    """local-1 and local-2 (who know the same phone), each invited into the other's campaign and accepted,
    each with an event in the other's campaign, and sign-ups credited to the other, to itself and to none."""
    one = await seed_organization("local-1")
    two = await seed_organization("local-2", name="Someone else")
    for host, convener, invitations in ((one, two, 1), (two, one, 2)):
        await Partnership.create(
            campaign=convener["campaign"],
            organization_id=host["owner"].organization_id,
            status=PartnershipStatus.ACCEPTED,
            invited_by_id=convener["owner"].organizer_id,
            invited_at=START,
            invitations=invitations,
            answered_at=START,
        )
        joined = await make_event(
            host["group"], campaign=convener["campaign"], title="Solidarity rally", event_type="rally"
        )
        host["joined_shift"] = shift = await make_shift(joined, starts_at=START - timedelta(days=1))
        host_org = host["owner"].organization_id
        convener_org = convener["owner"].organization_id
        for n, recruiter in enumerate((convener_org, host_org, None)):
            person = await make_person(host_org, name=f"Marcher {n}", email=f"marcher{n}@example.org")
            await Signup.create(
                shift=shift,
                volunteer=person,
                holder=shift.id,
                status=SignupStatus.ATTENDED,
                source=SignupSource.WEB,
                recruited_by_id=recruiter,
            )
    # an invitation local-1 withdrew, to an organization that never moves with them
    third = await make_organization("local-3")
    await Partnership.create(
        campaign=one["campaign"],
        organization_id=third.id,
        status=PartnershipStatus.LEFT,
        invited_at=START,
        ended_at=START,
    )
    return {"local-1": one, "local-2": two}
