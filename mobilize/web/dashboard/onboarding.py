"""Invitations by email link (sent from the dashboard, accepted on a public page that logs the new organizer
in) and password resets by email link."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mobilize.models import Role
from mobilize.services import ratelimit
from mobilize.services.access import Actor
from mobilize.services.accounts import onboarding
from mobilize.services.errors import Conflict, Forbidden, Invalid, RateLimited
from mobilize.services.events import groups
from mobilize.services.outbox import after_commit
from mobilize.web.csrf import csrf_protect
from mobilize.web.dashboard.session import back, dash_render, organizer_page, start_session
from mobilize.web.urls import public_url
from mobilize.web.views import path, render, sentence

RESET_RATE = (5, 3600)  # reset emails per address asked for, per hour
ROLE_LABELS = {
    "owner": "Owner: everything, including other owners",
    "admin": "Admin: everything but owners",
    "organizer": "Organizer: events, rosters, turnout of every group",
    "host": "Host: runs the events of the groups chosen below",
    "viewer": "Viewer: reads only",
}


async def _invitations_page(request: Request, actor: Actor, status: int = 200, **extra: object) -> Response:
    invitations = await onboarding.pending_invitations(actor)
    context = {
        "invitations": invitations,
        "emails": await onboarding.invitation_emails(actor, invitations),
        "groups": (await groups.list_groups(actor, None, 100)).items,
        "roles": ROLE_LABELS,
        "values": {"role": "organizer"},
        "errors": {},
    } | extra
    return dash_render(request, actor, "dashboard/invitations.html", context, status=status)


@organizer_page
async def invitations_page(request: Request, actor: Actor) -> Response:
    return await _invitations_page(request, actor)


@organizer_page
async def invite(request: Request, actor: Actor) -> Response:
    form = await request.form()
    email = str(form.get("email") or "").strip()[:254]
    role_raw = str(form.get("role") or "")
    chosen = [g for g in form.getlist("groups") if isinstance(g, str)]
    values = {"email": email, "role": role_raw, "groups": chosen, "can_export": form.get("can_export") is not None}
    link = public_url(request, path(request, "pages:invitation", token="TOKEN")).replace("TOKEN", "{token}")
    try:
        if role_raw not in ROLE_LABELS:
            raise Invalid.field("role", "choose a role")
        _, message_id = await onboarding.invite(actor, email, Role(role_raw), chosen, bool(values["can_export"]), link)
    except (Invalid, Forbidden) as exc:
        errors = {k: sentence(v) for k, v in (exc.fields or {"role": exc.message}).items()}
        status = 403 if isinstance(exc, Forbidden) else 422
        return await _invitations_page(request, actor, status, values=values, errors=errors)
    after_commit.deliver([message_id])
    return back(request, f"Invitation sent to {email}.", "dash:invitations")


async def invitation_page(request: Request) -> Response:
    invitation = await onboarding.open_invitation(request.path_params["token"])
    context = {"invitation": invitation, "values": {"email": invitation.email}, "errors": {}}
    return render(request, "dashboard/accept.html", context, private=True)


@csrf_protect
async def accept_invitation(request: Request) -> Response:
    token = request.path_params["token"]
    invitation = await onboarding.open_invitation(token)
    form = await request.form()
    name, password = str(form.get("name") or ""), str(form.get("password") or "")
    try:
        membership = await onboarding.accept(token, name, password)
    except (Invalid, Conflict) as exc:
        errors = {k: sentence(v) for k, v in (exc.fields or {"name": exc.message}).items()}
        context = {"invitation": invitation, "values": {"email": invitation.email, "name": name}, "errors": errors}
        return render(request, "dashboard/accept.html", context, status=422, private=True)
    await start_session(request, membership)
    return RedirectResponse(path(request, "dash:home"), status_code=303)


# ---- password resets ----------------------------------------------------------------------------------


async def reset_request_page(request: Request) -> Response:
    return render(request, "dashboard/reset.html", {"values": {}, "errors": {}, "sent": False}, private=True)


@csrf_protect
async def reset_request(request: Request) -> Response:
    email = str((await request.form()).get("email") or "").strip()[:254]
    settings = request.app.state.settings
    try:
        await ratelimit.check(request.app.state.limiter, f"reset:{email.lower()}", RESET_RATE, "address")
    except RateLimited:
        pass  # the same answer: nothing tells whether an account exists or how often it was asked for
    else:
        link = public_url(request, path(request, "pages:reset-choose")) + "?token={token}"
        message_id = await onboarding.request_reset(settings.secret, email, link)
        if message_id is not None:
            after_commit.deliver([message_id])
    return render(request, "dashboard/reset.html", {"values": {}, "errors": {}, "sent": True}, private=True)


async def reset_choose_page(request: Request) -> Response:
    token = (request.query_params.get("token") or "")[:500]
    await onboarding.organizer_for_reset(request.app.state.settings.secret, token)
    return render(request, "dashboard/reset_choose.html", {"token": token, "errors": {}}, private=True)


@csrf_protect
async def reset_choose(request: Request) -> Response:
    form = await request.form()
    token = str(form.get("token") or "")[:500]
    try:
        await onboarding.reset_password(request.app.state.settings.secret, token, str(form.get("password") or ""))
    except Invalid as exc:
        errors = {k: sentence(v) for k, v in exc.fields.items()}
        return render(
            request, "dashboard/reset_choose.html", {"token": token, "errors": errors}, status=422, private=True
        )
    request.session.clear()
    return RedirectResponse(path(request, "pages:login") + "?reset=1", status_code=303)
