"""API tokens in the dashboard: an organizer creates (shown once) and revokes their own tokens."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mobilize.services import accounts
from mobilize.services.access import Actor
from mobilize.services.errors import Invalid
from mobilize.web.dashboard.session import back, dash_render, organizer_page


async def _page(request: Request, actor: Actor, **extra: object) -> Response:
    context = {"tokens": await accounts.list_tokens(actor), "new_token": None, "errors": {}, "values": {}} | extra
    status = 422 if extra.get("errors") else 200
    return dash_render(request, actor, "dashboard/tokens.html", context, status=status)


@organizer_page
async def tokens_page(request: Request, actor: Actor) -> Response:
    return await _page(request, actor)


@organizer_page
async def token_create(request: Request, actor: Actor) -> Response:
    name = str((await request.form()).get("name") or "")
    try:
        token = await accounts.create_token(actor, name)
    except Invalid as exc:
        return await _page(request, actor, errors={"name": exc.fields.get("name", exc.message)}, values={"name": name})
    # Shown in this answer only (never in a redirect, a cookie or a log): it cannot be read again.
    return await _page(request, actor, new_token=token)


@organizer_page
async def token_revoke(request: Request, actor: Actor) -> Response:
    token = await accounts.revoke_token(actor, int(request.path_params["token_id"]))
    return back(request, f"Revoked “{token.name}” ({token.prefix}…). It stops working at once.", "dash:tokens")
