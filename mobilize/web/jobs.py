"""Hand work to the queue after a request's transaction has committed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request

from mobilize.models import Signup
from mobilize.services import delivery, notifications, reminders
from mobilize.services.quiet_hours import QuietHours
from mobilize.services.signups import SignupResult


def quiet_hours(request: Request) -> QuietHours:
    """The configured quiet hours (QUIET_HOURS), applied to reminders as they are planned."""
    window: QuietHours = request.app.state.settings.quiet_hours
    return window


def urgent_notice(request: Request) -> timedelta:
    """URGENT_NOTICE_HOURS: urgent news about a shift starting this soon after quiet hours end goes at once."""
    urgent: timedelta = request.app.state.settings.urgent_notice
    return urgent


def _night(request: Request) -> dict[str, Any]:
    return {"quiet": quiet_hours(request), "urgent": urgent_notice(request)}


async def enqueue_deliveries(request: Request, ids: list[int]) -> None:
    """Enqueue each outbox row by id (deterministic job ids: enqueueing twice runs once)."""
    for message_id in ids:
        await request.app.state.queue.enqueue("deliver_message", message_id, job_id=delivery.job_id(message_id, 0))


async def notify(request: Request, result: SignupResult) -> None:
    """Plan the messages this sign-up change calls for and enqueue their delivery."""
    base_url = request.app.state.settings.public_base_url
    await enqueue_deliveries(request, await notifications.after_signup(result, base_url, **_night(request)))


async def notify_cancelled(request: Request, signup_ids: list[int]) -> None:
    """Tell the people of a shift or an event the organizers cancelled."""
    base_url = request.app.state.settings.public_base_url
    await enqueue_deliveries(request, await notifications.after_cancellation(signup_ids, base_url, **_night(request)))


async def notify_changed(request: Request, signup_ids: list[int], revision: str) -> None:
    """Tell the people of a shift or an event whose time or place changed."""
    base_url = request.app.state.settings.public_base_url
    await enqueue_deliveries(
        request, await notifications.after_change(signup_ids, revision, base_url, **_night(request))
    )


async def retime_reminders(request: Request, event_id: int) -> None:
    """The event's reminder timeline changed: move the reminders already planned."""
    settings = request.app.state.settings
    due = await reminders.retime_reminders(event_id, settings.public_base_url, datetime.now(UTC), quiet_hours(request))
    await enqueue_deliveries(request, due)


async def notify_promoted(request: Request, promoted: list[Signup]) -> None:
    base_url = request.app.state.settings.public_base_url
    await enqueue_deliveries(request, await notifications.after_promotion(promoted, base_url, **_night(request)))
