"""One shift's edit (day, times in the event's zone, capacity, target) and cancellation from the dashboard,
through services.events.shifts: people signed up hear of a new time or a cancellation, and a larger capacity
gives waitlisted people a seat at once."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from mobilize.schemas import ShiftPatch
from mobilize.services import events
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Invalid
from mobilize.web.dashboard.events import SHIFT_FORM_NAMES, _field_errors, _local, _number
from mobilize.web.dashboard.session import back, dash_render, organizer_page
from mobilize.web.views import format_span, sentence

FIELDS = ("date", "starts", "ends", "one_capacity", "one_target")


async def _page(request: Request, actor: Actor, shift_id: int, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status: int = 200) -> Response:  # fmt: skip
    shift = await events.get_shift(actor, shift_id)
    actor.require_writer(shift.event.group_id)  # type: ignore[attr-defined]
    zone = shift.event.timezone
    start, end = shift.starts_at.astimezone(ZoneInfo(zone)), shift.ends_at.astimezone(ZoneInfo(zone))
    current = {
        "date": start.date().isoformat(), "starts": start.strftime("%H:%M"), "ends": end.strftime("%H:%M"),
        "one_capacity": str(shift.capacity), "one_target": str(shift.target),
    }  # fmt: skip
    context = {
        "shift": shift,
        "event": shift.event,
        "when": format_span(shift.starts_at, shift.ends_at, zone),
        "values": current | (values or {}),
        "errors": errors or {},
    }
    return dash_render(request, actor, "dashboard/shift_edit.html", context, status=status)


@organizer_page
async def edit_page(request: Request, actor: Actor) -> Response:
    return await _page(request, actor, int(request.path_params["shift_id"]))


@organizer_page
async def update(request: Request, actor: Actor) -> Response:
    shift_id = int(request.path_params["shift_id"])
    shift = await events.get_shift(actor, shift_id)
    form = await request.form()
    values = {k: str(form.get(k) or "").strip()[:20] for k in FIELDS}
    try:
        zone = shift.event.timezone
        starts = _local(values["date"], values["starts"], zone, "starts")
        ends = _local(values["date"], values["ends"], zone, "ends")
        if ends <= starts:
            ends += timedelta(days=1)  # ends after midnight
        patch = ShiftPatch.model_validate(
            {"starts_at": starts, "ends_at": ends, "capacity": _number(form, "one_capacity", shift.capacity),
             "target": _number(form, "one_target", shift.target)}
        )  # fmt: skip
        _, change = await events.update_shift(actor, shift_id, patch)
    except (ValidationError, Invalid, Conflict) as exc:
        errors = _field_errors(exc) if not isinstance(exc, Conflict) else {"form": sentence(exc.message)}
        errors = {SHIFT_FORM_NAMES.get(k, k): v for k, v in errors.items()}
        return await _page(request, actor, shift_id, values, errors, status=422)
    told = len(change.tell) + len(change.promoted)
    notice = "Saved the shift." + (f" {told} people are being told." if told else "")
    return back(request, notice, "dash:roster", shift_id=shift_id)


@organizer_page
async def cancel(request: Request, actor: Actor) -> Response:
    shift, affected = await events.remove_shift(actor, int(request.path_params["shift_id"]))
    notice = f"Cancelled the shift. {len(affected)} people signed up are being told." if affected else "Cancelled."
    return back(request, notice, "dash:event", event_id=shift.event_id)  # type: ignore[attr-defined]
