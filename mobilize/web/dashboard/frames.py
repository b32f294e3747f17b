"""Action groups and campaigns in the dashboard: the list, create and edit (owners, admins and organizers, as
services.events.groups rules), and a message to everyone signed up for a group's coming shifts, shown
first as counts of who will and will not receive it."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from mobilize.schemas import BlastIn, CampaignIn, CampaignPatch, GroupIn, GroupPatch
from mobilize.services.access import MANAGER_ROLES, Actor
from mobilize.services.errors import Conflict, Invalid
from mobilize.services.events import groups
from mobilize.services.outbox import blasts
from mobilize.web.api.common import validation_fields
from mobilize.web.dashboard import messaging
from mobilize.web.dashboard.session import back, dash_render, organizer_page
from mobilize.web.views import path, sentence

KINDS: dict[str, dict[str, Any]] = {
    "group": {"fields": ("slug", "name", "postal_code", "description"), "create": GroupIn, "patch": GroupPatch},
    "campaign": {
        "fields": ("slug", "name", "starts_on", "ends_on", "description"),
        "create": CampaignIn,
        "patch": CampaignPatch,
    },
}


def _errors(exc: ValidationError | Invalid | Conflict) -> dict[str, str]:
    raw = validation_fields(exc) if isinstance(exc, ValidationError) else exc.fields or {"form": exc.message}
    return {k: sentence(v) for k, v in raw.items()}


@organizer_page
async def frames_page(request: Request, actor: Actor) -> Response:
    context = {
        "groups": await groups.visible_groups(actor),
        "campaigns": [] if actor.is_host else (await groups.list_campaigns(actor, None, 200)).items,
        "can_manage": actor.role in MANAGER_ROLES,
        "can_write": actor.role.value != "viewer",
    }
    return dash_render(request, actor, "dashboard/frames.html", context)


def _form(request: Request, actor: Actor, kind: str, values: dict[str, str], errors: dict[str, str],
          editing: str | None, status: int = 200) -> Response:  # fmt: skip
    context = {"kind": kind, "values": values, "errors": errors, "editing": editing}
    return dash_render(request, actor, "dashboard/frame_form.html", context, status=status)


async def _current(actor: Actor, kind: str, slug: str) -> Any:
    return await (groups.get_group(actor, slug) if kind == "group" else groups.get_campaign(actor, slug))


def _kind(request: Request) -> str:
    return "group" if request.url.path.startswith(str(request.app.url_path_for("dash:frames"))) else "campaign"


@organizer_page
async def new_page(request: Request, actor: Actor) -> Response:
    actor.require_manager()
    kind = _kind(request)
    return _form(request, actor, kind, dict.fromkeys(KINDS[kind]["fields"], ""), {}, None)


@organizer_page
async def create(request: Request, actor: Actor) -> Response:
    actor.require_manager()
    kind = _kind(request)
    form = await request.form()
    values = {k: str(form.get(k) or "").strip()[:5000] for k in KINDS[kind]["fields"]}
    body = {k: v for k, v in values.items() if v or k in ("slug", "name")}
    try:
        data = KINDS[kind]["create"].model_validate(body)
        made = await (groups.create_group(actor, data) if kind == "group" else groups.create_campaign(actor, data))
    except (ValidationError, Invalid, Conflict) as exc:
        return _form(request, actor, kind, values, _errors(exc), None, status=422)
    return back(request, f"Created “{made.name}”.", "dash:frames")


@organizer_page
async def edit_page(request: Request, actor: Actor) -> Response:
    kind, slug = _kind(request), str(request.path_params["slug"])
    current = await _current(actor, kind, slug)
    actor.require_manager()
    values = {k: str(getattr(current, k, "") or "") for k in KINDS[kind]["fields"]}
    return _form(request, actor, kind, values, {}, slug)


@organizer_page
async def update(request: Request, actor: Actor) -> Response:
    kind, slug = _kind(request), str(request.path_params["slug"])
    await _current(actor, kind, slug)  # another organization's: 404 before anything else
    form = await request.form()
    values = {k: str(form.get(k) or "").strip()[:5000] for k in KINDS[kind]["fields"]} | {"slug": slug}
    body: dict[str, str | None] = {k: v for k, v in values.items() if k != "slug"}
    if kind == "campaign":
        body = {k: (v or None) if k in ("starts_on", "ends_on") else v for k, v in body.items()}
    try:
        data = KINDS[kind]["patch"].model_validate(body)
        if kind == "group":
            await groups.update_group(actor, slug, data)
        else:
            await groups.update_campaign(actor, slug, data)
    except (ValidationError, Invalid, Conflict) as exc:
        return _form(request, actor, kind, values, _errors(exc), slug, status=422)
    return back(request, "Saved.", "dash:frames")


# ---- a message to a group's people ------------------------------------------------------------------


async def _audience(request: Request, actor: Actor) -> messaging.Audience:
    group = await groups.get_group(actor, str(request.path_params["slug"]))
    actor.require_writer(group.id)

    async def send(data: BlastIn, key: str | None, preview: bool, quiet: Any) -> blasts.BlastResult:
        return await blasts.blast_group(actor, group.slug, data, idempotency_key=key, quiet=quiet, preview=preview)

    return messaging.Audience(
        name=group.name,
        goes_to="everyone signed up for this group's coming shifts, once per person",
        action=path(request, "dash:group-message-post", slug=group.slug),
        done="dash:frames",
        send=send,
    )


message_page, message = messaging.endpoints(_audience)
