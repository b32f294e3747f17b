"""Strikes: picket events under strike-pay rules, the duty members and supporters do at the line, the weeks
the strike fund has paid (with the rules they were paid under), disputes over a day, and picket captains."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from mobilize.models.ids import stable_id


class DutySource(StrEnum):
    CAPTAIN = "captain"  # entered or scanned by a picket captain (API or the captain's page)
    SMS = "sms"  # HERE / BYE
    CORRECTION = "correction"


class ScanOutcome(StrEnum):
    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"
    ALREADY_IN = "already_in"  # on duty already: the scan changed nothing
    NOT_IN = "not_in"  # signing out someone not on duty: the scan changed nothing


class DisputeStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Strike(Model):
    # `rules` are the rules in force now (services.strikes.rules.Rules as a dict); a paid week keeps its own
    # copy in StrikeWeek, so a change here recomputes the open weeks only.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="strikes", on_delete=fields.CASCADE
    )
    organization_id: int
    name = fields.CharField(max_length=200)
    starts_on = fields.DateField()
    ends_on = fields.DateField(null=True)
    rules: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "strike"
        indexes = (("organization_id",),)


class Duty(Model):
    # One stretch of picket duty: signed in, and (once over) signed out. `scan_in` and `scan_out` name the
    # scans that opened and closed it (StrikeScan, where a scan is looked up).
    # `auto_closed`: nobody signed out; the shift's end closed it (services.strikes.duty.close_forgotten).

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    strike: fields.ForeignKeyRelation[Strike] = fields.ForeignKeyField(
        "models.Strike", related_name="duties", on_delete=fields.CASCADE
    )
    strike_id: int
    shift: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Shift", related_name="duties", on_delete=fields.CASCADE
    )
    shift_id: int
    volunteer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Volunteer", related_name="duties", on_delete=fields.CASCADE
    )
    volunteer_id: int
    signed_in_at = fields.DatetimeField()
    signed_out_at = fields.DatetimeField(null=True)
    source = fields.CharEnumField(DutySource, max_length=16)
    scan_in = fields.CharField(max_length=64, null=True, unique=True)
    scan_out = fields.CharField(max_length=64, null=True, unique=True)
    auto_closed = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "strike_duty"
        indexes = (("strike_id", "signed_in_at"), ("volunteer_id", "signed_out_at"), ("shift_id",))


class StrikeScan(Model):
    # Every scan a captain's page sent that was booked, by the page's own id for it (unique: a queue replayed
    # after a bad connection finds each scan here and changes nothing), with what it did then: the duty it
    # opened or closed, or found open (already_in); none when the person was not on duty (not_in).

    id = fields.IntField(primary_key=True)
    strike: fields.ForeignKeyRelation[Strike] = fields.ForeignKeyField(
        "models.Strike", related_name="scans", on_delete=fields.CASCADE
    )
    strike_id: int
    scan_id = fields.CharField(max_length=64, unique=True)
    volunteer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Volunteer", related_name="strike_scans", on_delete=fields.CASCADE
    )
    volunteer_id: int
    duty: fields.ForeignKeyNullableRelation[Duty] = fields.ForeignKeyField(
        "models.Duty", related_name="scans", null=True, on_delete=fields.SET_NULL
    )
    duty_id: int | None
    action = fields.CharField(max_length=8)  # "in" or "out"
    outcome = fields.CharEnumField(ScanOutcome, max_length=16)
    at = fields.DatetimeField()  # when the scan was made (the phone's clock), perhaps long before it arrived
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "strike_scan"
        indexes = (("duty_id",),)


class StrikeWeek(Model):
    # A week the strike fund closed (paid): the rules it was computed under, frozen.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    strike: fields.ForeignKeyRelation[Strike] = fields.ForeignKeyField(
        "models.Strike", related_name="weeks", on_delete=fields.CASCADE
    )
    strike_id: int
    week_start = fields.DateField()
    rules: fields.Field[dict[str, Any]] = fields.JSONField()
    closed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organizer", related_name="strike_weeks", null=True, on_delete=fields.SET_NULL
    )
    closed_by_id: int | None
    closed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "strike_week"
        unique_together = (("strike", "week_start"),)


class StrikeDispute(Model):
    # A member or captain says a day's hours are wrong; an organizer resolves it with a note.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    strike: fields.ForeignKeyRelation[Strike] = fields.ForeignKeyField(
        "models.Strike", related_name="disputes", on_delete=fields.CASCADE
    )
    strike_id: int
    volunteer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Volunteer", related_name="strike_disputes", on_delete=fields.CASCADE
    )
    volunteer_id: int
    day = fields.DateField()
    raised_by = fields.CharField(max_length=16)  # "member" or "captain"
    note = fields.TextField(default="")
    status = fields.CharEnumField(DisputeStatus, max_length=16, default=DisputeStatus.OPEN)
    resolution = fields.TextField(default="")
    resolved_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organizer", related_name="strike_disputes_resolved", null=True, on_delete=fields.SET_NULL
    )
    resolved_by_id: int | None
    resolved_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "strike_dispute"
        indexes = (("strike_id", "day"),)


class StrikeCaptain(Model):
    # A picket captain of one strike: an organizer (any role; the captain role can do nothing else) who signs
    # people in and out on the strike's lines.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    strike: fields.ForeignKeyRelation[Strike] = fields.ForeignKeyField(
        "models.Strike", related_name="captains", on_delete=fields.CASCADE
    )
    strike_id: int
    organizer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organizer", related_name="strike_captaincies", on_delete=fields.CASCADE
    )
    organizer_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "strike_captain"
        unique_together = (("strike", "organizer"),)
