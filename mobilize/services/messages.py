"""The outbox: composing messages for sign-ups, claiming them for delivery exactly once, and recording
what the channel said. Jobs in workers/messages.py call these; the channels never see a model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mobilize import links
from mobilize.calendar.invitations import Method
from mobilize.channels.base import OutgoingEmail, OutgoingSms, SendResult
from mobilize.models import (
    SEAT_STATUSES,
    Channel,
    ConsentAction,
    ConsentChannel,
    ConsentRecord,
    EmailStatus,
    EventStatus,
    Message,
    MessageKind,
    MessageState,
    ShiftStatus,
    Signup,
    SignupStatus,
    SmsStatus,
    Volunteer,
)
from mobilize.services.invitations import INVITATION_KINDS, by_organizers, invitation_for

MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=10)  # a worker that claimed a message and vanished (killed) this long ago
SMS_FOOTER = "Reply STOP to opt out."


class Sender(Protocol):
    async def send(self, message: Any) -> SendResult: ...


def when(starts_at: datetime, ends_at: datetime, zone: str) -> str:
    """'Sat May 1, 10:00 AM-12:00 PM CDT' in the event's zone."""
    tz = ZoneInfo(zone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    day = start.strftime("%a %b %-d")
    return f"{day}, {start:%-I:%M %p}-{end:%-I:%M %p %Z}"


def _compose(signup: Signup, kind: MessageKind, base_url: str) -> tuple[str, str, str]:
    """(sms body, email subject, email text) for a sign-up message."""
    shift = signup.shift
    event = shift.event
    org = event.organization.name
    slot = when(shift.starts_at, shift.ends_at, event.timezone)
    place = event.venue or event.city or ("online" if event.virtual_url else "")
    where = f" at {place}" if place else ""
    manage = links.manage_url(base_url, signup.volunteer.manage_token)
    if kind == MessageKind.WAITLISTED:
        lead = f"you're on the waitlist for {event.title}, {slot}. We'll tell you if a spot opens."
        subject = f"Waitlisted: {event.title}"
    elif kind == MessageKind.CANCELLED_SIGNUP and by_organizers(signup):
        lead = f"the organizers cancelled {event.title}, {slot}. Please don't come; sorry for the change."
        subject = f"Cancelled: {event.title}"
    elif kind == MessageKind.CANCELLED_SIGNUP:
        lead = f"you're no longer signed up for {event.title}, {slot}. Thanks for letting us know."
        subject = f"Cancelled: {event.title}"
    elif kind == MessageKind.CHANGED:
        lead = f"{event.title} has changed. It is now {slot}{where}."
        subject = f"Changed: {event.title}"
    elif kind == MessageKind.PROMOTED:
        lead = f"a spot opened up! You're now signed up for {event.title}, {slot}{where}."
        subject = f"You're in: {event.title}"
    else:
        lead = f"you're signed up for {event.title}, {slot}{where}."
        subject = f"Signed up: {event.title}"
    if kind in REMINDER_KINDS:
        return _compose_reminder(signup, kind, base_url)
    sms = f"{org}: {lead} Your shifts: {manage} {SMS_FOOTER}"
    text = (
        f"Hello {signup.volunteer.name or 'there'},\n\n{lead[0].upper()}{lead[1:]}\n\n"
        f"Event page: {links.event_url(base_url, event.id)}\n"
        f"See or drop your shifts: {manage}\n\n-- {org}"
    )
    return sms, subject, text


REMINDER_KINDS = frozenset({MessageKind.REMINDER_DAY_BEFORE, MessageKind.REMINDER_SOON})
SMS_INSTRUCTIONS_MAX = 300  # an SMS stays short; the email carries the instructions whole


def _compose_reminder(signup: Signup, kind: MessageKind, base_url: str) -> tuple[str, str, str]:
    """(sms body, email subject, email text) of a reminder. The organization comes first (carriers filter
    texts that do not say who sends them); people signed up see the street address and the instructions."""
    shift = signup.shift
    event = shift.event
    org = event.organization.name
    start = shift.starts_at.astimezone(ZoneInfo(event.timezone))
    slot = when(shift.starts_at, shift.ends_at, event.timezone)
    place = ", ".join(p for p in (event.venue, event.address, event.city) if p) or (
        "online" if event.virtual_url else ""
    )
    where = f" at {place}" if place else ""
    manage = links.manage_url(base_url, signup.volunteer.manage_token)
    greeting = f"Hello {signup.volunteer.name or 'there'},\n\n"
    if kind == MessageKind.REMINDER_DAY_BEFORE:
        sms = (
            f"{org}: reminder, {event.title} is {slot}{where}. Reply YES to confirm, NO if you can't make it. "
            f"{SMS_FOOTER}"
        )
        subject = f"Reminder: {event.title}"
        text = (
            f"{greeting}A reminder: you're signed up for {event.title}, {slot}{where}.\n\n"
            f"Please confirm you're coming, or drop the shift if you can't make it, on your page: {manage}\n\n"
            f"-- {org}"
        )
        return sms, subject, text
    instructions = event.instructions.strip()
    short = instructions
    if len(short) > SMS_INSTRUCTIONS_MAX:
        short = short[: SMS_INSTRUCTIONS_MAX - 1].rstrip() + "\u2026"
    sms = f"{org}: {event.title} starts at {start:%H:%M}{where}." + (f" {short}" if short else "") + f" {SMS_FOOTER}"
    subject = f"Starting soon: {event.title}"
    text = f"{greeting}{event.title} starts at {start:%H:%M} ({slot}){where}.\n\n"
    if instructions:
        text += f"Instructions from the organizers:\n{instructions}\n\n"
    text += f"Can't make it after all? Drop the shift on your page: {manage}\n\n-- {org}"
    return sms, subject, text


def texts_to(volunteer: Volunteer) -> bool:
    """Whether sign-up messages go to this volunteer by SMS."""
    return bool(volunteer.phone) and volunteer.sms_status == SmsStatus.OPTED_IN


def mails_to(volunteer: Volunteer) -> bool:
    """Whether sign-up messages go to this volunteer by email."""
    return bool(volunteer.email) and volunteer.email_status in (EmailStatus.OK, EmailStatus.UNKNOWN)


def dedupe_key(signup_id: int, kind: MessageKind, revision: str, channel: Channel) -> str:
    """The outbox key of a sign-up message: one row per sign-up, kind, revision and channel."""
    return f"signup:{signup_id}:{kind.value}{revision}:{channel.value}"


async def plan_signup_messages(
    signup_ids: list[int],
    kind: MessageKind,
    base_url: str,
    now: datetime,
    channels: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL),
    revision: str | Callable[[Signup], str] = "",
    due: Callable[[Signup, Channel], datetime | None] | None = None,
) -> list[int]:
    """Create the outbox rows (SMS if the person opted in, and email; of `channels` only) for these sign-ups;
    idempotent per (sign-up, kind, channel[, revision]). `revision` may depend on the sign-up (reminders
    carry their shift's and event's sequence). `due` schedules a row later than now (None from it: no row
    for that sign-up and channel); a row whose time had already passed is recorded as skipped. Returns the
    ids of rows to deliver now: a future row is the sweep's to enqueue, when it falls due (an early job
    would run, find it not due, and hold its job id)."""
    if not signup_ids:
        return []
    # One query (joins), not one per relation: this runs after every sign-up.
    signups = await Signup.filter(id__in=signup_ids).select_related("shift__event__organization", "volunteer")
    ids: list[int] = []
    for signup in signups:
        shift, volunteer = signup.shift, signup.volunteer
        sms, subject, text = _compose(signup, kind, base_url)
        wanted: list[tuple[Channel, str, str, str]] = []
        if Channel.SMS in channels and texts_to(volunteer):
            wanted.append((Channel.SMS, volunteer.phone, "", sms))
        if Channel.EMAIL in channels and mails_to(volunteer):
            wanted.append((Channel.EMAIL, volunteer.email, subject, text))
        suffix = revision(signup) if callable(revision) else revision
        for channel, address, subj, body in wanted:
            due_at = now if due is None else due(signup, channel)
            if due_at is None:
                continue
            late = due_at < now
            key = dedupe_key(signup.id, kind, suffix, channel)
            try:
                async with in_transaction():
                    row = await Message.create(
                        organization_id=shift.event.organization_id,
                        volunteer=volunteer,
                        signup=signup,
                        channel=channel,
                        kind=kind,
                        to_address=address,
                        subject=subj,
                        body=body,
                        due_at=due_at,
                        expires_at=shift.starts_at,
                        dedupe_key=key,
                        state=MessageState.SKIPPED if late else MessageState.PENDING,
                        skip_reason="its time had passed when it was planned" if late else "",
                    )
                if row.state == MessageState.PENDING and due_at <= now:
                    ids.append(row.id)
            except IntegrityError:
                existing = await Message.get_or_none(dedupe_key=key, state=MessageState.PENDING, due_at__lte=now)
                if existing:
                    ids.append(existing.id)
    return ids


