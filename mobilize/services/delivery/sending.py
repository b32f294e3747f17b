"""Sending a batch of the outbox exactly once: claim it (delivery.claims), check each message is still wanted,
send the rest concurrently through the channels (texts paced per sender), and record every outcome in one
transaction (failures retried by delivery.retries). An SMS in doubt (a worker died between sending and
recording it) is first looked up at the provider, so it is recorded, not sent again.

A one-time link (a password reset, an organizer invitation) is readable in the outbox only until its message
is settled: the statement recording a final outcome also takes the link out of the body.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from tortoise.transactions import in_transaction

from mobilize import db
from mobilize.calendar.invitations import Method
from mobilize.channels.base import OutgoingEmail, OutgoingSms, SendResult
from mobilize.channels.sms import sender_key
from mobilize.models import (
    SEAT_STATUSES,
    Channel,
    EventStatus,
    Message,
    MessageKind,
    MessageState,
    Organization,
    Shift,
    ShiftStatus,
    Signup,
    Volunteer,
)
from mobilize.services.delivery.claims import claim, put_back
from mobilize.services.delivery.retries import Night, outcome, quiet_retry
from mobilize.services.delivery.status import record_provider_opt_out
from mobilize.services.outbox.invitations import INVITATION_KINDS, invitation_for, lists_shifts
from mobilize.services.outbox.messages import REMINDER_KINDS
from mobilize.services.outbox.quiet_hours import URGENT_NOTICE, QuietHours
from mobilize.services.people.consent import textable

IN_DOUBT_LOOKBACK = timedelta(minutes=2)  # clock skew allowed when looking for an in-doubt SMS at the provider
ONE_TIME_LINK_KINDS = frozenset({MessageKind.PASSWORD_RESET, MessageKind.ORGANIZER_INVITATION})
SETTLED_STATES = frozenset(
    {
        MessageState.SENT,
        MessageState.DELIVERED,
        MessageState.FAILED,
        MessageState.UNDELIVERED,
        MessageState.SKIPPED,
        MessageState.CANCELLED,
    }
)
LINK_REMOVED = "[link removed after sending]"
_LINK = re.compile(r"https?://\S+")

# Paces SMS per sender: given a sender (None: the deployment's own) and how many texts a batch has due from
# it, the seconds until each slot it may use now (as many as its time allows, maybe none), and when to come
# back for the rest if that is not all of them.
Pace = Callable[[str | None, int], Awaitable[tuple[list[float], float]]]


class Sender(Protocol):
    async def send(self, message: Any) -> SendResult: ...


@dataclass(frozen=True)
class Courier:
    """What a delivery sends with, and the rules it sends by. With `base_url` and `mail_from`, sign-up emails
    carry a calendar invitation; `pace` paces texts per sender (delivery.send_rate); with `quiet`, an SMS
    retried after a failure waits out quiet hours (urgent news within `urgent` of its shift does not:
    URGENT_NOTICE_HOURS); the first retry waits `retry_after` seconds, doubling each time. `worker_id` names
    the delivering process in its claims (delivery.registry)."""

    sms: Sender
    email: Sender
    base_url: str | None = None
    mail_from: str | None = None
    pace: Pace | None = None
    quiet: QuietHours | None = None
    urgent: timedelta = URGENT_NOTICE
    retry_after: float = 30.0
    worker_id: str | None = None


@dataclass
class BatchResult:
    messages: list[Message] = field(default_factory=list)  # claimed by this run, with their outcome
    defer: float = 0.0  # > 0: texts left for lack of send-rate slots; come back after this many seconds


async def _seated(signup_ids: Iterable[int]) -> set[int]:
    """Of these sign-ups, those holding a seat on a shift and event that are still on. Two primary-key
    lookups rather than one join: the join's plan goes wrong on fresh statistics (after a bulk import)."""
    ids = list(set(signup_ids))
    if not ids:
        return set()
    seats = await Signup.filter(id__in=ids, status__in=list(SEAT_STATUSES)).values_list("id", "shift_id")
    shift_ids = list({int(shift) for _, shift in seats})
    on = await Shift.filter(
        id__in=shift_ids, status=ShiftStatus.SCHEDULED, event__status=EventStatus.SCHEDULED
    ).values_list("id", flat=True)
    live = {int(i) for i in on}  # type: ignore[call-overload]
    return {int(i) for i, shift in seats if int(shift) in live}


async def _zones(messages: list[Message]) -> dict[int, str]:
    """Message id -> the recipient's time zone (quiet hours for retried SMS are their local time): the one
    planned with the message, else, for rows from before it was kept, their sign-up's event's."""
    sms = [m for m in messages if m.channel == Channel.SMS]
    zones = {m.id: m.timezone for m in sms if m.timezone}
    ids = {m.signup_id for m in sms if not m.timezone and m.signup_id}
    if ids:
        by_signup = dict(await Signup.filter(id__in=list(ids)).values_list("id", "shift__event__timezone"))
        for m in sms:
            if m.id not in zones and m.signup_id in by_signup:
                zones[m.id] = str(by_signup[m.signup_id])
    return zones


