"""What text the web layer lets through to the services, and whole numbers read from forms and URLs.

PostgreSQL cannot store a NUL character, and a lone surrogate (JSON's "\\ud800") is not UTF-8: either would fail
the query, a 500 instead of a clear 4xx. In forms and query strings no other control character belongs either
(a browser sends only tab, CR and LF, from a textarea).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mobilize.models import MAX_ID

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls and DEL, but tab, LF and CR
SURROGATE = re.compile(r"[\ud800-\udfff]")
WHOLE = re.compile(r"-?[0-9]{1,18}")  # ASCII digits only: str.isdigit() also says yes to "²", which int() refuses


def unstorable(value: str) -> str | None:
    """Why the database cannot store this string, or None."""
    if "\x00" in value:
        return "contains a NUL character"
    if SURROGATE.search(value):
        return "is not valid Unicode text"
    return None


def form_text_problem(value: str) -> str | None:
    """Why a form field or query parameter cannot hold this string, or None."""
    if CONTROL.search(value):
        return "contains a NUL character" if "\x00" in value else "contains a control character"
    return unstorable(value)


def printable(name: str) -> str:
    """A field's name fit to show in a message (its own control characters dropped)."""
    return CONTROL.sub("", SURROGATE.sub("", name))[:60] or "(unnamed)"


def whole_number(raw: str, low: int, high: int) -> int | None:
    """`raw` as an int within [low, high], or None: for numbers typed into forms."""
    raw = raw.strip()
    if not WHOLE.fullmatch(raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def row_id(raw: Any) -> int | None:
    """An id from a form field, or None when it cannot name a row (not digits, or past the id columns)."""
    return whole_number(raw, 1, MAX_ID) if isinstance(raw, str) else None


def query_problem(query_string: bytes) -> tuple[str, str] | None:
    """The first query parameter (name, why) a page or feed cannot take."""
    for name, value in QueryParams(query_string).multi_items():
        for text in (name, value):
            problem = form_text_problem(text)
            if problem:
                return printable(name), problem
    return None


class QueryGuard:
    """ASGI middleware for the pages, the dashboard and the feeds: a query parameter holding a NUL or another
    control character is a 400 naming it, before any handler passes it to a query."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            found = query_problem(scope.get("query_string", b""))
            if found is not None:
                name, problem = found
                response = error_page(Request(scope), 400, f"The query parameter “{name}” {problem}.")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def error_page(request: Request, status: int, message: str) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )
    response.headers["Cache-Control"] = "no-store"
    return response
