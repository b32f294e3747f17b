"""Dashboard pages for events and shifts: the list, create, edit, cancel, duplicate, one shift at a time or
a picket schedule from a simple form."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mobilize.models import Event, EventType, PartnershipStatus, Visibility
from mobilize.schemas import MAX_YEAR, MIN_YEAR, EventIn, EventPatch, ShiftsCreate
from mobilize.services import coalitions, events
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Invalid
from mobilize.services.events import groups, schedules
from mobilize.services.reports import board, forecast
from mobilize.web.api.common import validation_fields
from mobilize.web.dashboard.session import back, dash_render, organizer_page
from mobilize.web.text import whole_number
from mobilize.web.views import event_path, format_span, sentence

EVENT_FIELDS = (
    "title", "group", "campaign", "event_type", "timezone", "visibility", "venue", "address", "city", "region",
    "postal_code", "virtual_url", "description", "instructions",
)  # fmt: skip
LOCATION = ("venue", "address", "city", "region", "postal_code")
VISIBILITY_LABELS = {
    "public": "Public: listed on the event finder",
    "unlisted": "Unlisted: anyone with the link",
    "private": "Private: organizers only",
}
# The one-shift form's field names for the schema's (its capacity and target sit beside the schedule's).
SHIFT_FORM_NAMES = {"starts_at": "starts", "ends_at": "ends", "capacity": "one_capacity", "target": "one_target"}


def _text(form: FormData, name: str, limit: int = 5000) -> str:
    raw = form.get(name)
    return raw.strip()[:limit] if isinstance(raw, str) else ""


def _field_errors(exc: ValidationError | Invalid) -> dict[str, str]:
    raw = validation_fields(exc) if isinstance(exc, ValidationError) else exc.fields or {"form": exc.message}
    return {name.removeprefix("location."): sentence(message) for name, message in raw.items()}


async def _choices(actor: Actor) -> dict[str, Any]:
    page = await groups.list_groups(actor, None, 100)
    campaigns = await groups.list_campaigns(actor, None, 100) if not actor.is_host else None
    options = [(c.slug, c.name) for c in campaigns.items] if campaigns else []
    if not actor.is_host:  # the campaigns of other organizations this one accepted to join
        for p in await coalitions.partnerships(actor):
            if p.status == PartnershipStatus.ACCEPTED:
                convener = p.campaign.organization
                options.append((f"{convener.slug}/{p.campaign.slug}", f"{p.campaign.name} ({convener.name})"))
    return {
        "group_options": [(g.slug, g.name) for g in page.items],
        "campaign_options": options,
        "type_options": [(t.value, t.value.replace("_", " ").capitalize()) for t in EventType],
        "visibility_options": [(v.value, VISIBILITY_LABELS[v.value]) for v in Visibility],
    }


def campaign_value(actor: Actor, event: Event) -> str:
    """The form's value for the event's campaign: its slug, or CONVENER/SLUG for another organization's."""
    if event.campaign is None:
        return ""
    convener = event.campaign.organization
    return event.campaign.slug if convener.id == actor.organization_id else f"{convener.slug}/{event.campaign.slug}"