async def claim(message_id: int, now: datetime) -> Message | None:
    """Take a due message for delivery; only one caller ever wins (conditional UPDATE)."""
    won = await Message.filter(id=message_id, state=MessageState.PENDING, due_at__lte=now).update(
        state=MessageState.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
    )
    if not won:
        return None
    return await Message.get(id=message_id).prefetch_related("volunteer", "organization")


async def _finish(message: Message, now: datetime, **changes: Any) -> None:
    await Message.filter(id=message.id, state=MessageState.SENDING).update(updated_at=now, **changes)
    for key, value in changes.items():
        setattr(message, key, value)


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempt - 1), 1800))


async def deliver(
    message_id: int,
    sms: Sender,
    email: Sender,
    now: datetime | None = None,
    *,
    base_url: str | None = None,
    mail_from: str | None = None,
) -> Message | None:
    """Deliver one message at most once: claim it, check it is still wanted, send, record the outcome.
    Returns the message, or None when it was not due or someone else had it. With `base_url` and
    `mail_from` (the worker passes its settings), sign-up emails carry a calendar invitation."""
    now = now or datetime.now(UTC)
    message = await claim(message_id, now)
    if message is None:
        return None
    volunteer: Volunteer | None = message.volunteer
    if message.expires_at and now >= message.expires_at:
        await _finish(message, now, state=MessageState.SKIPPED, skip_reason="too late: the shift has started")
        return message
    if message.kind in REMINDER_KINDS and message.signup_id and not await _still_seated(message.signup_id):
        # A safety net: dropping the seat cancels its reminders, but a crash may have come in between.
        await _finish(message, now, state=MessageState.SKIPPED, skip_reason="the sign-up no longer holds a seat")
        return message
    if message.channel == Channel.SMS and (volunteer is None or volunteer.sms_status != SmsStatus.OPTED_IN):
        await _finish(message, now, state=MessageState.SKIPPED, skip_reason="no SMS consent (opted out)")
        return message
    if message.channel == Channel.SMS:
        validity = None
        if message.expires_at:
            validity = max(1, min(36_000, int((message.expires_at - now).total_seconds())))
        org = message.organization
        own_number, own_service = (org.sms_from_number, org.sms_messaging_service_sid) if org else (None, None)
        outgoing = OutgoingSms(message.to_address, message.body, str(message.id), validity, own_number, own_service)
        result = await sms.send(outgoing)
    else:
        invite: tuple[bytes, Method] | None = None
        if base_url and mail_from and message.kind in INVITATION_KINDS and message.signup_id:
            invite = await invitation_for(message.signup_id, MessageKind(message.kind), base_url, mail_from, now)
        result = await email.send(
            OutgoingEmail(
                message.to_address,
                message.subject,
                message.body,
                None,
                str(message.id),
                to_name=volunteer.name if volunteer is not None else "",
                calendar=invite[0] if invite else None,
                calendar_method=invite[1] if invite else None,
            )
        )
    if result.ok:
        await _finish(message, now, state=MessageState.SENT, provider_id=result.provider_id, sent_at=now, last_error="")
    elif result.retryable and message.attempts < MAX_ATTEMPTS:
        await _finish(
            message, now, state=MessageState.PENDING, due_at=now + backoff(message.attempts), last_error=result.error
        )
    elif result.opted_out and volunteer is not None:
        await _finish(message, now, state=MessageState.FAILED, last_error=result.error)
        await record_provider_opt_out(volunteer, result.error)
    else:
        await _finish(message, now, state=MessageState.FAILED, last_error=result.error or "failed")
    return message


