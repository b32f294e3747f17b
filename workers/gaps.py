"""The periodic job that asks standby volunteers to fill shifts below target (services.gaps.filling)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from mobilize.services.gaps.filling import GapRules, fill_gaps
from mobilize.services.outbox import after_commit
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
    with after_commit.buffer(after_commit.Plan.from_settings(settings)) as pending:
        done = await fill_gaps(now or datetime.now(UTC), rules)
        after_commit.deliver(done.due_now)
    await after_commit.flush(pending, lambda *args, **kw: enqueue(ctx, *args, **kw))
    if done.asked:
        log.info("asked %d standby volunteers for %d shifts below target", done.asked, done.shifts)
    return done.asked