def _skip_reason(message: Message, now: datetime, seated: set[int]) -> str:
    volunteer: Volunteer | None = message.volunteer
    if message.expires_at and now >= message.expires_at:
        return "too late: the shift has started"
    if message.kind in REMINDER_KINDS and message.signup_id and message.signup_id not in seated:
        # A safety net: dropping the seat cancels its reminders, but a crash may have come in between.
        return "the sign-up no longer holds a seat"
    if message.channel == Channel.SMS and not textable(volunteer):
        return "no SMS consent (opted out)"
    return ""


async def deliver_batch(lo: int, hi: int, courier: Courier, now: datetime | None = None) -> BatchResult:
    """Deliver the due messages with ids in [lo, hi], each at most once: claim them, skip those no longer
    wanted, send the rest concurrently, record every outcome in one transaction. Safe to run twice or
    concurrently. With the courier's `pace`, only the texts it has slots for are claimed, each sent at its
    slot; the others stay in the queue and the result says when to come back."""
    now = now or datetime.now(UTC)
    # This task's context as it is now, outside any transaction: where the claims are put back if the
    # delivery is cut short (a cancellation can leave a half-entered transaction in the task's own context).
    outside = contextvars.copy_context()
    slots: dict[int, float] | None = None
    defer = 0.0
    if courier.pace is not None:
        slots, defer = await _reserve_slots(lo, hi, now, courier.pace)
    token, claimed = await claim(lo, hi, now, courier.worker_id, None if slots is None else list(slots))
    if not claimed:
        return BatchResult(defer=defer)
    recording: list[asyncio.Task[None]] = []
    try:
        done = await _deliver_claimed(token, claimed, courier, now, slots, recording)
        done.defer = defer
        return done
    except BaseException:
        # Cancelled (arq's job timeout, a shutdown) or broken mid-way. What was sent is written down first
        # (the recording, if it started, runs to its end); whatever was not recorded may or may not have
        # reached the provider: back to the queue, in doubt, now rather than when the worker dies.
        for task in recording:
            with contextlib.suppress(BaseException):
                await asyncio.shield(task)
        await asyncio.shield(asyncio.create_task(put_back(lo, hi, token, now), context=outside))
        raise


async def _reserve_slots(lo: int, hi: int, now: datetime, pace: Pace) -> tuple[dict[int, float], float]:
    """Send-rate slots for the batch's due texts, per sender (an organization's own number or Messaging
    Service, else the deployment's): message id -> seconds until its slot, for those that got one (lowest
    ids first), and when to come back for the others (0: none left)."""
    texts = await Message.filter(
        id__gte=lo, id__lte=hi, state=MessageState.PENDING, due_at__lte=now, channel=Channel.SMS
    ).values_list("id", "organization_id")
    own = {
        int(org): sender_key(service, number)
        for org, service, number in await Organization.filter(
            id__in=list({org for _, org in texts if org is not None})
        ).values_list("id", "sms_messaging_service_sid", "sms_from_number")
    }
    by_sender: dict[str | None, list[int]] = {}
    for message_id, org in sorted(texts):
        by_sender.setdefault(own.get(org) if org is not None else None, []).append(int(message_id))
    slots: dict[int, float] = {}
    later: list[float] = []
    for sender, ids in by_sender.items():
        granted, wait = await pace(sender, len(ids))
        slots.update(zip(ids, granted, strict=False))
        if len(granted) < len(ids):
            later.append(max(wait, 0.001))
    return slots, min(later, default=0.0)


async def _deliver_claimed(
    token: str,
    claimed: list[Message],
    courier: Courier,
    now: datetime,
    slots: dict[int, float] | None,
    recording: list[asyncio.Task[None]],
) -> BatchResult:
    started = time.monotonic()
    result = BatchResult(claimed)
    seated = await _seated(m.signup_id for m in claimed if m.kind in REMINDER_KINDS and m.signup_id)
    outcomes: dict[int, dict[str, Any]] = {}
    sends: list[tuple[Message, asyncio.Task[tuple[SendResult, float]]]] = []
    for message in claimed:
        reason = _skip_reason(message, now, seated)
        if reason:
            outcomes[message.id] = {"state": MessageState.SKIPPED, "skip_reason": reason}
            continue
        if message.in_doubt and message.channel == Channel.SMS:
            found = await _find_at_provider(courier.sms, message)
            if found:
                outcomes[message.id] = {"state": MessageState.SENT, "provider_id": found, "in_doubt": False}
                continue
        at = slots.get(message.id, 0.0) if slots else 0.0
        sends.append((message, asyncio.create_task(_send(message, courier, now, at))))
    opted_out: list[tuple[Volunteer, str]] = []
    for message, task in sends:
        sent, finished = await task
        sent_at = now + timedelta(seconds=finished - started)
        outcomes[message.id] = outcome(message, sent, sent_at, courier.retry_after)
        if sent.opted_out and message.volunteer is not None:
            opted_out.append((message.volunteer, sent.error))
    zones = await _zones([m for m in claimed if outcomes.get(m.id, {}).get("state") == MessageState.PENDING])
    # What went out is written down even if the job is cancelled now (a shutdown, arq's timeout): in a task
    # of its own, which a cancellation of this one does not interrupt half-way through its transaction.
    night = None if courier.quiet is None else Night(courier.quiet, courier.urgent)
    recording.append(asyncio.create_task(_record(claimed, outcomes, token, now, night, zones)))
    await asyncio.shield(recording[-1])
    for volunteer, detail in opted_out:
        await record_provider_opt_out(volunteer, detail)
    result.messages = claimed
    return result


