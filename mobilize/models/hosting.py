"""Volunteer-hosted events: a campaign's hosting policy, the host behind each proposed event (their email
verification, private page link, and the moderators' decision), and the hosts an organization trusts."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from mobilize.models.ids import stable_id


class HostingMode(StrEnum):
    CLOSED = "closed"  # organizers only (the default: no policy row means closed)
    REVIEW = "review"  # anyone may propose; a moderator approves each proposal
    OPEN = "open"  # proposals are published once the host's email is confirmed, moderated after


class HostingPolicy(Model):
    # One per campaign that accepts hosts. `group` is the action group hosted events belong to (its
    # organizers and hosts moderate them, its turnout counts them); `event_types` null allows every type.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="hosting_policies", on_delete=fields.CASCADE
    )
    organization_id: int
    campaign: fields.OneToOneRelation = fields.OneToOneField(
        "models.Campaign", related_name="hosting_policy", on_delete=fields.CASCADE
    )
    campaign_id: int
    mode = fields.CharEnumField(HostingMode, max_length=8, default=HostingMode.CLOSED)
    group: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.ActionGroup", related_name="hosting_policies", on_delete=fields.RESTRICT
    )
    group_id: int
    event_types: fields.Field[list[str] | None] = fields.JSONField(null=True)
    terms = fields.TextField()  # the exact words a host agrees to; kept on each host's consent record
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "hosting_policy"


class HostedEvent(Model):
    # The host behind one proposed event. Tokens are kept as SHA-256 only: the verification link works once;
    # the host page link works until rotated or unused for services.hosting.links.LINK_IDLE.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="hosted_events", on_delete=fields.CASCADE
    )
    organization_id: int
    event: fields.OneToOneRelation = fields.OneToOneField(
        "models.Event", related_name="hosted", on_delete=fields.CASCADE
    )
    event_id: int
    campaign: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Campaign", related_name="hosted_events", on_delete=fields.CASCADE
    )
    campaign_id: int
    # The organization's record of the host, matched by the email they proved (set at verification).
    volunteer: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Volunteer", related_name="hosted_events", null=True, on_delete=fields.SET_NULL
    )
    volunteer_id: int | None
    host_name = fields.CharField(max_length=200)
    host_email = fields.CharField(max_length=254)
    host_phone = fields.CharField(max_length=20, default="")
    verify_token_hash = fields.CharField(max_length=64, unique=True, null=True)
    verified_at = fields.DatetimeField(null=True)
    page_token_hash = fields.CharField(max_length=64, unique=True, null=True)
    page_token_seen_at = fields.DatetimeField(null=True)
    # The moderators' last word: "approved", "rejected", "changes_requested", "unpublished" (or "").
    decision = fields.CharField(max_length=20, default="")
    reason = fields.TextField(default="")
    decided_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organizer", related_name="hosting_decisions", null=True, on_delete=fields.SET_NULL
    )
    decided_by_id: int | None
    decided_at = fields.DatetimeField(null=True)
    approved_at = fields.DatetimeField(null=True)
    extra: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "hosted_event"
        indexes = (("organization_id", "volunteer_id"), ("organization_id", "host_email"))


class TrustedHost(Model):
    # A host whose next proposals publish at once, by the email they prove at each proposal (a record's
    # phone or email typed on a public form proves nothing; clicking the link sent to an email does).

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="trusted_hosts", on_delete=fields.CASCADE
    )
    organization_id: int
    email = fields.CharField(max_length=254)
    trusted_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organizer", related_name="trusted_hosts", null=True, on_delete=fields.SET_NULL
    )
    trusted_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "trusted_host"
        unique_together = (("organization", "email"),)
