"""Editing a volunteer's record from the dashboard: contact, postal code, member id, notes and tags, through
the same service (and the same contact normalization) as the API's PATCH."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Invalid
from mobilize.services.people import directory
from mobilize.web.dashboard.session import back, dash_render, organizer_page
from mobilize.web.forms import normalized_contact
from mobilize.web.views import sentence

FIELDS = ("name", "phone", "email", "postal_code", "member_id", "notes", "tags")
LIMITS = {"notes": directory.MAX_NOTES, "tags": 4000}


def split_tags(raw: str) -> list[str]:
    """Tags as typed: separated by commas; blanks dropped."""
    return [t.strip() for t in raw.split(",") if t.strip()]


async def _form(request: Request, actor: Actor, volunteer_id: int, values: dict[str, str], errors: dict[str, str],
                status: int = 200) -> Response:  # fmt: skip
    volunteer = await directory.get_volunteer(actor, volunteer_id)
    context = {"v": volunteer, "values": values, "errors": errors}
    return dash_render(request, actor, "dashboard/volunteer_edit.html", context, status=status)


@organizer_page
async def edit_page(request: Request, actor: Actor) -> Response:
    volunteer_id = int(request.path_params["volunteer_id"])
    volunteer = await directory.get_volunteer(actor, volunteer_id)
    actor.require_writer()  # viewers read records only
    tags = (await directory.tags_of([volunteer.id]))[volunteer.id]
    values = {k: str(getattr(volunteer, k, "") or "") for k in FIELDS if k != "tags"} | {"tags": ", ".join(tags)}
    return await _form(request, actor, volunteer_id, values, {})


@organizer_page
async def update(request: Request, actor: Actor) -> Response:
    """Save the form; a blank phone, email or member id clears it (a record keeps a phone or an email)."""
    volunteer_id = int(request.path_params["volunteer_id"])
    await directory.get_volunteer(actor, volunteer_id)  # another organization's record: 404 before the role's 403
    form = await request.form()
    values = {k: str(form.get(k) or "").strip()[: LIMITS.get(k, 254)] for k in FIELDS}
    try:
        phone, email = normalized_contact(values["phone"], values["email"], request.app.state.settings.phone_region)
        changes = directory.Changes(
            name=values["name"][:200],
            phone=phone,
            email=email,
            postal_code=values["postal_code"][:16],
            notes=values["notes"],
            member_id=values["member_id"][:64] or None,
            tags=split_tags(values["tags"]),
            clear=frozenset(f for f in ("phone", "email", "member_id") if not values[f]),
        )
        await directory.update_volunteer(actor, volunteer_id, changes)
    except (Invalid, Conflict) as exc:
        errors = {k: sentence(v) for k, v in (exc.fields or {"form": exc.message}).items()}
        return await _form(
            request, actor, volunteer_id, values, errors, status=422 if isinstance(exc, Invalid) else 409
        )
    return back(request, "Saved the record.", "dash:volunteer", volunteer_id=volunteer_id)
