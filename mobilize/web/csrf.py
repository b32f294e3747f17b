"""CSRF protection for HTML forms: a random token kept in the signed session, echoed by every POST form."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from mobilize.web.forms import form_refusal

FIELD = "csrf_token"
SESSION_KEY = "csrf"

Endpoint = Callable[[Request], Awaitable[Response]]


def csrf_token(request: Request) -> str:
    """This browser session's token, created on first use (so the session cookie is set with the form)."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


async def csrf_valid(request: Request) -> bool:
    expected = request.session.get(SESSION_KEY)
    given = (await request.form()).get(FIELD)
    if not isinstance(expected, str) or not expected or not isinstance(given, str):
        return False
    # bytes, because compare_digest refuses non-ASCII str and a forged field may hold anything
    return secrets.compare_digest(expected.encode(), given.encode())


def rejected(request: Request) -> Response:
    message = (
        "This form has expired or did not come from this site, so nothing was saved. "
        "Go back, reload the page and try again."
    )
    response: Response = request.app.state.templates.TemplateResponse(
        request, "error.html", {"status": 403, "message": message}, status_code=403
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def csrf_protect(endpoint: Endpoint) -> Endpoint:
    """Wrap a POST endpoint: a missing or wrong token answers 403 before the endpoint runs, and a field no form
    may hold (a file, a control character) 400 or 422 (forms.form_refusal).
    The parsed form stays cached on the request, so the endpoint reads it again for free."""

    @functools.wraps(endpoint)
    async def checked(request: Request) -> Response:
        if not await csrf_valid(request):
            return rejected(request)
        return await form_refusal(request) or await endpoint(request)

    return checked
