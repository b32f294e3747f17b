"""Sign-ups: capacity without overbooking, waitlists in order, promotion on cancellation.

Capacity is enforced by one conditional UPDATE on the shift row (`filled < capacity`), atomically with
the insert of the sign-up: under any concurrency, on PostgreSQL across processes or on SQLite, a shift
never holds more seat-holding sign-ups than its capacity. The row lock it takes also serializes
cancellations and promotions on that shift.

A surge of sign-ups is the one hot path: on PostgreSQL `sign_up` writes the record, the seat, the sign-up and
its messages in one statement for someone new (two, and a transaction, for anyone else: services.signups.postgres),
hand-written where the ORM would spend more building SQL than the database spends running it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mobilize import db
from mobilize.models import (
    LIVE_STATUSES,
    SEAT_STATUSES,
    Event,
    EventStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupSource,
    SignupStatus,
    Volunteer,
)
from mobilize.services.errors import AlreadySignedUp, Conflict, Invalid, NotFound, ShiftClosed
from mobilize.services.outbox import after_commit, notifications
from mobilize.services.people import links
from mobilize.services.people.consent import ConsentContext, grant_sms_consent
from mobilize.services.people.records import Contact, find_or_create_volunteer
from mobilize.services.people.sharing import share_contact
from mobilize.services.signups import postgres
from mobilize.services.signups.loading import load_shift


@dataclass
class SignupResult:
    signup: Signup
    volunteer: Volunteer
    created: bool = True
    new_volunteer: bool = False
    promoted: list[Signup] = field(default_factory=list)
    cancelled: bool = False  # this call cancelled the sign-up (not: it was cancelled already)


async def _take_seat(shift_id: int) -> bool:
    """Take one seat if the shift is scheduled and not full (written out: it runs on every sign-up)."""
    taken = await db.execute(
        "UPDATE shift SET filled = filled + 1 WHERE id = ? AND status = ? AND filled < capacity",
        shift_id,
        ShiftStatus.SCHEDULED.value,
    )
    return bool(taken)


async def _release_seat(shift_id: int) -> None:
    await Shift.filter(id=shift_id, filled__gt=0).update(filled=F("filled") - 1)


def check_open(shift: Shift, event: Event) -> None:
    """Raise ShiftClosed unless sign-ups to this shift are still possible."""
    if event.status != EventStatus.SCHEDULED or shift.status != ShiftStatus.SCHEDULED:
        raise ShiftClosed("this shift is cancelled", code="shift_cancelled")
    if shift.ends_at <= datetime.now(UTC):
        raise ShiftClosed("this shift is over", code="shift_over")


async def open_shift(shift_id: int) -> tuple[Shift, Event]:
    """The shift and its event, if sign-ups are still possible."""
    shift = await load_shift(shift_id)
    if shift is None:
        raise NotFound(f"shift {shift_id} not found")
    event: Event = shift.event
    check_open(shift, event)
    return shift, event


async def sign_up(
    shift_id: int,
    contact: Contact,
    *,
    source: SignupSource,
    referrer: str = "",
    sms_consent: ConsentContext | None = None,
    shift: Shift | None = None,
    trusted: bool = False,
    coalition: CoalitionChoices | None = None,
    cached: bool = False,
) -> SignupResult:
    """Sign a person up (matching or creating the volunteer). Gets a seat if one is free, else the
    waitlist. A second live sign-up for the same person and shift raises AlreadySignedUp.

    A caller that has loaded the shift with its event already (`load_shift`) passes it as `shift`; with
    `cached` (a copy kept by services.events.public, maybe minutes old), a copy that turns out not to be the
    shift as it is now raises StaleShift, with nothing written (on PostgreSQL's one-statement path only: any
    other path must be given a copy read a moment ago).
    `trusted` (organizers only) lets the contact add a missing phone or email to a known person.
    The person is the event's organization's record of them (matched or created within that organization
    only). SMS consent is recorded only when the phone typed is the phone on that record.
    The record, their consent, fresh private links if theirs expired unused, the seat, the sign-up, and the
    confirmation and reminders (services.outbox.notifications) are written together: no crash leaves a sign-up
    without its messages. On PostgreSQL the seat, the sign-up and the messages are one statement (see
    services.signups.postgres). The confirmation is enqueued after the commit (services.outbox.after_commit).
    """
    if shift is None:
        shift, event = await open_shift(shift_id)
    else:
        event = shift.event
        check_open(shift, event)
    organization_id: int = event.organization_id  # type: ignore[attr-defined]
    found: list[Volunteer] = []  # the record, once known (the error path looks up their sign-up)
    try:
        settled = None
        if postgres.applies() and coalition is None:  # a coalition's choices go the general way
            if postgres.fingerprint(shift) is None:  # not read by load_shift: read again, as the path needs it
                shift, event = await open_shift(shift.id)
            settled = await postgres.sign_up(shift, contact, source, referrer, sms_consent, trusted, found, cached)
        if settled is not None:
            settled.signup.volunteer = settled.volunteer
            result = SignupResult(signup=settled.signup, volunteer=settled.volunteer, new_volunteer=settled.created)
            after_commit.deliver(settled.due)
        else:
            async with in_transaction():
                result = await _general_sign_up(organization_id, shift.id, contact, source, referrer, trusted, found)
                if sms_consent is not None and result.volunteer.phone and result.volunteer.phone == contact.phone:
                    await grant_sms_consent(result.volunteer, sms_consent)
                if coalition is not None:
                    await record_coalition_choices([result.signup], contact, coalition)
                if not result.new_volunteer:
                    await links.refresh_expired_links(result.volunteer)
                await notifications.after_signup(result)  # with the sign-up, after the consent and links it shows
    except postgres.AlreadyHolding as exc:
        known = found[0] if found else None
        if known is None:  # the one-statement path failed: the person is known by their phone
            known = await Volunteer.get_or_none(organization_id=organization_id, phone=contact.phone)
        existing = await Signup.get_or_none(volunteer=known, holder=shift.id) if known else None
        raise AlreadySignedUp(
            "this person is already signed up for this shift",
            fields={"volunteer": "already signed up", "signup": str(existing.id if existing else "")},
        ) from exc
    return result


@dataclass(frozen=True)
class CoalitionChoices:
    """A sign-up for a coalition campaign's event: the organization that recruited the person, and those the
    person chose to share their details with (each with the consent context of the words they ticked)."""

    recruited_by_id: int | None = None
    shares: tuple[tuple[int, ConsentContext], ...] = ()


async def record_coalition_choices(signups: list[Signup], contact: Contact, choices: CoalitionChoices) -> None:
    """The recruiter credited with every one of the sign-ups (of one person, made together), and each share
    made once, with its consent record."""
    if choices.recruited_by_id is not None:
        await Signup.filter(id__in=[s.id for s in signups]).update(recruited_by_id=choices.recruited_by_id)
        for signup in signups:
            signup.recruited_by_id = choices.recruited_by_id
    for organization_id, context in choices.shares:
        await share_contact(organization_id, contact, context)


async def _general_sign_up(
    organization_id: int,
    shift_id: int,
    contact: Contact,
    source: SignupSource,
    referrer: str,
    trusted: bool,
    found: list[Volunteer],
) -> SignupResult:
    """The record (matched or created through the ORM), the seat and the sign-up. AlreadyHolding if they
    already hold a live sign-up for the shift."""
    shift, _ = await open_shift(shift_id)  # the caller's copy of the shift may be a second old (services.events.public)
    volunteer, new_volunteer = await find_or_create_volunteer(
        organization_id, contact, trusted=trusted, source=source.value
    )
    found.append(volunteer)
    try:
        signup = await record_signup(shift, volunteer, source, referrer)
    except IntegrityError as exc:  # leaves the transaction, rolled back (PostgreSQL aborted it)
        raise postgres.AlreadyHolding from exc
    signup.volunteer = volunteer
    return SignupResult(signup=signup, volunteer=volunteer, new_volunteer=new_volunteer)


async def record_signup(shift: Shift, volunteer: Volunteer, source: SignupSource, referrer: str) -> Signup:
    """Seat (if one is free) and sign-up, atomically, for a known record: nothing else (no consent, no
    messages: the caller writes them in its transaction). IntegrityError (AlreadyHolding on PostgreSQL) if this
    person already holds a live sign-up for the shift."""
    if postgres.applies():
        return await postgres.record_signup(shift, volunteer, source, referrer)
    async with in_transaction():
        seated = await _take_seat(shift.id)
        return await Signup.create(
            shift_id=shift.id,
            volunteer=volunteer,
            holder=shift.id,
            status=SignupStatus.SIGNED_UP if seated else SignupStatus.WAITLISTED,
            source=source,
            referrer=referrer,
        )


async def fill_from_waitlist(shift_id: int) -> list[Signup]:
    """Move waitlisted people, first come first served, into free seats. Call inside a transaction."""
    promoted: list[Signup] = []
    while True:
        candidate = await Signup.filter(shift_id=shift_id, status=SignupStatus.WAITLISTED).order_by("id").first()
        if candidate is None or not await _take_seat(shift_id):
            return promoted
        moved = await Signup.filter(id=candidate.id, status=SignupStatus.WAITLISTED).update(
            status=SignupStatus.SIGNED_UP, updated_at=datetime.now(UTC)
        )
        if not moved:  # they left the waitlist a moment ago: give the seat back and look again
            await _release_seat(shift_id)
            continue
        candidate.status = SignupStatus.SIGNED_UP
        promoted.append(candidate)


async def release_seat_and_promote(shift_id: int) -> list[Signup]:
    """A seat-holding sign-up left the shift (cancelled, dropped, merged away): the seat goes to the first
    person waiting. The one rule for every freed seat. Call inside a transaction."""
    await _release_seat(shift_id)
    return await fill_from_waitlist(shift_id)


async def resize(shift_id: int, capacity: int) -> list[Signup]:
    """A new capacity, never below the seats already taken (Conflict naming `capacity`); a larger one gives
    its new seats to the people waiting, first come first served. Call inside a transaction."""
    resized = await Shift.filter(id=shift_id, filled__lte=capacity).update(capacity=capacity)
    if not resized:
        taken = (await Shift.get(id=shift_id)).filled
        raise Conflict(
            f"{taken} people hold seats on this shift; the capacity cannot go below that",
            code="capacity_below_signups",
            fields={"capacity": f"at least {taken}"},
        )
    return await fill_from_waitlist(shift_id)


async def close_shift(shift_id: int, sequence: int, now: datetime) -> list[int]:
    """Cancel a scheduled shift (at `sequence`, for the calendars) and every live sign-up on it; attendance
    already recorded stays. Returns the sign-ups cancelled (none when it was cancelled already). Call inside
    a transaction."""
    closed = await Shift.filter(id=shift_id, status=ShiftStatus.SCHEDULED).update(
        status=ShiftStatus.CANCELLED, sequence=sequence, filled=0, updated_at=now
    )
    if not closed:
        return []
    live = Signup.filter(shift_id=shift_id, status__in=list(LIVE_STATUSES))
    affected = [row["id"] for row in await live.values("id")]
    await Signup.filter(id__in=affected).update(status=SignupStatus.CANCELLED, holder=None, updated_at=now)
    return affected


async def cancel_signup(signup_id: int) -> SignupResult:
    """Cancel; a freed seat goes to the first person waiting. Idempotent. The messages this calls for (the
    calendar's cancel, the news for whoever got the seat) commit with it."""
    async with in_transaction():
        signup = await Signup.get_or_none(id=signup_id).prefetch_related("volunteer")
        if signup is None:
            raise NotFound(f"signup {signup_id} not found")
        if signup.status == SignupStatus.CANCELLED:
            return SignupResult(signup=signup, volunteer=signup.volunteer, created=False)
        before = signup.status
        if before in (SignupStatus.ATTENDED, SignupStatus.NO_SHOW):
            raise Conflict(
                "attendance is recorded for this sign-up; mark it attended or no-show instead of cancelling",
                code="attendance_recorded",
                fields={"status": f"not allowed from {before}"},
            )
        changed = await Signup.filter(id=signup.id, status=before).update(
            status=SignupStatus.CANCELLED, holder=None, updated_at=datetime.now(UTC)
        )
        if not changed:  # a concurrent change won; report the row as it is now
            await signup.refresh_from_db()
            return SignupResult(signup=signup, volunteer=signup.volunteer, created=False)
        promoted: list[Signup] = []
        if before in SEAT_STATUSES:
            promoted = await release_seat_and_promote(signup.shift_id)  # type: ignore[attr-defined]
        signup.status = SignupStatus.CANCELLED
        signup.holder = None
        result = SignupResult(
            signup=signup, volunteer=signup.volunteer, created=False, promoted=promoted, cancelled=True
        )
        await notifications.after_signup(result)  # reminders called off, the calendar's cancel, the promoted told
    return result


# How each status reads in an error sentence: the sign-up it describes ("an attended sign-up"), and what a
# sign-up becomes ("cannot become a no-show"). Built from the status's value, the article came out wrong.
AS_SIGNUP: dict[SignupStatus, str] = {
    SignupStatus.SIGNED_UP: "an unconfirmed sign-up",
    SignupStatus.CONFIRMED: "a confirmed sign-up",
    SignupStatus.WAITLISTED: "a waitlisted sign-up",
    SignupStatus.CANCELLED: "a cancelled sign-up",
    SignupStatus.ATTENDED: "an attended sign-up",
    SignupStatus.NO_SHOW: "a no-show sign-up",
}
AS_OUTCOME: dict[SignupStatus, str] = {
    SignupStatus.SIGNED_UP: "signed up",
    SignupStatus.CONFIRMED: "confirmed",
    SignupStatus.WAITLISTED: "waitlisted",
    SignupStatus.CANCELLED: "cancelled",
    SignupStatus.ATTENDED: "attended",
    SignupStatus.NO_SHOW: "a no-show",
}

ALLOWED_MOVES: dict[SignupStatus, set[SignupStatus]] = {
    SignupStatus.CONFIRMED: {SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED},
    SignupStatus.ATTENDED: {
        SignupStatus.SIGNED_UP,
        SignupStatus.CONFIRMED,
        SignupStatus.ATTENDED,
        SignupStatus.NO_SHOW,
        SignupStatus.WAITLISTED,
    },
    SignupStatus.NO_SHOW: {SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED, SignupStatus.ATTENDED, SignupStatus.NO_SHOW},
}


async def set_status(signup_id: int, status: SignupStatus) -> SignupResult:
    """Confirm, or record attendance. A waitlisted person checked in takes a seat if one is free."""
    if status == SignupStatus.CANCELLED:
        return await cancel_signup(signup_id)
    if status not in ALLOWED_MOVES:
        raise Invalid.field("status", f"cannot be set to {status.value}")
    async with in_transaction():
        signup = await Signup.get_or_none(id=signup_id).prefetch_related("volunteer")
        if signup is None:
            raise NotFound(f"signup {signup_id} not found")
        before = SignupStatus(signup.status)
        if before == status:
            return SignupResult(signup=signup, volunteer=signup.volunteer, created=False)
        if before not in ALLOWED_MOVES[status]:
            raise Conflict(
                f"{AS_SIGNUP[before]} cannot become {AS_OUTCOME[status]}",
                code="bad_transition",
                fields={"status": f"not allowed from {before.value}"},
            )
        if before == SignupStatus.WAITLISTED:
            if not await _take_seat(signup.shift_id):  # type: ignore[attr-defined]
                raise Conflict("the shift is full; this person is on the waitlist", code="shift_full")
        changed = await Signup.filter(id=signup.id, status=before).update(status=status, updated_at=datetime.now(UTC))
        if not changed:
            raise Conflict("the sign-up changed meanwhile; reload and retry", code="stale")
        signup.status = status
    return SignupResult(signup=signup, volunteer=signup.volunteer, created=False)
