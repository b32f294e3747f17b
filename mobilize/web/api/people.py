"""Volunteers and turnout, as this organization sees them: its own records of people, created and edited by its
writers, each with its tags; the manage link only for roles that act for the person."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse

from mobilize.models import Volunteer
from mobilize.schemas import MAX_YEAR, MIN_YEAR, in_utc
from mobilize.services.access import Actor
from mobilize.services.errors import Forbidden, Invalid
from mobilize.services.people import directory, links
from mobilize.services.people.schemas import VolunteerPatch, VolunteerRecordIn
from mobilize.services.reports import turnout
from mobilize.web.api.common import authed, int_param, list_response, page_args, parse_body
from mobilize.web.api.serializers import manage_url, volunteer_json
from mobilize.web.forms import normalized_contact


async def _record_json(request: Request, actor: Actor, volunteer: Volunteer) -> dict[str, object]:
    tags = (await directory.tags_of([volunteer.id]))[volunteer.id]
    data = volunteer_json(volunteer, contact_visible=True, tags=tags)
    data["manage_url"] = manage_url(request, volunteer) if directory.may_act_for_volunteers(actor) else None
    return data


@authed
async def list_volunteers(request: Request, actor: Actor) -> JSONResponse:
    q = request.query_params
    page = await directory.list_volunteers(actor, *page_args(request), search=q.get("q"), tag=q.get("tag"))
    tags = await directory.tags_of([v.id for v in page.items])
    link = directory.may_act_for_volunteers(actor)

    def one(v: Volunteer) -> dict[str, object]:
        data = volunteer_json(v, contact_visible=True, tags=tags[v.id])
        data["manage_url"] = manage_url(request, v) if link else None
        return data

    return list_response(request, page, one)


@authed
async def get_volunteer(request: Request, actor: Actor) -> JSONResponse:
    volunteer = await directory.get_volunteer(actor, int_param(request, "volunteer_id"))
    return JSONResponse(await _record_json(request, actor, volunteer))


def _changes(request: Request, data: VolunteerRecordIn | VolunteerPatch) -> directory.Changes:
    """The record's fields as given, contact normalized; for a PATCH, a null phone, email or member id clears it."""
    phone, email = normalized_contact(data.phone, data.email, request.app.state.settings.phone_region)
    given = data.model_fields_set if isinstance(data, VolunteerPatch) else set()
    return directory.Changes(
        name=data.name,
        phone=phone,
        email=email,
        postal_code=data.postal_code,
        notes=data.notes,
        member_id=data.member_id,
        tags=data.tags,
        clear=frozenset(f for f in ("phone", "email", "member_id") if f in given and getattr(data, f) is None),
    )


@authed
async def create_volunteer(request: Request, actor: Actor) -> JSONResponse:
    data = await parse_body(request, VolunteerRecordIn)
    volunteer = await directory.create_volunteer(actor, _changes(request, data))
    return JSONResponse(await _record_json(request, actor, volunteer), status_code=201)


@authed
async def update_volunteer(request: Request, actor: Actor) -> JSONResponse:
    data = await parse_body(request, VolunteerPatch)
    volunteer = await directory.update_volunteer(actor, int_param(request, "volunteer_id"), _changes(request, data))
    return JSONResponse(await _record_json(request, actor, volunteer))


@authed
async def rotate_volunteer_link(request: Request, actor: Actor) -> JSONResponse:
    """A new link to the volunteer's own page (the old one stops working); for roles that act for them."""
    if not directory.may_act_for_volunteers(actor):
        raise Forbidden(f"the {actor.role.value} role cannot act for volunteers", code="role_not_allowed")
    volunteer = await directory.get_volunteer(actor, int_param(request, "volunteer_id"))
    await links.rotate_manage_token(volunteer)
    return JSONResponse(await _record_json(request, actor, volunteer))


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
    return in_utc(value)


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
