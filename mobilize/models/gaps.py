"""Filling gaps: a group's standby volunteers, and each time one was asked by SMS to fill a shift below target."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from mobilize.models.ids import stable_id


class GapAnswer(StrEnum):
    PENDING = "pending"
    YES = "yes"
    NO = "no"
    EXPIRED = "expired"  # the shift started (or closed) before they answered


class Standby(Model):
    # A volunteer on a group's standby list: they may be texted when a shift of the group's events needs
    # people (and only while their SMS status is opted in).

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    group: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.ActionGroup", related_name="standby", on_delete=fields.CASCADE
    )
    group_id: int
    volunteer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Volunteer", related_name="standby", on_delete=fields.CASCADE
    )
    volunteer_id: int
    added_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organizer", related_name="standby_added", null=True, on_delete=fields.SET_NULL
    )
    added_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "standby"
        unique_together = (("group", "volunteer"),)
        indexes = (("volunteer_id",),)


class GapRequest(Model):
    # One standby volunteer asked once to fill one shift; unique per (shift, volunteer), so a job that runs
    # twice asks once. The weekly cap counts these rows by `asked_at`.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    shift: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Shift", related_name="gap_requests", on_delete=fields.CASCADE
    )
    shift_id: int
    volunteer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Volunteer", related_name="gap_requests", on_delete=fields.CASCADE
    )
    volunteer_id: int
    message: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Message", related_name="gap_requests", null=True, on_delete=fields.SET_NULL
    )
    message_id: int | None
    asked_at = fields.DatetimeField()
    answer = fields.CharEnumField(GapAnswer, max_length=16, default=GapAnswer.PENDING)
    answered_at = fields.DatetimeField(null=True)
    signup: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Signup", related_name="gap_requests", null=True, on_delete=fields.SET_NULL
    )
    signup_id: int | None

    class Meta:
        table = "gap_request"
        unique_together = (("shift", "volunteer"),)
        indexes = (("volunteer_id", "asked_at"),)
