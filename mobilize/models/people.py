"""Volunteers, their consent records per channel, and which organizations know them."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class SmsStatus(StrEnum):
    OPTED_IN = "opted_in"
    OPTED_OUT = "opted_out"
    UNKNOWN = "unknown"


class EmailStatus(StrEnum):
    OK = "ok"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    UNKNOWN = "unknown"


class ConsentChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class ConsentAction(StrEnum):
    GRANTED = "granted"
    REVOKED = "revoked"


class Volunteer(Model):
    # A person, known by an E.164 phone and/or a lower-cased email; both are unique.

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, default="")
    phone = fields.CharField(max_length=20, null=True, unique=True)
    email = fields.CharField(max_length=254, null=True, unique=True)
    postal_code = fields.CharField(max_length=16, default="")
    sms_status = fields.CharEnumField(SmsStatus, max_length=16, default=SmsStatus.UNKNOWN)
    email_status = fields.CharEnumField(EmailStatus, max_length=16, default=EmailStatus.UNKNOWN)
    manage_token = fields.CharField(max_length=64, unique=True)
    feed_token = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "volunteer"


class ConsentRecord(Model):
    # Every grant and revocation, with the exact words shown; kept for at least four years.

    id = fields.IntField(primary_key=True)
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="consents", on_delete=fields.CASCADE
    )
    volunteer_id: int
    organization: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organization", related_name="consents", null=True, on_delete=fields.SET_NULL
    )
    organization_id: int | None
    channel = fields.CharEnumField(ConsentChannel, max_length=8)
    action = fields.CharEnumField(ConsentAction, max_length=8)
    source = fields.CharField(max_length=32)
    words = fields.TextField()
    ip = fields.CharField(max_length=64, default="")
    user_agent = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "consent_record"
        indexes = (("volunteer_id", "created_at"),)


class Relationship(Model):
    # An organization knows this volunteer (a sign-up, an import): it may see their contact details.

    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="relationships", on_delete=fields.CASCADE
    )
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="relationships", on_delete=fields.CASCADE
    )
    source = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "relationship"
        unique_together = (("organization", "volunteer"),)
        indexes = (("volunteer_id",),)
