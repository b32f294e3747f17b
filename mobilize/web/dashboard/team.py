"""The team page (who organizes here, with which role; owners and admins change roles, remove people and
send a pending invitation again) and the audit log (exports, merges, edits of records, team changes)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mobilize.models import Role
from mobilize.services import audit
from mobilize.services.access import Actor
from mobilize.services.accounts import onboarding, team
from mobilize.services.accounts.onboarding import INVITERS
from mobilize.services.errors import Conflict, Invalid
from mobilize.services.outbox import after_commit
from mobilize.web.dashboard.onboarding import ROLE_LABELS
from mobilize.web.dashboard.session import back, dash_render, organizer_page
from mobilize.web.urls import public_url
from mobilize.web.views import format_moment, path, sentence

AUDIT_LIMIT = 200


@organizer_page
async def team_page(request: Request, actor: Actor) -> Response:
    invitations = await onboarding.pending_invitations(actor) if actor.role in INVITERS else []
    context = {
        "members": await team.members(actor),
        "invitations": invitations,
        "roles": ROLE_LABELS,
        "can_manage": actor.role in INVITERS,
        "is_owner": actor.role == Role.OWNER,
    }
    return dash_render(request, actor, "dashboard/team.html", context)


def _membership_id(request: Request) -> int:
    return int(request.path_params["membership_id"])


@organizer_page
async def change_role(request: Request, actor: Actor) -> Response:
    raw = str((await request.form()).get("role") or "")
    try:
        if raw not in ROLE_LABELS:
            raise Invalid.field("role", "choose a role")
        membership = await team.set_role(actor, _membership_id(request), Role(raw))
    except (Invalid, Conflict) as exc:
        return back(request, f"Nothing changed: {sentence(exc.message)}", "dash:team")
    await membership.fetch_related("organizer")
    return back(request, f"{membership.organizer.name} is now {raw}.", "dash:team")


@organizer_page
async def remove_member(request: Request, actor: Actor) -> Response:
    try:
        membership = await team.remove(actor, _membership_id(request))
    except Conflict as exc:
        return back(request, f"Nobody was removed: {sentence(exc.message)}", "dash:team")
    return back(request, f"{membership.organizer.name} is no longer on the team.", "dash:team")


@organizer_page
async def resend(request: Request, actor: Actor) -> Response:
    link = public_url(request, path(request, "pages:invitation", token="TOKEN")).replace("TOKEN", "{token}")
    try:
        fresh, message_id = await team.resend_invitation(actor, int(request.path_params["invitation_id"]), link)
    except Invalid as exc:
        return back(request, f"Nothing was sent: {sentence(exc.message)}", "dash:team")
    after_commit.deliver([message_id])
    return back(request, f"A new invitation is on its way to {fresh.email}; the old link no longer works.", "dash:team")


@organizer_page
async def audit_page(request: Request, actor: Actor) -> Response:
    team.require_manager(actor)
    rows = await audit.entries(actor, AUDIT_LIMIT)
    context = {
        "rows": [
            {
                "when": format_moment(r.created_at, actor.timezone),
                "who": r.organizer.name if r.organizer else "(a deleted account)",
                "action": r.action,
                "detail": ", ".join(f"{k}: {v}" for k, v in (r.detail or {}).items()),
            }
            for r in rows
        ],
        "limit": AUDIT_LIMIT,
    }
    return dash_render(request, actor, "dashboard/audit.html", context)


@organizer_page
async def settings_page(request: Request, actor: Actor) -> Response:
    team.require_manager(actor)
    org = await team.organization(actor)
    context = {"org": org, "values": {"name": org.name, "timezone": org.timezone}, "errors": {}}
    return dash_render(request, actor, "dashboard/settings.html", context)


@organizer_page
async def settings_update(request: Request, actor: Actor) -> Response:
    team.require_manager(actor)
    form = await request.form()
    values = {k: str(form.get(k) or "")[:300] for k in ("name", "timezone")}
    if "timezone" not in form:  # a form from before the field existed: the zone stays as it is
        values["timezone"] = (await team.organization(actor)).timezone
    try:
        org = await team.update_settings(actor, values["name"], values["timezone"])
    except Invalid as exc:
        org = await team.organization(actor)
        errors = {k: sentence(v) for k, v in (exc.fields or {"name": exc.message}).items()}
        context = {"org": org, "values": values, "errors": errors}
        return dash_render(request, actor, "dashboard/settings.html", context, status=422)
    return back(
        request,
        f"Saved. Texts and emails from now on use this name; times not about one event are in {org.timezone}.",
        "dash:settings",
    )
