"""The shapes of the strikes API's answers, for the OpenAPI document (joined into web.api.resources.ANSWERS)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class MemberClass(BaseModel):
    name: str = Field(description="a tag on the member's record")
    factor: float = Field(description="scales the hour and shift thresholds (part-time 0.5)")


class StrikeRules(BaseModel):
    hours_per_day: float | None
    days_per_week: int | None
    hours_per_week: float | None
    shifts_per_week: int | None
    unpaid_weeks: int
    week_starts_on: str
    classes: list[MemberClass]


class Strike(BaseModel):
    id: int
    name: str
    starts_on: date
    ends_on: date | None
    rules: StrikeRules
    created_at: datetime | None
    updated_at: datetime | None


class StrikeList(BaseModel):
    data: list[Strike]
    next: str | None


class DutyEntry(BaseModel):
    id: int
    strike: int
    shift: int
    volunteer: int
    signed_in_at: datetime
    signed_out_at: datetime | None
    source: Literal["captain", "sms", "correction"]
    auto_closed: bool = Field(description="nobody signed out: closed at the shift's end, for a captain to check")


class ScanAnswer(BaseModel):
    outcome: Literal["signed_in", "signed_out", "already_in", "not_in", "replayed"]
    volunteer: int
    name: str
    member_id: str | None
    duty: DutyEntry | None


class StrikeDispute(BaseModel):
    id: int
    strike: int
    volunteer: int
    day: date
    raised_by: Literal["member", "captain"]
    note: str
    status: Literal["open", "resolved"]
    resolution: str
    resolved_at: datetime | None


class StrikeDisputeList(BaseModel):
    data: list[StrikeDispute]
    next: str | None


class StrikeCaptain(BaseModel):
    strike: int
    organizer: int
    email: str


class LedgerDispute(BaseModel):
    id: int
    day: date
    status: Literal["open", "resolved"]


class LedgerMember(BaseModel):
    volunteer: int
    member_id: str | None
    name: str
    days: dict[str, float] = Field(description="hours per day (YYYY-MM-DD in the line's zone), days with duty only")
    hours: float
    shifts: int
    duty_days: int
    qualifies: bool
    reasons: list[str] = Field(description="the rules the week fails, in words (empty when it qualifies)")
    disputes: list[LedgerDispute]


class StrikeLedger(BaseModel):
    week_start: date
    week: int = Field(description="the week of the strike, from 1")
    closed: bool = Field(description="closed (paid): judged by the rules kept with it")
    rules: StrikeRules
    members: list[LedgerMember]
    supporters: int = Field(description="supporters on the line that week: counted, never listed")


class StrikeWeek(BaseModel):
    strike: int
    week_start: date
    rules: StrikeRules
    closed_at: datetime | None


ANSWERS: tuple[type[BaseModel], ...] = (
    Strike,
    StrikeList,
    DutyEntry,
    ScanAnswer,
    StrikeDispute,
    StrikeDisputeList,
    StrikeCaptain,
    StrikeLedger,
    StrikeWeek,
)
