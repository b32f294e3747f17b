"""A volunteer's own page and private feed: found by their secret links, they show (and the page confirms and
drops) only the sign-ups of that one organization's record. Each link can be rotated, and expires when
unused for LINK_IDLE; the next sign-up sends a fresh one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mobilize.models import EventStatus, ShiftStatus, Signup, SignupStatus, Volunteer
from mobilize.services import signups
from mobilize.services.errors import Conflict, NotFound
from mobilize.services.people.records import new_token

# Sign-ups a volunteer can still act on (drop, or confirm when they hold a seat).
LIVE_STATUSES = frozenset({SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED, SignupStatus.WAITLISTED})
MAX_TOKEN_LENGTH = 64  # the column width: longer input cannot match, so it need not reach the database
LINK_IDLE = timedelta(days=180)  # a private link unused this long stops working
TOUCH_EVERY = timedelta(days=1)  # how often a use is written down (not on every page view or feed poll)
EXPIRED = "this link has expired; a new one comes with your next sign-up"


def expired(seen_at: datetime | None, now: datetime) -> bool:
    return seen_at is None or seen_at <= now - LINK_IDLE


# The two private links of a record: the page (`manage`) and the calendar feed (`feed`). Each is a token column
# and the `{link}_token_seen_at` beside it, under one rule.
LINKS = ("manage", "feed")


async def _live_link(link: str, token: str, now: datetime | None) -> tuple[Volunteer | None, bool]:
    """(the record whose `link` carries `token`, whether that link expired unused); its use is noted (at most
    every TOUCH_EVERY, not on every page view or feed poll)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None, False
    volunteer = await Volunteer.filter(**{f"{link}_token": token}).first()
    if volunteer is None:
        return None, False
    now, seen = now or datetime.now(UTC), f"{link}_token_seen_at"
    if expired(getattr(volunteer, seen), now):
        return volunteer, True
    if getattr(volunteer, seen) <= now - TOUCH_EVERY:
        await Volunteer.filter(id=volunteer.id).update(**{seen: now})
        setattr(volunteer, seen, now)
    return volunteer, False


async def _rotate(volunteer: Volunteer, link: str, now: datetime | None) -> str:
    """A new token for `link`; the old one stops working at once."""
    token, now = new_token(), now or datetime.now(UTC)
    fields = {f"{link}_token": token, f"{link}_token_seen_at": now}
    await Volunteer.filter(id=volunteer.id).update(**fields)
    for key, value in fields.items():
        setattr(volunteer, key, value)
    return token


async def volunteer_by_token(token: str, now: datetime | None = None) -> Volunteer:
    """The record whose manage link carries `token`, if the link has been used within LINK_IDLE; NotFound
    otherwise."""
    volunteer, stale = await _live_link("manage", token, now)
    if volunteer is None:
        raise NotFound("this link is unknown or no longer valid")
    if stale:
        raise NotFound(EXPIRED, code="link_expired")
    return volunteer


async def feed_owner(token: str, now: datetime | None = None) -> Volunteer | None:
    """The record whose private feed link carries `token`; None if unknown or expired unused."""
    volunteer, stale = await _live_link("feed", token, now)
    return None if stale else volunteer


async def rotate_manage_token(volunteer: Volunteer, now: datetime | None = None) -> str:
    """A new link to the volunteer's page; the old one stops working at once."""
    return await _rotate(volunteer, "manage", now)


async def refresh_expired_links(volunteer: Volunteer, now: datetime | None = None) -> None:
    """On a new sign-up: an expired page or feed link is replaced, so the confirmation carries one that works."""
    now = now or datetime.now(UTC)
    for link in LINKS:
        if expired(getattr(volunteer, f"{link}_token_seen_at"), now):
            await _rotate(volunteer, link, now)


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


async def drop_own_signup(volunteer: Volunteer, signup_id: int, now: datetime | None = None) -> signups.SignupResult:
    """Cancel one of the volunteer's live, not yet finished sign-ups; the freed seat goes to the waitlist
    (see signups.cancel_signup). A finished shift cannot be dropped, so attendance records stay true."""
    signup = await own_signup(volunteer, signup_id)
    _still_actionable(signup, now or datetime.now(UTC))
    result = await signups.cancel_signup(signup.id)
    result.signup.shift = signup.shift
    return result


async def confirm_own_signup(volunteer: Volunteer, signup_id: int, now: datetime | None = None) -> signups.SignupResult:
    """The volunteer says they will come. Only a seat holder can confirm; the waitlist stays in order."""
    signup = await own_signup(volunteer, signup_id)
    _still_actionable(signup, now or datetime.now(UTC))
    if signup.status == SignupStatus.WAITLISTED:
        raise Conflict("you are on the waitlist; you can confirm once you get a seat", code="waitlisted")
    event = signup.shift.event
    if event.status != EventStatus.SCHEDULED or signup.shift.status != ShiftStatus.SCHEDULED:
        raise Conflict("this shift is cancelled", code="shift_cancelled")
    result = await signups.set_status(signup.id, SignupStatus.CONFIRMED)
    result.signup.shift = signup.shift
    return result


async def rotate_feed_token(volunteer: Volunteer, now: datetime | None = None) -> str:
    """Give the volunteer a new private calendar token; the old feed link stops working at once."""
    return await _rotate(volunteer, "feed", now)


async def signup_for_confirmation(signup_id: int) -> tuple[Signup, int | None]:
    """A fresh sign-up with its shift, event and volunteer, and its place on the waitlist (1 = next in line)."""
    signup = await Signup.get_or_none(id=signup_id).prefetch_related("shift__event__group", "volunteer")
    if signup is None:
        raise NotFound(f"signup {signup_id} not found")
    position = None
    if signup.status == SignupStatus.WAITLISTED:
        position = await Signup.filter(
            shift_id=signup.shift_id,  # type: ignore[attr-defined]
            status=SignupStatus.WAITLISTED,
            id__lte=signup.id,
        ).count()
    return signup, position
