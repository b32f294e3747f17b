"""Events and shifts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from mobilize.schemas import EventIn, EventPatch, ShiftPatch, ShiftsCreate
from mobilize.services import events
from mobilize.services.access import Actor
from mobilize.web.api.common import authed, int_param, list_response, page_args, parse_body
from mobilize.web.api.idempotency import idempotent
from mobilize.web.api.serializers import event_json, shift_json


@authed
async def list_events(request: Request, actor: Actor) -> JSONResponse:
    q = request.query_params
    page = await events.list_events(
        actor, *page_args(request), group=q.get("group"), campaign=q.get("campaign"), status=q.get("status")
    )
    return list_response(request, page, lambda e: event_json(request, e))


@authed
@idempotent
async def create_event(request: Request, actor: Actor) -> JSONResponse:
    """An `Idempotency-Key` header makes a retry return the event the first request created."""
    event = await events.create_event(actor, await parse_body(request, EventIn))
    return JSONResponse(event_json(request, event), status_code=201)


@authed
async def get_event(request: Request, actor: Actor) -> JSONResponse:
    event = await events.get_event(actor, int_param(request, "event_id"))
    return JSONResponse(event_json(request, event))


@authed
async def update_event(request: Request, actor: Actor) -> JSONResponse:
    event_id = int_param(request, "event_id")
    data = await parse_body(request, EventPatch)
    event, tell = await events.update_event(actor, event_id, data)
    return JSONResponse(event_json(request, event))


@authed
async def cancel_event(request: Request, actor: Actor) -> JSONResponse:
    event, affected = await events.cancel_event(actor, int_param(request, "event_id"))
    return JSONResponse(event_json(request, event))


@authed
@idempotent
async def create_shifts(request: Request, actor: Actor) -> JSONResponse:
    """One shift answers the shift; a recurrence answers {"data": [shifts]}. An `Idempotency-Key` header
    makes a retry return the shifts the first request created."""
    event_id = int_param(request, "event_id")
    data = await parse_body(request, ShiftsCreate)
    event = await events.get_event(actor, event_id)
    created = await events.add_shifts(actor, event_id, data)
    if data.recurrence is None:
        return JSONResponse(shift_json(created[0], event.timezone), status_code=201)
    return JSONResponse({"data": [shift_json(s, event.timezone) for s in created], "next": None}, status_code=201)


@authed
async def get_shift(request: Request, actor: Actor) -> JSONResponse:
    shift = await events.get_shift(actor, int_param(request, "shift_id"))
    return JSONResponse(shift_json(shift, shift.event.timezone))


@authed
async def update_shift(request: Request, actor: Actor) -> JSONResponse:
    shift_id = int_param(request, "shift_id")
    data = await parse_body(request, ShiftPatch)
    shift, change = await events.update_shift(actor, shift_id, data)
    return JSONResponse(shift_json(shift, shift.event.timezone))


@authed
async def delete_shift(request: Request, actor: Actor) -> JSONResponse:
    shift, affected = await events.remove_shift(actor, int_param(request, "shift_id"))
    return JSONResponse(shift_json(shift, shift.event.timezone))


@authed
async def rotate_link(request: Request, actor: Actor) -> JSONResponse:
    """A new share token: the event's tokened addresses (`url`, `ics_url` of an unlisted event) change and
    the old ones stop answering."""
    event = await events.rotate_share_token(actor, int_param(request, "event_id"))
    return JSONResponse(event_json(request, event))
