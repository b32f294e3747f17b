"""CSV exports from the dashboard: a shift's roster and a turnout report. Only roles with the export
permission may export, and every export is written to the audit log (who, what, when, filters)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from mobilize.services import audit
from mobilize.services.access import Actor
from mobilize.services.reports import breakdown
from mobilize.services.signups import attendance

ROSTER_HEADER = ["signup_id", "name", "phone", "email", "status", "source", "signed_up_at", "checked_in_at"]
TURNOUT_HEADER = [
    "level", "group", "event_id", "event", "signups", "confirmed", "attended", "no_show", "walk_ins", "show_rate",
]  # fmt: skip


async def roster_rows(actor: Actor, shift_id: int) -> tuple[list[str], list[list[Any]]]:
    """The roster of one shift as CSV rows; raises Forbidden without the export permission."""
    audit.require_export(actor)
    shift, signups = await attendance.roster(actor, shift_id)
    tz = ZoneInfo(shift.event.timezone)
    rows = [
        [
            s.id,
            s.volunteer.name,
            s.volunteer.phone or "",
            s.volunteer.email or "",
            str(s.status),
            str(s.source),
            s.created_at.astimezone(tz).isoformat(),
            s.checked_in_at.astimezone(tz).isoformat() if s.checked_in_at else "",
        ]
        for s in signups
    ]
    await audit.record(actor, "export.roster", {"shift": shift.id, "event": shift.event_id, "rows": len(rows)})  # type: ignore[attr-defined]
    return ROSTER_HEADER, rows


def _figures(f: breakdown.Figures) -> list[Any]:
    rate = f"{f.show_rate:.4f}" if f.show_rate is not None else ""
    return [f.signups, f.confirmed, f.attended, f.no_show, f.walk_ins, rate]


async def turnout_rows(actor: Actor, kind: str, key: str | int) -> tuple[list[str], list[list[Any]]]:
    """A turnout report as CSV rows (per event or shift, per group, and the total); audited."""
    audit.require_export(actor)
    report = await breakdown.report(actor, kind, key)
    level = "shift" if kind == "event" else "event"
    rows: list[list[Any]] = [[level, "", r.key, r.label, *_figures(r.figures)] for r in report.rows]
    rows += [["group", g.key, "", g.label, *_figures(g.figures)] for g in report.groups]
    rows.append(["total", "", "", report.title, *_figures(report.totals)])
    await audit.record(actor, "export.turnout", {kind: key, "rows": len(rows)})
    return TURNOUT_HEADER, rows
