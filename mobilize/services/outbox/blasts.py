"""Organizers' messages to a roster (a shift, an event, a group's upcoming shifts) or a saved list, and delivery
figures per event.

A blast is written once and becomes one outbox row per person and channel, keyed by the request's idempotency
key: a client retrying after a timeout creates nothing new and hears the same counts. Consent is checked here
(SMS only to people who opted in) and again by `delivery.deliver_batch` when the row goes out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from mobilize.models import (
    Channel,
    EventStatus,
    Message,
    MessageKind,
    MessageState,
    Organization,
    ShiftStatus,
    Signup,
    Volunteer,
)
from mobilize.schemas import BlastIn
from mobilize.services import events
from mobilize.services.access import Actor
from mobilize.services.events import groups
from mobilize.services.idempotency import check_idempotency_key
from mobilize.services.outbox.messages import SMS_FOOTER, mails_to, texts_to
from mobilize.services.outbox.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours, sms_send_after
from mobilize.services.people import lists
from mobilize.services.people.consent import opted_out

KEY_CHUNK = 500  # dedupe keys per IN (...) query, well under SQLite's parameter limit
# The states the figures report; a message being handed to the provider right now still counts as pending.
STAT_STATES = ("pending", "sent", "delivered", "failed", "undelivered", "skipped", "cancelled")
STATE_ALIASES = {MessageState.SENDING.value: MessageState.PENDING.value}


@dataclass
class BlastResult:
    """What a blast did (or, previewed, would do): the people it was for, those reached on at least one
    channel, rows in the outbox, (person, channel) pairs left out and why, people reached on no channel and
    why, rows due now."""

    people: int = 0  # everyone it was for, once each
    recipients: int = 0  # reached on at least one channel
    messages: int = 0
    texts: int = 0
    emails: int = 0
    no_sms: int = 0  # SMS to someone who never opted in, or has no phone
    no_email: int = 0  # email to someone without a usable address (none, unsubscribed, bounced)
    opted_out: int = 0  # SMS to someone who texted STOP
    unreached_stop: int = 0  # reached on no channel, having texted STOP
    unreached_no_consent: int = 0  # reached on no channel, for want of consent or an address
    due_now: list[int] = field(default_factory=list)

    @property
    def no_consent(self) -> int:
        """(person, channel) pairs left out for want of consent or an address."""
        return self.no_sms + self.no_email

    @property
    def unreached(self) -> int:
        return self.people - self.recipients


@dataclass(frozen=True)
class Recipient:
    """One person a blast is for, once: the zone their quiet hours are counted in, and the sign-up (if any)
    through which the per-event figures find the message."""

    volunteer: Volunteer
    zone: str
    signup_id: int | None = None


def sms_text(org: str, body: str) -> str:
    """Carriers filter texts that do not say who sends them or how to stop: add both unless the body has them."""
    text = body if body.startswith(org) else f"{org}: {body}"
    return text if SMS_FOOTER in text else f"{text} {SMS_FOOTER}"


def email_text(org: str, body: str) -> str:
    return f"{body}\n\n-- {org}"


async def blast_shift(
    actor: Actor, shift_id: int, data: BlastIn, *, idempotency_key: str | None = None, **options: Any
) -> BlastResult:
    """Message the people signed up for one shift (in the statuses asked for)."""
    shift = await events.get_shift(actor, shift_id)
    actor.require_writer(shift.event.group_id)
    query = Signup.filter(shift_id=shift.id)
    return await _blast(actor, query, data, idempotency_key, **options)


async def blast_event(
    actor: Actor, event_id: int, data: BlastIn, *, idempotency_key: str | None = None, **options: Any
) -> BlastResult:
    """Message the people signed up for any shift of an event."""
    event = await events.get_event(actor, event_id)
    actor.require_writer(event.group_id)  # type: ignore[attr-defined]
    query = Signup.filter(shift__event_id=event.id)
    return await _blast(actor, query, data, idempotency_key, **options)


async def blast_group(
    actor: Actor,
    slug: str,
    data: BlastIn,
    *,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    **options: Any,
) -> BlastResult:
    """Message the people signed up for a group's shifts still to come (not those of past or cancelled ones)."""
    group = await groups.get_group(actor, slug)
    actor.require_writer(group.id)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    query = Signup.filter(
        shift__event__group_id=group.id,
        shift__event__organization_id=actor.organization_id,
        shift__event__status=EventStatus.SCHEDULED,
        shift__status=ShiftStatus.SCHEDULED,
        shift__ends_at__gt=now,
    )
    return await _blast(actor, query, data, idempotency_key, now=now, **options)


async def blast_list(
    actor: Actor, list_id: int, data: BlastIn, *, idempotency_key: str | None = None, **options: Any
) -> BlastResult:
    """Message the people a saved list holds at this moment, once each. A list is not about one event, so their
    quiet hours are counted in the organization's zone. Owners, admins and organizers."""
    saved = await lists.get_list(actor, list_id)
    lists.require_list_writer(actor)
    people = await lists.members(actor, saved).order_by("id")
    recipients = [Recipient(volunteer, actor.timezone) for volunteer in people]
    return await send_blast(actor, recipients, data, idempotency_key, **options)


