"""Hosting endpoints: a volunteer's proposal (no token, rate-limited per address and per email), a campaign's
hosting policy, and the moderators' decisions."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from mobilize.models import HostingPolicy
from mobilize.services import hosting, ratelimit
from mobilize.services.access import Actor
from mobilize.services.hosting.proposals import host_contact
from mobilize.services.hosting.schemas import ApproveIn, PolicyIn, ProposalIn, ReasonIn
from mobilize.web.api.common import authed, check_text_params, int_param, parse_body
from mobilize.web.api.serializers import event_json
from mobilize.web.forms import client_ip
from mobilize.web.urls import public_url
from mobilize.web.views import path

PLACEHOLDER_ID = 2_147_000_123  # stands for the event's id in the moderators' link until the mail fills it in


def host_links(request: Request) -> hosting.HostLinks:
    """The addresses the hosting emails carry, from the routing table (with placeholders the mail fills)."""

    def absolute(name: str, **params: Any) -> str:
        return public_url(request, path(request, name, **params))

    return hosting.HostLinks(
        confirm=absolute("pages:host-confirm", token="TOKEN").replace("TOKEN", "{token}"),
        page=absolute("pages:host-page", token="TOKEN").replace("TOKEN", "{token}"),
        moderate=absolute("dash:event", event_id=PLACEHOLDER_ID).replace(str(PLACEHOLDER_ID), "{event_id}"),
    )


async def limit_proposals(request: Request, email: str) -> None:
    """Per client address and per host email; raises RateLimited (429 with Retry-After)."""
    settings = request.app.state.settings
    checks = [(f"host-ip:{client_ip(request)}", settings.host_proposal_rate_ip, "address")]
    if email:
        checks.append((f"host-email:{email}", settings.host_proposal_rate_email, "email"))
    await ratelimit.check_many(request.app.state.limiter, checks)


async def propose(request: Request, data: ProposalIn) -> hosting.Proposed:
    settings = request.app.state.settings
    org, slug = request.path_params["org"], request.path_params["slug"]
    await hosting.open_campaign(org, slug)  # a closed campaign refuses before anything is counted
    email, _ = host_contact(data, settings.phone_region)
    await limit_proposals(request, email)
    return await hosting.propose(
        org, slug, data, host_links(request), region=settings.phone_region,
        ip=client_ip(request), user_agent=request.headers.get("user-agent", ""),
    )  # fmt: skip


async def public_propose(request: Request) -> JSONResponse:
    """202: the event waits for its host to confirm their email (a link is sent to it)."""
    check_text_params(request)
    data = await parse_body(request, ProposalIn)
    proposed = await propose(request, data)
    return JSONResponse({"id": proposed.event.id, "status": str(proposed.event.status)}, status_code=202)


def policy_json(campaign_slug: str, policy: HostingPolicy | None, group: str | None) -> dict[str, Any]:
    if policy is None:
        return {"campaign": campaign_slug, "mode": "closed", "group": None, "event_types": None, "terms": None}
    return {
        "campaign": campaign_slug, "mode": str(policy.mode), "group": group,
        "event_types": policy.event_types, "terms": policy.terms,
    }  # fmt: skip


async def _policy_response(campaign_slug: str, policy: HostingPolicy | None) -> JSONResponse:
    group = None
    if policy is not None:
        await policy.fetch_related("group")
        group = policy.group.slug
    return JSONResponse(policy_json(campaign_slug, policy, group))


@authed
async def get_policy(request: Request, actor: Actor) -> JSONResponse:
    campaign, policy = await hosting.get_policy(actor, request.path_params["slug"])
    return await _policy_response(campaign.slug, policy)


@authed
async def put_policy(request: Request, actor: Actor) -> JSONResponse:
    data = await parse_body(request, PolicyIn)
    campaign, policy = await hosting.set_policy(actor, request.path_params["slug"], data)
    return await _policy_response(campaign.slug, policy)


@authed
async def approve(request: Request, actor: Actor) -> JSONResponse:
    data = await parse_body(request, ApproveIn)
    event = await hosting.approve(actor, int_param(request, "event_id"), trust_host=data.trust_host)
    return JSONResponse(event_json(request, event))


@authed
async def reject(request: Request, actor: Actor) -> JSONResponse:
    data = await parse_body(request, ReasonIn)
    event = await hosting.reject(actor, int_param(request, "event_id"), data.reason)
    return JSONResponse(event_json(request, event))


@authed
async def request_changes(request: Request, actor: Actor) -> JSONResponse:
    data = await parse_body(request, ReasonIn)
    event = await hosting.request_changes(actor, int_param(request, "event_id"), data.reason)
    return JSONResponse(event_json(request, event))


@authed
async def unpublish(request: Request, actor: Actor) -> JSONResponse:
    data = await parse_body(request, ReasonIn)
    event, _ = await hosting.unpublish(actor, int_param(request, "event_id"), data.reason)
    return JSONResponse(event_json(request, event))
