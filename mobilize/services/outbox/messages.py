"""The outbox: composing and planning the messages of sign-ups, once each. Delivering them is
services/delivery.py; the channels never see a model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError

from mobilize import links
from mobilize.channels.base import SendResult
from mobilize.models import (
    Channel,
    EmailStatus,
    Message,
    MessageKind,
    MessageState,
    Signup,
    SignupStatus,
    Volunteer,
)
from mobilize.services.outbox.invitations import by_organizers
from mobilize.services.people.consent import textable
from mobilize.services.people.records import may_collide
from mobilize.times import hour_minute, text_span

SMS_FOOTER = "Reply STOP to opt out."


class Sender(Protocol):
    async def send(self, message: Any) -> SendResult: ...


def at_place(event: Any) -> str:
    """' at <venue>' (or the city, or 'online') for a sign-up message; "" when the event names no place."""
    place = event.venue or event.city or ("online" if event.virtual_url else "")
    return f" at {place}" if place else ""


def _compose(signup: Signup, kind: MessageKind, base_url: str) -> tuple[str, str, str]:
    """(sms body, email subject, email text) for a sign-up message."""
    shift = signup.shift
    event = shift.event
    org = event.organization.name
    slot = text_span(shift.starts_at, shift.ends_at, event.timezone)
    where = at_place(event)
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
        f"Event page: {links.event_url(base_url, event.id, event.address_token())}\n"
        f"See or drop your shifts: {manage}\n\n-- {org}"
    )
    return sms, subject, text


REMINDER_KINDS = frozenset({MessageKind.REMINDER_DAY_BEFORE, MessageKind.REMINDER_SOON})
# News that changes where someone must be: texted even in quiet hours when waiting for them to end would leave
# less than URGENT_NOTICE_HOURS before the shift (quiet_hours.notice_due_at). A waitlist notice is not urgent.
URGENT_KINDS = frozenset(
    {MessageKind.CONFIRMATION, MessageKind.PROMOTED, MessageKind.CHANGED, MessageKind.CANCELLED_SIGNUP}
)
SMS_INSTRUCTIONS_MAX = 300  # an SMS stays short; the email carries the instructions whole


def _compose_reminder(signup: Signup, kind: MessageKind, base_url: str) -> tuple[str, str, str]:
    """(sms body, email subject, email text) of a reminder. The organization comes first (carriers filter
    texts that do not say who sends them); people signed up see the street address and the instructions."""
    shift = signup.shift
    event = shift.event
    org = event.organization.name
    start = hour_minute(shift.starts_at, event.timezone)
    slot = text_span(shift.starts_at, shift.ends_at, event.timezone)
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
    sms = f"{org}: {event.title} starts at {start}{where}." + (f" {short}" if short else "") + f" {SMS_FOOTER}"
    subject = f"Starting soon: {event.title}"
    text = f"{greeting}{event.title} starts at {start} ({slot}){where}.\n\n"
    if instructions:
        text += f"Instructions from the organizers:\n{instructions}\n\n"
    text += f"Can't make it after all? Drop the shift on your page: {manage}\n\n-- {org}"
    return sms, subject, text


def texts_to(volunteer: Volunteer) -> bool:
    """Whether sign-up messages go to this volunteer by SMS."""
    return textable(volunteer)


def mails_to(volunteer: Volunteer) -> bool:
    """Whether sign-up messages go to this volunteer by email."""
    return bool(volunteer.email) and volunteer.email_status in (EmailStatus.OK, EmailStatus.UNKNOWN)


SIGNUP_KEY = "signup:"  # a sign-up message's dedupe key: this, the sign-up's id, then `key_tail`


def key_tail(kind: MessageKind, revision: str, channel: Channel) -> str:
    """The part of a sign-up message's dedupe key after the sign-up's id."""
    return f":{kind.value}{revision}:{channel.value}"


def dedupe_key(signup_id: int, kind: MessageKind, revision: str, channel: Channel) -> str:
    """The outbox key of a sign-up message: one row per sign-up, kind, revision and channel."""
    return f"{SIGNUP_KEY}{signup_id}{key_tail(kind, revision, channel)}"


Due = Callable[[Signup, Channel], datetime | None]


@dataclass(frozen=True, slots=True)
class Planned:
    """One outbox row of a sign-up message, composed and timed, not yet written: the ORM writes it
    (`write_planned`), and so does PostgreSQL's sign-up statement (services.fastpath), from the same values.
    Its dedupe key is `SIGNUP_KEY`, the sign-up's id and `key`: that statement learns the id as it runs."""

    organization_id: int
    channel: Channel
    kind: MessageKind
    to_address: str
    subject: str
    body: str
    due_at: datetime
    expires_at: datetime
    timezone: str
    state: MessageState
    skip_reason: str
    key: str


