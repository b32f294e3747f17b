"""The periodic job that applies the no-show rule after shifts end (services.signups.attendance)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from mobilize.services.signups.attendance import mark_no_shows
from mobilize.settings import get_settings

log = logging.getLogger("mobilize.workers.attendance")


async def sweep_no_shows(ctx: dict[str, Any]) -> int:
    """Mark sign-ups nobody checked in as no-shows, NO_SHOW_GRACE_MINUTES after their shift ended.
    Safe to run at any time and twice: it only moves sign-ups still awaiting attendance."""
    settings = ctx.get("settings") or get_settings()
    changed = await mark_no_shows(timedelta(minutes=settings.no_show_grace_minutes))
    if changed:
        log.info("marked %d sign-ups as no-shows", changed)
    return changed
