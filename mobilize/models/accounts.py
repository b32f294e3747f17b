"""Organizations, organizer accounts, their roles, and API tokens."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from mobilize.models.ids import stable_id

DEFAULT_ZONE = "America/Chicago"  # a new organization's zone until its owners choose theirs


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    ORGANIZER = "organizer"
    HOST = "host"
    VIEWER = "viewer"
    CAPTAIN = "captain"  # a picket captain: reads like a viewer, signs people in and out on their strikes' lines


class Organization(Model):
    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    slug = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    # The organization's own SMS sender, if it has one (else the deployment's TWILIO_* sender): its texts go
    # out from it, and texts to it are routed to this organization.
    sms_from_number = fields.CharField(max_length=20, null=True, unique=True)
    sms_messaging_service_sid = fields.CharField(max_length=64, null=True, unique=True)
    # The zone its pages show times in where no event decides (records, inbox, audit log, the board's days);
    # an IANA name, checked by services.accounts.team.set_timezone.
    timezone = fields.CharField(max_length=64, default=DEFAULT_ZONE, db_default=DEFAULT_ZONE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organization"


class Organizer(Model):
    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200)
    password_hash = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organizer"


class Membership(Model):
    # The role of an organizer in one organization; hosts are scoped to `groups`.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    organizer: fields.ForeignKeyRelation[Organizer] = fields.ForeignKeyField(
        "models.Organizer", related_name="memberships", on_delete=fields.CASCADE
    )
    organizer_id: int
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="memberships", on_delete=fields.CASCADE
    )
    organization_id: int
    role = fields.CharEnumField(Role, max_length=16)
    can_export = fields.BooleanField(default=False)
    groups: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.ActionGroup", related_name="hosts", through="membership_group"
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "membership"
        unique_together = (("organizer", "organization"),)


class ApiToken(Model):
    # A bearer token acting as one membership. Only its SHA-256 is stored; the token is shown once.

    id = fields.IntField(primary_key=True)
    membership: fields.ForeignKeyRelation[Membership] = fields.ForeignKeyField(
        "models.Membership", related_name="tokens", on_delete=fields.CASCADE
    )
    membership_id: int
    name = fields.CharField(max_length=100, default="")
    token_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=12)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class OrganizerInvitation(Model):
    # An emailed link inviting someone into an organization with a role (hosts: of chosen groups). Only the
    # token's SHA-256 is stored; it works once, until `expires_at`.

    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="invitations", on_delete=fields.CASCADE
    )
    organization_id: int
    email = fields.CharField(max_length=254)
    role = fields.CharEnumField(Role, max_length=16)
    group_ids: fields.Field[list[int]] = fields.JSONField(default=list)
    can_export = fields.BooleanField(default=False)
    token_hash = fields.CharField(max_length=64, unique=True)
    invited_by: fields.ForeignKeyNullableRelation[Organizer] = fields.ForeignKeyField(
        "models.Organizer", related_name="invitations_sent", null=True, on_delete=fields.SET_NULL
    )
    invited_by_id: int | None
    expires_at = fields.DatetimeField()
    accepted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organizer_invitation"


class OrganizerSession(Model):
    # One browser logged in as an organizer. The signed cookie carries a random id; only its SHA-256 is stored,
    # so a copy of the database logs no one in. Deleting the row ends the session at its next request.

    id = fields.IntField(primary_key=True)
    organizer: fields.ForeignKeyRelation[Organizer] = fields.ForeignKeyField(
        "models.Organizer", related_name="sessions", on_delete=fields.CASCADE
    )
    organizer_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    user_agent = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()

    class Meta:
        table = "organizer_session"
