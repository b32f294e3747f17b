"""Keeping Idempotency-Key answers (see web/api/idempotency.py) only as long as a client may retry."""

from __future__ import annotations

from datetime import datetime, timedelta

from mobilize.models import IdempotentRequest

KEEP = timedelta(days=1)  # as Stripe does: a retry comes within seconds or minutes, never a day later


async def forget_old(now: datetime, keep: timedelta = KEEP) -> int:
    """Drop the stored answers (and abandoned claims) of requests older than `keep`. Returns how many."""
    return await IdempotentRequest.filter(created_at__lt=now - keep).delete()
