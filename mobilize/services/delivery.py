"""Delivering the outbox exactly once: claiming due messages in batches, checking each is still wanted,
sending through the channels, recording what they said, and the provider's later status reports.

A delivery job names a batch: the message ids in `[batch * BATCH_SIZE, (batch + 1) * BATCH_SIZE)`. The claim
is one conditional UPDATE, so of two jobs (or two workers) only one ever holds a message. Every delivering
process registers as a DeliveryWorker and writes a heartbeat; a worker that dies between claiming and
recording leaves messages "sending", and once its heartbeat is older than OUTBOX_STALE_CLAIM_SECONDS (a live
worker's claims are never taken, however slow the provider) they return to the queue marked in doubt. An
SMS in doubt is first looked up at the provider, so it is recorded, not sent again.

A one-time link (a password reset, an organizer invitation) is readable in the outbox only until its message
is settled: the statement recording a final outcome also takes the link out of the body.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import os
import re
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from mobilize import db
from mobilize.calendar.invitations import Method
from mobilize.channels.base import OutgoingEmail, OutgoingSms, SendResult
from mobilize.channels.sms import sender_key
from mobilize.models import (
    SEAT_STATUSES,
    Channel,
    ConsentAction,
    ConsentChannel,
    DeliveryWorker,
    EventStatus,
    Message,
    MessageKind,
    MessageState,
    Organization,
    Shift,
    ShiftStatus,
    Signup,
    SmsStatus,
    Volunteer,
)
from mobilize.services.invitations import INVITATION_KINDS, invitation_for
from mobilize.services.messages import REMINDER_KINDS, URGENT_KINDS
from mobilize.services.people import consent
from mobilize.services.people.consent import textable
from mobilize.services.quiet_hours import URGENT_NOTICE, QuietHours, notice_due_at, sms_send_after

BATCH_SIZE = 250  # message ids per delivery job: fewer jobs, claims and commits per message sent
MAX_ATTEMPTS = 8  # retryable failures (429, 5xx, unreachable): about an hour of backoff in all
STALE_CLAIM = timedelta(seconds=30)  # default OUTBOX_STALE_CLAIM_SECONDS: a worker silent this long is dead
STUCK_CLAIM = timedelta(minutes=15)  # a claim this old is taken back even from a live worker (jobs end in 60 s)
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


def batch_of(message_id: int) -> int:
    return message_id // BATCH_SIZE


def batch_job_id(batch: int, attempts: int, epoch: str = "") -> str:
    """Deterministic: a batch enqueued twice runs once. `epoch` names the set of live workers: when one dies
    (or joins) every due batch gets a fresh job once, so a batch a dead worker had started is not left to
    wait for arq to give up on its job (the job timeout plus 10 s); retried messages (attempts) likewise."""
    return f"outbox:{batch}:{attempts}:{epoch}" if epoch else f"outbox:{batch}:{attempts}"


def job_id(message_id: int, attempts: int) -> str:
    """The job delivering one fresh message at once (after a sign-up); the sweep sends batches."""
    return f"message:{message_id}:{attempts}"


@dataclass
class BatchResult:
    messages: list[Message] = field(default_factory=list)  # claimed by this run, with their outcome
    defer: float = 0.0  # > 0: texts left for lack of send-rate slots; come back after this many seconds


async def register_worker(now: datetime) -> str:
    """A new delivering process: its id, for its claims and its heartbeat."""
    worker_id = secrets.token_hex(16)
    await DeliveryWorker.create(
        id=worker_id, host=socket.gethostname()[:255], pid=os.getpid(), started_at=now, seen_at=now
    )
    return worker_id


async def heartbeat(worker_id: str, now: datetime) -> None:
    """The worker is alive. Recreates its row if a cleanup took it (after a long pause)."""
    if not await DeliveryWorker.filter(id=worker_id).update(seen_at=now):
        await DeliveryWorker.create(
            id=worker_id, host=socket.gethostname()[:255], pid=os.getpid(), started_at=now, seen_at=now
        )


async def forget_worker(worker_id: str) -> None:
    """A clean shutdown: its claims (none should be left) are then taken back by the next sweep."""
    await DeliveryWorker.filter(id=worker_id).delete()


async def claim(
    lo: int, hi: int, now: datetime, worker_id: str | None = None, sms_ids: list[int] | None = None
) -> tuple[str, list[Message]]:
    """Take the due messages with ids in [lo, hi] for delivery (of the texts, only `sms_ids` when given);
    only one caller ever wins each."""
    token = secrets.token_hex(8)
    due = Message.filter(id__gte=lo, id__lte=hi, state=MessageState.PENDING, due_at__lte=now)
    taking = dict(
        state=MessageState.SENDING,
        claimed_at=now,
        claim_token=token,
        claimed_by=worker_id,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if sms_ids is None:
        won = await due.update(**taking)
    else:
        won = await due.filter(channel__not=Channel.SMS).update(**taking)
        if sms_ids:  # the same conditions: a concurrent claim may have taken some since they were counted
            won += await due.filter(id__in=sms_ids, channel=Channel.SMS).update(**taking)
    if not won:
        return token, []
    claimed = await Message.filter(id__gte=lo, id__lte=hi, claim_token=token).order_by("id")
    # Their people and organizations (a batch's texts mostly share one): each row read once, not once per
    # message as a join would.
    people = {v.id: v for v in await Volunteer.filter(id__in=list({m.volunteer_id for m in claimed}))}
    orgs = {o.id: o for o in await Organization.filter(id__in=list({m.organization_id for m in claimed}))}
    for message in claimed:  # None where there is none (unset, the ORM would answer an awaitable)
        message.volunteer = people.get(message.volunteer_id)  # type: ignore[arg-type,assignment]
        message.organization = orgs.get(message.organization_id)  # type: ignore[arg-type,assignment]
    return token, list(claimed)


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


def backoff(attempt: int, first: float = 30.0) -> timedelta:
    """The wait before retry number `attempt` (OUTBOX_RETRY_SECONDS, doubling, at most 30 minutes)."""
    return timedelta(seconds=min(first * 2 ** (attempt - 1), 1800))


async def deliver_batch(
    lo: int,
    hi: int,
    sms: Sender,
    email: Sender,
    now: datetime | None = None,
    *,
    base_url: str | None = None,
    mail_from: str | None = None,
    pace: Pace | None = None,
    quiet: QuietHours | None = None,
    urgent: timedelta = URGENT_NOTICE,
    retry_after: float = 30.0,
    worker_id: str | None = None,
) -> BatchResult:
    """Deliver the due messages with ids in [lo, hi], each at most once: claim them, skip those no longer
    wanted, send the rest concurrently (SMS paced by `pace`), record every outcome in one transaction.
    Safe to run twice or concurrently. With `pace`, only the texts it has slots for are claimed, each sent
    at its slot; the others stay in the queue and the result says when to come back. With `base_url` and
    `mail_from`, sign-up emails carry a calendar invitation; with `quiet`, an SMS retried after a failure
    waits out quiet hours (urgent news within `urgent` of its shift does not: URGENT_NOTICE_HOURS); the
    first retry waits `retry_after` seconds, doubling each time."""
    now = now or datetime.now(UTC)
    # This task's context as it is now, outside any transaction: where the claims are put back if the
    # delivery is cut short (a cancellation can leave a half-entered transaction in the task's own context).
    outside = contextvars.copy_context()
    slots: dict[int, float] | None = None
    defer = 0.0
    if pace is not None:
        slots, defer = await _reserve_slots(lo, hi, now, pace)
    token, claimed = await claim(lo, hi, now, worker_id, None if slots is None else list(slots))
    if not claimed:
        return BatchResult(defer=defer)
    night = None if quiet is None else Night(quiet, urgent)
    recording: list[asyncio.Task[None]] = []
    try:
        done = await _deliver_claimed(
            token, claimed, sms, email, now, base_url, mail_from, slots, night, retry_after, recording
        )
        done.defer = defer
        return done
    except BaseException:
        # Cancelled (arq's job timeout, a shutdown) or broken mid-way. What was sent is written down first
        # (the recording, if it started, runs to its end); whatever was not recorded may or may not have
        # reached the provider: back to the queue, in doubt, now rather than when the worker dies.
        for task in recording:
            with contextlib.suppress(BaseException):
                await asyncio.shield(task)
        await asyncio.shield(asyncio.create_task(_put_back(lo, hi, token, now), context=outside))
        raise


async def _put_back(lo: int, hi: int, token: str, now: datetime) -> None:
    """A batch's claims not yet recorded go back to the queue, in doubt (looked up before being resent)."""
    await Message.filter(id__gte=lo, id__lte=hi, claim_token=token, state=MessageState.SENDING).update(
        state=MessageState.PENDING, in_doubt=True, claim_token=None, updated_at=now
    )


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
    sms: Sender,
    email: Sender,
    now: datetime,
    base_url: str | None,
    mail_from: str | None,
    slots: dict[int, float] | None,
    night: Night | None,
    retry_after: float,
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
            found = await _find_at_provider(sms, message)
            if found:
                outcomes[message.id] = {"state": MessageState.SENT, "provider_id": found, "in_doubt": False}
                continue
        at = slots.get(message.id, 0.0) if slots else 0.0
        sends.append((message, asyncio.create_task(_send(message, sms, email, now, base_url, mail_from, at))))
    opted_out: list[tuple[Volunteer, str]] = []
    for message, task in sends:
        sent, finished = await task
        sent_at = now + timedelta(seconds=finished - started)
        outcomes[message.id] = _outcome(message, sent, sent_at, retry_after)
        if sent.opted_out and message.volunteer is not None:
            opted_out.append((message.volunteer, sent.error))
    zones = await _zones([m for m in claimed if outcomes.get(m.id, {}).get("state") == MessageState.PENDING])
    # What went out is written down even if the job is cancelled now (a shutdown, arq's timeout): in a task
    # of its own, which a cancellation of this one does not interrupt half-way through its transaction.
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
                changes = _quiet_retry(message, changes, night, zones)
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
    message_id: int,
    sms: Sender,
    email: Sender,
    now: datetime | None = None,
    *,
    base_url: str | None = None,
    mail_from: str | None = None,
    quiet: QuietHours | None = None,
    urgent: timedelta = URGENT_NOTICE,
    retry_after: float = 30.0,
) -> Message | None:
    """Deliver one message at most once; returns it, or None when it was not due or someone else had it."""
    done = await deliver_batch(
        message_id,
        message_id,
        sms,
        email,
        now,
        base_url=base_url,
        mail_from=mail_from,
        quiet=quiet,
        urgent=urgent,
        retry_after=retry_after,
    )
    return done.messages[0] if done.messages else None


