"""The reminder timeline: which reminders a seat calls for, when each is due, and cancelling them.

Reminders are outbox rows planned in advance (the database is the schedule; the sweep sends them when due).
Their dedupe key carries the shift's and the event's sequence, so a moved shift (or a changed place or time
zone) gets fresh reminders while those of the old revision are cancelled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from mobilize.models import (
    SEAT_STATUSES,
    Channel,
    Event,
    Message,
    MessageKind,
    MessageState,
    Shift,
    ShiftStatus,
    Signup,
)
from mobilize.services.outbox import messages
from mobilize.services.outbox.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours, sms_due_at

DEFAULT_TIMELINE: list[dict[str, Any]] = [
    {"kind": "day_before", "minutes_before": 1440},
    {"kind": "soon", "minutes_before": 120},
]
KINDS = {"day_before": MessageKind.REMINDER_DAY_BEFORE, "soon": MessageKind.REMINDER_SOON}
REMINDER_KINDS = tuple(KINDS.values())
CHANNELS = (Channel.SMS, Channel.EMAIL)


def timeline(event: Event) -> dict[MessageKind, int]:
    """Minutes before the shift start, per reminder kind, for this event (its own timeline or the default)."""
    steps = DEFAULT_TIMELINE if event.reminders is None else event.reminders
    return {KINDS[step["kind"]]: int(step["minutes_before"]) for step in steps if step.get("kind") in KINDS}


def revision(signup: Signup) -> str:
    """The dedupe-key suffix of a sign-up's reminders: changes whenever its shift or event changes."""
    return f":r{signup.shift.sequence}.{signup.shift.event.sequence}"


def _due(kind: MessageKind, quiet: QuietHours) -> Callable[[Signup, Channel], datetime | None]:
    def due(signup: Signup, channel: Channel) -> datetime | None:
        shift = signup.shift
        minutes = timeline(shift.event).get(kind)
        if minutes is None:
            return None  # this event's timeline has no such reminder
        at: datetime = shift.starts_at - timedelta(minutes=minutes)
        # Quiet hours bind texts only, in the recipient's local time (the event's zone); email waits in the inbox.
        return sms_due_at(at, shift.event.timezone, quiet) if channel == Channel.SMS else at

    return due


def reminder_rows(
    signup: Signup, base_url: str, now: datetime, quiet: QuietHours = DEFAULT_QUIET_HOURS
) -> list[messages.Planned]:
    """The reminders a seat calls for, composed and timed (messages.planned), not yet written: those of its
    event's timeline, on each channel the person may get."""
    rows: list[messages.Planned] = []
    for kind in REMINDER_KINDS:
        rows += messages.planned(
            signup, kind, base_url, now, channels=CHANNELS, revision=revision, due=_due(kind, quiet)
        )
    return rows


async def plan_reminders(
    signup_ids: Sequence[int], base_url: str, now: datetime, quiet: QuietHours = DEFAULT_QUIET_HOURS
) -> list[int]:
    """Plan the reminders of these sign-ups that hold a seat; idempotent. Returns ids of rows due now."""
    if not signup_ids:
        return []
    seated = await messages.load_signups(Signup.filter(id__in=list(signup_ids), status__in=list(SEAT_STATUSES)))
    ids: list[int] = []
    for signup in seated:
        ids += await messages.write_planned(signup, reminder_rows(signup, base_url, now, quiet), now)
    return ids


async def cancel_reminders(signup_ids: Sequence[int], now: datetime, *, keep: Sequence[str] = ()) -> int:
    """Cancel the reminders of these sign-ups still waiting to go out (except the dedupe keys in `keep`).
    A reminder being sent right now is left to finish (it was due). Returns how many were cancelled."""
    if not signup_ids:
        return 0
    query = Message.filter(signup_id__in=list(signup_ids), kind__in=list(REMINDER_KINDS), state=MessageState.PENDING)
    if keep:
        query = query.exclude(dedupe_key__in=list(keep))
    cancelled = await query.update(state=MessageState.CANCELLED, skip_reason="replaced or called off", updated_at=now)
    return int(cancelled)


async def replan_reminders(
    signup_ids: Sequence[int], base_url: str, now: datetime, quiet: QuietHours = DEFAULT_QUIET_HOURS
) -> list[int]:
    """A shift moved or its event changed: cancel the reminders of the old revision still pending and plan
    those of the current one. Idempotent: running it twice for the same revision changes nothing."""
    if not signup_ids:
        return []
    signups = await Signup.filter(id__in=list(signup_ids)).select_related("shift__event")
    current = [
        messages.dedupe_key(s.id, kind, revision(s), channel)
        for s in signups
        for kind in REMINDER_KINDS
        for channel in CHANNELS
    ]
    await cancel_reminders(signup_ids, now, keep=current)
    return await plan_reminders(signup_ids, base_url, now, quiet)


async def retime_reminders(
    event_id: int, base_url: str, now: datetime, quiet: QuietHours = DEFAULT_QUIET_HOURS
) -> list[int]:
    """The event's reminder timeline changed: move its reminders still waiting to their new times, call
    off those of kinds it no longer has, and plan those of kinds it gained, for every upcoming seat.
    A reminder whose new time has passed is skipped, as at planning. Idempotent. Returns ids due now."""
    event = await Event.get(id=event_id)
    steps = timeline(event)
    upcoming = await Shift.filter(event_id=event_id, status=ShiftStatus.SCHEDULED, starts_at__gt=now)
    for kind in REMINDER_KINDS:
        waiting = Message.filter(kind=kind, state=MessageState.PENDING, signup__shift__event_id=event_id)
        minutes = steps.get(kind)
        if minutes is None:
            await waiting.update(
                state=MessageState.CANCELLED, skip_reason="taken off the event's timeline", updated_at=now
            )
            continue
        for shift in upcoming:
            at = shift.starts_at - timedelta(minutes=minutes)
            for channel in CHANNELS:
                due = sms_due_at(at, event.timezone, quiet) if channel == Channel.SMS else at.astimezone(UTC)
                rows = waiting.filter(signup__shift_id=shift.id, channel=channel)
                if due < now:
                    changes = {"state": MessageState.SKIPPED, "skip_reason": "its new time had passed", "due_at": due}
                    await rows.update(updated_at=now, **changes)
                else:
                    await rows.update(due_at=due, updated_at=now)
    seated = await Signup.filter(shift_id__in=[s.id for s in upcoming], status__in=list(SEAT_STATUSES)).values_list(
        "id", flat=True
    )
    return await plan_reminders([int(i) for i in seated], base_url, now, quiet)  # type: ignore[call-overload]
