"""Turnout pages of the dashboard (per action group, campaign and event) with their chart, and the CSV
exports (export permission required, audited)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mobilize.services import reports
from mobilize.services.access import Actor
from mobilize.services.reports import board, exports
from mobilize.web.charts import bar_chart
from mobilize.web.dashboard.session import dash_render, organizer_page

KINDS = {"group": "Action group", "campaign": "Campaign", "event": "Event"}
MAX_ROWS = 100  # events (or shifts) listed on a page, most sign-ups first; the CSV and group pages have all


PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")  # phone numbers in E.164, signed figures


def _cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (= + - @ first) is quoted as text; plain numbers
    and E.164 phone numbers stay as they are (they compute nothing)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


@organizer_page
async def turnout_home(request: Request, actor: Actor) -> Response:
    by_group, by_campaign = await board.headlines(actor)
    context = {"groups": by_group, "campaigns": by_campaign}
    return dash_render(request, actor, "dashboard/turnout_home.html", context)


async def _page(request: Request, actor: Actor, kind: str, key: str | int) -> Response:
    report = await reports.report(actor, kind, key)
    labels = [f"{d:%b} {d.day}" for d, _ in report.days]
    chart = bar_chart(
        f"Turnout per day: {report.title}",
        labels,
        [("Signed up", [f.signups for _, f in report.days]), ("Attended", [f.attended for _, f in report.days])],
    )
    rows = report.rows
    if len(rows) > MAX_ROWS:
        rows = sorted(rows, key=lambda r: -r.figures.signups)[:MAX_ROWS]
    context = {
        "report": report,
        "rows": rows,
        "hidden_rows": len(report.rows) - len(rows),
        "kind_label": KINDS[kind],
        "chart": chart,
        "percent": percent,
        "csv_path": request.url.path + ".csv",
    }
    return dash_render(request, actor, "dashboard/turnout.html", context)


@organizer_page
async def group_turnout(request: Request, actor: Actor) -> Response:
    return await _page(request, actor, "group", request.path_params["slug"])


@organizer_page
async def campaign_turnout(request: Request, actor: Actor) -> Response:
    return await _page(request, actor, "campaign", request.path_params["slug"])


@organizer_page
async def event_turnout(request: Request, actor: Actor) -> Response:
    return await _page(request, actor, "event", int(request.path_params["event_id"]))


async def _csv(actor: Actor, kind: str, key: str | int) -> Response:
    header, rows = await exports.turnout_rows(actor, kind, key)
    return csv_response(f"turnout-{kind}-{key}.csv", header, rows)


@organizer_page
async def group_turnout_csv(request: Request, actor: Actor) -> Response:
    return await _csv(actor, "group", request.path_params["slug"])


@organizer_page
async def campaign_turnout_csv(request: Request, actor: Actor) -> Response:
    return await _csv(actor, "campaign", request.path_params["slug"])


@organizer_page
async def event_turnout_csv(request: Request, actor: Actor) -> Response:
    return await _csv(actor, "event", int(request.path_params["event_id"]))
