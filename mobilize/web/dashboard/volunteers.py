"""Volunteers in the dashboard: search, a person's history with the organization, merging two records."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from mobilize.models import SignupStatus
from mobilize.services import hosting
from mobilize.services.access import MANAGER_ROLES, Actor
from mobilize.services.errors import Invalid, NotFound
from mobilize.services.gaps import standby
from mobilize.services.people import directory as volunteers
from mobilize.services.people import history as volunteer_records
from mobilize.services.signups import merge as merging
from mobilize.web.dashboard.session import back, dash_render, organizer_page
from mobilize.web.text import row_id
from mobilize.web.views import STATUS_LABELS, format_span


@organizer_page
async def search(request: Request, actor: Actor) -> Response:
    q = (request.query_params.get("q") or "").strip()[:100]
    tag = (request.query_params.get("tag") or "").strip()[:64]
    cursor = request.query_params.get("cursor") or None
    page = await volunteers.list_volunteers(actor, cursor, 50, search=q or None, tag=tag or None)
    tags = await volunteers.tags_of([v.id for v in page.items])
    context = {
        "q": q,
        "tag": tag,
        "people": page.items,
        "tags": tags,
        "next_cursor": page.next_cursor,
        "can_manage": actor.role in MANAGER_ROLES,
    }
    return dash_render(request, actor, "dashboard/volunteers.html", context)


@organizer_page
async def record(request: Request, actor: Actor) -> Response:
    found = await volunteer_records.history(actor, int(request.path_params["volunteer_id"]))
    now = datetime.now(UTC)
    rows = [
        {
            "signup": s,
            "title": s.shift.event.title,
            "group": s.shift.event.group.name,
            "when": format_span(s.shift.starts_at, s.shift.ends_at, s.shift.event.timezone, now),
            "label": STATUS_LABELS[SignupStatus(s.status)],
        }
        for s in found.signups
    ]
    choices = await standby.volunteer_standby(actor, found.volunteer.id)
    context = {
        "h": found,
        "rows": rows,
        "can_merge": actor.role.value in ("owner", "admin"),
        "can_write": actor.role.value != "viewer",
        "standby_on": [g for g, on in choices if on],
        "standby_off": [g for g, on in choices if not on],
        "errors": {},
        "hosted": await hosting.host_history(actor, found.volunteer.id),
        "tags": (await volunteers.tags_of([found.volunteer.id]))[found.volunteer.id],
    }
    return dash_render(request, actor, "dashboard/volunteer.html", context)


@organizer_page
async def merge(request: Request, actor: Actor) -> Response:
    keep_id = int(request.path_params["volunteer_id"])
    raw = str((await request.form()).get("duplicate") or "").strip()
    try:
        duplicate = row_id(raw)
        if duplicate is None:
            raise Invalid.field("duplicate", "give the number of the duplicate record")
        merged = await merging.merge(actor, keep_id, duplicate)
    except (Invalid, NotFound) as exc:
        return back(request, f"Nothing was merged: {exc.message}.", "dash:volunteer", volunteer_id=keep_id)
    return back(request, f"Merged record {raw} into this one.", "dash:volunteer", volunteer_id=merged.volunteer.id)


@organizer_page
async def standby_change(request: Request, actor: Actor) -> Response:
    """Put the volunteer on a group's standby list, or take them off."""
    volunteer_id = int(request.path_params["volunteer_id"])
    form = await request.form()
    slug, action = str(form.get("group") or ""), str(form.get("action") or "")
    try:
        if action == "add":
            row, _ = await standby.add_standby(actor, slug, volunteer_id)
            notice = f"On standby for {row.group.name}: asked by SMS when one of its shifts needs people."
        elif action == "remove":
            await standby.remove_standby(actor, slug, volunteer_id)
            notice = "Taken off the standby list."
        else:
            raise Invalid.field("action", "add or remove")
    except (Invalid, NotFound) as exc:
        notice = f"Nothing changed: {exc.message}."
    return back(request, notice, "dash:volunteer", volunteer_id=volunteer_id)
