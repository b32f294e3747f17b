"""Saved lists in the dashboard: the organization's lists with how many people each holds now, one list's
conditions and people, create, edit and delete (owners, admins, organizers), and a message to a list through
the same form as a group's (web.dashboard.messaging)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mobilize.models import ListHistory, SavedList, TagMatch
from mobilize.schemas import BlastIn
from mobilize.services.access import MANAGER_ROLES, Actor
from mobilize.services.errors import Invalid
from mobilize.services.events import groups
from mobilize.services.outbox import blasts
from mobilize.services.people import directory, lists
from mobilize.web.dashboard import messaging
from mobilize.web.dashboard.session import back, dash_render, organizer_page
from mobilize.web.views import path, sentence

PAGE_SIZE = 50
HISTORY_LABELS = {
    ListHistory.ANY: "Any (with a group or a first day: signed up for them)",
    ListHistory.SIGNED_UP: "Signed up at least once",
    ListHistory.ATTENDED: "Came at least once",
    ListHistory.NEVER: "Never signed up",
}
TAG_MATCH_LABELS = {TagMatch.ANY: "Any of these tags", TagMatch.ALL: "All of these tags"}


def _list_id(request: Request) -> int:
    return int(request.path_params["list_id"])


@organizer_page
async def index(request: Request, actor: Actor) -> Response:
    rows = [
        {"list": saved, "rules": lists.describe(saved), "count": await lists.count_members(actor, saved)}
        for saved in await lists.saved_lists(actor)
    ]
    context = {"rows": rows, "can_manage": actor.role in MANAGER_ROLES}
    return dash_render(request, actor, "dashboard/lists.html", context)


@organizer_page
async def list_page(request: Request, actor: Actor) -> Response:
    saved = await lists.get_list(actor, _list_id(request))
    cursor = request.query_params.get("cursor") or None
    found = await lists.member_page(actor, saved, cursor, PAGE_SIZE)
    context = {
        "list": saved,
        "rules": lists.describe(saved),
        "count": await lists.count_members(actor, saved),
        "people": found.items,
        "tags": await directory.tags_of([v.id for v in found.items]),
        "next_cursor": found.next_cursor,
        "can_manage": actor.role in MANAGER_ROLES,
    }
    return dash_render(request, actor, "dashboard/list.html", context)


async def _form(request: Request, actor: Actor, values: dict[str, str], errors: dict[str, str],
                editing: SavedList | None, status: int = 200) -> Response:  # fmt: skip
    context = {
        "values": values,
        "errors": errors,
        "editing": editing,
        "groups": await groups.visible_groups(actor),
        "histories": HISTORY_LABELS,
        "tag_matches": TAG_MATCH_LABELS,
    }
    return dash_render(request, actor, "dashboard/list_form.html", context, status=status)


def _errors(exc: Invalid) -> dict[str, str]:
    return {k: sentence(v) for k, v in (exc.fields or {"form": exc.message}).items()}


async def _values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(form.get(k) or "")[:4000] for k in lists.FIELDS}


@organizer_page
async def new_page(request: Request, actor: Actor) -> Response:
    """An empty form; `?tags=` (the volunteers page's tag filter) starts it with those tags."""
    lists.require_list_writer(actor)
    values = dict.fromkeys(lists.FIELDS, "") | {"tag_match": "any", "history": "any"}
    values["tags"] = (request.query_params.get("tags") or "")[:500]
    return await _form(request, actor, values, {}, None)


@organizer_page
async def create(request: Request, actor: Actor) -> Response:
    lists.require_list_writer(actor)
    values = await _values(request)
    try:
        saved = await lists.create_list(actor, await lists.parse_rules(actor, values))
    except Invalid as exc:
        return await _form(request, actor, values, _errors(exc), None, status=422)
    return back(request, f"Saved the list “{saved.name}”.", "dash:list", list_id=saved.id)


@organizer_page
async def edit_page(request: Request, actor: Actor) -> Response:
    saved = await lists.get_list(actor, _list_id(request))
    lists.require_list_writer(actor)
    values = lists.values_of(saved, saved.group.slug if saved.group else "")
    return await _form(request, actor, values, {}, saved)


@organizer_page
async def update(request: Request, actor: Actor) -> Response:
    saved = await lists.get_list(actor, _list_id(request))  # another organization's: 404 before the role's 403
    lists.require_list_writer(actor)
    values = await _values(request)
    try:
        saved = await lists.update_list(actor, saved.id, await lists.parse_rules(actor, values))
    except Invalid as exc:
        return await _form(request, actor, values, _errors(exc), saved, status=422)
    return back(request, "Saved the list.", "dash:list", list_id=saved.id)


@organizer_page
async def delete(request: Request, actor: Actor) -> Response:
    saved = await lists.delete_list(actor, _list_id(request))
    return back(request, f"Deleted the list “{saved.name}” (nobody's record changed).", "dash:lists")


async def _audience(request: Request, actor: Actor) -> messaging.Audience:
    saved = await lists.get_list(actor, _list_id(request))
    lists.require_list_writer(actor)

    async def send(data: BlastIn, key: str | None, preview: bool, quiet: Any) -> blasts.BlastResult:
        return await blasts.blast_list(actor, saved.id, data, idempotency_key=key, quiet=quiet, preview=preview)

    rules = "; ".join(lists.describe(saved)).lower()
    return messaging.Audience(
        name=saved.name,
        goes_to=f"everyone this list holds right now ({rules}), once per person; quiet hours are counted in "
        f"{actor.timezone}",
        action=path(request, "dash:list-message-post", list_id=saved.id),
        done="dash:list",
        done_params={"list_id": saved.id},
        send=send,
    )


message_page, message = messaging.endpoints(_audience)
