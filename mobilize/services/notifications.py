"""Which messages a change in sign-ups calls for. Returns outbox rows for the caller to enqueue after
its transaction has committed (the sweep finds any that a crash left behind)."""

from __future__ import annotations

from datetime import UTC, datetime

from mobilize.models import Channel, MessageKind, Signup
from mobilize.services import messages
from mobilize.services.signups import SignupResult


async def after_signup(result: SignupResult, base_url: str) -> list[int]:
    """The confirmation (or waitlist notice) of a new sign-up, the calendar cancellation of a dropped seat,
    and the news for anyone promoted."""
    now = datetime.now(UTC)
    ids: list[int] = []
    volunteer = result.volunteer
    if result.created and (messages.texts_to(volunteer) or messages.mails_to(volunteer)):
        kind = messages.signup_kind(str(result.signup.status))
        ids += await messages.plan_signup_messages([result.signup.id], kind, base_url, now)
    if result.cancelled and messages.mails_to(volunteer) and await messages.was_invited(result.signup.id):
        # Their calendar holds the invitation: a METHOD:CANCEL for the same UID takes it out.
        ids += await messages.plan_signup_messages(
            [result.signup.id], MessageKind.CANCELLED_SIGNUP, base_url, now, channels=(Channel.EMAIL,)
        )
    if result.promoted:
        ids += await messages.plan_signup_messages([s.id for s in result.promoted], MessageKind.PROMOTED, base_url, now)
    return ids


async def after_cancellation(signup_ids: list[int], base_url: str) -> list[int]:
    """The organizers cancelled a shift or the whole event: tell everyone who was on it, by SMS and email
    (with a METHOD:CANCEL for the calendar invitation)."""
    if not signup_ids:
        return []
    return await messages.plan_signup_messages(signup_ids, MessageKind.CANCELLED_SIGNUP, base_url, datetime.now(UTC))


async def after_change(signup_ids: list[int], revision: str, base_url: str) -> list[int]:
    """The organizers moved a shift or changed the place: tell the people on it, once per revision (with an
    updated calendar invitation)."""
    if not signup_ids:
        return []
    return await messages.plan_signup_messages(
        signup_ids, MessageKind.CHANGED, base_url, datetime.now(UTC), revision=f":{revision}"
    )


async def after_promotion(promoted: list[Signup], base_url: str) -> list[int]:
    """Waitlisted people who got a seat without anyone cancelling (the organizers added capacity)."""
    if not promoted:
        return []
    return await messages.plan_signup_messages(
        [s.id for s in promoted], MessageKind.PROMOTED, base_url, datetime.now(UTC)
    )
