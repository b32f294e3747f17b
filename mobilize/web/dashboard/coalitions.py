"""Coalitions in the dashboard: the convener's partners of a campaign (invite, see who answered, end it), the
organization's invitations into other organizations' campaigns (accept, decline, leave), and the coalition's
turnout per organization, group and day (a partner: its own rows) with its CSV (audited), and its events on a
map coloured by staffing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup
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
from mobilize.web.views import format_span, path, sentence

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


def _markers(request: Request, events: list[reports.MapEvent], now: datetime) -> list[dict[str, Any]]:
    """The map's data, in the page (the map draws it without tiles; the list beside it needs no script)."""
    # Both addresses end with the event's id: built once (1,500 events), not once per event.
    own, public = path(request, "dash:event", event_id=1)[:-1], path(request, "pages:event", event_id=1)[:-1]
    out = []
    for m in events:
        url = f"{own}{m.id}" if m.own else f"{public}{m.id}" if m.public else None
        when = format_span(m.next_start, m.next_end, m.timezone, now) if m.next_start and m.next_end else "Over"
        out.append(
            {"id": m.id, "title": m.title, "lat": m.lat, "lon": m.lon, "host": m.organization, "when": when,
             "light": m.light, "label": f"{m.light_label}: {m.holding} of {m.target} needed"
             if m.next_start else f"{m.attended} came of {m.signups}", "url": url}
        )  # fmt: skip
    return out


@organizer_page
async def coalition_turnout(request: Request, actor: Actor) -> Response:
    """Per organization (a partner: its own rows), per group and per day, with the charts and the tables of the
    same numbers, and the campaign's events on a map coloured by staffing, with the list beside it."""
    campaign = await _turnout_campaign(request, actor)
    tally = await reports.coalition_tally(actor, campaign)
    report = reports.coalition_report(tally)
    now = datetime.now(UTC)
    events = reports.campaign_map(actor, tally, now)
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
        [
            ("Signed up", [d["signups"] for d in days]),
            ("Attended", [d["attended"] for d in days]),
            ("Recruited, came", [d["recruited_attended"] for d in days]),
        ],
        chart_id="by-day",
    )
    markers = _markers(request, events, now)
    lights = {light: sum(1 for m in events if m.light == light) for light in ("red", "amber", "green", "over")}
    context = {
        "campaign": campaign,
        "report": report,
        "chart": chart,
        "day_chart": day_chart,
        "percent": percent,
        "events": list(zip(events, markers, strict=True)),
        "lights": lights,
        "markers_json": Markup(json.dumps(markers).replace("<", "\\u003c")),  # safe inside <script>
        "tile_url": request.app.state.settings.map_tile_url,
        "attribution": request.app.state.settings.map_attribution,
        "csv_path": request.url.path + ".csv" + (f"?{request.url.query}" if request.url.query else ""),
    }
    return dash_render(request, actor, "dashboard/coalition_turnout.html", context)


@organizer_page
async def coalition_turnout_csv(request: Request, actor: Actor) -> Response:
    campaign = await _turnout_campaign(request, actor)
    header, rows = await reports.coalition_turnout_rows(actor, campaign)
    return csv_response(f"coalition-turnout-{campaign.slug}.csv", header, rows)
