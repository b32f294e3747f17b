"""The Idempotency-Key header: what a key may be, and keeping the answers stored under one (see
web/api/idempotency.py) only as long as a client may retry. Blasts and inbox replies fold the key into
their outbox rows' dedupe keys instead."""

from __future__ import annotations

from datetime import datetime, timedelta

from mobilize.models import IdempotentRequest
from mobilize.services.errors import Invalid

# The outbox's dedupe key column holds 200 characters; the rest of a blast's key is ids and the channel.
IDEMPOTENCY_KEY_MAX = 100
KEEP = timedelta(days=1)  # as Stripe does: a retry comes within seconds or minutes, never a day later


async def forget_old(now: datetime, keep: timedelta = KEEP) -> int:
    """Drop the stored answers (and abandoned claims) of requests older than `keep`. Returns how many."""
    return await IdempotentRequest.filter(created_at__lt=now - keep).delete()


def check_idempotency_key(key: str | None) -> str | None:
    """The client's Idempotency-Key, if sent: short printable text (it becomes part of stored keys)."""
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise Invalid.field("Idempotency-Key", f"1 to {IDEMPOTENCY_KEY_MAX} printable characters")
    return key
