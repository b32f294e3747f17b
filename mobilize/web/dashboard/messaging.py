"""The dashboard's message form, the same for a group's people and for a saved list: first the counts of who will
and will not receive it and why (nothing is written), then, on "Send", the outbox rows through
services.outbox.blasts (consent, STOP and quiet hours as for every blast). The form's one-time key makes a
double send write nothing twice."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from mobilize.schemas import BlastIn
from mobilize.services.access import Actor
from mobilize.services.outbox import after_commit
from mobilize.services.outbox.blasts import BlastResult
from mobilize.web.api.common import validation_fields
from mobilize.web.dashboard.session import Endpoint, back, dash_render, organizer_page
from mobilize.web.views import sentence

# What sends it: (the message, the idempotency key or None, preview?, quiet hours) -> the counts.
Send = Callable[[BlastIn, str | None, bool, Any], Awaitable[BlastResult]]


@dataclass(frozen=True)
class Audience:
    """Who a message form writes to, in words, and where its buttons lead."""

    name: str  # "Nurses Worksite Committee", "Stewards"
    goes_to: str  # a sentence: who receives it
    action: str  # the form's address
    done: str  # the route to go back to once sent
    send: Send
    done_params: dict[str, Any] = field(default_factory=dict)


def blank() -> dict[str, Any]:
    return {"channels": ["sms", "email"], "subject": "", "body": "", "key": secrets.token_urlsafe(16)}


def page(request: Request, actor: Actor, audience: Audience, values: dict[str, Any] | None = None,
         errors: dict[str, str] | None = None, preview: BlastResult | None = None,
         status: int = 200) -> Response:  # fmt: skip
    context = {"audience": audience, "values": values or blank(), "errors": errors or {}, "preview": preview}
    return dash_render(request, actor, "dashboard/message.html", context, status=status)


async def submit(request: Request, actor: Actor, audience: Audience) -> Response:
    """Counts first; with `send=1`, the messages, and back with what went."""
    form = await request.form()
    values: dict[str, Any] = {
        "channels": [c for c in form.getlist("channels") if c in ("sms", "email")],
        "subject": str(form.get("subject") or "")[:200],
        "body": str(form.get("body") or "")[:20_000],
        "key": str(form.get("key") or "")[:100] or secrets.token_urlsafe(16),
    }
    try:
        data = BlastIn.model_validate({k: values[k] for k in ("channels", "subject", "body")})
    except ValidationError as exc:
        errors = {k: sentence(v) for k, v in validation_fields(exc).items()}
        return page(request, actor, audience, values, errors, status=422)
    quiet = request.app.state.settings.quiet_hours
    if form.get("send") != "1":
        return page(request, actor, audience, values, preview=await audience.send(data, None, True, quiet))
    result = await audience.send(data, values["key"], False, quiet)
    after_commit.deliver(result.due_now)
    notice = f"Message on its way to {result.recipients} people of {audience.name} ({result.messages} messages)."
    if result.unreached or result.no_consent or result.opted_out:
        notice += (
            f" {result.unreached} of {result.people} receive nothing (no consent or address, or opted out);"
            f" {result.no_consent + result.opted_out} could not be reached on a channel."
        )
    return back(request, notice, audience.done, **audience.done_params)


def endpoints(audience_of: Callable[[Request, Actor], Awaitable[Audience]]) -> tuple[Endpoint, Endpoint]:
    """The form's page (GET) and its submission (POST) for the audience `audience_of` finds and authorizes:
    a group's people (web.dashboard.frames), a saved list's (web.dashboard.lists)."""

    @organizer_page
    async def message_page(request: Request, actor: Actor) -> Response:
        return page(request, actor, await audience_of(request, actor))

    @organizer_page
    async def message(request: Request, actor: Actor) -> Response:
        """Counts first, then the messages."""
        return await submit(request, actor, await audience_of(request, actor))

    return message_page, message
