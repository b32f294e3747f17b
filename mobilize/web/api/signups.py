"""Rosters and sign-ups, for organizers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from mobilize.models import SignupSource, SignupStatus
from mobilize.schemas import SignupIn, SignupPatch
from mobilize.services import events, signups
from mobilize.services.access import Actor
from mobilize.services.errors import NotFound
from mobilize.services.people.directory import may_act_for_volunteers
from mobilize.services.signups import attendance
from mobilize.web.api.common import authed, int_param, list_response, page_args, parse_body
from mobilize.web.api.serializers import signup_json
from mobilize.web.forms import contact_from, sms_consent_from


@authed
async def list_signups(request: Request, actor: Actor) -> JSONResponse:
    shift = await events.get_shift(actor, int_param(request, "shift_id"))
    page = await signups.list_signups(shift.id, *page_args(request), status=request.query_params.get("status"))
    zone, link = shift.event.timezone, may_act_for_volunteers(actor)
    return list_response(
        request, page, lambda s: signup_json(request, s, contact_visible=True, zone=zone, manage_link=link)
    )


@authed
async def create_signup(request: Request, actor: Actor) -> JSONResponse:
    shift = await events.get_shift(actor, int_param(request, "shift_id"))
    actor.require_writer(shift.event.group_id)
    data = await parse_body(request, SignupIn)
    settings = request.app.state.settings
    if data.status is not None:  # attendance entered afterwards (a paper sheet): no seat check, no messages
        contact = contact_from(data.volunteer, settings.phone_region)
        signup, created = await attendance.add_with_attendance(
            actor, shift.id, contact, SignupStatus(data.status), source=SignupSource(data.source)
        )
        body = signup_json(request, signup, contact_visible=True, zone=shift.event.timezone,
                           manage_link=may_act_for_volunteers(actor))  # fmt: skip
        return JSONResponse(body, status_code=201 if created else 200)
    result = await signups.sign_up(
        shift.id,
        contact_from(data.volunteer, settings.phone_region),
        source=SignupSource(data.source),
        referrer=data.referrer,
        sms_consent=sms_consent_from(request, data.volunteer, settings, source=f"api:{actor.organizer_id}"),
        trusted=True,
    )
    return JSONResponse(
        signup_json(
            request,
            result.signup,
            contact_visible=True,
            zone=shift.event.timezone,
            manage_link=may_act_for_volunteers(actor),
        ),
        status_code=201,
    )


async def _own_signup(actor: Actor, signup_id: int):  # type: ignore[no-untyped-def]
    signup = await signups.signup_with_shift(signup_id)
    event = signup.shift.event
    if event.organization_id != actor.organization_id or not actor.sees_group(event.group_id):
        raise NotFound(f"signup {signup_id} not found")
    return signup


@authed
async def get_signup(request: Request, actor: Actor) -> JSONResponse:
    signup = await _own_signup(actor, int_param(request, "signup_id"))
    zone, link = signup.shift.event.timezone, may_act_for_volunteers(actor)
    return JSONResponse(signup_json(request, signup, contact_visible=True, zone=zone, manage_link=link))


@authed
async def update_signup(request: Request, actor: Actor) -> JSONResponse:
    signup = await _own_signup(actor, int_param(request, "signup_id"))
    actor.require_writer(signup.shift.event.group_id)
    data = await parse_body(request, SignupPatch)
    result = await attendance.set_status_audited(actor, signup, SignupStatus(data.status))
    zone, link = signup.shift.event.timezone, may_act_for_volunteers(actor)
    return JSONResponse(signup_json(request, result.signup, contact_visible=True, zone=zone, manage_link=link))