async def _still_seated(signup_id: int) -> bool:
    """The sign-up holds a seat on a shift and event that are still on."""
    return await Signup.filter(
        id=signup_id,
        status__in=list(SEAT_STATUSES),
        shift__status=ShiftStatus.SCHEDULED,
        shift__event__status=EventStatus.SCHEDULED,
    ).exists()


async def record_provider_opt_out(volunteer: Volunteer, detail: str) -> None:
    """The provider refused because the person texted STOP to it: honour it everywhere, and keep a record."""
    if volunteer.sms_status == SmsStatus.OPTED_OUT:
        return
    await Volunteer.filter(id=volunteer.id).update(sms_status=SmsStatus.OPTED_OUT)
    await ConsentRecord.create(
        volunteer=volunteer, channel=ConsentChannel.SMS, action=ConsentAction.REVOKED, source="provider", words=detail
    )


# Twilio's final statuses, and the states a message may be in before each: a status never moves a message
# backwards (a late or replayed "sent" after "delivered" changes nothing). A delivery receipt after a
# failure report wins: it is proof the person has the text.
PROVIDER_FINAL_STATES: dict[str, tuple[MessageState, tuple[MessageState, ...]]] = {
    "delivered": (MessageState.DELIVERED, (MessageState.SENT, MessageState.UNDELIVERED, MessageState.FAILED)),
    "undelivered": (MessageState.UNDELIVERED, (MessageState.SENT,)),
    "failed": (MessageState.FAILED, (MessageState.SENT,)),
}
PROVIDER_OPT_OUT_CODES = frozenset({"21610"})