async def _blast(actor: Actor, query: Any, data: BlastIn, idempotency_key: str | None, **options: Any) -> BlastResult:
    """A blast to the people of some sign-ups: once per person, tied to their earliest sign-up (its event's zone
    decides the quiet hours)."""
    signups = (
        await query.filter(status__in=list(data.statuses))
        .select_related("shift__event", "volunteer")
        .order_by("shift__starts_at", "id")
    )
    first: dict[int, Signup] = {}
    for signup in signups:
        first.setdefault(signup.volunteer_id, signup)
    recipients = [Recipient(s.volunteer, s.shift.event.timezone, s.id) for s in first.values()]
    return await send_blast(actor, recipients, data, idempotency_key, **options)


async def send_blast(
    actor: Actor,
    recipients: list[Recipient],
    data: BlastIn,
    idempotency_key: str | None,
    *,
    now: datetime | None = None,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
    preview: bool = False,
) -> BlastResult:
    """One outbox row per person and channel, for every blast (a roster, a group, a saved list): SMS only to
    people who opted in and never after STOP, held out of quiet hours in the recipient's zone; email only to a
    usable address. Idempotent per (organizer, key, person, channel). With `preview`, only the counts: who
    would receive it and who would not, and why; nothing is written."""
    # In UTC: SQLite compares stored times as text, so a filter value in another zone would miss rows.
    now = (now or datetime.now(UTC)).astimezone(UTC)
    key = check_idempotency_key(idempotency_key) or uuid.uuid4().hex
    org = (await Organization.get(id=actor.organization_id)).name
    result = BlastResult(people=len(recipients))
    rows: list[Message] = []
    channels = [Channel(c) for c in data.channels]
    for person in recipients:
        volunteer = person.volunteer
        reached = stopped = False
        for channel in channels:
            sms = channel == Channel.SMS
            if sms and opted_out(volunteer):
                result.opted_out += 1
                stopped = True
                continue
            if not (texts_to(volunteer) if sms else mails_to(volunteer)):
                if sms:
                    result.no_sms += 1
                else:
                    result.no_email += 1
                continue
            reached = True
            result.texts += sms
            result.emails += not sms
            rows.append(
                Message(
                    organization_id=actor.organization_id,
                    volunteer_id=volunteer.id,
                    signup_id=person.signup_id,
                    sent_by_id=actor.organizer_id or None,  # a volunteer host has no account (0)
                    channel=channel,
                    kind=MessageKind.BLAST,
                    to_address=volunteer.phone if sms else volunteer.email,
                    subject="" if sms else data.subject or f"A message from {org}",
                    body=sms_text(org, data.body) if sms else email_text(org, data.body),
                    due_at=sms_send_after(now, person.zone, quiet) if sms else now,
                    timezone=person.zone,
                    dedupe_key=f"blast:{actor.organizer_id}:{key}:{volunteer.id}:{channel.value}",
                )
            )
        result.recipients += reached
        if not reached:
            if stopped:
                result.unreached_stop += 1
            else:
                result.unreached_no_consent += 1
    result.messages = len(rows)
    if rows and not preview:
        # A retry with the same key finds its rows there: ignoring the conflicts creates nothing new.
        async with in_transaction():
            await Message.bulk_create(rows, ignore_conflicts=True)
        keys = [row.dedupe_key for row in rows]
        for start in range(0, len(keys), KEY_CHUNK):
            due = await Message.filter(
                dedupe_key__in=keys[start : start + KEY_CHUNK], state=MessageState.PENDING, due_at__lte=now
            ).values("id")
            result.due_now += [int(row["id"]) for row in due]
    return result


def _empty() -> dict[str, int]:
    return dict.fromkeys(STAT_STATES, 0)


async def event_message_stats(actor: Actor, event_id: int) -> dict[str, Any]:
    """Messages about an event, per kind and state, and in total: those reaching its sign-ups (blasts
    included) and the asks to fill its shifts (which have no sign-up)."""
    event = await events.get_event(actor, event_id)
    rows = []
    for about_event in (Q(signup__shift__event_id=event.id), Q(gap_requests__shift__event_id=event.id)):
        rows += (
            await Message.filter(about_event)
            .annotate(n=Count("id"))
            .group_by("kind", "state")
            .values("kind", "state", "n")
        )
    by_kind: dict[str, dict[str, int]] = {}
    totals = _empty()
    for row in rows:
        state = STATE_ALIASES.get(str(row["state"]), str(row["state"]))
        figures = by_kind.setdefault(str(row["kind"]), _empty())
        figures[state] += int(row["n"])
        totals[state] += int(row["n"])
    return {"event": event.id, "by_kind": dict(sorted(by_kind.items())), "totals": totals}
