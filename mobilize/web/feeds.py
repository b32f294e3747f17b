"""iCalendar feeds (text/calendar) for events, groups, campaigns, organizations and volunteers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response


async def event_feed(request: Request) -> Response:
    raise NotImplementedError
