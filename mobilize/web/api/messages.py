"""Organizers' messages to a roster, and the delivery figures of an event's messages."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from mobilize.schemas import BlastIn
from mobilize.services.access import Actor
from mobilize.services.outbox import after_commit, blasts
from mobilize.web.api.common import authed, int_param, parse_body


def _options(request: Request) -> dict[str, Any]:
    return {"idempotency_key": request.headers.get("idempotency-key"), "quiet": request.app.state.settings.quiet_hours}


async def _answer(request: Request, result: blasts.BlastResult) -> JSONResponse:
    # The rows are committed: hand those due now to the queue (the sweep sends the ones held by quiet hours).
    after_commit.deliver(result.due_now)
    body = {
        "recipients": result.recipients,
        "messages": result.messages,
        "skipped": {"no_consent": result.no_consent, "opted_out": result.opted_out},
    }
    return JSONResponse(body, status_code=202)


@authed
async def blast_shift(request: Request, actor: Actor) -> JSONResponse:
    """SMS go only to people who opted in, and wait out quiet hours. An `Idempotency-Key` header makes a retry
    create nothing new."""
    shift_id = int_param(request, "shift_id")
    data = await parse_body(request, BlastIn)
    return await _answer(request, await blasts.blast_shift(actor, shift_id, data, **_options(request)))


@authed
async def blast_event(request: Request, actor: Actor) -> JSONResponse:
    """Everyone signed up for any of the event's shifts, once each. An `Idempotency-Key` header makes a retry
    create nothing new."""
    event_id = int_param(request, "event_id")
    data = await parse_body(request, BlastIn)
    return await _answer(request, await blasts.blast_event(actor, event_id, data, **_options(request)))


@authed
async def blast_group(request: Request, actor: Actor) -> JSONResponse:
    """Everyone signed up for the group's shifts still to come, once each. An `Idempotency-Key` header makes a
    retry create nothing new."""
    data = await parse_body(request, BlastIn)
    slug = request.path_params["slug"]
    return await _answer(request, await blasts.blast_group(actor, slug, data, **_options(request)))


@authed
async def event_message_stats(request: Request, actor: Actor) -> JSONResponse:
    """Messages about the event (sign-up notices, reminders, organizers' messages) per kind and state."""
    return JSONResponse(await blasts.event_message_stats(actor, int_param(request, "event_id")))
