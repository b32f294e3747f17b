"""Jobs that deliver the outbox: one message by id, and the sweep that finds what is due."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from typing import Any

from arq import Retry

from mobilize.services import messages

# A Retry per busy slot: a message deep in a blast can be deferred hundreds of times (50,000 at 12/s take
# 70 minutes, about 1,000 of them queued at once by the sweep). Past this, the job fails and the message
# stays pending in the database for a later sweep.
DELIVER_MAX_TRIES = 10_000
# Deferred jobs spread over this many extra seconds, so they do not all wake for the same next slot.
RETRY_JITTER = 1.0


async def enqueue(ctx: dict[str, Any], function: str, *args: Any, job_id: str) -> None:
    """Through the in-process queue under `make run`, through arq's Redis otherwise."""
    if "queue" in ctx:
        await ctx["queue"].enqueue(function, *args, job_id=job_id)
    else:
        await ctx["redis"].enqueue_job(function, *args, _job_id=job_id)


async def deliver_message(ctx: dict[str, Any], message_id: int) -> str:
    """Send one outbox message; safe to run twice (the second run finds it claimed and does nothing).

    SMS keep to the sender's send rate, checked before the claim so a message put off stays pending: under
    arq the job is retried (same job id) when a slot frees; in-process it waits inside the job, whose id
    keeps a second enqueue from starting it twice."""
    settings = ctx.get("settings")
    rate = settings.sms_rate_per_second if settings else 0
    if rate and "send_rate" in ctx:
        channel = await messages.pending_channel(message_id, datetime.now(UTC))
        if channel is None:
            return "not due or taken"
        if channel == messages.Channel.SMS:
            await _wait_for_slot(ctx, rate)
    message = await messages.deliver(
        message_id,
        ctx["sms"],
        ctx["email"],
        now=datetime.now(UTC),
        base_url=settings.public_base_url if settings else None,
        mail_from=settings.mail_from if settings else None,
    )
    return "not due or taken" if message is None else str(message.state)


async def _wait_for_slot(ctx: dict[str, Any], rate: float) -> None:
    """Take an SMS slot for our sender, or (under arq) raise Retry for when the next one frees."""
    key = ctx["sms"].sender_key
    while wait := await ctx["send_rate"].acquire(key, rate):
        if "queue" not in ctx:
            raise Retry(defer=wait + random.uniform(0, RETRY_JITTER))
        await asyncio.sleep(wait + random.uniform(0, RETRY_JITTER / 10))


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Enqueue every due message (new, retried after backoff, or left behind by a dead worker)."""
    due = await messages.due_messages(datetime.now(UTC))
    for message_id, attempts in due:
        await enqueue(ctx, "deliver_message", message_id, job_id=messages.job_id(message_id, attempts))
    return len(due)
