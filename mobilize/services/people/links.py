"""A volunteer's two private links, their page and their calendar feed: each finds one organization's record
(and so shows only that organization's sign-ups), can be rotated, and expires when unused for LINK_IDLE; the
next sign-up sends a fresh one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mobilize.models import Volunteer
from mobilize.services.errors import NotFound
from mobilize.services.people.records import new_token

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


async def rotate_feed_token(volunteer: Volunteer, now: datetime | None = None) -> str:
    """Give the volunteer a new private calendar token; the old feed link stops working at once."""
    return await _rotate(volunteer, "feed", now)
