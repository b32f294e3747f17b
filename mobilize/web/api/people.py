"""Volunteers and turnout, as this organization sees them."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse

from mobilize.schemas import MAX_YEAR, MIN_YEAR
from mobilize.services import turnout, volunteers
from mobilize.services.access import Actor
from mobilize.services.errors import Invalid
from mobilize.web.api.common import authed, int_param, list_response, page_args
from mobilize.web.api.serializers import volunteer_json


@authed
async def list_volunteers(request: Request, actor: Actor) -> JSONResponse:
    page = await volunteers.list_volunteers(actor, *page_args(request), search=request.query_params.get("q"))
    return list_response(request, page, lambda v: volunteer_json(v, contact_visible=True))


@authed
async def get_volunteer(request: Request, actor: Actor) -> JSONResponse:
    volunteer = await volunteers.get_volunteer(actor, int_param(request, "volunteer_id"))
    return JSONResponse(volunteer_json(volunteer, contact_visible=True))


def _when(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise Invalid.field(name, "an ISO 8601 date or time") from exc
    if value.tzinfo is None:
        raise Invalid.field(name, "needs an offset, like 2026-05-01T00:00:00-05:00")
    if not MIN_YEAR <= value.year <= MAX_YEAR:  # the database driver overflows converting year 1 to UTC
        raise Invalid.field(name, f"between the years {MIN_YEAR} and {MAX_YEAR}")
    return value


@authed
async def get_turnout(request: Request, actor: Actor) -> JSONResponse:
    q = request.query_params
    report = await turnout.turnout(
        actor,
        group=q.get("group"),
        campaign=q.get("campaign"),
        starts_from=_when(request, "from"),
        starts_to=_when(request, "to"),
    )
    return JSONResponse(report)
