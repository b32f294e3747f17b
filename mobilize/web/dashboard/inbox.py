"""The SMS inbox in the dashboard: threads with volunteers (open or handled, latest message first), one
conversation with its reply form, and marking a thread handled or open again. services.inbound.inbox decides who
may read (not hosts) and who may answer (not viewers); a reply goes through the outbox like the API's."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mobilize.models import InboxThread, MessageState, ThreadStatus
from mobilize.services.access import MANAGER_ROLES, Actor
from mobilize.services.errors import Conflict, Invalid
from mobilize.services.inbound import inbox
from mobilize.services.outbox import after_commit
from mobilize.web.dashboard.session import back, dash_render, organizer_page
from mobilize.web.views import format_moment

PAGE_SIZE = 50
FILTERS = {"open": "Open", "handled": "Handled", "all": "All"}
DELIVERY_LABELS = {
    MessageState.PENDING: "Queued",
    MessageState.SENDING: "Sending",
    MessageState.SENT: "Sent",
    MessageState.DELIVERED: "Delivered",
    MessageState.FAILED: "Failed",
    MessageState.UNDELIVERED: "Not delivered",
    MessageState.CANCELLED: "Cancelled",
    MessageState.SKIPPED: "Not sent",
}
# Who did what, above each of our texts: only what left is "texted".
OUT_HEADINGS = {
    MessageState.PENDING: "To be texted",
    MessageState.SENDING: "Texting now",
    MessageState.FAILED: "We tried to text",
    MessageState.CANCELLED: "Not texted",
    MessageState.SKIPPED: "Not texted",
}
REFUSALS = {
    "opted_out": "This volunteer texted STOP: they cannot be texted any more, so nothing was sent.",
    "no_sms_consent": "This volunteer has not agreed to texts (or has no phone number), so nothing was sent.",
}


def _who(thread: InboxThread) -> dict[str, str]:
    volunteer = thread.volunteer
    return {"name": volunteer.name or "(no name)", "phone": volunteer.phone or ""}


@organizer_page
async def inbox_page(request: Request, actor: Actor) -> Response:
    status = request.query_params.get("status") or "open"
    if status not in FILTERS:
        status = "open"
    cursor = request.query_params.get("cursor") or None
    page = await inbox.list_threads(actor, status, cursor, PAGE_SIZE, newest_first=True)
    zone = actor.timezone
    now = datetime.now(UTC)
    threads = [
        {"thread": t, **_who(t), "when": format_moment(t.last_message_at, zone, now), "open": t.status == "open"}
        for t in page.items
    ]
    context = {"status": status, "filters": FILTERS, "threads": threads, "next_cursor": page.next_cursor}
    return dash_render(request, actor, "dashboard/inbox.html", context)


async def _thread_page(
    request: Request, actor: Actor, thread_id: int, values: dict[str, str], error: str = "", status: int = 200
) -> Response:
    thread = await inbox.get_thread(actor, thread_id)
    zone = actor.timezone
    now = datetime.now(UTC)
    entries: list[dict[str, Any]] = []
    scheduled: list[dict[str, Any]] = []  # reminders and replies waiting for their time: not in the conversation
    for e in await inbox.thread_messages(thread, now):
        state = MessageState(e.state) if e.direction == "out" else None
        row = {
            "entry": e,
            "when": format_moment(e.at, zone, now),
            "at": e.at.isoformat(),
            "state": DELIVERY_LABELS.get(state, e.state) if state else "",
            "heading": OUT_HEADINGS.get(state, "We texted") if state else "",
        }
        (scheduled if e.scheduled else entries).append(row)
    context = {
        "thread": thread,
        **_who(thread),
        "entries": entries,
        "scheduled": scheduled,
        "open": thread.status == ThreadStatus.OPEN,
        "can_reply": actor.role in MANAGER_ROLES,
        "can_write": actor.role.value != "viewer",
        "reply_max": inbox.REPLY_MAX,
        "values": {"key": secrets.token_urlsafe(16), **values},
        "error": error,
    }
    return dash_render(request, actor, "dashboard/inbox_thread.html", context, status=status)


@organizer_page
async def thread_page(request: Request, actor: Actor) -> Response:
    return await _thread_page(request, actor, int(request.path_params["thread_id"]), {})


def _refusal(exc: Invalid | Conflict, body: str) -> str:
    if isinstance(exc, Conflict):
        return REFUSALS.get(exc.code, f"Nothing was sent: {exc.message}.")
    text = body.strip()
    if not text:
        return "Write a reply first: nothing was sent."
    if len(text) > inbox.REPLY_MAX:
        return f"A reply holds at most {inbox.REPLY_MAX:,} characters; this one has {len(text):,}. Nothing was sent."
    return f"Nothing was sent: {exc.message}."


@organizer_page
async def reply(request: Request, actor: Actor) -> Response:
    """Queued in the outbox (quiet hours and opt-out apply), then enqueued once it is due, as the API does.
    The form's one-time key makes a double submit send one text."""
    thread_id = int(request.path_params["thread_id"])
    form = await request.form()
    body = str(form.get("body") or "")[: inbox.REPLY_MAX * 2]
    key = str(form.get("key") or "").strip()[:100] or None
    try:
        message = await inbox.reply(
            actor, thread_id, body, idempotency_key=key, quiet=request.app.state.settings.quiet_hours
        )
    except (Invalid, Conflict) as exc:
        values = {"body": body, **({"key": key} if key else {})}
        status = 409 if isinstance(exc, Conflict) else 422
        return await _thread_page(request, actor, thread_id, values, _refusal(exc, body), status)
    if inbox.due_now(message):
        after_commit.deliver([message.id])
        notice = "Reply on its way."
    else:
        notice = "Reply queued: it goes out after quiet hours where the volunteer is."
    return back(request, notice, "dash:inbox-thread", thread_id=thread_id)


@organizer_page
async def set_status(request: Request, actor: Actor) -> Response:
    thread_id = int(request.path_params["thread_id"])
    wanted = str((await request.form()).get("status") or "")
    if wanted not in (ThreadStatus.OPEN.value, ThreadStatus.HANDLED.value):
        raise Invalid.field("status", "open or handled")
    thread = await inbox.set_status(actor, thread_id, wanted)
    name = thread.volunteer.name or "This conversation"
    if wanted == ThreadStatus.HANDLED.value:
        return back(request, f"{name}: marked handled.", "dash:inbox")
    return back(request, f"{name}: open again.", "dash:inbox-thread", thread_id=thread_id)
