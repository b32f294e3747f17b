"""The periodic job that asks standby volunteers to fill shifts below target (services.gaps)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from mobilize.services import delivery
from mobilize.services.gaps import GapRules, fill_gaps
from mobilize.settings import get_settings
from workers.messages import enqueue

log = logging.getLogger("mobilize.workers.gaps")


async def ask_standby(ctx: dict[str, Any], now: datetime | None = None) -> int:
    """Ask standby volunteers for the shifts with a gap, then enqueue the texts due now (after the asks are
    committed; later ones, held by quiet hours, go with the outbox sweep). Safe to run twice: it asks once."""
    settings = ctx.get("settings") or get_settings()
    if settings.gap_asks_per_week <= 0:
        return 0
    rules = GapRules(
        hours=settings.gap_fill_hours, asks_per_week=settings.gap_asks_per_week, quiet=settings.quiet_hours
    )
    done = await fill_gaps(now or datetime.now(UTC), rules)
    for message_id in done.due_now:
        await enqueue(ctx, "deliver_message", message_id, job_id=delivery.job_id(message_id, 0))
    if done.asked:
        log.info("asked %d standby volunteers for %d shifts below target", done.asked, done.shifts)
    return done.asked