async def _send(
    message: Message,
    sms: Sender,
    email: Sender,
    now: datetime,
    base_url: str | None,
    mail_from: str | None,
    at: float = 0.0,
) -> tuple[SendResult, float]:
    """What the channel said, and when (monotonic): the moment a message went is its own, not its batch's.
    `at`: seconds to wait first, for its send-rate slot."""
    if at > 0:
        await asyncio.sleep(at)
    result = await _send_one(message, sms, email, now, base_url, mail_from)
    return result, time.monotonic()


async def _send_one(
    message: Message, sms: Sender, email: Sender, now: datetime, base_url: str | None, mail_from: str | None
) -> SendResult:
    volunteer: Volunteer | None = message.volunteer
    if message.channel == Channel.SMS:
        validity = None
        if message.expires_at:
            validity = max(1, min(36_000, int((message.expires_at - now).total_seconds())))
        org = message.organization  # its own number or Messaging Service, when it has one
        own_number, own_service = (org.sms_from_number, org.sms_messaging_service_sid) if org else (None, None)
        return await sms.send(
            OutgoingSms(message.to_address, message.body, str(message.id), validity, own_number, own_service)
        )
    invite: tuple[bytes, Method] | None = None
    if base_url and mail_from and message.kind in INVITATION_KINDS and message.signup_id:
        invite = await invitation_for(message.signup_id, MessageKind(message.kind), base_url, mail_from, now)
    return await email.send(
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


def _outcome(message: Message, sent: SendResult, sent_at: datetime, retry_after: float) -> dict[str, Any]:
    if sent.ok:
        return {
            "state": MessageState.SENT,
            "provider_id": sent.provider_id,
            "sent_at": sent_at,
            "last_error": "",
            "in_doubt": False,
            "claim_token": None,
        }
    if sent.retryable and message.attempts < MAX_ATTEMPTS:
        return {
            "state": MessageState.PENDING,
            "due_at": sent_at + backoff(message.attempts, retry_after),
            "last_error": sent.error,
            "in_doubt": sent.in_doubt,  # the next attempt looks for it at the provider first
            "claim_token": None,
        }
    return {"state": MessageState.FAILED, "last_error": sent.error or "failed", "in_doubt": False}


@dataclass(frozen=True)
class Night:
    """What binds a retried text: the quiet hours, and how soon before its shift urgent news goes anyway."""

    quiet: QuietHours
    urgent: timedelta


def _quiet_retry(message: Message, changes: dict[str, Any], night: Night, zones: dict[int, str]) -> dict[str, Any]:
    """A retried SMS due in quiet hours waits until they end, as when it was planned (urgent news about a
    shift starting soon after they end does not wait); if that is after its shift starts, it is skipped (a
    text that cannot arrive in time and in daytime is not sent)."""
    zone = zones.get(message.id)
    if message.channel != Channel.SMS or zone is None:
        return changes
    if message.kind in URGENT_KINDS and message.expires_at:
        due = notice_due_at(changes["due_at"], message.expires_at, zone, night.quiet, night.urgent)
    else:
        due = sms_send_after(changes["due_at"], zone, night.quiet)
    if message.expires_at and due >= message.expires_at:
        return {
            "state": MessageState.SKIPPED,
            "skip_reason": "quiet hours last until the shift starts",
            "last_error": changes["last_error"],
            "claim_token": None,
        }
    return {**changes, "due_at": due}


async def record_provider_opt_out(volunteer: Volunteer, detail: str) -> None:
    """The provider refused because the number texted STOP to the sender this record's organization texts
    from: the sender is blocked for that number (every organization texting from it), and the record keeps a
    consent record of it. Idempotent."""
    if not volunteer.phone:
        return
    await consent.block(await consent.sender_of(volunteer.organization_id), volunteer.phone, detail)
    volunteer.sms_blocked = True
    if volunteer.sms_status == SmsStatus.OPTED_OUT:
        return
    await Volunteer.filter(id=volunteer.id).update(sms_status=SmsStatus.OPTED_OUT)
    volunteer.sms_status = SmsStatus.OPTED_OUT
    await consent.record_consent(
        volunteer, ConsentChannel.SMS, ConsentAction.REVOKED, consent.ConsentContext(source="provider", words=detail)
    )


async def take_back_stale_claims(now: datetime, stale_after: timedelta = STALE_CLAIM) -> int:
    """Return to the queue, in doubt, what workers not heard from for `stale_after` (or stuck for
    STUCK_CLAIM) had claimed; forget workers silent for a day. Returns how many messages."""
    alive = await DeliveryWorker.filter(seen_at__gte=now - stale_after).values_list("id", flat=True)
    abandoned = Q(claimed_at__lt=now - stale_after) & (Q(claimed_by__isnull=True) | ~Q(claimed_by__in=list(alive)))
    taken = await Message.filter(
        Q(state=MessageState.SENDING) & (abandoned | Q(claimed_at__lt=now - STUCK_CLAIM))
    ).update(state=MessageState.PENDING, in_doubt=True, claim_token=None, updated_at=now)
    await DeliveryWorker.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return int(taken)


async def workers_epoch(now: datetime, stale_after: timedelta = STALE_CLAIM) -> str:
    """A short name for the set of delivery workers heard from lately; it changes when one dies or joins."""
    alive = sorted(await DeliveryWorker.filter(seen_at__gte=now - stale_after).values_list("id", flat=True))
    return hashlib.blake2s("|".join(str(i) for i in alive).encode(), digest_size=4).hexdigest()


async def due_messages(now: datetime, limit: int = 1000, stale_after: timedelta = STALE_CLAIM) -> list[tuple[int, int]]:
    """(id, attempts) of messages due now, oldest due first, after returning the claims of vanished workers
    to the queue (in doubt: the provider may have them)."""
    await take_back_stale_claims(now, stale_after)
    rows = (
        await Message.filter(state=MessageState.PENDING, due_at__lte=now)
        .order_by("due_at", "id")
        .limit(limit)
        .values_list("id", "attempts")
    )
    return [(int(i), int(a)) for i, a in rows]


SWEEP_ROWS = 20_000  # due messages one sweep looks at: more than workers drain between two sweeps


async def due_batches(
    now: datetime, limit: int = SWEEP_ROWS, stale_after: timedelta = STALE_CLAIM
) -> list[tuple[int, int]]:
    """(batch, highest attempts in it) of the batches holding the `limit` longest-waiting due messages, the
    longest-waiting first. A deeper backlog is reached by later sweeps, as these drain."""
    batches: dict[int, int] = {}
    for message_id, attempts in await due_messages(now, limit, stale_after):
        batch = batch_of(message_id)
        batches[batch] = max(attempts, batches.get(batch, 0))
    return list(batches.items())


# Twilio's final statuses, and the states a message may be in before each: a status never moves a message
# backwards (a late or replayed "sent" after "delivered" changes nothing). A delivery receipt after a
# failure report wins: it is proof the person has the text. A receipt may overtake the worker recording the
# send ("sending"): it is matched by our id in the callback URL.
PROVIDER_FINAL_STATES: dict[str, tuple[MessageState, tuple[MessageState, ...]]] = {
    "delivered": (
        MessageState.DELIVERED,
        (MessageState.SENDING, MessageState.SENT, MessageState.UNDELIVERED, MessageState.FAILED),
    ),
    "undelivered": (MessageState.UNDELIVERED, (MessageState.SENDING, MessageState.SENT)),
    "failed": (MessageState.FAILED, (MessageState.SENDING, MessageState.SENT)),
}
PROVIDER_OPT_OUT_CODES = frozenset({"21610"})


async def record_delivery_status(
    provider_id: str,
    status: str,
    error_code: str | None = None,
    now: datetime | None = None,
    *,
    reference: int | None = None,
) -> Message | None:
    """Record what the provider's status callback says about the message it knows as `provider_id` (ours
    is `reference`, from the callback URL, when the callback beat the worker recording the send).
    Idempotent: callbacks arrive more than once and out of order. "queued", "sending" and "sent" keep the
    message sent ("sent" plus silence is unknown, not failed). A failure for 21610 (the person texted STOP
    to the provider) opts the volunteer out. Returns the message, or None when no message matches."""
    now = now or datetime.now(UTC)
    message = None
    if reference is not None:
        message = await Message.get_or_none(id=reference).prefetch_related("volunteer")
        if message is not None and message.provider_id not in (None, "", provider_id):
            message = None  # our id with someone else's provider id: not this message
    if message is None:
        message = await Message.get_or_none(provider_id=provider_id).prefetch_related("volunteer")
    if message is None:
        return None
    final = PROVIDER_FINAL_STATES.get(status)
    if final is None:
        return message
    state, before = final
    changes: dict[str, Any] = {"state": state, "updated_at": now, "provider_id": provider_id}
    if message.state == MessageState.SENDING:
        changes.update(sent_at=now, in_doubt=False)
    if error_code:
        changes["last_error"] = f"provider error {error_code}"
    if await Message.filter(id=message.id, state__in=before).update(**changes):
        for key, value in changes.items():
            setattr(message, key, value)
    # Outside the conditional update: a replay finishes an opt-out a crash interrupted (it is idempotent).
    if state != MessageState.DELIVERED and error_code in PROVIDER_OPT_OUT_CODES and message.volunteer is not None:
        await record_provider_opt_out(message.volunteer, f"provider error {error_code}")
    return message
