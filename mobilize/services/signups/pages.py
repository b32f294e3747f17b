"""A volunteer's own page of sign-ups, reached by their private link (people.links): one organization's
sign-ups of that record, which the volunteer can confirm or drop while the shift is still ahead."""

from __future__ import annotations

from datetime import UTC, datetime

from mobilize.models import LIVE_STATUSES, EventStatus, ShiftStatus, Signup, SignupStatus, Volunteer
from mobilize.services.errors import Conflict, NotFound
from mobilize.services.signups import seats


async def own_signup(volunteer: Volunteer, signup_id: int) -> Signup:
    """One of this volunteer's sign-ups, with its shift and event. Someone else's is NotFound, not Forbidden:
    a manage link must not reveal which sign-up ids exist."""
    signup = await Signup.get_or_none(id=signup_id, volunteer_id=volunteer.id).prefetch_related("shift__event")
    if signup is None:
        raise NotFound(f"signup {signup_id} not found")
    return signup


def _still_actionable(signup: Signup, now: datetime) -> None:
    if signup.status not in LIVE_STATUSES:
        raise Conflict("this sign-up is no longer active", code="not_live")
    if signup.shift.ends_at <= now:
        raise Conflict("this shift is over", code="shift_over")


async def drop_own_signup(volunteer: Volunteer, signup_id: int, now: datetime | None = None) -> seats.SignupResult:
    """Cancel one of the volunteer's live, not yet finished sign-ups; the freed seat goes to the waitlist
    (see seats.cancel_signup). A finished shift cannot be dropped, so attendance records stay true."""
    signup = await own_signup(volunteer, signup_id)
    _still_actionable(signup, now or datetime.now(UTC))
    result = await seats.cancel_signup(signup.id)
    result.signup.shift = signup.shift
    return result


async def confirm_own_signup(volunteer: Volunteer, signup_id: int, now: datetime | None = None) -> seats.SignupResult:
    """The volunteer says they will come. Only a seat holder can confirm; the waitlist stays in order."""
    signup = await own_signup(volunteer, signup_id)
    _still_actionable(signup, now or datetime.now(UTC))
    if signup.status == SignupStatus.WAITLISTED:
        raise Conflict("you are on the waitlist; you can confirm once you get a seat", code="waitlisted")
    event = signup.shift.event
    if event.status != EventStatus.SCHEDULED or signup.shift.status != ShiftStatus.SCHEDULED:
        raise Conflict("this shift is cancelled", code="shift_cancelled")
    result = await seats.set_status(signup.id, SignupStatus.CONFIRMED)
    result.signup.shift = signup.shift
    return result


async def signups_for_confirmation(signup_ids: list[int]) -> list[tuple[Signup, int | None]]:
    """Fresh sign-ups (of one sign-up form), in the order given, each with its shift, event and volunteer and its
    place on the waitlist; those that no longer exist are left out."""
    rows = await Signup.filter(id__in=signup_ids).prefetch_related("shift__event__group", "volunteer")
    by_id = {signup.id: signup for signup in rows}
    found: list[tuple[Signup, int | None]] = []
    for signup_id in signup_ids:
        signup = by_id.get(signup_id)
        if signup is None:
            continue
        position = None
        if signup.status == SignupStatus.WAITLISTED:
            position = await Signup.filter(
                shift_id=signup.shift_id,  # type: ignore[attr-defined]
                status=SignupStatus.WAITLISTED,
                id__lte=signup.id,
            ).count()
        found.append((signup, position))
    return found
