"""Strikes: picket events under strike-pay rules (catalog.py, rules.py), duty signed in and out at the line by
captains, scans and SMS (duty.py), the weekly ledger the strike fund pays from (ledger.py; its summing in one
PostgreSQL statement in postgres.py), disputes over a day (disputes.py), and the lines' staffing, hourly
presence and badges (lines.py)."""

from mobilize.services.strikes.catalog import (
    add_captain,
    close_week,
    create_strike,
    get_strike,
    list_strikes,
    require_captain,
    strike_lines,
    update_strike,
)
from mobilize.services.strikes.disputes import list_disputes, raise_dispute, resolve_dispute
from mobilize.services.strikes.duty import (
    ScanResult,
    close_forgotten,
    correct_duty,
    get_duty,
    on_line,
    record_duty,
    scan,
    shift_under_way,
    sign_in,
    sign_out,
)
from mobilize.services.strikes.ledger import ledger, ledger_csv, week_ledger
from mobilize.services.strikes.lines import badge_members, hourly_presence, upcoming

__all__ = [
    "ScanResult",
    "add_captain",
    "badge_members",
    "close_forgotten",
    "close_week",
    "correct_duty",
    "create_strike",
    "get_duty",
    "get_strike",
    "hourly_presence",
    "ledger",
    "ledger_csv",
    "strike_lines",
    "list_disputes",
    "list_strikes",
    "on_line",
    "raise_dispute",
    "record_duty",
    "require_captain",
    "resolve_dispute",
    "scan",
    "shift_under_way",
    "sign_in",
    "sign_out",
    "update_strike",
    "upcoming",
    "week_ledger",
]
