"""Reports: turnout per group, campaign and event, the dashboard's breakdowns and CSV exports, a coalition
campaign's turnout per organization, group and day (`coalition`) and its events on a map coloured by staffing
(`coalition_map`), and the expected turnout (forecast) of upcoming shifts."""

from mobilize.services.reports.breakdown import (
    Figures,
    Report,
    Row,
    report,
)
from mobilize.services.reports.coalition import (
    campaign_for_turnout,
    coalition_report,
    coalition_tally,
    coalition_turnout,
    coalition_turnout_rows,
)
from mobilize.services.reports.coalition_map import MapEvent, campaign_map

__all__ = [
    "Figures",
    "MapEvent",
    "Report",
    "Row",
    "campaign_for_turnout",
    "campaign_map",
    "coalition_report",
    "coalition_tally",
    "coalition_turnout",
    "coalition_turnout_rows",
    "report",
]
