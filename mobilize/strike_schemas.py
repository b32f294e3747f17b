"""Input shapes of the strikes API (strikes and their pay rules, duty entries, corrections, disputes), validated
by pydantic like mobilize.schemas (kept apart so that module stays one screenful per area)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from mobilize.models import MAX_ID
from mobilize.schemas import Day, Moment, Name, Strict, Text, blame

MAX_STRETCH = timedelta(hours=24)  # one entry of duty longer than a day is a typo, not a picket
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Hours = Annotated[float, Field(ge=0, le=24 * 7)]
Count = Annotated[int, Field(ge=0, le=7 * 24)]
MemberId = Annotated[str, Field(min_length=1, max_length=64)]


class MemberClassIn(Strict):
    """A class of members whose hour and shift thresholds are pro-rated (part-time 0.5: half the hours). A
    member is in the class when their record carries the tag `name`."""

    name: Annotated[str, Field(min_length=1, max_length=64)]
    factor: Annotated[float, Field(gt=0, le=1)]


class RulesIn(Strict):
    hours_per_day: Annotated[float, Field(gt=0, le=24)] | None = Field(
        default=None, description="hours that make a day a duty day"
    )
    days_per_week: Annotated[int, Field(ge=1, le=7)] | None = Field(default=None, description="duty days a week")
    hours_per_week: Annotated[float, Field(gt=0, le=24 * 7)] | None = None
    shifts_per_week: Annotated[int, Field(ge=1, le=7 * 24)] | None = None
    unpaid_weeks: Annotated[int, Field(ge=0, le=52)] = Field(default=0, description="first weeks of the strike unpaid")
    week_starts_on: Weekday = "monday"
    classes: Annotated[list[MemberClassIn], Field(max_length=20)] = []

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        if len({c.name.casefold() for c in self.classes}) != len(self.classes):
            raise blame("classes", "each class once")
        return self


class StrikeIn(Strict):
    name: Name
    starts_on: Day
    ends_on: Day | None = None
    rules: RulesIn = RulesIn()

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise blame("ends_on", "must not be before starts_on")
        return self


class StrikePatch(Strict):
    name: Name | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    rules: RulesIn | None = Field(default=None, description="the whole rule set (open weeks are recomputed)")


class DutyIn(Strict):
    """A captain's entry: who (`volunteer` or `member_id`), on which shift, from when to when."""

    shift: Id
    volunteer: Id | None = None
    member_id: MemberId | None = None
    signed_in_at: Moment
    signed_out_at: Moment | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.volunteer is None) == (self.member_id is None):
            raise blame("volunteer", "give volunteer or member_id (one of them)")
        if self.signed_out_at is not None and self.signed_out_at <= self.signed_in_at:
            raise blame("signed_out_at", "must be after signed_in_at")
        if self.signed_out_at is not None and self.signed_out_at - self.signed_in_at > MAX_STRETCH:
            raise blame("signed_out_at", "at most 24 hours after signed_in_at: enter each day on its own")
        return self


class DutyPatch(Strict):
    """A correction: the new times (or shift), and why (kept in the audit log)."""

    shift: Id | None = None
    signed_in_at: Moment | None = None
    signed_out_at: Moment | None = None
    reason: Annotated[str, Field(min_length=1, max_length=1000)]


class ScanIn(Strict):
    """One scan or typed member id at the line, from the captain's page (possibly queued offline)."""

    scan_id: Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    event: Id
    member_id: MemberId
    action: Literal["in", "out"]
    at: Moment


class DisputeIn(Strict):
    volunteer: Id | None = None
    member_id: MemberId | None = None
    day: Day
    raised_by: Literal["member", "captain"]
    note: Text = ""

    @model_validator(mode="after")
    def _who(self) -> Self:
        if (self.volunteer is None) == (self.member_id is None):
            raise blame("volunteer", "give volunteer or member_id (one of them)")
        return self


class DisputeResolve(Strict):
    resolution: Annotated[str, Field(min_length=1, max_length=20_000)]


class CaptainIn(Strict):
    email: Annotated[str, Field(min_length=3, max_length=254)]
