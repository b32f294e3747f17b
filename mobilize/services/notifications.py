"""Which messages a change in sign-ups calls for, and when their texts may go. Returns outbox rows for the
caller to enqueue after its transaction has committed (the sweep finds any that a crash left behind, and sends
the later ones when due).

Quiet hours bind every text (emails go at once). Reminders move to the evening before; everything else written
in quiet hours waits until they end, with two exceptions: the confirmation (or waitlist notice) answering a
sign-up the person just made themselves, on the web or by text, goes at once (they are awake and waiting for
it); and urgent news (messages.URGENT_KINDS: a cancellation, a change, a seat) goes at once when waiting would
leave less than URGENT_NOTICE_HOURS before the shift starts (quiet_hours.notice_due_at).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from mobilize.models import SEAT_STATUSES, Channel, MessageKind, Signup, SignupSource
from mobilize.services import invitations, messages, reminders
from mobilize.services.quiet_hours import (
    DEFAULT_QUIET_HOURS,
    URGENT_NOTICE,
    QuietHours,
    notice_due_at,
    sms_send_after,
)
from mobilize.services.signups import SignupResult

# Sign-ups the person makes themselves (the page or the public API, a JOIN or a YES by text): its
# confirmation is their answer.
OWN_SOURCES = frozenset({SignupSource.WEB, SignupSource.SMS})

Due = Callable[[Signup, Channel], datetime | None]


def texted_when(kind: MessageKind, now: datetime, quiet: QuietHours, urgent: timedelta) -> Due:
    """When a sign-up message of `kind` written `now` goes out, per channel (see the module)."""

    def due(signup: Signup, channel: Channel) -> datetime:
        if channel != Channel.SMS:
            return now
        shift = signup.shift
        if kind in messages.URGENT_KINDS:
            return notice_due_at(now, shift.starts_at, shift.event.timezone, quiet, urgent)
        return sms_send_after(now, shift.event.timezone, quiet)

    return due


async def after_signup(
    result: SignupResult,
    base_url: str,
    *,
    now: datetime | None = None,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
    urgent: timedelta = URGENT_NOTICE,
) -> list[int]:
    """The confirmation (or waitlist notice) of a new sign-up and its reminders, the calendar cancellation of a
    dropped seat (whose reminders are called off), and the news and reminders for anyone promoted."""
    now = now or datetime.now(UTC)
    ids: list[int] = []
    volunteer = result.volunteer
    if result.created and (messages.texts_to(volunteer) or messages.mails_to(volunteer)):
        kind = messages.signup_kind(str(result.signup.status))
        answer = result.signup.source in OWN_SOURCES
        due = None if answer else texted_when(kind, now, quiet, urgent)
        ids += await messages.plan_signup_messages([result.signup.id], kind, base_url, now, due=due)
        if result.signup.status in SEAT_STATUSES:
            ids += await reminders.plan_reminders([result.signup.id], base_url, now, quiet)
    if result.cancelled:
        await reminders.cancel_reminders([result.signup.id], now)
    if result.cancelled and messages.mails_to(volunteer) and await invitations.was_invited(result.signup.id):
        # Their calendar holds the invitation: a METHOD:CANCEL for the same UID takes it out.
        ids += await messages.plan_signup_messages(
            [result.signup.id], MessageKind.CANCELLED_SIGNUP, base_url, now, channels=(Channel.EMAIL,)
        )
    if result.promoted:
        ids += await after_promotion(result.promoted, base_url, now=now, quiet=quiet, urgent=urgent)
    return ids


async def after_cancellation(
    signup_ids: list[int],
    base_url: str,
    *,
    now: datetime | None = None,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
    urgent: timedelta = URGENT_NOTICE,
) -> list[int]:
    """The organizers cancelled a shift or the whole event: call off the reminders, and tell everyone who was on
    it, by SMS and email (with a METHOD:CANCEL for the calendar invitation)."""
    if not signup_ids:
        return []
    now = now or datetime.now(UTC)
    await reminders.cancel_reminders(signup_ids, now)
    kind = MessageKind.CANCELLED_SIGNUP
    return await messages.plan_signup_messages(
        signup_ids, kind, base_url, now, due=texted_when(kind, now, quiet, urgent)
    )


async def after_change(
    signup_ids: list[int],
    revision: str,
    base_url: str,
    *,
    now: datetime | None = None,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
    urgent: timedelta = URGENT_NOTICE,
) -> list[int]:
    """The organizers moved a shift or changed the place: tell the people on it, once per revision (with an
    updated calendar invitation), and replace the pending reminders of the seated ones by the new revision's."""
    if not signup_ids:
        return []
    now = now or datetime.now(UTC)
    kind = MessageKind.CHANGED
    due = texted_when(kind, now, quiet, urgent)
    ids = await messages.plan_signup_messages(signup_ids, kind, base_url, now, revision=f":{revision}", due=due)
    return ids + await reminders.replan_reminders(signup_ids, base_url, now, quiet)


async def after_promotion(
    promoted: list[Signup],
    base_url: str,
    *,
    now: datetime | None = None,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
    urgent: timedelta = URGENT_NOTICE,
) -> list[int]:
    """Waitlisted people who got a seat (someone dropped, or the organizers added capacity): the news, and
    their reminders."""
    if not promoted:
        return []
    now = now or datetime.now(UTC)
    ids = [s.id for s in promoted]
    kind = MessageKind.PROMOTED
    planned = await messages.plan_signup_messages(ids, kind, base_url, now, due=texted_when(kind, now, quiet, urgent))
    return planned + await reminders.plan_reminders(ids, base_url, now, quiet)
