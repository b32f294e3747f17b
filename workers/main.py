"""arq WorkerSettings: the job functions, the periodic sweeps, and the worker's life cycle."""

from __future__ import annotations

from typing import Any

from arq import cron
from arq.cron import CronJob
from arq.worker import func

from mobilize import db
from mobilize.channels.email import email_sender
from mobilize.channels.sms import sms_sender
from mobilize.queue import deserialize, redis_settings, serialize
from mobilize.services.delivery.send_rate import send_rate
from mobilize.settings import get_settings
from workers.attendance import sweep_no_shows
from workers.gaps import ask_standby
from workers.housekeeping import forget_idempotency_keys
from workers.messages import (
    DELIVER_MAX_TRIES,
    deliver_batch,
    deliver_message,
    start_heartbeat,
    stop_heartbeat,
    sweep_outbox,
)
from workers.strikes import close_forgotten_duty

# (job, seconds) run by the in-process queue of `make run`; the same jobs run as arq cron under Redis.
# OUTBOX_SWEEP_SECONDS paces the jobs named in PACED_BY_SWEEP_SETTING in-process (0 turns every sweep off).
IN_PROCESS_CRON: list[tuple[Any, float]] = [
    (sweep_outbox, 5),
    (sweep_no_shows, 60),
    (ask_standby, 300),
    (forget_idempotency_keys, 3600),
    (close_forgotten_duty, 300),
]
PACED_BY_SWEEP_SETTING = frozenset({"sweep_outbox"})


def _every(job: Any, seconds: float) -> CronJob:
    """An arq cron job run every N seconds (under a minute) or every N // 60 minutes, and at start-up."""
    if seconds < 60:
        return cron(job, second=set(range(0, 60, int(seconds))), run_at_startup=True)
    return cron(job, minute=set(range(0, 60, max(1, int(seconds) // 60))), second=0, run_at_startup=True)


async def startup(ctx: dict[str, Any]) -> None:
    settings = ctx.get("settings") or get_settings()
    ctx["settings"] = settings
    ctx["sms"] = sms_sender(settings)
    ctx["email"] = email_sender(settings)
    # arq puts its Redis pool in ctx: the pace is then shared by every worker; in-process it is local.
    ctx["send_rate"] = send_rate(ctx.get("redis"))
    if not ctx.get("db_ready"):
        if not db.is_open():  # open already when `mobilize worker` restarts arq after losing Redis
            await db.init_db(settings.database_url)
        ctx["db_owner"] = True
    await start_heartbeat(ctx, settings.outbox_stale_claim_seconds)


async def shutdown(ctx: dict[str, Any]) -> None:
    await stop_heartbeat(ctx)
    for channel in ("sms", "email"):
        if channel in ctx:
            await ctx[channel].close()
    if ctx.get("db_owner"):
        await db.close_db()


class WorkerSettings:
    functions: list[Any] = [
        func(deliver_message, max_tries=DELIVER_MAX_TRIES),
        # No kept result: a batch id must be free again as soon as its job ends, for the next due messages.
        func(deliver_batch, max_tries=DELIVER_MAX_TRIES, keep_result=0),
        sweep_outbox,
        sweep_no_shows,
        ask_standby,
        forget_idempotency_keys,
        close_forgotten_duty,
    ]
    # At start-up too: a worker replacing a dead one picks up the work without waiting for the next tick.
    cron_jobs = [_every(job, every) for job, every in IN_PROCESS_CRON]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = redis_settings(get_settings().redis_url or "redis://127.0.0.1:6379")
    health_check_interval = 60
    job_serializer = serialize
    job_deserializer = deserialize
    # arq checks every ready job id in the queue on each poll (four Redis round trips each, running jobs
    # included), so polling costs CPU in proportion to the jobs running; 0.1 s starts batch jobs often
    # enough (each carries up to 250 messages) at half the polling of 0.05 s. A confirmation waits at most
    # this long to be picked up.
    poll_delay = 0.1
    # Batches of up to 250 messages each: 16 at once keep the connection pool to Twilio (100) busy without
    # flooding the loop that also runs the sweep and the heartbeat.
    max_jobs = 16
    keep_result = 3600
    # A delivery job is bounded (a batch sends concurrently, 15 s per call, sleeps at most 2 s for its send
    # rate): a job a killed worker held is run again after this plus 10 s.
    job_timeout = 60
    # On SIGTERM (a deploy, a scale-down) stop taking jobs and let running batches record what they sent.
    job_completion_wait = 25
