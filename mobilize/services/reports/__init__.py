"""Reports: turnout per group, campaign and event, the dashboard's breakdowns and CSV exports, a coalition
campaign's turnout per organization (`coalition`), and the expected turnout (forecast) of upcoming shifts."""

from mobilize.services.reports.breakdown import (
    Figures,
    Report,
    Row,
    report,
)
from mobilize.services.reports.coalition import campaign_for_turnout, coalition_turnout, coalition_turnout_rows

__all__ = [
    "Figures",
    "Report",
    "Row",
    "campaign_for_turnout",
    "coalition_turnout",
    "coalition_turnout_rows",
    "report",
]
