"""The moderators' queue of hosted events: proposals to approve (optionally trusting the host), reject with a
reason, or send back for changes; and published hosted events to unpublish."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from mobilize.models import EventStatus, HostedEvent
from mobilize.services import events, hosting
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict
from mobilize.web.dashboard.session import back, dash_render, organizer_page
from mobilize.web.views import format_span


async def _rows(actor: Actor, status: EventStatus) -> list[dict[str, object]]:
    page = await events.list_events(actor, None, 100, status=status.value)
    hosts = {h.event_id: h for h in await HostedEvent.filter(
        organization_id=actor.organization_id, event_id__in=[e.id for e in page.items])}  # fmt: skip
    now = datetime.now(UTC)
    rows = []
    for event in page.items:
        if event.id not in hosts:
            continue
        shifts = [format_span(s.starts_at, s.ends_at, event.timezone, now) for s in event.shift_list]  # type: ignore[attr-defined]
        rows.append({"event": event, "host": hosts[event.id], "shifts": shifts})
    return rows


@organizer_page
async def queue(request: Request, actor: Actor) -> Response:
    context = {
        "pending": await _rows(actor, EventStatus.PENDING),
        "published": await _rows(actor, EventStatus.SCHEDULED),
    }
    return dash_render(request, actor, "dashboard/hosting.html", context)


def _reason(form: object) -> str:
    value = form.get("reason") if hasattr(form, "get") else None
    return value.strip()[:2000] if isinstance(value, str) else ""


@organizer_page
async def approve(request: Request, actor: Actor) -> Response:
    return await _decide(request, actor, "approve")


@organizer_page
async def reject(request: Request, actor: Actor) -> Response:
    return await _decide(request, actor, "reject")


@organizer_page
async def changes(request: Request, actor: Actor) -> Response:
    return await _decide(request, actor, "changes")


@organizer_page
async def unpublish(request: Request, actor: Actor) -> Response:
    return await _decide(request, actor, "unpublish")


async def _decide(request: Request, actor: Actor, what: str) -> Response:
    event_id = int(request.path_params["event_id"])
    form = await request.form()
    reason = _reason(form)
    if what in ("reject", "changes", "unpublish") and not reason:
        return back(request, "Give the host a reason: they are told it.", "dash:hosting")
    try:
        if what == "approve":
            event = await hosting.approve(actor, event_id, trust_host=form.get("trust_host") is not None)
            notice = f"Approved “{event.title}”: it is public."
        elif what == "reject":
            event = await hosting.reject(actor, event_id, reason)
            notice = f"Rejected “{event.title}”; the host is told why."
        elif what == "changes":
            event = await hosting.request_changes(actor, event_id, reason)
            notice = f"Asked the host of “{event.title}” for changes."
        else:
            event, told = await hosting.unpublish(actor, event_id, reason)
            notice = f"Unpublished “{event.title}”; {len(told)} people signed up are told."
    except Conflict as exc:
        return back(request, exc.message, "dash:hosting")
    return back(request, notice, "dash:hosting")
