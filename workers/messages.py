"""Jobs that deliver the outbox: a fresh message by id, a batch of due ones, and the sweep that finds them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from arq import Retry

from mobilize.services import delivery

# A batch held back by the send rate comes back (arq Retry, same job id) when its next slot is near: with
# 50,000 texts at 12/s, a batch may come back a few hundred times. Past this, the job fails and its messages
# stay pending in the database for a later sweep.
DELIVER_MAX_TRIES = 10_000
# How far ahead a batch reserves send-rate slots (and sleeps for them); the rest come back later.
MAX_INLINE_WAIT = 2.0
# Deferred batches spread over this many extra seconds, so they do not all wake for the same next slot.
RETRY_JITTER = 1.0

log = logging.getLogger("mobilize.workers")


async def start_heartbeat(ctx: dict[str, Any], stale_after: float) -> None:
    """Register this process as a delivery worker and keep telling the database it is alive, several times
    per OUTBOX_STALE_CLAIM_SECONDS, so its claims are never taken back while it runs."""
    ctx["worker_id"] = await delivery.register_worker(datetime.now(UTC))
    every = max(0.2, min(5.0, stale_after / 4))

    async def beat() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await delivery.heartbeat(ctx["worker_id"], datetime.now(UTC))
            except Exception:  # noqa: BLE001 - the database is away for a moment: beat again later
                log.warning("delivery worker heartbeat failed", exc_info=True)

    ctx["heartbeat"] = asyncio.create_task(beat())


async def stop_heartbeat(ctx: dict[str, Any]) -> None:
    task = ctx.pop("heartbeat", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if "worker_id" in ctx:
        with contextlib.suppress(Exception):
            await delivery.forget_worker(ctx.pop("worker_id"))


async def enqueue(ctx: dict[str, Any], function: str, *args: Any, job_id: str) -> None:
    """Through the in-process queue under `make run`, through arq's Redis otherwise."""
    if "queue" in ctx:
        await ctx["queue"].enqueue(function, *args, job_id=job_id)
    else:
        await ctx["redis"].enqueue_job(function, *args, _job_id=job_id)


def _pacer(ctx: dict[str, Any]) -> delivery.Pace | None:
    """Keeps SMS to each sender's rate (SMS_RATE_PER_SECOND, shared by every worker through Redis). Under arq
    a batch reserves the slots that fall within MAX_INLINE_WAIT, claims only that many texts and sends each
    at its slot, then comes back for the rest, so a batch never runs long however many share the rate and
    nothing is claimed that cannot go; the in-process queue of `make run` takes every slot it needs."""
    settings = ctx.get("settings")
    rate = settings.sms_rate_per_second if settings else 0
    if not rate or "send_rate" not in ctx:
        return None
    default_key = ctx["sms"].sender_key
    max_wait = 3600.0 if "queue" in ctx else MAX_INLINE_WAIT

    async def pace(sender: str | None, want: int) -> tuple[list[float], float]:
        key = sender or default_key  # an organization's own number or Messaging Service has its own pace
        slots, wait = await ctx["send_rate"].reserve_many(key, rate, want, max_wait)
        # Deferred batches spread out, so they do not all wake for the same next slot.
        return slots, (wait if not slots else 0.0) + random.uniform(0, RETRY_JITTER)

    return pace


async def _deliver(ctx: dict[str, Any], lo: int, hi: int) -> delivery.BatchResult:
    settings = ctx.get("settings")
    courier = delivery.Courier(ctx["sms"], ctx["email"], pace=_pacer(ctx), worker_id=ctx.get("worker_id"))
    if settings is not None:
        courier = replace(
            courier,
            base_url=settings.public_base_url,
            mail_from=settings.mail_from,
            quiet=settings.quiet_hours,
            urgent=settings.urgent_notice,
            retry_after=settings.outbox_retry_seconds,
        )
    done = await delivery.deliver_batch(lo, hi, courier, now=datetime.now(UTC))
    if done.defer and "queue" not in ctx:
        raise Retry(defer=done.defer)
    return done


async def deliver_message(ctx: dict[str, Any], message_id: int) -> str:
    """Send one outbox message now (a confirmation right after a sign-up); safe to run twice (the second
    run finds it claimed and does nothing)."""
    done = await _deliver(ctx, message_id, message_id)
    return str(done.messages[0].state) if done.messages else "not due or taken"


async def deliver_batch(ctx: dict[str, Any], batch: int) -> int:
    """Send the due messages of one batch of ids (see services/delivery.py); safe to run twice. Returns
    how many this run handled."""
    lo = batch * delivery.BATCH_SIZE
    done = await _deliver(ctx, lo, lo + delivery.BATCH_SIZE - 1)
    return len(done.messages)


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Enqueue a job for every batch holding due messages (new, retried after backoff, or left behind by a
    dead worker), the longest-waiting first. Returns how many batches."""
    settings = ctx.get("settings")
    stale = timedelta(seconds=settings.outbox_stale_claim_seconds) if settings else delivery.STALE_CLAIM
    now = datetime.now(UTC)
    due = await delivery.due_batches(now, stale_after=stale)
    epoch = await delivery.workers_epoch(now, stale)
    for batch, attempts in due:
        await enqueue(ctx, "deliver_batch", batch, job_id=delivery.batch_job_id(batch, attempts, epoch))
    return len(due)
