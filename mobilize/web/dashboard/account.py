"""The organizer's own account in the dashboard: change the password (every other session ends), see the
browsers logged in, and sign out everywhere."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mobilize.services import accounts, ratelimit
from mobilize.services.access import Actor
from mobilize.services.accounts import sessions
from mobilize.services.errors import Invalid, RateLimited
from mobilize.services.ratelimit import LimitsUnavailable
from mobilize.web.dashboard.session import SESSION_KEY, back, dash_render, organizer_page
from mobilize.web.views import path, sentence

PASSWORD_CHANGE_RATE = (10, 300)  # current-password guesses per organizer: a stolen session cannot brute-force it


async def _page(request: Request, actor: Actor, status: int = 200, errors: dict[str, str] | None = None) -> Response:
    current = request.session.get(SESSION_KEY)
    rows = await sessions.list_sessions(actor.organizer_id)
    context = {
        "organizer": await accounts.organizer_of(actor),
        "sessions": [{"row": row, "current": sessions.same_session(row, current)} for row in rows],
        "errors": errors or {},
    }
    return dash_render(request, actor, "dashboard/account.html", context, status=status)


@organizer_page
async def account_page(request: Request, actor: Actor) -> Response:
    return await _page(request, actor)


@organizer_page
async def password_change(request: Request, actor: Actor) -> Response:
    form = await request.form()
    current, new = str(form.get("current_password") or "")[:1000], str(form.get("password") or "")
    try:
        await ratelimit.check(
            request.app.state.limiter, f"password-change:{actor.organizer_id}", PASSWORD_CHANGE_RATE, "account",
            fail_closed=True,
        )  # fmt: skip
        ended = await accounts.change_password(actor.organizer_id, current, new, request.session.get(SESSION_KEY))
    except LimitsUnavailable as exc:
        message = f"Password changes are paused for a moment: {exc.message}. Try again in {exc.retry_after} seconds."
        return await _page(request, actor, 503, {"current_password": message})
    except RateLimited as exc:
        errors = {"current_password": f"Too many attempts. Try again in {exc.retry_after} seconds."}
        return await _page(request, actor, 429, errors)
    except Invalid as exc:
        return await _page(request, actor, 422, {k: sentence(v) for k, v in exc.fields.items()})
    others = "No other session was open." if not ended else f"{ended} other session(s) signed out."
    return back(request, f"Password changed. {others}", "dash:account")


@organizer_page
async def sign_out_everywhere(request: Request, actor: Actor) -> Response:
    await sessions.end_all(actor.organizer_id)
    request.session.clear()
    return RedirectResponse(path(request, "pages:login") + "?signed_out=1", status_code=303)
