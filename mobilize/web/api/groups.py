"""Action groups and campaigns."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from mobilize.schemas import CampaignIn, CampaignPatch, GroupIn, GroupPatch
from mobilize.services.access import Actor
from mobilize.services.events import groups
from mobilize.web.api.common import authed, list_response, page_args, parse_body
from mobilize.web.api.serializers import campaign_json, group_json


@authed
async def list_groups(request: Request, actor: Actor) -> JSONResponse:
    page = await groups.list_groups(actor, *page_args(request))
    return list_response(request, page, lambda g: group_json(request, g, actor.organization_slug))


@authed
async def create_group(request: Request, actor: Actor) -> JSONResponse:
    group = await groups.create_group(actor, await parse_body(request, GroupIn))
    return JSONResponse(group_json(request, group, actor.organization_slug), status_code=201)


@authed
async def get_group(request: Request, actor: Actor) -> JSONResponse:
    group = await groups.get_group(actor, request.path_params["slug"])
    return JSONResponse(group_json(request, group, actor.organization_slug))


@authed
async def update_group(request: Request, actor: Actor) -> JSONResponse:
    data = await parse_body(request, GroupPatch)
    group = await groups.update_group(actor, request.path_params["slug"], data)
    return JSONResponse(group_json(request, group, actor.organization_slug))


@authed
async def list_campaigns(request: Request, actor: Actor) -> JSONResponse:
    page = await groups.list_campaigns(actor, *page_args(request))
    return list_response(request, page, lambda c: campaign_json(request, c, actor.organization_slug))


@authed
async def create_campaign(request: Request, actor: Actor) -> JSONResponse:
    campaign = await groups.create_campaign(actor, await parse_body(request, CampaignIn))
    return JSONResponse(campaign_json(request, campaign, actor.organization_slug), status_code=201)


@authed
async def get_campaign(request: Request, actor: Actor) -> JSONResponse:
    campaign = await groups.get_campaign(actor, request.path_params["slug"])
    return JSONResponse(campaign_json(request, campaign, actor.organization_slug))


@authed
async def update_campaign(request: Request, actor: Actor) -> JSONResponse:
    data = await parse_body(request, CampaignPatch)
    campaign = await groups.update_campaign(actor, request.path_params["slug"], data)
    return JSONResponse(campaign_json(request, campaign, actor.organization_slug))
