"""Jobs that deliver the outbox: one message by id, and the sweep that finds what is due."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mobilize.services import messages


async def enqueue(ctx: dict[str, Any], function: str, *args: Any, job_id: str) -> None:
    """Through the in-process queue under `make run`, through arq's Redis otherwise."""
    if "queue" in ctx:
        await ctx["queue"].enqueue(function, *args, job_id=job_id)
    else:
        await ctx["redis"].enqueue_job(function, *args, _job_id=job_id)


async def deliver_message(ctx: dict[str, Any], message_id: int) -> str:
    """Send one outbox message; safe to run twice (the second run finds it claimed and does nothing)."""
    settings = ctx.get("settings")
    message = await messages.deliver(
        message_id,
        ctx["sms"],
        ctx["email"],
        now=datetime.now(UTC),
        base_url=settings.public_base_url if settings else None,
        mail_from=settings.mail_from if settings else None,
    )
    return "not due or taken" if message is None else str(message.state)


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Enqueue every due message (new, retried after backoff, or left behind by a dead worker)."""
    due = await messages.due_messages(datetime.now(UTC))
    for message_id, attempts in due:
        await enqueue(ctx, "deliver_message", message_id, job_id=messages.job_id(message_id, attempts))
    return len(due)
