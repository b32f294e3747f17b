"""Organizers in the browser: log in with email and password, the session (a server-side row named by the
signed cookie), log out, and the wrapper every dashboard page goes through (a live session required, CSRF
checked on every POST).

Login is throttled per account and address pair, per address, and, for browsers that never logged in to the
account, per account: guesses from many addresses cannot lock the owner out of a browser they used before
(it carries a signed "known device" cookie). The login limits fail closed when Redis is unreachable."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mobilize import times
from mobilize.models import Membership
from mobilize.services import accounts, ratelimit
from mobilize.services.access import Actor
from mobilize.services.accounts import sessions
from mobilize.services.errors import RateLimited
from mobilize.services.inbound import inbox
from mobilize.services.people import normalize_email
from mobilize.services.ratelimit import LimitsUnavailable
from mobilize.web.csrf import SESSION_KEY as CSRF_KEY
from mobilize.web.csrf import csrf_protect, csrf_valid, rejected
from mobilize.web.forms import client_ip, form_refusal
from mobilize.web.views import path, render

SESSION_KEY = "sid"  # the session's random token; the server keeps its hash (services/accounts/sessions.py)
MEMBERSHIP_KEY = "membership"
NOTICE_KEY = "dash_notice"  # a one-time message for the next dashboard page
DEVICE_COOKIE = "mobilize_device"
DEVICE_SALT = "login-device"
DEVICE_MAX_AGE = 365 * 86400

Handler = Callable[[Request, Actor], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def organizer_page(handler: Handler) -> Endpoint:
    """A dashboard endpoint: without a session, off to /login (and back after); on POST, the CSRF token
    must match and no field may hold a file or a control character. The handler receives the acting organizer."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        actor = await accounts.actor_for_session(request.session.get(SESSION_KEY), request.session.get(MEMBERSHIP_KEY))
        if actor is None:
            request.session.pop(SESSION_KEY, None)
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
    """A dashboard page: never cached or indexed (volunteers' data), with the session's notice once. Templates
    show a moment that no event's zone decides with `moment(at)` (or `date_of(at)`): in the organization's zone."""
    notice = request.session.pop(NOTICE_KEY, None)
    zone = actor.timezone
    context = {
        "actor": actor,
        "notice": notice,
        "inbox_open": getattr(request.state, "inbox_open", 0),
        "moment": lambda at: times.format_moment(at, zone) if at else "",
        "date_of": lambda at: times.format_date(at, zone) if at else "",
        **context,
    }
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


async def start_session(request: Request, membership: Membership) -> None:
    """Log the browser in as this membership: a new server-side session; nothing from before carries over."""
    request.session.clear()
    token = await sessions.start(membership.organizer_id, request.headers.get("user-agent", ""))
    request.session[SESSION_KEY] = token
    request.session[MEMBERSHIP_KEY] = membership.id
    request.session[CSRF_KEY] = secrets.token_urlsafe(32)  # a fresh CSRF token for the new session


def _device_mark(email: str) -> str:
    # The cookie names the account by a digest, so it does not carry the email address around.
    return hashlib.sha256(f"device:{email}".encode()).hexdigest()[:32]


def _device_signer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.secret, salt=DEVICE_SALT)


def _device(request: Request) -> dict[str, Any]:
    """This browser's signed device cookie: its random id `d` and the accounts `m` it logged in to."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if raw:
        try:
            loaded = _device_signer(request).loads(raw)
        except BadSignature:
            loaded = None
        if isinstance(loaded, dict) and isinstance(loaded.get("d"), str) and isinstance(loaded.get("m"), list):
            return {"d": loaded["d"], "m": [m for m in loaded["m"] if isinstance(m, str)]}
    return {"d": "", "m": []}


def _remember_device(request: Request, response: Response, email: str) -> None:
    device = _device(request)
    mark = _device_mark(email)
    marks = ([mark] + [m for m in device["m"] if m != mark])[:5]  # a shared computer: a few accounts, newest first
    response.set_cookie(
        DEVICE_COOKIE,
        _device_signer(request).dumps({"d": device["d"] or secrets.token_hex(8), "m": marks}),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.public_base_url.startswith("https://"),
    )


async def login_page(request: Request) -> Response:
    context = {
        "values": {"next": _safe_next(request.query_params.get("next")) or ""},
        "errors": {},
        "reset_done": request.query_params.get("reset") == "1",
        "signed_out": request.query_params.get("signed_out") == "1",
    }
    return render(request, "dashboard/login.html", context, private=True)


def _account(email: str) -> str:
    """The account an attempt is counted against: spelled as accounts are stored (case, spaces)."""
    try:
        return normalize_email(email)
    except ValueError:
        return email.lower()


async def _limit_login(request: Request, email: str) -> None:
    """Count this attempt; raises RateLimited (LimitsUnavailable when Redis cannot be reached)."""
    settings, address = request.app.state.settings, client_ip(request)
    checks = [
        (f"login:pair:{_device_mark(email)}:{address}", settings.login_rate_pair, "account and address"),
        (f"login:ip:{address}", settings.login_rate_ip, "address"),
    ]
    device = _device(request)
    if _device_mark(email) in device["m"]:
        # A browser that logged in before skips the account's ceiling, but is held, over all addresses, to the
        # pair's rate: a copied device cookie does not open unlimited guessing from many addresses.
        checks.append((f"login:device:{device['d']}", settings.login_rate_pair, "browser"))
    else:
        checks.append((f"login:account:{_device_mark(email)}", settings.login_rate_account, "account"))
    await ratelimit.check_many(request.app.state.limiter, checks, fail_closed=True)


def _refused(request: Request, values: dict[str, str], message: str, status: int, retry_after: int) -> Response:
    context = {"values": values, "errors": {"email": message}}
    response = render(request, "dashboard/login.html", context, status=status, private=True)
    response.headers["Retry-After"] = str(retry_after)
    return response


@csrf_protect
async def login(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email") or "").strip()[:254]
    password = str(form.get("password") or "")[:1000]
    values = {"email": email, "next": _safe_next(form.get("next")) or ""}
    try:
        await _limit_login(request, _account(email))
    except LimitsUnavailable as exc:
        message = f"Logging in is paused for a moment: {exc.message}. Try again in {exc.retry_after} seconds."
        return _refused(request, values, message, 503, exc.retry_after)
    except RateLimited as exc:
        message = f"Too many attempts. Try again in {exc.retry_after} seconds."
        return _refused(request, values, message, 429, exc.retry_after)
    membership = await accounts.authenticate_password(email, password) if email and password else None
    if membership is None:
        errors = {"email": "That email and password do not match an organizer account."}
        return render(request, "dashboard/login.html", {"values": values, "errors": errors}, status=422, private=True)
    await start_session(request, membership)
    response = RedirectResponse(values["next"] or path(request, "dash:home"), status_code=303)
    _remember_device(request, response, _account(email))
    return response


@csrf_protect
async def logout(request: Request) -> Response:
    await sessions.end(request.session.get(SESSION_KEY))
    request.session.clear()
    return RedirectResponse(path(request, "pages:login"), status_code=303)
