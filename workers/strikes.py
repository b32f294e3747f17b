"""The periodic job that closes picket duty nobody signed out of, at the shift's end (services.strikes)."""

from __future__ import annotations

import logging
from typing import Any

from mobilize.services import strikes

log = logging.getLogger("mobilize.workers.strikes")


async def close_forgotten_duty(ctx: dict[str, Any]) -> int:
    """Close, flagged, the duty still open after its shift ended. Safe to run at any time and twice: it only
    moves duty still open."""
    closed = await strikes.close_forgotten()
    if closed:
        log.info("closed %d stretches of picket duty at their shift's end", closed)
    return closed
