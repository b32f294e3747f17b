"""Coalitions in the dashboard: the convener's partners of a campaign (invite, see who answered, end it) and
the organization's invitations into other organizations' campaigns (accept, decline, leave)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mobilize.services import coalitions
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Forbidden, Invalid
from mobilize.services.events import groups
from mobilize.services.outbox import after_commit
from mobilize.web.dashboard.session import back, dash_render, organizer_page
from mobilize.web.urls import url
from mobilize.web.views import sentence

VERBS = {"accept": "Accepted", "decline": "Declined", "leave": "Left"}


@organizer_page
async def partnerships_page(request: Request, actor: Actor) -> Response:
    context = {
        "partnerships": await coalitions.partnerships(actor),
        "campaigns": (await groups.list_campaigns(actor, None, 100)).items,
        "may_answer": actor.role.value in ("owner", "admin"),
    }
    return dash_render(request, actor, "dashboard/partnerships.html", context)


@organizer_page
async def partnership_answer(request: Request, actor: Actor) -> Response:
    verb = request.path_params["verb"]
    if verb not in VERBS:
        return back(request, "Choose accept, decline or leave.", "dash:partnerships")
    try:
        row = await coalitions.answer(actor, int(request.path_params["partnership_id"]), verb)
    except (Conflict, Forbidden) as exc:
        return back(request, sentence(exc.message), "dash:partnerships")
    return back(request, f"{VERBS[verb]}: “{row.campaign.name}”.", "dash:partnerships")


async def _partners_page(request: Request, actor: Actor, status: int = 200, **extra: object) -> Response:
    slug = request.path_params["slug"]
    campaign = await groups.get_campaign(actor, slug)
    context = {
        "campaign": campaign,
        "partners": await coalitions.campaign_partners(actor, slug),
        "may_invite": actor.role.value in ("owner", "admin"),
        "values": {},
        "errors": {},
    } | extra
    return dash_render(request, actor, "dashboard/partners.html", context, status=status)


@organizer_page
async def partners_page(request: Request, actor: Actor) -> Response:
    return await _partners_page(request, actor)


@organizer_page
async def partner_invite(request: Request, actor: Actor) -> Response:
    slug = request.path_params["slug"]
    org = str((await request.form()).get("organization") or "").strip().lower()[:64]
    try:
        row, created, ids = await coalitions.invite_partner(actor, slug, org, url(request, "dash:partnerships"))
    except (Invalid, Forbidden) as exc:
        status = 403 if isinstance(exc, Forbidden) else 422
        errors = {"organization": sentence(exc.fields.get("organization", exc.message))}
        return await _partners_page(request, actor, status, values={"organization": org}, errors=errors)
    after_commit.deliver(ids)
    said = "Invited" if created else "Already invited:"
    return back(request, f"{said} {row.organization.name}.", "dash:partners", slug=slug)


@organizer_page
async def partner_remove(request: Request, actor: Actor) -> Response:
    slug = request.path_params["slug"]
    try:
        row = await coalitions.remove_partner(actor, slug, int(request.path_params["partner_id"]))
    except Forbidden as exc:
        return back(request, sentence(exc.message), "dash:partners", slug=slug)
    return back(request, f"{row.organization.name} is no longer a partner; its events left the campaign.",
                "dash:partners", slug=slug)  # fmt: skip
