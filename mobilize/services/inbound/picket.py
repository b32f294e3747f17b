"""HERE and BYE at a strike's picket line: HERE on a picket shift of a strike checks in and opens the member's
(or supporter's) duty; BYE or DONE closes it. Inside the inbound message's transaction, like the shift
keywords (services/inbound/shifts.py, which hands picket shifts here)."""

from __future__ import annotations

from mobilize.models import Duty, DutySource, Signup, SignupStatus
from mobilize.services import strikes
from mobilize.services.errors import Conflict
from mobilize.services.inbound.turns import Answer, Turn, describe, org_name, savepoint
from mobilize.services.signups import attendance
from mobilize.times import clock, local

NOT_ON_DUTY = "You're not signed in at a picket line right now. Text HERE when you get there."


async def sign_in(turn: Turn, signup: Signup) -> Answer:
    """HERE for a picket shift of a strike: checked in, and on duty from now (once: a second HERE while on duty
    changes nothing)."""
    event = signup.shift.event
    what, prefix = describe(signup.shift, event), f"{org_name(event)}: "
    if signup.status != SignupStatus.ATTENDED:
        try:
            await savepoint(lambda: attendance.check_in(signup.id, turn.now))
        except Conflict:
            return Answer("here_full", f"{prefix}{what} is full; please see a picket captain.", event.organization_id)
    duty, opened = await strikes.sign_in(
        event.strike_id, signup.shift_id, signup.volunteer_id, turn.now, DutySource.SMS
    )
    since = clock(local(duty.signed_in_at, event.timezone))
    if not opened:
        return Answer(
            "here_already", f"{prefix}you're on the line since {since}. Text BYE when you leave.", event.organization_id
        )
    return Answer(
        "on_duty", f"{prefix}you're signed in at {what} ({since}). Text BYE when you leave.", event.organization_id
    )


async def sign_out(turn: Turn) -> Answer:
    """BYE or DONE: the sender's open duty ends now."""
    if turn.volunteer is None:
        return Answer("unknown_sender", NOT_ON_DUTY)
    duty = await Duty.filter(volunteer_id=turn.volunteer.id, signed_out_at=None).order_by("-id").first()
    if duty is None:
        return Answer("bye_nothing", NOT_ON_DUTY, turn.volunteer.organization_id)
    closed = await strikes.sign_out(duty.strike_id, duty.volunteer_id, turn.now)
    assert closed is not None and closed.signed_out_at is not None
    hours = (closed.signed_out_at - closed.signed_in_at).total_seconds() / 3600
    return Answer(
        "off_duty",
        f"Signed out: {hours:.1f} hours on the line. Thank you!",
        turn.volunteer.organization_id,
    )