def planned(
    signup: Signup,
    kind: MessageKind,
    base_url: str,
    now: datetime,
    channels: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL),
    revision: str | Callable[[Signup], str] = "",
    due: Due | None = None,
    composed: tuple[str, str, str] | None = None,
    expires_at: datetime | None = None,
) -> list[Planned]:
    """The outbox rows of one sign-up's message of `kind` (SMS if the person opted in, and email; of `channels`
    only), from its shift, event, organization and volunteer as loaded; its id is not read (a new sign-up's
    rows are composed before it has one). `revision` may depend on the sign-up (reminders carry their shift's
    and event's sequence). `due` schedules a row later than now (None from it: no row for that channel); a row
    whose time had already passed, or that could only go once its shift has started, is planned as skipped.
    `composed` (sms body, email subject, email text) and `expires_at` replace what this sign-up alone would
    say and when it stops being worth sending (its shift's start): a message about several shifts
    (services.outbox.combined)."""
    shift, volunteer = signup.shift, signup.volunteer
    sms_wanted = Channel.SMS in channels and texts_to(volunteer)
    email_wanted = Channel.EMAIL in channels and mails_to(volunteer)
    if not (sms_wanted or email_wanted):
        return []
    sms, subject, text = composed or _compose(signup, kind, base_url)
    expires = expires_at or shift.starts_at
    wanted: list[tuple[Channel, str, str, str]] = []
    if sms_wanted:
        wanted.append((Channel.SMS, volunteer.phone, "", sms))
    if email_wanted:
        wanted.append((Channel.EMAIL, volunteer.email, subject, text))
    suffix = revision(signup) if callable(revision) else revision
    event = shift.event
    rows: list[Planned] = []
    for channel, address, subj, body in wanted:
        due_at = now if due is None else due(signup, channel)
        if due_at is None:
            continue
        skip = _skip_at_planning(due_at, now, expires)
        rows.append(
            Planned(
                organization_id=event.organization_id,
                channel=channel,
                kind=kind,
                to_address=address,
                subject=subj,
                body=body,
                due_at=due_at,
                expires_at=expires,
                timezone=event.timezone,
                state=MessageState.SKIPPED if skip else MessageState.PENDING,
                skip_reason=skip,
                key=key_tail(kind, suffix, channel),
            )
        )
    return rows


async def load_signups(query: Any) -> list[Signup]:
    """The sign-ups of `query` with what composing their messages reads, in one query (joins)."""
    signups: list[Signup] = await query.select_related("shift__event__organization", "volunteer")
    return signups


async def write_planned(signup: Signup, rows: list[Planned], now: datetime) -> list[int]:
    """Create these outbox rows of a sign-up through the ORM, each in a savepoint of the change's transaction;
    idempotent by dedupe key (a row written already is left as it is). Returns the ids of the rows due now:
    a future row is the sweep's to enqueue, when it falls due (an early job would run, find it not due, and
    hold its job id)."""
    ids: list[int] = []
    for row in rows:
        key = f"{SIGNUP_KEY}{signup.id}{row.key}"
        try:
            async with may_collide():
                message = await Message.create(
                    organization_id=row.organization_id,
                    volunteer=signup.volunteer,
                    signup=signup,
                    channel=row.channel,
                    kind=row.kind,
                    to_address=row.to_address,
                    subject=row.subject,
                    body=row.body,
                    due_at=row.due_at,
                    expires_at=row.expires_at,
                    timezone=row.timezone,
                    dedupe_key=key,
                    state=row.state,
                    skip_reason=row.skip_reason,
                )
            if message.state == MessageState.PENDING and row.due_at <= now:
                ids.append(message.id)
        except IntegrityError:
            existing = await Message.get_or_none(dedupe_key=key, state=MessageState.PENDING, due_at__lte=now)
            if existing:
                ids.append(existing.id)
    return ids


async def plan_signup_messages(
    signup_ids: list[int],
    kind: MessageKind,
    base_url: str,
    now: datetime,
    channels: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL),
    revision: str | Callable[[Signup], str] = "",
    due: Due | None = None,
) -> list[int]:
    """Create the outbox rows of a message of `kind` for these sign-ups (see `planned`), through the ORM;
    idempotent per (sign-up, kind, channel[, revision]). Returns the ids of rows to deliver now."""
    if not signup_ids:
        return []
    ids: list[int] = []
    # One query (joins), not one per relation: this runs after every sign-up.
    for signup in await load_signups(Signup.filter(id__in=signup_ids)):
        ids += await write_planned(signup, planned(signup, kind, base_url, now, channels, revision, due), now)
    return ids


def _skip_at_planning(due_at: datetime, now: datetime, starts_at: datetime) -> str:
    """Why a message is planned as skipped (delivery would skip it anyway: it stops at the shift's start),
    or "" when it is to be sent."""
    if due_at < now:
        return "its time had passed when it was planned"
    if now >= starts_at:
        return "the shift had started when it was planned"
    if due_at >= starts_at:
        return "quiet hours last until the shift starts"
    return ""


def signup_kind(status: str) -> MessageKind:
    return MessageKind.WAITLISTED if status == SignupStatus.WAITLISTED else MessageKind.CONFIRMATION
