"""Public HTML pages: the event finder, an event with its sign-up form, a volunteer's own page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response


async def finder(request: Request) -> Response:
    raise NotImplementedError


async def event_page(request: Request) -> Response:
    raise NotImplementedError


async def event_signup(request: Request) -> Response:
    raise NotImplementedError


async def manage_page(request: Request) -> Response:
    raise NotImplementedError


async def manage_drop(request: Request) -> Response:
    raise NotImplementedError
