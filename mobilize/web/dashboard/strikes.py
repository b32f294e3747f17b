"""Strike pages of the dashboard: the strike's week (the ledger, people on the line per hour, disputes, the
next 48 hours of its lines with their staffing lights), the members' badge sheet, and the captain's phone page
per line (scans sent as JSON with the session's CSRF token; the page queues them while offline)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import segno
from markupsafe import Markup
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mobilize.models import Event
from mobilize.services import strikes
from mobilize.services.access import Actor
from mobilize.services.errors import DomainError, NotFound
from mobilize.strike_schemas import DisputeIn, DisputeResolve, ScanIn
from mobilize.times import format_clock, format_span
from mobilize.web.api.common import domain_error_response, error_response, validation_fields
from mobilize.web.charts import bar_chart
from mobilize.web.dashboard.session import back, dash_render, organizer_page

WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _week(request: Request, zone: str) -> date:
    raw = request.query_params.get("week")
    if raw:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    return datetime.now(ZoneInfo(zone)).date()


async def _strike_and_lines(request: Request, actor: Actor) -> tuple[Any, list[Event], str]:
    strike = await strikes.get_strike(actor, int(request.path_params["strike_id"]))
    lines = await strikes.strike_lines(strike)
    return strike, lines, lines[0].timezone if lines else actor.timezone


@organizer_page
async def strikes_home(request: Request, actor: Actor) -> Response:
    return dash_render(request, actor, "dashboard/strikes.html", {"strikes": await strikes.list_strikes(actor)})


def presence_chart(start: date, counts: list[int]) -> Markup:
    labels = [f"{WEEKDAY_ABBR[(start + timedelta(days=h // 24)).weekday()]} {h % 24:02d}h" for h in range(168)]
    return bar_chart("People on the line, per hour", labels, [("On the line", counts)], chart_id="presence")


@organizer_page
async def strike_page(request: Request, actor: Actor) -> Response:
    strike, lines, zone = await _strike_and_lines(request, actor)
    day = _week(request, zone)
    ledger = await strikes.week_ledger(strike, day)
    start = date.fromisoformat(ledger["week_start"])
    _, counts = await strikes.hourly_presence(strike, start, zone)
    upcoming = await strikes.upcoming(strike)
    disputes = [d for d in await strikes.list_disputes(actor, strike.id) if str(d.status) == "open"]
    context = {
        "strike": strike,
        "lines": lines,
        "zone": zone,
        "ledger": ledger,
        "days": [(start + timedelta(days=n)).isoformat() for n in range(7)],
        "previous": (start - timedelta(days=7)).isoformat(),
        "next": (start + timedelta(days=7)).isoformat(),
        "chart": presence_chart(start, counts),
        "thinnest": min(counts) if counts else 0,
        "upcoming": [
            {**u, "label": format_span(u["shift"].starts_at, u["shift"].ends_at, u["event"].timezone)} for u in upcoming
        ],
        "disputes": disputes,
    }
    return dash_render(request, actor, "dashboard/strike.html", context)


@organizer_page
async def ledger_csv(request: Request, actor: Actor) -> Response:
    strike, _, zone = await _strike_and_lines(request, actor)
    name, body = await strikes.ledger_csv(actor, strike.id, _week(request, zone))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@organizer_page
async def resolve_dispute(request: Request, actor: Actor) -> Response:
    strike_id, dispute_id = int(request.path_params["strike_id"]), int(request.path_params["dispute_id"])
    form = await request.form()
    try:
        data = DisputeResolve(resolution=str(form.get("resolution", "")))
        await strikes.resolve_dispute(actor, strike_id, dispute_id, data)
    except ValidationError:
        return back(request, "Write a note saying how the dispute was settled.", "dash:strike", strike_id=strike_id)
    except DomainError as exc:
        return back(request, exc.message, "dash:strike", strike_id=strike_id)
    return back(request, "Dispute resolved.", "dash:strike", strike_id=strike_id)


@organizer_page
async def raise_dispute(request: Request, actor: Actor) -> Response:
    """A captain (or organizer) records a member's dispute over a day, from the strike's page."""
    strike_id = int(request.path_params["strike_id"])
    form = await request.form()
    try:
        data = DisputeIn.model_validate(
            {
                "member_id": str(form.get("member_id", "")).strip() or None,
                "day": form.get("day"),
                "raised_by": form.get("raised_by"),
                "note": str(form.get("note", "")),
            }
        )
        await strikes.raise_dispute(actor, strike_id, data)
    except ValidationError as exc:
        field, message = next(iter(validation_fields(exc).items()))
        return back(request, f"Dispute not recorded: {field}: {message}", "dash:strike", strike_id=strike_id)
    except DomainError as exc:
        return back(request, f"Dispute not recorded: {exc.message}", "dash:strike", strike_id=strike_id)
    return back(request, "Dispute recorded.", "dash:strike", strike_id=strike_id)


def badge_svg(member_id: str) -> Markup:
    """The badge's QR code holds the member id itself: any scanner, or the captain's page, reads it."""
    svg = segno.make(member_id, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 - segno's own markup; the member id inside it is escaped by segno


@organizer_page
async def badges(request: Request, actor: Actor) -> Response:
    strike, _, _ = await _strike_and_lines(request, actor)
    members = await strikes.badge_members(strike)
    cards = [{"name": m.name, "member_id": m.member_id, "qr": badge_svg(str(m.member_id))} for m in members]
    return dash_render(request, actor, "dashboard/strike_badges.html", {"strike": strike, "cards": cards})


async def _line(request: Request, actor: Actor) -> tuple[Any, Event]:
    strike = await strikes.get_strike(actor, int(request.path_params["strike_id"]))
    await strikes.require_captain(actor, strike)
    event = next((e for e in await strikes.strike_lines(strike) if e.id == int(request.path_params["event_id"])), None)
    if event is None:
        raise NotFound("not a line of this strike")
    return strike, event


def _people(rows: list[dict[str, Any]], zone: str) -> list[dict[str, Any]]:
    return [{**r, "since": format_clock(r["signed_in_at"], zone), "signed_in_at": None} for r in rows]


@organizer_page
async def captain_page(request: Request, actor: Actor) -> Response:
    strike, event = await _line(request, actor)
    now = datetime.now(UTC)
    shift = await strikes.shift_under_way(event.id, now)
    context = {
        "strike": strike,
        "event": event,
        "shift": shift,
        "shift_label": format_span(shift.starts_at, shift.ends_at, event.timezone, now) if shift else None,
        "people": _people(await strikes.on_line(event), event.timezone),
    }
    return dash_render(request, actor, "dashboard/captain.html", context)


@organizer_page
async def on_line(request: Request, actor: Actor) -> Response:
    try:
        _, event = await _line(request, actor)
    except DomainError as exc:
        return domain_error_response(exc)
    return JSONResponse({"people": _people(await strikes.on_line(event), event.timezone)})


@organizer_page
async def captain_scan(request: Request, actor: Actor) -> Response:
    """One scan from the captain's page (form fields, CSRF token included), answered in JSON like the API's
    POST /strikes/{id}/scans: the page replays its offline queue here, and a scan id seen before is a no-op."""
    form = await request.form()
    try:
        strike, event = await _line(request, actor)
        data = ScanIn.model_validate(
            {
                "scan_id": form.get("scan_id"),
                "event": event.id,
                "member_id": str(form.get("member_id", "")).strip(),
                "action": form.get("action"),
                "at": form.get("at"),
            }
        )
        result = await strikes.scan(actor, strike.id, data)
    except ValidationError as exc:
        fields = validation_fields(exc)
        return error_response(422, "invalid", next(iter(fields.values())), fields)
    except DomainError as exc:
        return domain_error_response(exc)
    people = _people(await strikes.on_line(event), event.timezone)
    return JSONResponse(
        {
            "outcome": result.outcome,
            "name": result.volunteer.name,
            "member_id": result.volunteer.member_id,
            "people": people,
        }
    )
