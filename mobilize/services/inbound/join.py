"""JOIN <code> by SMS: a known number is signed up at once; a new one is asked for a name first, and its next
message (the name) signs it up, with an SMS consent record whose source is the keyword.

Event codes: besides a shift's own code, `JOIN E<event id>` signs up for the event's next shift that is
still to end (the first with a free seat, else the first, whose waitlist they join); only public events
are joinable this way (event ids are guessable, shift codes are not).
"""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError, TransactionManagementError

from mobilize.models import (
    EventStatus,
    PendingQuestion,
    Shift,
    ShiftStatus,
    Signup,
    SignupSource,
    SignupStatus,
    Visibility,
    Volunteer,
)
from mobilize.services import signups
from mobilize.services.errors import AlreadySignedUp, ShiftClosed
from mobilize.services.inbound.shifts import CONSENT_SOURCE, NAME_WINDOW, ask
from mobilize.services.inbound.turns import Answer, Turn, describe, org_name, savepoint
from mobilize.services.outbox.messages import SMS_FOOTER
from mobilize.services.people import ConsentContext, Contact


async def find_code(code: str, now: datetime) -> Shift | None:
    """The shift with this code, or for `E<event id>` that event's next shift (see the module)."""
    shift = await Shift.get_or_none(code=code).select_related("event__organization")
    if shift is not None:
        return shift
    if not (code.startswith("E") and code[1:].isdigit() and len(code) <= 10):
        return None
    upcoming = (
        await Shift.filter(
            event_id=int(code[1:]),
            event__visibility=Visibility.PUBLIC,  # an unlisted event is joined by its shifts' codes only
            event__status=EventStatus.SCHEDULED,
            status=ShiftStatus.SCHEDULED,
            ends_at__gt=now,
        )
        .select_related("event__organization")
        .order_by("starts_at", "id")
        .limit(50)
    )
    return next((s for s in upcoming if s.filled < s.capacity), upcoming[0] if upcoming else None)


async def join(turn: Turn, code: str) -> Answer:
    """JOIN <code>: a known number is signed up at once; a new one is asked for a name first. A shift under
    way can still be joined (until it ends)."""
    if not code:
        return Answer("join_no_code", "To sign up, text JOIN and the shift's code, like JOIN ABC234.")
    shift = await find_code(code, turn.now)
    if shift is None:
        return Answer("join_unknown_code", f"We couldn't find the code {code}. Check it and text JOIN <code> again.")
    event = shift.event
    # The event's organization's record of this number: what the number gave another organization (a name)
    # is not this one's to use, so a number new to it is asked its name. The JOIN is a conversation with the
    # event's organization, so it is filed on that record (none yet: on no one's), never the routed one's.
    record = turn.volunteer
    if record is None or record.organization_id != event.organization_id:
        record = await Volunteer.get_or_none(organization_id=event.organization_id, phone=turn.phone)
    turn.volunteer = record
    try:
        signups.check_open(shift, event)
    except ShiftClosed:
        return Answer("join_closed", f"Sign-ups for {describe(shift, event)} are closed.", event.organization_id)
    if record is None:
        await ask(turn, "name", "join", {"shift": shift.id, "words": turn.body}, NAME_WINDOW)
        return Answer(
            "asked_name",
            f"{org_name(event)}: to sign you up for {describe(shift, event)}, reply with your name. "
            "Reply STOP to opt out.",
            event.organization_id,
        )
    return await sign_up(turn, shift, record.name, turn.body)


async def take_name(turn: Turn, question: PendingQuestion) -> Answer:
    """The answer to "reply with your name": sign the new number up for the shift it asked to join."""
    name = " ".join(turn.body.split())[:200]
    if not any(c.isalpha() for c in name):
        return Answer("asked_name", "Please reply with your name, so we can sign you up.")
    await PendingQuestion.filter(id=question.id).delete()
    shift = await Shift.get_or_none(id=int(question.data.get("shift", 0))).select_related("event__organization")
    if shift is None:
        return Answer("join_unknown_code", "That shift is no longer available. Text JOIN <code> to sign up.")
    return await sign_up(turn, shift, name, str(question.data.get("words", "")))


async def sign_up(turn: Turn, shift: Shift, name: str, words: str) -> Answer:
    """Sign up by SMS (source sms) with an SMS consent record (source keyword, the JOIN text as the words).
    The confirmation goes out through the outbox like any other sign-up's; for a shift under way, the
    answer says so itself."""
    assert turn.phone is not None
    event = shift.event
    what = describe(shift, event)
    consent = ConsentContext(source=CONSENT_SOURCE, words=words)
    contact = Contact(name=name, phone=turn.phone)
    already = Answer("join_already", f"{org_name(event)}: you're already signed up for {what}.", event.organization_id)
    if turn.volunteer is not None and await Signup.exists(volunteer_id=turn.volunteer.id, holder=shift.id):
        return already
    try:
        with turn.planning() as due:  # the confirmation and reminders commit with the sign-up
            result = await savepoint(
                lambda: signups.sign_up(shift.id, contact, source=SignupSource.SMS, sms_consent=consent)
            )
    except (AlreadySignedUp, IntegrityError, TransactionManagementError):
        # Signed up a moment ago by another request; inside our transaction, the collision may surface as the
        # savepoint's abort rather than as AlreadySignedUp. The savepoint is rolled back either way.
        return already
    except ShiftClosed:
        return Answer("join_closed", f"Sign-ups for {what} are closed.", event.organization_id)
    turn.volunteer = result.volunteer
    turn.deliver += due
    waitlisted = result.signup.status == SignupStatus.WAITLISTED
    outcome = "joined_waitlist" if waitlisted else "joined"
    if shift.starts_at > turn.now:
        return Answer(outcome, "", event.organization_id)  # the outbox's confirmation is the answer
    # Under way: a confirmation would stop at the shift's start (nothing is sent once it has started), so the
    # answer is the webhook's own reply, and it says what to do now.
    if waitlisted:
        news = f"{what} has started and is full; you're on its waitlist. Please see an organizer on site."
    else:
        news = f"you're signed up for {what}. It has started: text HERE when you get there."
    return Answer(outcome, f"{org_name(event)}: {news} {SMS_FOOTER}", event.organization_id)
