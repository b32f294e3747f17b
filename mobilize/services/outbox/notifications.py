"""Which messages a change in sign-ups calls for, and when their texts may go. Called by the service making
the change, inside its transaction, so that the change and its outbox rows commit together; the rows due now
go to the delivery buffer (services.outbox.after_commit), enqueued once the request or job has committed, and the
sweep sends the later ones when due (and any whose enqueue a crash lost).

Quiet hours bind every text (emails go at once). Reminders move to the evening before; everything else written
in quiet hours waits until they end, with two exceptions: the confirmation (or waitlist notice) answering a
sign-up the person just made themselves, on the web or by text, goes at once (they are awake and waiting for
it); and urgent news (messages.URGENT_KINDS: a cancellation, a change, a seat) goes at once when waiting would
leave less than URGENT_NOTICE_HOURS before the shift starts (quiet_hours.notice_due_at).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from mobilize.models import SEAT_STATUSES, Channel, MessageKind, Signup, SignupSource, Volunteer
from mobilize.services.outbox import after_commit, invitations, messages, reminders
from mobilize.services.outbox.quiet_hours import QuietHours, notice_due_at, sms_send_after


class SignupChange(Protocol):
    """What a change in sign-ups says happened (signups.seats.SignupResult)."""

    signup: Signup
    volunteer: Volunteer
    created: bool  # a new sign-up
    cancelled: bool  # this change cancelled it
    promoted: list[Signup]  # waitlisted people given the seat it freed


# Sign-ups the person makes themselves (the page or the public API, a JOIN or a YES by text): its
# confirmation is their answer.
OWN_SOURCES = frozenset({SignupSource.WEB, SignupSource.SMS})


def texted_when(kind: MessageKind, now: datetime, quiet: QuietHours, urgent: timedelta) -> messages.Due:
    """When a sign-up message of `kind` written `now` goes out, per channel (see the module)."""

    def due(signup: Signup, channel: Channel) -> datetime:
        if channel != Channel.SMS:
            return now
        shift = signup.shift
        if kind in messages.URGENT_KINDS:
            return notice_due_at(now, shift.starts_at, shift.event.timezone, quiet, urgent)
        return sms_send_after(now, shift.event.timezone, quiet)

    return due


def signup_rows(signup: Signup, status: str, plan: after_commit.Plan, now: datetime) -> list[messages.Planned]:
    """The outbox rows a new sign-up calls for if it ends up `status`, composed and timed, not yet written: the
    confirmation and the reminders of a seat, or the waitlist notice, on each channel the person may get. A
    walk-in is told nothing: they are there, and checked in at once (services.signups.attendance). `after_signup`
    writes those of the status the sign-up got, through the ORM; on PostgreSQL the sign-up's own statement
    (services.signups.postgres) is given those of both outcomes, composed before the seat is decided, and writes one."""
    if signup.source == SignupSource.WALK_IN:
        return []
    kind = messages.signup_kind(status)
    due = None if signup.source in OWN_SOURCES else texted_when(kind, now, plan.quiet, plan.urgent)
    rows = messages.planned(signup, kind, plan.base_url, now, due=due)
    if status in SEAT_STATUSES:
        rows += reminders.reminder_rows(signup, plan.base_url, now, plan.quiet)
    return rows


async def new_signup_messages(
    signup: Signup, volunteer: Volunteer, plan: after_commit.Plan, now: datetime
) -> list[int]:
    """Write the outbox rows of a new sign-up (`signup_rows` of the status it got) through the ORM; the ids of
    those due now."""
    if signup.source == SignupSource.WALK_IN or not (messages.texts_to(volunteer) or messages.mails_to(volunteer)):
        return []  # nothing to tell, or nobody to tell it to: no need to load the sign-up
    ids: list[int] = []
    for loaded in await messages.load_signups(Signup.filter(id=signup.id)):
        ids += await messages.write_planned(loaded, signup_rows(loaded, str(loaded.status), plan, now), now)
    return ids


async def after_signup(result: SignupChange) -> None:
    """The confirmation (or waitlist notice) of a new sign-up and its reminders, the calendar cancellation of a
    dropped seat (whose reminders are called off), and the news and reminders for anyone promoted."""
    plan = after_commit.plan()
    base_url, now = plan.base_url, plan.clock()
    ids: list[int] = []
    volunteer = result.volunteer
    if result.created:
        ids += await new_signup_messages(result.signup, volunteer, plan, now)
    if result.cancelled:
        await reminders.cancel_reminders([result.signup.id], now)
    if result.cancelled and messages.mails_to(volunteer) and await invitations.was_invited(result.signup.id):
        # Their calendar holds the invitation: a METHOD:CANCEL for the same UID takes it out.
        ids += await messages.plan_signup_messages(
            [result.signup.id], MessageKind.CANCELLED_SIGNUP, base_url, now, channels=(Channel.EMAIL,)
        )
    after_commit.deliver(ids)
    if result.promoted:
        await after_promotion(result.promoted)


async def after_cancellation(signup_ids: list[int]) -> None:
    """The organizers cancelled a shift or the whole event: call off the reminders, and tell everyone who was on
    it, by SMS and email (with a METHOD:CANCEL for the calendar invitation)."""
    if not signup_ids:
        return
    plan = after_commit.plan()
    now = plan.clock()
    await reminders.cancel_reminders(signup_ids, now)
    kind = MessageKind.CANCELLED_SIGNUP
    due = texted_when(kind, now, plan.quiet, plan.urgent)
    after_commit.deliver(await messages.plan_signup_messages(signup_ids, kind, plan.base_url, now, due=due))


async def after_change(signup_ids: list[int], revision: str) -> None:
    """The organizers moved a shift or changed the place: tell the people on it, once per revision (with an
    updated calendar invitation), and replace the pending reminders of the seated ones by the new revision's."""
    if not signup_ids:
        return
    plan = after_commit.plan()
    base_url, now = plan.base_url, plan.clock()
    kind = MessageKind.CHANGED
    due = texted_when(kind, now, plan.quiet, plan.urgent)
    ids = await messages.plan_signup_messages(signup_ids, kind, base_url, now, revision=f":{revision}", due=due)
    after_commit.deliver(ids + await reminders.replan_reminders(signup_ids, base_url, now, plan.quiet))


async def after_timeline_change(event_id: int) -> None:
    """The event's reminder timeline changed: move the reminders already planned (reminders.retime_reminders)."""
    plan = after_commit.plan()
    after_commit.deliver(await reminders.retime_reminders(event_id, plan.base_url, plan.clock(), plan.quiet))


async def after_promotion(promoted: list[Signup]) -> None:
    """Waitlisted people who got a seat (someone dropped, or the organizers added capacity): the news, and
    their reminders."""
    if not promoted:
        return
    plan = after_commit.plan()
    base_url, now = plan.base_url, plan.clock()
    ids = [s.id for s in promoted]
    kind = MessageKind.PROMOTED
    due = texted_when(kind, now, plan.quiet, plan.urgent)
    planned = await messages.plan_signup_messages(ids, kind, base_url, now, due=due)
    after_commit.deliver(planned + await reminders.plan_reminders(ids, base_url, now, plan.quiet))
