"""Organizers' browser sessions, kept server-side so they can be ended: by logging out (this one), a password
change (every other one), a password reset or "sign out everywhere" (all of them)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from mobilize.models import OrganizerSession

IDLE_LIMIT = timedelta(days=14)  # the cookie's own lifetime: a session unused this long is over
TOUCH_EVERY = timedelta(minutes=5)  # last_seen_at is coarse, so most requests only read the row


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_session(row: OrganizerSession, token: object) -> bool:
    """Whether `row` is the session this cookie's token names (the account page marks "this browser")."""
    return isinstance(token, str) and secrets.compare_digest(row.token_hash, _hash(token))


async def start(organizer_id: int, user_agent: str = "", now: datetime | None = None) -> str:
    """A new session for the organizer; returns its token (for the signed cookie; only its hash is kept).
    The organizer's sessions idle past IDLE_LIMIT are deleted on the way, so the table needs no sweep."""
    now = now or datetime.now(UTC)
    await OrganizerSession.filter(organizer_id=organizer_id, last_seen_at__lt=now - IDLE_LIMIT).delete()
    token = secrets.token_urlsafe(32)
    await OrganizerSession.create(
        organizer_id=organizer_id, token_hash=_hash(token), user_agent=user_agent[:200], last_seen_at=now
    )
    return token


async def organizer_for(token: object, now: datetime | None = None) -> int | None:
    """The organizer a session token stands for, or None when it was ended, idled out or never existed."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    row = await OrganizerSession.get_or_none(token_hash=_hash(token))
    if row is None:
        return None
    now = now or datetime.now(UTC)
    if now - row.last_seen_at > IDLE_LIMIT:
        await OrganizerSession.filter(id=row.id).delete()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        await OrganizerSession.filter(id=row.id).update(last_seen_at=now)
    return row.organizer_id


async def end(token: object) -> None:
    """End the session this token names (logging out); an unknown token is nothing to do."""
    if isinstance(token, str) and token:
        await OrganizerSession.filter(token_hash=_hash(token)).delete()


async def end_all(organizer_id: int, keep: object = None) -> int:
    """End every session of the organizer but the one `keep` names (None: all of them); returns how many.
    Run it in the transaction that changes the password, so no session outlives the old one."""
    query = OrganizerSession.filter(organizer_id=organizer_id)
    if isinstance(keep, str) and keep:
        query = query.exclude(token_hash=_hash(keep))
    return int(await query.delete())


async def list_sessions(organizer_id: int) -> list[OrganizerSession]:
    """The organizer's sessions, most recently used first."""
    return await OrganizerSession.filter(organizer_id=organizer_id).order_by("-last_seen_at", "-id")
