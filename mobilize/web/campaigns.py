"""A coalition campaign's public page (`/campaigns/{org}/{slug}`): its convener's and accepted partners'
events on a map and in a list, searchable by postal code and radius, filterable by event type and host
organization; and the same list alone for partners to embed on their own sites. The markers' data is in the
page (JSON), so the list and the data work without tiles and without JavaScript; `?ref=ORG` is kept on every
link to an event, whose sign-up then credits that organization."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mobilize.models import EventType
from mobilize.services import feeds
from mobilize.services.coalesce import Coalesced
from mobilize.services.errors import Invalid, NotFound
from mobilize.services.events import public
from mobilize.services.feeds.cache import FeedCache
from mobilize.web import encoding
from mobilize.web.views import DEFAULT_RADIUS_KM, RADIUS_CHOICES, event_card, path, render

SLUG_MAX = 64


def _text(request: Request, name: str, limit: int = SLUG_MAX) -> str:
    return (request.query_params.get(name) or "").strip()[:limit]


async def _campaign_context(request: Request) -> dict[str, Any]:
    org, slug = request.path_params["org"], request.path_params["slug"]
    campaign = await public.find_campaign(f"{org}/{slug}")
    if campaign is None:
        raise NotFound(f"no campaign {slug!r} of {org!r}")
    postal_code, event_type, host, ref = (_text(request, k) for k in ("postal_code", "event_type", "host", "ref"))
    errors: dict[str, str] = {}
    radius = float(DEFAULT_RADIUS_KM)
    try:
        radius = float(_text(request, "radius_km") or DEFAULT_RADIUS_KM)
    except ValueError:
        errors["radius_km"] = "Choose a distance in kilometres."
    if event_type and event_type not in {t.value for t in EventType}:
        errors["event_type"] = "Choose a kind of action."
    everything = await public.find_events(campaign=campaign, limit=public.MAX_CAMPAIGN_RESULTS)
    found = []
    if not errors and not (postal_code or event_type or host):
        found = everything
    elif not errors:
        try:
            found = await public.find_events(
                near=postal_code or None, radius_km=radius, campaign=campaign, event_type=event_type or None,
                host=host or None, limit=public.MAX_CAMPAIGN_RESULTS,
            )  # fmt: skip
        except Invalid as exc:
            if "near" in exc.fields:
                errors["postal_code"] = f"We don't know the postal code “{postal_code}”."
            else:
                errors["radius_km"] = "Choose a distance between 1 and 1000 km."
    now = datetime.now(UTC)
    cards = [event_card(f, now) for f in found]
    hosts = sorted({(f.event.organization.slug, f.event.organization.name) for f in everything}, key=lambda h: h[1])
    query = f"?ref={ref}" if ref else ""
    markers = [
        {"id": c.id, "title": c.title, "lat": c.lat, "lon": c.lon, "host": c.host, "host_slug": c.host_slug,
         "event_type": c.event_type, "when": c.when, "url": path(request, "pages:event", event_id=c.id) + query}
        for c in cards
    ]  # fmt: skip
    return {
        "campaign": campaign,
        "convener": campaign.organization,
        "cards": cards,
        "markers": markers,
        "markers_json": Markup(json.dumps(markers).replace("<", "\\u003c")),  # safe inside <script>
        "hosts": hosts,
        "types": [(t.value, t.value.replace("_", " ").capitalize()) for t in EventType],
        "postal_code": postal_code,
        "radius": int(radius) if radius.is_integer() else radius,
        "radius_choices": RADIUS_CHOICES,
        "event_type": event_type,
        "host": host,
        "ref": ref,
        "ref_query": query,
        "errors": errors,
        "tile_url": request.app.state.settings.map_tile_url,
        "attribution": request.app.state.settings.map_attribution,
    }


# A day of action's page lists every event (1,500 of them): built once per version of the campaign's public
# events and shifts (the campaign feed's ETag, one aggregate query) and per minute (shifts that end leave it),
# then served from memory. Only the unfiltered page (with or without ?ref=) is kept; a search is built each time.
PAGES = FeedCache(max_entries=512, max_bytes=128 * 1024 * 1024)
CACHED_PARAMS = frozenset({"ref"})
COMPRESSED = encoding.Compressed()  # the kept pages, gzip-compressed for the clients that take it
BUILDING: Coalesced[tuple[int, bytes]] = Coalesced()


async def _cached(request: Request, template: str) -> Response:
    org, slug = request.path_params["org"], request.path_params["slug"]
    if not set(request.query_params) <= CACHED_PARAMS:
        return await _render(request, template)
    scope = await feeds.campaign_scope(slug, org)
    version = await feeds.feed_version(scope, base_url=request.app.state.settings.public_base_url)
    minute = int(time.time() // 60)
    key = (f"{template}:{scope.id}:{_text(request, 'ref')}:{minute}", version.etag)
    body = PAGES.get(key)
    if body is None:
        # Built once however many readers ask at the same moment (a cold process under a day of action's
        # readers would otherwise render the same 1 MB page once per waiting request).
        status, body = await BUILDING.run(key, lambda: _build(request, template, key))
        if status != 200:
            return HTMLResponse(body, status_code=status)
    if encoding.accepts_gzip(request):
        packed = await COMPRESSED.get(key, body)
        return HTMLResponse(packed, headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return HTMLResponse(body, headers={"Vary": "Accept-Encoding"})


async def _render(request: Request, template: str) -> Response:
    context = await _campaign_context(request)
    return render(request, template, context, status=422 if context["errors"] else 200)


async def _build(request: Request, template: str, key: tuple[str, str]) -> tuple[int, bytes]:
    context = await _campaign_context(request)
    # Rendered in a worker thread: the other requests of the process keep being served meanwhile.
    status = 422 if context["errors"] else 200
    response = await asyncio.to_thread(render, request, template, context, status=status)
    body = bytes(response.body)
    if response.status_code == 200:
        PAGES.put(key, body)
    return response.status_code, body


async def campaign_page(request: Request) -> Response:
    return await _cached(request, "campaign.html")


async def campaign_embed(request: Request) -> Response:
    """The list alone, for a partner's own site: it may be framed by any site (no private data in it)."""
    response = await _cached(request, "campaign_embed.html")
    response.headers["Content-Security-Policy"] = "frame-ancestors *"
    return response