def _event_body(values: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {k: values[k] for k in EVENT_FIELDS if k not in LOCATION}
    body["campaign"] = body["campaign"] or None
    body["location"] = {k: values[k] for k in LOCATION}
    return body


# ---- the list ------------------------------------------------------------------------------------


@organizer_page
async def home(request: Request, actor: Actor) -> Response:
    """The day-of-action board: coming events soonest first with their staffing, past ones with turnout."""
    q = request.query_params
    values = {k: (q.get(k) or "").strip()[:200] for k in ("group", "campaign", "type", "from", "to", "q", "needs")}
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for key in ("from", "to"):
        try:
            days[key] = date.fromisoformat(values[key]) if values[key] else None
        except ValueError:
            days[key], errors[key] = None, "give a date"
    filters = board.BoardFilters(
        group=values["group"] or None,
        campaign=values["campaign"] or None,
        event_type=values["type"] or None,
        starts_on=days["from"],
        ends_on=days["to"],
        needs_people=values["needs"] == "1",
        search=values["q"],
        zone=actor.timezone,
    )
    now = datetime.now(UTC)
    try:
        found = await board.day_board(actor, filters, now)
    except Invalid as exc:
        errors |= {k: sentence(v) for k, v in (exc.fields or {"form": exc.message}).items()}
        found = await board.day_board(actor, board.BoardFilters(zone=actor.timezone), now)

    def when(row: board.BoardRow) -> str:
        s = row.first
        return format_span(s.starts_at, s.ends_at, row.event.timezone, now) if s else ""

    context = {
        "board": found,
        "when": when,
        "values": values,
        "errors": errors,
        "filtered": any(values.values()),
        "can_write": actor.role.value != "viewer",
        **await _choices(actor),
    }
    return dash_render(request, actor, "dashboard/home.html", context, status=422 if errors else 200)


# ---- create and edit -----------------------------------------------------------------------------


@organizer_page
async def event_new(request: Request, actor: Actor) -> Response:
    values = dict.fromkeys(EVENT_FIELDS, "") | {
        "timezone": actor.timezone,
        "event_type": "picket",
        "visibility": "public",
    }
    context = {"values": values, "errors": {}, "editing": None, **await _choices(actor)}
    return dash_render(request, actor, "dashboard/event_form.html", context)


@organizer_page
async def event_create(request: Request, actor: Actor) -> Response:
    form = await request.form()
    values = {k: _text(form, k) for k in EVENT_FIELDS}
    try:
        event = await events.create_event(actor, EventIn.model_validate(_event_body(values)))
    except (ValidationError, Invalid) as exc:
        context = {"values": values, "errors": _field_errors(exc), "editing": None, **await _choices(actor)}
        return dash_render(request, actor, "dashboard/event_form.html", context, status=422)
    return back(request, f"Created “{event.title}”. Now add its shifts.", "dash:event", event_id=event.id)


@organizer_page
async def event_edit(request: Request, actor: Actor) -> Response:
    event = await events.get_event(actor, int(request.path_params["event_id"]))
    values = {k: str(getattr(event, k, "") or "") for k in EVENT_FIELDS if k not in ("group", "campaign")}
    values["group"] = event.group.slug
    values["campaign"] = campaign_value(actor, event)
    context = {"values": values, "errors": {}, "editing": event, **await _choices(actor)}
    return dash_render(request, actor, "dashboard/event_form.html", context)


@organizer_page
async def event_update(request: Request, actor: Actor) -> Response:
    event_id = int(request.path_params["event_id"])
    form = await request.form()
    values = {k: _text(form, k) for k in EVENT_FIELDS}
    try:
        event, tell = await events.update_event(actor, event_id, EventPatch.model_validate(_event_body(values)))
    except (ValidationError, Invalid) as exc:
        editing = await events.get_event(actor, event_id)
        context = {"values": values, "errors": _field_errors(exc), "editing": editing, **await _choices(actor)}
        return dash_render(request, actor, "dashboard/event_form.html", context, status=422)
    return back(request, "Saved.", "dash:event", event_id=event.id)


@organizer_page
async def event_cancel(request: Request, actor: Actor) -> Response:
    event, affected = await events.cancel_event(actor, int(request.path_params["event_id"]))
    message = f"Cancelled. {len(affected)} people signed up are being told." if affected else "Cancelled."
    return back(request, message, "dash:event", event_id=event.id)


@organizer_page
async def event_duplicate(request: Request, actor: Actor) -> Response:
    form = await request.form()
    raw = _text(form, "days", 10)
    most = schedules.MAX_DUPLICATE_DAYS
    days = whole_number(raw, -most, most) if raw else 7
    if days is None:
        raise Invalid.field("days", f"give a whole number of days, from -{most} to {most}")
    copy = await schedules.duplicate_event(actor, int(request.path_params["event_id"]), days)
    return back(request, f"This is the copy, {days} days later. Check it and publish.", "dash:event", event_id=copy.id)


# ---- one event and its shifts ----------------------------------------------------------------------


async def _event_page(
    request: Request, actor: Actor, event_id: int, *, values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    event = await events.get_event(actor, event_id)
    now = datetime.now(UTC)
    outlook = await forecast.shift_outlook([s for s in event.shift_list if s.ends_at > now])  # type: ignore[attr-defined]
    shifts = [
        {
            "shift": s,
            "when": format_span(s.starts_at, s.ends_at, event.timezone, now),
            "over": s.ends_at <= now,
            "outlook": outlook.get(s.id),
        }
        for s in event.shift_list  # type: ignore[attr-defined]
    ]
    first_day = datetime.now(ZoneInfo(event.timezone)).date() + timedelta(days=1)
    defaults = {
        "date": first_day.isoformat(), "starts": "06:00", "ends": "10:00", "one_capacity": "10", "one_target": "6",
        "capacity": "10", "target": "6",
        "first_day": first_day.isoformat(), "last_day": (first_day + timedelta(days=6)).isoformat(),
        "day_starts": "06:00", "day_ends": "18:00", "length": "240", "days": "7",
    }  # fmt: skip
    context = {
        "event": event,
        "shifts": shifts,
        "values": defaults | (values or {}),
        "errors": errors or {},
        "weekdays": schedules.WEEKDAYS,
        "checked_days": set((values or {}).get("weekdays", ",".join(schedules.WEEKDAYS)).split(",")),
        "can_write": actor.role.value != "viewer",
        "public_path": event_path(request, "pages:event", event),  # an unlisted event's carries its token
    }
    return dash_render(request, actor, "dashboard/event.html", context, status=status)


@organizer_page
async def event_page(request: Request, actor: Actor) -> Response:
    return await _event_page(request, actor, int(request.path_params["event_id"]))


def _local(day: str, clock: str, zone: str, field: str) -> datetime:
    try:
        moment = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock)).replace(tzinfo=ZoneInfo(zone))
    except ValueError as exc:
        raise Invalid.field(field, "give a date and a time") from exc
    if not MIN_YEAR <= moment.year <= MAX_YEAR:  # and a night shift's end, a day later, cannot overflow
        raise Invalid.field(field, f"give a date between the years {MIN_YEAR} and {MAX_YEAR}")
    return moment


