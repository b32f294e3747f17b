"""Reports: turnout per group, campaign and event, the dashboard's breakdowns and CSV exports, and the
expected turnout (forecast) of upcoming shifts."""

from mobilize.services.reports.breakdown import (
    Figures,
    Report,
    Row,
    report,
)

__all__ = [
    "Figures",
    "Report",
    "Row",
    "report",
]
