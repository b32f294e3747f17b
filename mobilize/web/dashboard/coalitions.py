"""Coalitions in the dashboard: the convener's partners of a campaign (invite, see who answered, end it), the
organization's invitations into other organizations' campaigns (accept, decline, leave), and the coalition's
turnout per organization and per day (a partner: its own row), with its CSV (audited)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mobilize.models import Campaign
from mobilize.services import coalitions, reports
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Forbidden, Invalid
from mobilize.services.events import groups
from mobilize.services.outbox import after_commit
from mobilize.web.charts import bar_chart
from mobilize.web.dashboard.session import back, dash_render, organizer_page
from mobilize.web.dashboard.turnout import csv_response, percent
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


async def _turnout_campaign(request: Request, actor: Actor) -> Campaign:
    convener = request.query_params.get("convener") or None
    return await reports.campaign_for_turnout(actor, request.path_params["slug"], convener)


@organizer_page
async def coalition_turnout(request: Request, actor: Actor) -> Response:
    """Per organization (a partner: its own row) and per day, with the chart and the table of the same numbers."""
    campaign = await _turnout_campaign(request, actor)
    report = await reports.coalition_turnout(actor, campaign)
    rows = report["organizations"]
    chart = bar_chart(
        f"Turnout per organization: {campaign.name}",
        [r["organization"]["name"][:14] for r in rows[:16]],
        [
            ("Signed up", [r["signups"] for r in rows[:16]]),
            ("Attended", [r["attended"] for r in rows[:16]]),
            ("Recruited, came", [r["recruited_attended"] for r in rows[:16]]),
        ],
        chart_id="by-org",
    )
    days = report["days"]
    day_chart = bar_chart(
        f"Turnout per day: {campaign.name}",
        [d["day"][5:] for d in days],
        [("Signed up", [d["signups"] for d in days]), ("Attended", [d["attended"] for d in days])],
        chart_id="by-day",
    )
    context = {
        "campaign": campaign,
        "report": report,
        "chart": chart,
        "day_chart": day_chart,
        "percent": percent,
        "csv_path": request.url.path + ".csv" + (f"?{request.url.query}" if request.url.query else ""),
    }
    return dash_render(request, actor, "dashboard/coalition_turnout.html", context)


@organizer_page
async def coalition_turnout_csv(request: Request, actor: Actor) -> Response:
    campaign = await _turnout_campaign(request, actor)
    header, rows = await reports.coalition_turnout_rows(actor, campaign)
    return csv_response(f"coalition-turnout-{campaign.slug}.csv", header, rows)