async def _record(
    claimed: list[Message],
    outcomes: dict[int, dict[str, Any]],
    token: str,
    now: datetime,
    night: Night | None,
    zones: dict[int, str],
) -> None:
    """Every outcome of a batch in one transaction (the sent, on PostgreSQL, in one statement)."""
    went: list[Message] = []
    async with in_transaction():
        for message in claimed:
            changes = outcomes.get(message.id)
            if changes is None:
                continue
            if changes.get("state") == MessageState.PENDING and night is not None:
                changes = quiet_retry(message, changes, night, zones)
            if message.kind in ONE_TIME_LINK_KINDS and changes["state"] in SETTLED_STATES:
                # Nothing will send it again: the link (which logs someone in) goes with the same statement.
                changes["body"] = _LINK.sub(LINK_REMOVED, message.body)
            changes["updated_at"] = now
            for key, value in changes.items():
                setattr(message, key, value)
            plain_sent = changes["state"] == MessageState.SENT and "sent_at" in changes and "body" not in changes
            if plain_sent and db.dialect() == "postgres":
                went.append(message)  # the common case, recorded below in one statement
                continue
            await Message.filter(id=message.id, state=MessageState.SENDING, claim_token=token).update(**changes)
        if went:
            await db.execute_native(
                """UPDATE message AS m SET state = 'sent', provider_id = v.provider_id, sent_at = v.sent_at,
                       last_error = '', in_doubt = false, claim_token = NULL, updated_at = $4
                   FROM unnest($1::int[], $2::text[], $3::timestamptz[]) AS v(id, provider_id, sent_at)
                   WHERE m.id = v.id AND m.state = 'sending' AND m.claim_token = $5""",
                [m.id for m in went],
                [m.provider_id for m in went],
                [m.sent_at for m in went],
                now,
                token,
            )


async def deliver(
    message_id: int, sms: Sender, email: Sender, now: datetime | None = None, **rules: Any
) -> Message | None:
    """Deliver one message at most once (`rules`: the other fields of a Courier); returns it, or None when it
    was not due or someone else had it."""
    done = await deliver_batch(message_id, message_id, Courier(sms, email, **rules), now)
    return done.messages[0] if done.messages else None


async def _send(message: Message, courier: Courier, now: datetime, at: float = 0.0) -> tuple[SendResult, float]:
    """What the channel said, and when (monotonic): the moment a message went is its own, not its batch's.
    `at`: seconds to wait first, for its send-rate slot."""
    if at > 0:
        await asyncio.sleep(at)
    result = await _send_one(message, courier, now)
    return result, time.monotonic()


async def _send_one(message: Message, courier: Courier, now: datetime) -> SendResult:
    volunteer: Volunteer | None = message.volunteer
    if message.channel == Channel.SMS:
        validity = None
        if message.expires_at:
            validity = max(1, min(36_000, int((message.expires_at - now).total_seconds())))
        org = message.organization  # its own number or Messaging Service, when it has one
        own_number, own_service = (org.sms_from_number, org.sms_messaging_service_sid) if org else (None, None)
        return await courier.sms.send(
            OutgoingSms(message.to_address, message.body, str(message.id), validity, own_number, own_service)
        )
    invite: tuple[bytes, Method] | None = None
    base_url, mail_from = courier.base_url, courier.mail_from
    if (
        base_url
        and mail_from
        and message.kind in INVITATION_KINDS
        and message.signup_id
        and not lists_shifts(message.dedupe_key)
    ):
        invite = await invitation_for(message.signup_id, MessageKind(message.kind), base_url, mail_from, now)
    return await courier.email.send(
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


async def _find_at_provider(sms: Sender, message: Message) -> str | None:
    """The provider's id for an in-doubt SMS it already accepted (same number and text, since the message
    was written), or None: then it never got there and goes out now."""
    find = getattr(sms, "find_sent", None)
    if find is None:
        return None
    found: str | None = await find(message.to_address, message.body, message.created_at - IN_DOUBT_LOOKBACK)
    return found
