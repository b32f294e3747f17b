"""Which messages a change in sign-ups calls for. Returns outbox rows for the caller to enqueue after
its transaction has committed (the sweep finds any that a crash left behind, and sends reminders when due)."""

from __future__ import annotations

from datetime import UTC, datetime

from mobilize.models import SEAT_STATUSES, Channel, MessageKind, Signup
from mobilize.services import invitations, messages, reminders
from mobilize.services.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours
from mobilize.services.signups import SignupResult


async def after_signup(
    result: SignupResult, base_url: str, *, now: datetime | None = None, quiet: QuietHours = DEFAULT_QUIET_HOURS
) -> list[int]:
    """The confirmation (or waitlist notice) of a new sign-up and its reminders, the calendar cancellation of a
    dropped seat (whose reminders are called off), and the news and reminders for anyone promoted."""
    now = now or datetime.now(UTC)
    ids: list[int] = []
    volunteer = result.volunteer
    if result.created and (messages.texts_to(volunteer) or messages.mails_to(volunteer)):
        kind = messages.signup_kind(str(result.signup.status))
        ids += await messages.plan_signup_messages([result.signup.id], kind, base_url, now)
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
        promoted = [s.id for s in result.promoted]
        ids += await messages.plan_signup_messages(promoted, MessageKind.PROMOTED, base_url, now)
        ids += await reminders.plan_reminders(promoted, base_url, now, quiet)
    return ids


async def after_cancellation(signup_ids: list[int], base_url: str, *, now: datetime | None = None) -> list[int]:
    """The organizers cancelled a shift or the whole event: call off the reminders, and tell everyone who was on
    it, by SMS and email (with a METHOD:CANCEL for the calendar invitation)."""
    if not signup_ids:
        return []
    now = now or datetime.now(UTC)
    await reminders.cancel_reminders(signup_ids, now)
    return await messages.plan_signup_messages(signup_ids, MessageKind.CANCELLED_SIGNUP, base_url, now)


async def after_change(
    signup_ids: list[int],
    revision: str,
    base_url: str,
    *,
    now: datetime | None = None,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
) -> list[int]:
    """The organizers moved a shift or changed the place: tell the people on it, once per revision (with an
    updated calendar invitation), and replace the pending reminders of the seated ones by the new revision's."""
    if not signup_ids:
        return []
    now = now or datetime.now(UTC)
    ids = await messages.plan_signup_messages(signup_ids, MessageKind.CHANGED, base_url, now, revision=f":{revision}")
    return ids + await reminders.replan_reminders(signup_ids, base_url, now, quiet)


async def after_promotion(
    promoted: list[Signup], base_url: str, *, now: datetime | None = None, quiet: QuietHours = DEFAULT_QUIET_HOURS
) -> list[int]:
    """Waitlisted people who got a seat without anyone cancelling (the organizers added capacity): the news,
    and their reminders."""
    if not promoted:
        return []
    now = now or datetime.now(UTC)
    ids = [s.id for s in promoted]
    planned = await messages.plan_signup_messages(ids, MessageKind.PROMOTED, base_url, now)
    return planned + await reminders.plan_reminders(ids, base_url, now, quiet)
