"""Organizers' messages to a roster (a shift, an event, a group's upcoming shifts), and delivery figures per event.

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
)
from mobilize.schemas import BlastIn
from mobilize.services import events
from mobilize.services.access import Actor
from mobilize.services.events import groups
from mobilize.services.idempotency import check_idempotency_key
from mobilize.services.outbox.messages import SMS_FOOTER, mails_to, texts_to
from mobilize.services.outbox.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours, sms_send_after
from mobilize.services.people.consent import opted_out

KEY_CHUNK = 500  # dedupe keys per IN (...) query, well under SQLite's parameter limit
# The states the figures report; a message being handed to the provider right now still counts as pending.
STAT_STATES = ("pending", "sent", "delivered", "failed", "undelivered", "skipped", "cancelled")
STATE_ALIASES = {MessageState.SENDING.value: MessageState.PENDING.value}


@dataclass
class BlastResult:
    """What a blast did: people reached, rows in the outbox, (person, channel) pairs left out, rows due now."""

    recipients: int = 0
    messages: int = 0
    no_consent: int = 0  # SMS to someone who never opted in (or has no phone); email without a usable address
    opted_out: int = 0  # SMS to someone who texted STOP
    due_now: list[int] = field(default_factory=list)


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


async def _blast(
    actor: Actor,
    query: Any,
    data: BlastIn,
    idempotency_key: str | None,
    *,
    now: datetime | None = None,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
    preview: bool = False,
) -> BlastResult:
    """One outbox row per person and channel; idempotent per (organizer, key, person, channel). With
    `preview`, only the counts: who would receive it and who would not, and nothing is written."""
    # In UTC: SQLite compares stored times as text, so a filter value in another zone would miss rows.
    now = (now or datetime.now(UTC)).astimezone(UTC)
    key = check_idempotency_key(idempotency_key) or uuid.uuid4().hex
    org = (await Organization.get(id=actor.organization_id)).name
    signups = (
        await query.filter(status__in=list(data.statuses))
        .select_related("shift__event", "volunteer")
        .order_by("shift__starts_at", "id")
    )
    # One message per person, tied to their earliest sign-up (its event's zone decides the quiet hours).
    first: dict[int, Signup] = {}
    for signup in signups:
        first.setdefault(signup.volunteer_id, signup)
    result = BlastResult()
    rows: list[Message] = []
    channels = [Channel(c) for c in data.channels]
    for volunteer_id, signup in first.items():
        volunteer, event = signup.volunteer, signup.shift.event
        reached = False
        for channel in channels:
            if channel == Channel.SMS and opted_out(volunteer):
                result.opted_out += 1
                continue
            wanted = texts_to(volunteer) if channel == Channel.SMS else mails_to(volunteer)
            if not wanted:
                result.no_consent += 1
                continue
            reached = True
            sms = channel == Channel.SMS
            rows.append(
                Message(
                    organization_id=actor.organization_id,
                    volunteer_id=volunteer_id,
                    signup_id=signup.id,  # the per-event figures find a blast through its sign-up
                    sent_by_id=actor.organizer_id or None,  # a volunteer host has no account (0)
                    channel=channel,
                    kind=MessageKind.BLAST,
                    to_address=volunteer.phone if sms else volunteer.email,
                    subject="" if sms else data.subject or f"A message from {org}",
                    body=sms_text(org, data.body) if sms else email_text(org, data.body),
                    due_at=sms_send_after(now, event.timezone, quiet) if sms else now,
                    timezone=event.timezone,
                    dedupe_key=f"blast:{actor.organizer_id}:{key}:{volunteer_id}:{channel.value}",
                )
            )
        result.recipients += reached
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
