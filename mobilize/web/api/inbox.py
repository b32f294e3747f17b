"""The organizers' inbox: threads with volunteers, their messages, answering and marking them handled."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from mobilize.models import InboxThread
from mobilize.schemas import InboxReplyIn, InboxThreadPatch
from mobilize.services.access import Actor
from mobilize.services.inbound import inbox
from mobilize.services.outbox import after_commit
from mobilize.web.api.common import authed, int_param, list_response, page_args, parse_body
from mobilize.web.urls import url


def _thread(request: Request, thread: InboxThread) -> dict[str, Any]:
    volunteer = thread.volunteer
    return {
        "id": thread.id,
        "volunteer": {
            "id": volunteer.id,
            "name": volunteer.name,
            "phone": volunteer.phone,
            "sms_status": str(volunteer.sms_status),
        },
        "status": str(thread.status),
        "last_message_at": thread.last_message_at.isoformat(),
        "last_preview": thread.last_preview,
        "handled_at": thread.handled_at.isoformat() if thread.handled_at else None,
        "url": url(request, "api:inbox-thread", thread_id=thread.id),
    }


@authed
async def list_threads(request: Request, actor: Actor) -> JSONResponse:
    """Open threads by default (`status=handled` or `all` for the others), in the order they were opened."""
    cursor, limit = page_args(request)
    page = await inbox.list_threads(actor, request.query_params.get("status"), cursor, limit)
    return list_response(request, page, lambda t: _thread(request, t))


@authed
async def get_thread(request: Request, actor: Actor) -> JSONResponse:
    """What the volunteer texted (to this organization's number or the shared one) and what we texted them."""
    thread = await inbox.get_thread(actor, int_param(request, "thread_id"))
    entries = await inbox.thread_messages(thread)
    body = _thread(request, thread)
    body["messages"] = [
        {
            "direction": e.direction,
            "at": e.at.isoformat(),
            "body": e.body,
            "kind": e.kind,
            "state": e.state,
            "num_media": e.num_media,
        }
        for e in entries
    ]
    return JSONResponse(body)


@authed
async def update_thread(request: Request, actor: Actor) -> JSONResponse:
    thread_id = int_param(request, "thread_id")
    data = await parse_body(request, InboxThreadPatch)
    return JSONResponse(_thread(request, await inbox.set_status(actor, thread_id, data.status)))


@authed
async def reply(request: Request, actor: Actor) -> JSONResponse:
    """Queued in the outbox: it waits out quiet hours where the volunteer is, and is never sent to a number
    that opted out (409 here, skipped if they opt out before it leaves). An `Idempotency-Key` header makes
    a retry send nothing new."""
    thread_id = int_param(request, "thread_id")
    data = await parse_body(request, InboxReplyIn)
    message = await inbox.reply(
        actor,
        thread_id,
        data.body,
        idempotency_key=request.headers.get("idempotency-key"),
        quiet=request.app.state.settings.quiet_hours,
    )
    if inbox.due_now(message):
        after_commit.deliver([message.id])
    body = {"id": message.id, "state": str(message.state), "due_at": message.due_at.isoformat(), "body": message.body}
    return JSONResponse(body, status_code=202)
