"""The strike-pay rules as pure functions: which week a day belongs to, how duty splits into local days, and
whether a member's week qualifies (and why not). No I/O: the ledger feeds it rows read either way."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PRORATED = ("hours_per_day", "hours_per_week", "shifts_per_week")  # what a member class's factor scales


@dataclass(frozen=True)
class Rules:
    """One rule set; a rule left None is not required. Stored as `as_dict()` on the strike (and frozen with
    every closed week)."""

    hours_per_day: float | None = None
    days_per_week: int | None = None
    hours_per_week: float | None = None
    shifts_per_week: int | None = None
    unpaid_weeks: int = 0
    week_starts_on: str = "monday"
    classes: dict[str, float] = field(default_factory=dict)  # tag name -> pro-rating factor

    @classmethod
    def of(cls, data: Mapping[str, Any] | None) -> Rules:
        data = dict(data or {})
        classes = data.pop("classes", None) or []
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known, classes={str(c["name"]): float(c["factor"]) for c in classes})

    def as_dict(self) -> dict[str, Any]:
        return {
            "hours_per_day": self.hours_per_day,
            "days_per_week": self.days_per_week,
            "hours_per_week": self.hours_per_week,
            "shifts_per_week": self.shifts_per_week,
            "unpaid_weeks": self.unpaid_weeks,
            "week_starts_on": self.week_starts_on,
            "classes": [{"name": n, "factor": f} for n, f in self.classes.items()],
        }

    def factor_for(self, tags: Iterable[str]) -> float:
        """The smallest factor of the member's classes (1 when in none)."""
        factors = [self.classes[t] for t in tags if t in self.classes]
        return min(factors) if factors else 1.0


def week_start(day: date, week_starts_on: str = "monday") -> date:
    """The first day of the week containing `day`."""
    first = WEEKDAYS.index(week_starts_on)
    return day - timedelta(days=(day.weekday() - first) % 7)


def week_number(strike_starts_on: date, start: date, week_starts_on: str) -> int:
    """0 for the week the strike starts in, 1 for the next; negative before."""
    return (start - week_start(strike_starts_on, week_starts_on)).days // 7


def local_days(signed_in_at: datetime, signed_out_at: datetime, zone: str) -> dict[date, float]:
    """Hours of one stretch of duty per day of the line's zone (a night shift counts on both days)."""
    tz = ZoneInfo(zone)
    out: dict[date, float] = {}
    cursor = signed_in_at.astimezone(UTC)
    end = signed_out_at.astimezone(UTC)
    while cursor < end:
        day = cursor.astimezone(tz).date()
        midnight = datetime.combine(day + timedelta(days=1), time(), tz).astimezone(UTC)
        stop = min(end, midnight)
        out[day] = out.get(day, 0.0) + (stop - cursor).total_seconds() / 3600
        cursor = stop
    return out


@dataclass
class Sums:
    """What the database reads for a week: per member, hours per local day and shifts; the supporters."""

    days: dict[int, dict[date, float]]
    shifts: dict[int, int]
    supporters: int
    members: set[int] = field(default_factory=set)  # every member on duty in the strike up to the week's end


@dataclass(frozen=True)
class Verdict:
    hours: float
    duty_days: int
    qualifies: bool
    reasons: list[str]


def _fmt(value: float) -> str:
    return f"{value:g}"


def judge(rules: Rules, days: Mapping[date, float], shifts: int, week: int, factor: float = 1.0) -> Verdict:
    """Whether a member's week qualifies under `rules`: every rule that is set holds, and the week (`week`
    of the strike, from 0) is past the unpaid ones. `factor` pro-rates the hour and shift thresholds."""
    hours = round(sum(days.values()), 2)
    per_day = rules.hours_per_day * factor if rules.hours_per_day is not None else None
    duty_days = sum(1 for h in days.values() if h > 0 and (per_day is None or h + 1e-9 >= per_day))
    reasons: list[str] = []
    if rules.days_per_week is not None and duty_days < rules.days_per_week:
        what = f" of {_fmt(per_day)} hours" if per_day is not None else ""
        reasons.append(f"duty days: {duty_days} of {rules.days_per_week} needed{what}")
    if rules.hours_per_week is not None and hours + 1e-9 < rules.hours_per_week * factor:
        reasons.append(f"hours: {_fmt(hours)} of {_fmt(rules.hours_per_week * factor)} needed")
    if rules.shifts_per_week is not None and shifts + 1e-9 < rules.shifts_per_week * factor:
        reasons.append(f"shifts: {shifts} of {_fmt(rules.shifts_per_week * factor)} needed")
    if rules.days_per_week is None and rules.hours_per_week is None and rules.shifts_per_week is None:
        if per_day is not None and duty_days == 0:  # only a daily threshold: a week needs one duty day
            reasons.append(f"duty days: none of {_fmt(per_day)} hours")
    if 0 <= week < rules.unpaid_weeks:
        reasons.append(f"unpaid week: week {week + 1} of the strike (the first {rules.unpaid_weeks} are unpaid)")
    return Verdict(hours, duty_days, not reasons, reasons)
