"""Filling gaps through the API: a group's standby list, and who was asked to fill a shift."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mobilize.schemas import StandbyIn
from mobilize.services.access import Actor
from mobilize.services.gaps import standby
from mobilize.web.api.common import authed, int_param, parse_body
from mobilize.web.api.serializers import gap_request_json, standby_json


@authed
async def list_standby(request: Request, actor: Actor) -> JSONResponse:
    _, rows = await standby.list_standby(actor, request.path_params["slug"])
    return JSONResponse({"data": [standby_json(row) for row in rows]})


@authed
async def add_standby(request: Request, actor: Actor) -> JSONResponse:
    data = await parse_body(request, StandbyIn)
    row, _ = await standby.add_standby(actor, request.path_params["slug"], data.volunteer)
    return JSONResponse(standby_json(row), status_code=201)


@authed
async def remove_standby(request: Request, actor: Actor) -> Response:
    await standby.remove_standby(actor, request.path_params["slug"], int_param(request, "volunteer_id"))
    return Response(status_code=204)


@authed
async def shift_gap_requests(request: Request, actor: Actor) -> JSONResponse:
    shift, rows = await standby.shift_gap_requests(actor, int_param(request, "shift_id"))
    zone = shift.event.timezone
    return JSONResponse({"data": [gap_request_json(row, zone) for row in rows]})