def _number(form: FormData, name: str, default: int | None = None, high: int = 100_000) -> int | None:
    raw = _text(form, name, 10)
    if not raw:
        return default
    value = whole_number(raw, 0, high)
    if value is None:
        raise Invalid.field(name, f"give a whole number from 0 to {high}")
    return value


@organizer_page
async def shift_create(request: Request, actor: Actor) -> Response:
    event_id = int(request.path_params["event_id"])
    form = await request.form()
    values = {k: _text(form, k, 20) for k in ("date", "starts", "ends", "one_capacity", "one_target")}
    try:
        event = await events.get_event(actor, event_id)
        starts = _local(values["date"], values["starts"], event.timezone, "starts")
        ends = _local(values["date"], values["ends"], event.timezone, "ends")
        if ends <= starts:
            ends += timedelta(days=1)  # ends after midnight
        body = ShiftsCreate.model_validate(
            {
                "starts_at": starts,
                "ends_at": ends,
                "capacity": _number(form, "one_capacity"),
                "target": _number(form, "one_target"),
            }
        )
        created = await events.add_shifts(actor, event_id, body)
    except (ValidationError, Invalid, Conflict) as exc:
        errors = _field_errors(exc) if not isinstance(exc, Conflict) else {"form": sentence(exc.message)}
        errors = {SHIFT_FORM_NAMES.get(k, k): v for k, v in errors.items()}
        return await _event_page(request, actor, event_id, values=values, errors=errors, status=422)
    return back(request, f"Added a shift (JOIN code {created[0].code}).", "dash:event", event_id=event_id)


@organizer_page
async def schedule_create(request: Request, actor: Actor) -> Response:
    event_id = int(request.path_params["event_id"])
    form = await request.form()
    keys = ("first_day", "last_day", "day_starts", "day_ends", "length", "capacity", "target")
    values = {k: _text(form, k, 20) for k in keys}
    chosen = [d for d in form.getlist("weekdays") if isinstance(d, str) and d in schedules.WEEKDAYS]
    values["weekdays"] = ",".join(chosen)
    try:
        try:
            first, last = date.fromisoformat(values["first_day"]), date.fromisoformat(values["last_day"])
            day_starts, day_ends = time.fromisoformat(values["day_starts"]), time.fromisoformat(values["day_ends"])
        except ValueError as exc:
            raise Invalid.field("first_day", "give the first and last days and the hours of the day") from exc
        schedule = schedules.PicketSchedule(
            first_day=first,
            last_day=last,
            weekdays=frozenset(chosen),
            day_starts=day_starts,
            day_ends=day_ends,
            length=timedelta(minutes=_number(form, "length", high=24 * 60) or 0),
            capacity=_number(form, "capacity") or 0,
            target=_number(form, "target"),
        )
        created = await schedules.add_picket_schedule(actor, event_id, schedule)
    except (Invalid, Conflict) as exc:
        errors = exc.fields or {"form": exc.message}
        errors = {k: sentence(v) for k, v in errors.items()}
        return await _event_page(request, actor, event_id, values=values, errors=errors, status=422)
    return back(request, f"Added {len(created)} shifts.", "dash:event", event_id=event_id)
