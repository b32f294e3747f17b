"""Coalitions: an organization invited into another's campaign (its convener's), and its answer."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from mobilize.models.ids import stable_id


class PartnershipStatus(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LEFT = "left"  # ended by either side after it was accepted (or an invitation withdrawn)


class Partnership(Model):
    # One row per (campaign, partner organization): a new invitation after a decline or a departure reuses it,
    # so the partner's events and sign-ups keep pointing at one history. Only an accepted partner's events may
    # join the campaign; ending the partnership takes them out (their campaign is cleared, nothing deleted).

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    campaign: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Campaign", related_name="partnerships", on_delete=fields.CASCADE
    )
    campaign_id: int
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="partnerships", on_delete=fields.CASCADE
    )
    organization_id: int
    status = fields.CharEnumField(PartnershipStatus, max_length=16, default=PartnershipStatus.INVITED)
    invited_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organizer", related_name="partnerships_invited", null=True, on_delete=fields.SET_NULL
    )
    invited_by_id: int | None
    invited_at = fields.DatetimeField()
    invitations = fields.IntField(default=1)  # how many times it was invited: each invitation's emails are distinct
    answered_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "partnership"
        unique_together = (("campaign", "organization"),)
        indexes = (("organization_id", "status"),)
