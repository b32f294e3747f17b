"""The host's two one-time-or-private links: the email confirmation (works once) and the host page (works
until rotated, or unused for LINK_IDLE, as a volunteer's own page). Only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from mobilize.models import HostedEvent
from mobilize.services.errors import NotFound
from mobilize.services.people.links import LINK_IDLE, TOUCH_EVERY

MAX_TOKEN_LENGTH = 64
EXPIRED = "this host page link has expired; ask for a new one on the campaign's Host an event page"


@dataclass(frozen=True)
class HostLinks:
    """Addresses the web layer builds (with `{token}` or `{event_id}` in them), for the emails."""

    confirm: str
    page: str
    moderate: str


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def usable(token: str) -> bool:
    return bool(token) and len(token) <= MAX_TOKEN_LENGTH and "\x00" not in token


async def rotate_page_token(hosted: HostedEvent, now: datetime | None = None) -> str:
    """A new host page link; the old one stops working at once."""
    token, now = new_token(), now or datetime.now(UTC)
    await HostedEvent.filter(id=hosted.id).update(page_token_hash=hash_token(token), page_token_seen_at=now)
    hosted.page_token_hash, hosted.page_token_seen_at = hash_token(token), now
    return token


async def hosted_by_page_token(token: str, now: datetime | None = None) -> HostedEvent:
    """The hosted event whose page link carries `token` (with its event, group and organization); NotFound if
    unknown, rotated or expired unused. Its use is noted at most every TOUCH_EVERY."""
    if not usable(token):
        raise NotFound("this link is unknown or no longer valid")
    hosted = await HostedEvent.get_or_none(page_token_hash=hash_token(token)).prefetch_related(
        "event__group", "event__organization", "campaign"
    )
    if hosted is None:
        raise NotFound("this link is unknown or no longer valid")
    now = now or datetime.now(UTC)
    seen = hosted.page_token_seen_at
    if seen is None or seen <= now - LINK_IDLE:
        raise NotFound(EXPIRED, code="link_expired")
    if seen <= now - TOUCH_EVERY:
        await HostedEvent.filter(id=hosted.id).update(page_token_seen_at=now)
        hosted.page_token_seen_at = now
    return hosted
