"""Strikes: the strike and its pay rules, duty at the line, scans from the captain's page, corrections,
disputes, and the weekly ledger (JSON and the strike fund's CSV)."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mobilize.models import Duty, Strike, StrikeDispute, StrikeWeek
from mobilize.schemas import MAX_YEAR, MIN_YEAR
from mobilize.services import strikes
from mobilize.services.access import Actor
from mobilize.services.errors import Invalid
from mobilize.services.strikes.rules import Rules
from mobilize.strike_schemas import (
    CaptainIn,
    DisputeIn,
    DisputeResolve,
    DutyIn,
    DutyPatch,
    ScanIn,
    StrikeIn,
    StrikePatch,
)
from mobilize.web.api.common import authed, int_param, parse_body
from mobilize.web.api.serializers import iso


def strike_json(strike: Strike) -> dict[str, Any]:
    return {
        "id": strike.id,
        "name": strike.name,
        "starts_on": strike.starts_on.isoformat(),
        "ends_on": strike.ends_on.isoformat() if strike.ends_on else None,
        "rules": Rules.of(strike.rules).as_dict(),  # every rule named, unset ones null
        "created_at": iso(strike.created_at),
        "updated_at": iso(strike.updated_at),
    }


def duty_json(duty: Duty) -> dict[str, Any]:
    return {
        "id": duty.id,
        "strike": duty.strike_id,
        "shift": duty.shift_id,
        "volunteer": duty.volunteer_id,
        "signed_in_at": iso(duty.signed_in_at),
        "signed_out_at": iso(duty.signed_out_at),
        "source": str(duty.source),
        "auto_closed": duty.auto_closed,
    }


def dispute_json(dispute: StrikeDispute) -> dict[str, Any]:
    return {
        "id": dispute.id,
        "strike": dispute.strike_id,
        "volunteer": dispute.volunteer_id,
        "day": dispute.day.isoformat(),
        "raised_by": dispute.raised_by,
        "note": dispute.note,
        "status": str(dispute.status),
        "resolution": dispute.resolution,
        "resolved_at": iso(dispute.resolved_at),
    }


def week_param(request: Request) -> date:
    raw = request.query_params.get("week")
    if not raw:
        raise Invalid.field("week", "give a day of the week, YYYY-MM-DD")
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise Invalid.field("week", "a day, YYYY-MM-DD") from exc
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise Invalid.field("week", f"between the years {MIN_YEAR} and {MAX_YEAR}")
    return day


@authed
async def list_strikes(request: Request, actor: Actor) -> JSONResponse:
    return JSONResponse({"data": [strike_json(s) for s in await strikes.list_strikes(actor)], "next": None})


@authed
async def create_strike(request: Request, actor: Actor) -> JSONResponse:
    strike = await strikes.create_strike(actor, await parse_body(request, StrikeIn))
    return JSONResponse(strike_json(strike), status_code=201)


@authed
async def get_strike(request: Request, actor: Actor) -> JSONResponse:
    return JSONResponse(strike_json(await strikes.get_strike(actor, int_param(request, "strike_id"))))


@authed
async def update_strike(request: Request, actor: Actor) -> JSONResponse:
    """A new rule set recomputes every open week; a closed week keeps the rules it was paid under."""
    strike_id = int_param(request, "strike_id")
    data = await parse_body(request, StrikePatch)
    return JSONResponse(strike_json(await strikes.update_strike(actor, strike_id, data)))


@authed
async def record_duty(request: Request, actor: Actor) -> JSONResponse:
    strike_id = int_param(request, "strike_id")
    duty = await strikes.record_duty(actor, strike_id, await parse_body(request, DutyIn))
    return JSONResponse(duty_json(duty), status_code=201)


@authed
async def correct_duty(request: Request, actor: Actor) -> JSONResponse:
    """A correction of an entry; the audit log keeps the entry before and after, and the reason."""
    strike_id, duty_id = int_param(request, "strike_id"), int_param(request, "duty_id")
    duty = await strikes.correct_duty(actor, strike_id, duty_id, await parse_body(request, DutyPatch))
    return JSONResponse(duty_json(duty))


def scan_json(result: strikes.ScanResult) -> dict[str, Any]:
    return {
        "outcome": result.outcome,
        "volunteer": result.volunteer.id,
        "name": result.volunteer.name,
        "member_id": result.volunteer.member_id,
        "duty": duty_json(result.duty) if result.duty else None,
    }


@authed
async def scan(request: Request, actor: Actor) -> JSONResponse:
    """One scan at a line; sending the same `scan_id` again (a replayed offline queue) has no second effect."""
    strike_id = int_param(request, "strike_id")
    result = await strikes.scan(actor, strike_id, await parse_body(request, ScanIn))
    return JSONResponse(scan_json(result))


@authed
async def raise_dispute(request: Request, actor: Actor) -> JSONResponse:
    strike_id = int_param(request, "strike_id")
    dispute = await strikes.raise_dispute(actor, strike_id, await parse_body(request, DisputeIn))
    return JSONResponse(dispute_json(dispute), status_code=201)


@authed
async def resolve_dispute(request: Request, actor: Actor) -> JSONResponse:
    strike_id, dispute_id = int_param(request, "strike_id"), int_param(request, "dispute_id")
    dispute = await strikes.resolve_dispute(actor, strike_id, dispute_id, await parse_body(request, DisputeResolve))
    return JSONResponse(dispute_json(dispute))


@authed
async def list_disputes(request: Request, actor: Actor) -> JSONResponse:
    found = await strikes.list_disputes(actor, int_param(request, "strike_id"))
    return JSONResponse({"data": [dispute_json(d) for d in found], "next": None})


@authed
async def add_captain(request: Request, actor: Actor) -> JSONResponse:
    strike_id = int_param(request, "strike_id")
    organizer = await strikes.add_captain(actor, strike_id, (await parse_body(request, CaptainIn)).email)
    return JSONResponse({"strike": strike_id, "organizer": organizer.id, "email": organizer.email}, status_code=201)


@authed
async def get_ledger(request: Request, actor: Actor) -> JSONResponse:
    strike_id = int_param(request, "strike_id")
    return JSONResponse(await strikes.ledger(actor, strike_id, week_param(request)))


@authed
async def ledger_csv(request: Request, actor: Actor) -> Response:
    """The week for the strike fund: one row per member, a column per day; each download is audited."""
    strike_id = int_param(request, "strike_id")
    name, body = await strikes.ledger_csv(actor, strike_id, week_param(request))
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def week_json(week: StrikeWeek) -> dict[str, Any]:
    return {
        "strike": week.strike_id,
        "week_start": week.week_start.isoformat(),
        "rules": Rules.of(week.rules).as_dict(),
        "closed_at": iso(week.closed_at),
    }


@authed
async def close_week(request: Request, actor: Actor) -> JSONResponse:
    """The strike fund paid this week: its rules are kept with it, and later rule changes leave it alone."""
    strike_id = int_param(request, "strike_id")
    return JSONResponse(week_json(await strikes.close_week(actor, strike_id, week_param(request))))
