"""Sign-ups: capacity without overbooking, waitlists in order, promotion on cancellation.

Capacity is enforced by one conditional UPDATE on the shift row (`filled < capacity`), inside the same
transaction that inserts the sign-up: under any concurrency, on PostgreSQL across processes or on
SQLite, a shift never holds more seat-holding sign-ups than its capacity. The row lock it takes also
serializes cancellations and promotions on that shift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mobilize.models import (
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
from mobilize.services.pagination import Page, paginate
from mobilize.services.people import (
    ConsentContext,
    Contact,
    ensure_relationship,
    find_or_create_volunteer,
    grant_sms_consent,
)


@dataclass
class SignupResult:
    signup: Signup
    volunteer: Volunteer
    created: bool = True
    new_volunteer: bool = False
    promoted: list[Signup] = field(default_factory=list)


async def _take_seat(shift_id: int) -> bool:
    taken = await Shift.filter(id=shift_id, status=ShiftStatus.SCHEDULED, filled__lt=F("capacity")).update(
        filled=F("filled") + 1
    )
    return bool(taken)


async def _release_seat(shift_id: int) -> None:
    await Shift.filter(id=shift_id, filled__gt=0).update(filled=F("filled") - 1)


async def open_shift(shift_id: int) -> tuple[Shift, Event]:
    """The shift and its event, if sign-ups are still possible."""
    shift = await Shift.get_or_none(id=shift_id).prefetch_related("event")
    if shift is None:
        raise NotFound(f"shift {shift_id} not found")
    event: Event = shift.event
    if event.status != EventStatus.SCHEDULED or shift.status != ShiftStatus.SCHEDULED:
        raise ShiftClosed("this shift is cancelled", code="shift_cancelled")
    if shift.ends_at <= datetime.now(UTC):
        raise ShiftClosed("this shift is over", code="shift_over")
    return shift, event


async def sign_up(
    shift_id: int,
    contact: Contact,
    *,
    source: SignupSource,
    referrer: str = "",
    sms_consent: ConsentContext | None = None,
) -> SignupResult:
    """Sign a person up (matching or creating the volunteer). Gets a seat if one is free, else the
    waitlist. A second live sign-up for the same person and shift raises AlreadySignedUp."""
    shift, event = await open_shift(shift_id)
    volunteer, new_volunteer = await find_or_create_volunteer(contact)
    try:
        async with in_transaction():
            seated = await _take_seat(shift.id)
            signup = await Signup.create(
                shift_id=shift.id,
                volunteer=volunteer,
                holder=shift.id,
                status=SignupStatus.SIGNED_UP if seated else SignupStatus.WAITLISTED,
                source=source,
                referrer=referrer,
            )
    except IntegrityError as exc:
        existing = await Signup.get_or_none(volunteer=volunteer, holder=shift.id)
        raise AlreadySignedUp(
            "this person is already signed up for this shift",
            fields={"volunteer": "already signed up", "signup": str(existing.id if existing else "")},
        ) from exc
    await ensure_relationship(event.organization_id, volunteer.id, source.value)  # type: ignore[attr-defined]
    if sms_consent is not None and volunteer.phone:
        await grant_sms_consent(volunteer, sms_consent, event.organization_id)  # type: ignore[attr-defined]
    signup.volunteer = volunteer
    return SignupResult(signup=signup, volunteer=volunteer, new_volunteer=new_volunteer)


async def fill_from_waitlist(shift_id: int) -> list[Signup]:
    """Move waitlisted people, first come first served, into free seats. Call inside a transaction."""
    promoted: list[Signup] = []
    while True:
        candidate = (
            await Signup.filter(shift_id=shift_id, status=SignupStatus.WAITLISTED).order_by("id").first()
        )
        if candidate is None or not await _take_seat(shift_id):
            return promoted
        moved = await Signup.filter(id=candidate.id, status=SignupStatus.WAITLISTED).update(
            status=SignupStatus.SIGNED_UP
        )
        if not moved:  # they left the waitlist a moment ago: give the seat back and look again
            await _release_seat(shift_id)
            continue
        candidate.status = SignupStatus.SIGNED_UP
        promoted.append(candidate)


async def cancel_signup(signup_id: int) -> SignupResult:
    """Cancel; a freed seat goes to the first person waiting. Idempotent."""
    async with in_transaction():
        signup = await Signup.get_or_none(id=signup_id).prefetch_related("volunteer")
        if signup is None:
            raise NotFound(f"signup {signup_id} not found")
        if signup.status == SignupStatus.CANCELLED:
            return SignupResult(signup=signup, volunteer=signup.volunteer, created=False)
        before = signup.status
        changed = await Signup.filter(id=signup.id, status=before).update(status=SignupStatus.CANCELLED, holder=None)
        if not changed:  # a concurrent change won; report the row as it is now
            await signup.refresh_from_db()
            return SignupResult(signup=signup, volunteer=signup.volunteer, created=False)
        promoted: list[Signup] = []
        if before in SEAT_STATUSES:
            await _release_seat(signup.shift_id)  # type: ignore[attr-defined]
            promoted = await fill_from_waitlist(signup.shift_id)  # type: ignore[attr-defined]
        signup.status = SignupStatus.CANCELLED
        signup.holder = None
    return SignupResult(signup=signup, volunteer=signup.volunteer, created=False, promoted=promoted)


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
                f"a {before.value} sign-up cannot become {status.value}",
                code="bad_transition",
                fields={"status": f"not allowed from {before.value}"},
            )
        if before == SignupStatus.WAITLISTED:
            if not await _take_seat(signup.shift_id):  # type: ignore[attr-defined]
                raise Conflict("the shift is full; this person is on the waitlist", code="shift_full")
        changed = await Signup.filter(id=signup.id, status=before).update(status=status)
        if not changed:
            raise Conflict("the sign-up changed meanwhile; reload and retry", code="stale")
        signup.status = status
    return SignupResult(signup=signup, volunteer=signup.volunteer, created=False)


async def list_signups(shift_id: int, cursor: str | None, limit: int, status: str | None = None) -> Page[Signup]:
    query: Any = Signup.filter(shift_id=shift_id).prefetch_related("volunteer")
    if status:
        if status not in {s.value for s in SignupStatus}:
            raise Invalid.field("status", "not a sign-up status")
        query = query.filter(status=status)
    return await paginate(query, cursor, limit)


async def signup_with_shift(signup_id: int) -> Signup:
    signup = await Signup.get_or_none(id=signup_id).prefetch_related("shift__event", "volunteer")
    if signup is None:
        raise NotFound(f"signup {signup_id} not found")
    return signup


async def volunteer_signups(volunteer: Volunteer) -> list[Signup]:
    """Every sign-up of a volunteer (their own page), soonest shift first."""
    return (
        await Signup.filter(volunteer=volunteer)
        .prefetch_related("shift__event__group")
        .order_by("shift__starts_at", "id")
    )
