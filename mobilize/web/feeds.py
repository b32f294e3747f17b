"""iCalendar feeds (text/calendar) for events, groups, campaigns, organizations and volunteers.

Every answer carries a strong ETag and Last-Modified from the feed's version (one aggregate query); a
matching If-None-Match (or, without it, If-Modified-Since) is answered 304 and an unchanged feed comes from
the cache: neither loads nor builds the feed.
"""

from __future__ import annotations

from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response

from mobilize.services import feeds
from mobilize.services.errors import NotFound
from mobilize.web import encoding
from mobilize.web.urls import event_route_for, url

MEDIA_TYPE = "text/calendar; charset=utf-8"
PUBLIC_CACHE = "public, max-age=300"
# A volunteer's feed and an event's tokened feed are behind secret links: no shared cache may keep them,
# clients revalidate every time.
PRIVATE_CACHE = "private, no-cache, max-age=0"
# A campaign's feed of 6,000 shifts is 3 MB as text, about a twentieth of it compressed.
COMPRESSED = encoding.Compressed()


async def event_feed(request: Request) -> Response:
    token = request.path_params.get("token")
    scope = await feeds.event_scope(request.path_params["event_id"], token)
    if token is None:
        return await _answer(request, scope)
    # A tokened address is a secret: no shared cache keeps it (a rotated token must stop answering).
    response = await _answer(request, scope, cache_control=PRIVATE_CACHE)
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def group_feed(request: Request) -> Response:
    org, slug = request.path_params.get("org"), request.path_params["slug"]
    try:
        scope = await feeds.group_scope(slug, org)
    except feeds.AmbiguousSlug as exc:
        raise _ambiguous(request, exc, "feeds:org-group") from exc
    return await _answer(request, scope)


async def campaign_feed(request: Request) -> Response:
    org, slug = request.path_params.get("org"), request.path_params["slug"]
    return await _answer(request, await feeds.campaign_scope(slug, org))


async def organization_feed(request: Request) -> Response:
    return await _answer(request, await feeds.organization_scope(request.path_params["slug"]))


async def volunteer_feed(request: Request) -> Response:
    scope = await feeds.volunteer_scope(request.path_params["token"])
    response = await _answer(request, scope, cache_control=PRIVATE_CACHE)
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _ambiguous(request: Request, exc: feeds.AmbiguousSlug, route: str) -> NotFound:
    links = [url(request, route, org=org, slug=exc.slug) for org in exc.organizations]
    return NotFound(
        f"Several organizations have a {exc.kind} called {exc.slug!r}. Use the address that names the "
        f"organization: {' or '.join(links)}",
        code="ambiguous",
    )


async def _answer(request: Request, scope: feeds.FeedScope, *, cache_control: str = PUBLIC_CACHE) -> Response:
    settings = request.app.state.settings
    version = await feeds.feed_version(scope, base_url=settings.public_base_url)
    headers = {
        "ETag": version.etag,
        "Last-Modified": format_datetime(version.last_modified, usegmt=True),
        "Cache-Control": cache_control,
        "Vary": "Accept-Encoding",
    }
    gzipped = encoding.accepts_gzip(request)
    if gzipped:
        headers["ETag"] = encoding.gzip_etag(version.etag)
    if _not_modified(request, version):
        return Response(status_code=304, headers=headers)

    def event_page_url(event_id: int, token: str | None) -> str:
        route, params = event_route_for("pages:event", event_id, token)
        return url(request, route, **params)

    body = await feeds.feed_body(version, event_page_url)
    if gzipped and len(body) >= encoding.MIN_SIZE:
        body = await COMPRESSED.get((version.scope.key, version.etag), body)
        headers["Content-Encoding"] = "gzip"
    elif gzipped:
        headers["ETag"] = version.etag
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(b"", media_type=MEDIA_TYPE, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


def _not_modified(request: Request, version: feeds.FeedVersion) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match (weak comparison) decides when present; else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or version.etag in tags or encoding.gzip_etag(version.etag) in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False  # an unreadable date is ignored, as the RFC says
        if since.tzinfo is None:
            return False
        return version.last_modified <= since
    return False
