"""Organizers in the browser: log in with email and password, the signed session cookie, log out, and the
wrapper every dashboard page goes through (a session required, CSRF checked on every POST)."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mobilize.models import Membership
from mobilize.services import accounts, inbox, ratelimit
from mobilize.services.access import Actor
from mobilize.services.errors import RateLimited
from mobilize.web.csrf import SESSION_KEY as CSRF_KEY
from mobilize.web.csrf import csrf_protect, csrf_valid, rejected
from mobilize.web.forms import client_ip, form_refusal
from mobilize.web.views import path, render

ORGANIZER_KEY = "organizer"
MEMBERSHIP_KEY = "membership"
NOTICE_KEY = "dash_notice"  # a one-time message for the next dashboard page
LOGIN_RATE_EMAIL = (10, 300)  # password guesses per account in 5 minutes
LOGIN_RATE_IP = (100, 300)  # per address: an office behind one NAT logs in together

Handler = Callable[[Request, Actor], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def organizer_page(handler: Handler) -> Endpoint:
    """A dashboard endpoint: without a session, off to /login (and back after); on POST, the CSRF token
    must match and no field may hold a file or a control character. The handler receives the acting organizer."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        actor = await accounts.actor_for_session(
            request.session.get(ORGANIZER_KEY), request.session.get(MEMBERSHIP_KEY)
        )
        if actor is None:
            request.session.pop(ORGANIZER_KEY, None)
            request.session.pop(MEMBERSHIP_KEY, None)
            if request.method != "GET":
                return rejected(request)
            target = path(request, "pages:login") + "?next=" + request.url.path
            return RedirectResponse(target, status_code=303)
        if request.method == "POST":
            if not await csrf_valid(request):
                return rejected(request)
            refused = await form_refusal(request)
            if refused is not None:
                return refused
        if request.method == "GET":  # the nav's count of open inbox threads (pages only; a POST redirects)
            request.state.inbox_open = await inbox.open_count(actor)
        return await handler(request, actor)

    return endpoint


def dash_render(request: Request, actor: Actor, template: str, context: dict[str, Any], status: int = 200) -> Response:
    """A dashboard page: never cached or indexed (volunteers' data), with the session's notice once."""
    notice = request.session.pop(NOTICE_KEY, None)
    context = {"actor": actor, "notice": notice, "inbox_open": getattr(request.state, "inbox_open", 0), **context}
    return render(request, template, context, status=status, private=True)


def back(request: Request, notice: str, name: str, **params: Any) -> Response:
    """Redirect (303) to a dashboard page with a one-time notice: forms work without JavaScript."""
    request.session[NOTICE_KEY] = notice
    return RedirectResponse(path(request, name, **params), status_code=303)


def _safe_next(value: object) -> str | None:
    # Only our own dashboard paths: never an open redirect to another site.
    if isinstance(value, str) and value.startswith("/dashboard") and "//" not in value and "\\" not in value:
        return value
    return None


def start_session(request: Request, membership: Membership) -> None:
    """Log the browser in as this membership; nothing from before carries over."""
    request.session.clear()
    request.session[ORGANIZER_KEY] = membership.organizer_id
    request.session[MEMBERSHIP_KEY] = membership.id
    request.session[CSRF_KEY] = secrets.token_urlsafe(32)  # a fresh CSRF token for the new session


async def login_page(request: Request) -> Response:
    context = {
        "values": {"next": _safe_next(request.query_params.get("next")) or ""},
        "errors": {},
        "reset_done": request.query_params.get("reset") == "1",
    }
    return render(request, "dashboard/login.html", context, private=True)


async def _limit_login(request: Request, email: str) -> None:
    await ratelimit.check_many(
        request.app.state.limiter,
        [
            (f"login:ip:{client_ip(request)}", LOGIN_RATE_IP, "address"),
            (f"login:email:{email}", LOGIN_RATE_EMAIL, "account"),
        ],
    )


@csrf_protect
async def login(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email") or "").strip()[:254]
    password = str(form.get("password") or "")[:1000]
    values = {"email": email, "next": _safe_next(form.get("next")) or ""}
    try:
        await _limit_login(request, email.lower())
    except RateLimited as exc:
        errors = {"email": f"Too many attempts. Try again in {exc.retry_after} seconds."}
        return render(request, "dashboard/login.html", {"values": values, "errors": errors}, status=429, private=True)
    membership = await accounts.authenticate_password(email, password) if email and password else None
    if membership is None:
        errors = {"email": "That email and password do not match an organizer account."}
        return render(request, "dashboard/login.html", {"values": values, "errors": errors}, status=422, private=True)
    start_session(request, membership)
    return RedirectResponse(values["next"] or path(request, "dash:home"), status_code=303)


@csrf_protect
async def logout(request: Request) -> Response:
    request.session.clear()
    response = RedirectResponse(path(request, "pages:login"), status_code=303)
    return response
