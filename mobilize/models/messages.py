"""The outbox: every SMS and email we send, as a row with its due time, state and provider id.

The database is the schedule; the queue only carries "deliver message N now". A message is unique per
`dedupe_key` (e.g. one confirmation per sign-up and channel), so re-running whatever created it is harmless.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from mobilize.models.ids import stable_id


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class MessageKind(StrEnum):
    CONFIRMATION = "confirmation"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    CANCELLED_SIGNUP = "cancelled"  # the person dropped (or was dropped from) a shift they held a seat on
    CHANGED = "changed"  # the organizers moved the shift or changed the place
    REMINDER_DAY_BEFORE = "reminder_day_before"  # asks YES/NO, a day (by default) before the shift
    REMINDER_SOON = "reminder_soon"  # time, place and instructions, shortly before the shift
    BLAST = "blast"  # written by an organizer to a roster (services/outbox/blasts.py)
    ORGANIZER_INVITATION = "organizer_invitation"  # a link to join an organization (services/accounts/onboarding.py)
    PASSWORD_RESET = "password_reset"  # a link to choose a new password (services/accounts/onboarding.py)
    REPLY = "reply"  # our automatic answer to an inbound SMS, sent as the webhook's TwiML (services/inbound/receive.py)
    INBOX_REPLY = "inbox_reply"  # an organizer's answer in an inbox thread (services/inbound/inbox.py)
    GAP_REQUEST = "gap_request"  # asks a standby volunteer to fill a shift below target (services/gaps/filling.py)
    PARTNER_INVITATION = "partner_invitation"  # a campaign invites an organization (services/coalitions/)
    HOSTING = "hosting"  # to a volunteer host or the moderators about a hosted event (services/hosting/mail.py)


class MessageState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDELIVERED = "undelivered"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class Message(Model):
    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    organization: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organization", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    organization_id: int | None
    volunteer: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Volunteer", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    volunteer_id: int | None
    signup: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Signup", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    signup_id: int | None
    # Who wrote it, for an organizer's message to a roster; None for the messages the system composes.
    sent_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organizer", related_name="sent_messages", null=True, on_delete=fields.SET_NULL
    )
    sent_by_id: int | None
    channel = fields.CharEnumField(Channel, max_length=8)
    kind = fields.CharEnumField(MessageKind, max_length=32)
    to_address = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=300, default="")
    body = fields.TextField()
    due_at = fields.DatetimeField(db_index=True)
    expires_at = fields.DatetimeField(null=True)  # not worth sending after this (the shift has started)
    # The recipient's time zone for quiet hours (the event's where we know no better), fixed when planned,
    # so a retried text waits out the night too; "" for rows planned before it was kept (then through the
    # sign-up, if any).
    timezone = fields.CharField(max_length=64, default="", db_default="")
    state = fields.CharEnumField(MessageState, max_length=16, default=MessageState.PENDING, db_index=True)
    skip_reason = fields.CharField(max_length=200, default="")
    provider_id = fields.CharField(max_length=64, null=True, db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(default="")
    dedupe_key = fields.CharField(max_length=200, unique=True)
    claimed_at = fields.DatetimeField(null=True)
    claim_token = fields.CharField(max_length=16, null=True)  # which delivery job holds the claim
    claimed_by = fields.CharField(max_length=32, null=True)  # which DeliveryWorker runs that job
    # A worker vanished between claiming and recording: the provider may have it. Checked before resending.
    in_doubt = fields.BooleanField(default=False)
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "message"
        indexes = (("state", "due_at"), ("signup_id",), ("volunteer_id", "created_at"))


class DeliveryWorker(Model):
    # A process delivering the outbox (an arq worker, or the web process under `make run`). It writes
    # seen_at every few seconds; the claims of one not heard from for a while are taken back.

    id = fields.CharField(max_length=32, primary_key=True)
    host = fields.CharField(max_length=255, default="")
    pid = fields.IntField(default=0)
    started_at = fields.DatetimeField()
    seen_at = fields.DatetimeField()

    class Meta:
        table = "delivery_worker"
