"""Moments a test pins its clock to (time-machine: in this process only), named for what they stand for."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

CHICAGO = ZoneInfo("America/Chicago")  # the factories' events are in Chicago

# A Wednesday in June: outside the default quiet hours (21:00-08:00), weeks from a DST change or a month's end.
MIDDAY = datetime(2026, 6, 10, 12, 30, tzinfo=CHICAGO)


def at(moment: datetime) -> pytest.MarkDecorator:
    """Run the test with the clock at `moment`, ticking on from there. Every clock read in this process
    moves (datetime.now, time.time, the ORM's auto_now); a subprocess (a real worker, uvicorn) does not."""
    return pytest.mark.time_machine(moment, tick=True)


daytime = at(MIDDAY)
