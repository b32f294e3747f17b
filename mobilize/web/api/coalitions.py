"""Coalitions: a convener's partners of a campaign, and an organization's partnerships (invitations into
other organizations' campaigns) with its answers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from mobilize.models import Partnership
from mobilize.schemas import PartnerIn
from mobilize.services import coalitions, reports
from mobilize.services.access import Actor
from mobilize.services.outbox import after_commit
from mobilize.web.api.common import authed, int_param, parse_body
from mobilize.web.api.serializers import campaign_ref, iso, organization_ref
from mobilize.web.urls import url


def partner_json(row: Partnership) -> dict[str, Any]:
    return {
        "id": row.id,
        "organization": organization_ref(row.organization),
        "status": str(row.status),
        "invited_at": iso(row.invited_at),
        "answered_at": iso(row.answered_at),
        "ended_at": iso(row.ended_at),
    }


def partnership_json(row: Partnership) -> dict[str, Any]:
    return {
        "id": row.id,
        "campaign": campaign_ref(row.campaign),
        "status": str(row.status),
        "invited_at": iso(row.invited_at),
        "answered_at": iso(row.answered_at),
        "ended_at": iso(row.ended_at),
    }


@authed
async def invite_partner(request: Request, actor: Actor) -> JSONResponse:
    """201 with the invitation; 200 with it when the organization was invited or accepted already."""
    data = await parse_body(request, PartnerIn)
    link = url(request, "dash:partnerships")
    row, created, message_ids = await coalitions.invite_partner(
        actor, request.path_params["slug"], data.organization, link
    )
    after_commit.deliver(message_ids)
    return JSONResponse(partner_json(row), status_code=201 if created else 200)


@authed
async def list_partners(request: Request, actor: Actor) -> JSONResponse:
    rows = await coalitions.campaign_partners(actor, request.path_params["slug"])
    return JSONResponse({"data": [partner_json(r) for r in rows], "next": None})


@authed
async def remove_partner(request: Request, actor: Actor) -> JSONResponse:
    row = await coalitions.remove_partner(actor, request.path_params["slug"], int_param(request, "partner_id"))
    return JSONResponse(partner_json(row))


@authed
async def list_partnerships(request: Request, actor: Actor) -> JSONResponse:
    rows = await coalitions.partnerships(actor)
    return JSONResponse({"data": [partnership_json(r) for r in rows], "next": None})


def _answer(verb: str) -> Any:
    @authed
    async def endpoint(request: Request, actor: Actor) -> JSONResponse:
        row = await coalitions.answer(actor, int_param(request, "partnership_id"), verb)
        return JSONResponse(partnership_json(row))

    endpoint.__name__ = f"{verb}_partnership"
    return endpoint


accept_partnership = _answer("accept")
decline_partnership = _answer("decline")
leave_partnership = _answer("leave")


@authed
async def campaign_turnout(request: Request, actor: Actor) -> JSONResponse:
    """Per organization, group and day of the campaign; a partner (naming the convener with `?convener=` when
    several campaigns it joined have this slug) sees its own rows only."""
    convener = request.query_params.get("convener") or None
    campaign = await reports.campaign_for_turnout(actor, request.path_params["slug"], convener)
    return JSONResponse(await reports.coalition_turnout(actor, campaign))
