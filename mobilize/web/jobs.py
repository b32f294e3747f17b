"""Hand work to the queue after a request's transaction has committed."""

from __future__ import annotations

from starlette.requests import Request

from mobilize.services import messages, notifications
from mobilize.services.signups import SignupResult


async def notify(request: Request, result: SignupResult) -> None:
    """Plan the messages this sign-up change calls for and enqueue their delivery by id."""
    ids = await notifications.after_signup(result, request.app.state.settings.public_base_url)
    for message_id in ids:
        await request.app.state.queue.enqueue("deliver_message", message_id, job_id=messages.job_id(message_id, 0))
