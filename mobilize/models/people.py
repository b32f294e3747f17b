"""People as each organization knows them: one organization's record of a person (contact, notes, tags, member
id), its consent records per channel, and the opt-outs that hold for a whole sending number."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from mobilize.models.ids import stable_id


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
    SHARING = "sharing"  # the person chose to give their name and contact to this organization (a coalition's)
    HOST_TERMS = "host"  # a volunteer host agreed to a campaign's host terms (services.hosting)
    SHARE_WITH_HOST = "share"  # a person let the host of one event see their phone or email


class ConsentAction(StrEnum):
    GRANTED = "granted"
    REVOKED = "revoked"


class Volunteer(Model):
    # One organization's record of a person, known by an E.164 phone and/or a lower-cased email, each unique
    # within the organization: the same phone given to two organizations is two records, and nothing passes
    # between them. `sms_status` is this organization's consent; `sms_blocked` says the number texted STOP to
    # the sender this organization texts from (services.people.consent), whoever it was talking to.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="volunteers", on_delete=fields.CASCADE
    )
    organization_id: int
    name = fields.CharField(max_length=200, default="")
    phone = fields.CharField(max_length=20, null=True)
    email = fields.CharField(max_length=254, null=True)
    postal_code = fields.CharField(max_length=16, default="")
    notes = fields.TextField(default="", db_default="")
    member_id = fields.CharField(max_length=64, null=True)
    source = fields.CharField(max_length=16, default="", db_default="")  # how the organization first knew them
    sms_status = fields.CharEnumField(SmsStatus, max_length=16, default=SmsStatus.UNKNOWN)
    sms_blocked = fields.BooleanField(default=False, db_default=False)
    email_status = fields.CharEnumField(EmailStatus, max_length=16, default=EmailStatus.UNKNOWN)
    manage_token = fields.CharField(max_length=64, unique=True)
    feed_token = fields.CharField(max_length=64, unique=True)
    # When each private link was issued or last used: unused for LINK_IDLE (services.people.links), it expires.
    manage_token_seen_at = fields.DatetimeField(null=True)
    feed_token_seen_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "volunteer"
        unique_together = (("organization", "phone"), ("organization", "email"), ("organization", "member_id"))
        indexes = (("phone",),)


class VolunteerTag(Model):
    # A label an organization puts on its own record of a person ("steward", "spanish", "has-car").

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="tags", on_delete=fields.CASCADE
    )
    volunteer_id: int
    name = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "volunteer_tag"
        unique_together = (("volunteer", "name"),)
        indexes = (("name",),)


class SmsBlock(Model):
    # A number texted STOP (or Twilio answered 21610) to one of our senders: nothing goes to it from that
    # sender until it texts START. `sender` is "shared" for the deployment's sender (every organization without
    # a sender of its own), else the organization's Messaging Service SID or number. Deployment-level: it names
    # no organization and is shown to none (they see only that the number cannot be texted).

    id = fields.IntField(primary_key=True)
    sender = fields.CharField(max_length=64)
    phone = fields.CharField(max_length=20)
    words = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sms_block"
        unique_together = (("sender", "phone"),)


class ConsentRecord(Model):
    # Every grant and revocation, with the exact words shown; kept for at least four years.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="consents", on_delete=fields.CASCADE
    )
    volunteer_id: int
    # The organization of the volunteer record (always set since records belong to one organization).
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
