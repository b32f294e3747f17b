"""Periodic clean-ups that keep tables from growing without end."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from mobilize.services.idempotency import forget_old

log = logging.getLogger("mobilize.workers.housekeeping")


async def forget_idempotency_keys(ctx: dict[str, Any]) -> int:
    """Drop Idempotency-Key answers older than a day (a retry comes long before). Safe to run twice."""
    dropped = await forget_old(datetime.now(UTC))
    if dropped:
        log.info("forgot %d idempotency keys older than a day", dropped)
    return dropped