async def record_delivery_status(
    provider_id: str, status: str, error_code: str | None = None, now: datetime | None = None
) -> Message | None:
    """Record what the provider's status callback says about the message it knows as `provider_id`.
    Idempotent: callbacks arrive more than once and out of order. "queued", "sending" and "sent" keep the
    message sent ("sent" plus silence is unknown, not failed). A failure for 21610 (the person texted STOP
    to the provider) opts the volunteer out. Returns the message, or None when no message has that id."""
    now = now or datetime.now(UTC)
    message = await Message.get_or_none(provider_id=provider_id).prefetch_related("volunteer")
    if message is None:
        return None
    final = PROVIDER_FINAL_STATES.get(status)
    if final is None:
        return message
    state, before = final
    changes: dict[str, Any] = {"state": state, "updated_at": now}
    if error_code:
        changes["last_error"] = f"provider error {error_code}"
    if await Message.filter(id=message.id, state__in=before).update(**changes):
        for key, value in changes.items():
            setattr(message, key, value)
    # Outside the conditional update: a replay finishes an opt-out a crash interrupted (it is idempotent).
    if state != MessageState.DELIVERED and error_code in PROVIDER_OPT_OUT_CODES and message.volunteer is not None:
        await record_provider_opt_out(message.volunteer, f"provider error {error_code}")
    return message


async def due_messages(now: datetime, limit: int = 1000) -> list[tuple[int, int]]:
    """(id, attempts) of messages due now, after returning stale claims of vanished workers to the queue."""
    await Message.filter(state=MessageState.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        state=MessageState.PENDING, updated_at=now
    )
    rows = (
        await Message.filter(state=MessageState.PENDING, due_at__lte=now)
        .order_by("due_at", "id")
        .limit(limit)
        .values_list("id", "attempts")
    )
    return [(int(i), int(a)) for i, a in rows]


async def pending_channel(message_id: int, now: datetime) -> Channel | None:
    """The channel of a message waiting to be claimed now, or None (not due, or taken): one narrow read,
    so a job can pace SMS before it claims (a deferred message must stay pending, not "sending")."""
    channel = (
        await Message.filter(id=message_id, state=MessageState.PENDING, due_at__lte=now)
        .first()
        .values_list("channel", flat=True)
    )
    return None if channel is None else Channel(str(channel))


def job_id(message_id: int, attempts: int) -> str:
    """Deterministic per attempt: enqueueing twice runs once, a retry after backoff is a new job."""
    return f"message:{message_id}:{attempts}"


def signup_kind(status: str) -> MessageKind:
    return MessageKind.WAITLISTED if status == SignupStatus.WAITLISTED else MessageKind.CONFIRMATION
