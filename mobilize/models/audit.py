"""The audit log: who did what sensitive thing (bulk exports of volunteer data), when, with which filters."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from mobilize.models.ids import stable_id


class AuditLog(Model):
    # One row per sensitive action; never updated. `organizer` survives the account's deletion as NULL.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="audit_entries", on_delete=fields.CASCADE
    )
    organization_id: int
    organizer: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organizer", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    organizer_id: int | None
    action = fields.CharField(max_length=64)
    detail: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_log"
        indexes = (("organization_id", "created_at"),)
