"""Action groups (local groups of an organization) and campaigns (frames around many events)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from mobilize.models.ids import stable_id


class ActionGroup(Model):
    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="groups", on_delete=fields.CASCADE
    )
    organization_id: int
    slug = fields.CharField(max_length=64)
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    postal_code = fields.CharField(max_length=16, default="")
    lat = fields.FloatField(null=True)
    lon = fields.FloatField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "action_group"
        unique_together = (("organization", "slug"),)


class Campaign(Model):
    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="campaigns", on_delete=fields.CASCADE
    )
    organization_id: int
    slug = fields.CharField(max_length=64)
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    starts_on = fields.DateField(null=True)
    ends_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "campaign"
        unique_together = (("organization", "slug"),)
