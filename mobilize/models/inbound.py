"""Inbound SMS: every message a volunteer sends us, the question we are waiting on an answer to, and the
organizers' inbox threads (one per organization and volunteer)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from mobilize.models.ids import stable_id


class ThreadStatus(StrEnum):
    OPEN = "open"
    HANDLED = "handled"


class InboundMessage(Model):
    # One row per Twilio MessageSid (unique: a retried webhook finds its row and has no second effect).
    # `outcome` says what the message did (stop, start, help, yes, no, join, here, inbox, ...); `reply` is
    # the text answered in the TwiML, replayed as is when Twilio retries.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    message_sid = fields.CharField(max_length=64, unique=True)
    from_number = fields.CharField(max_length=64)
    to_number = fields.CharField(max_length=64, default="")
    body = fields.TextField()
    num_media = fields.IntField(default=0)
    volunteer: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Volunteer", related_name="inbound_messages", null=True, on_delete=fields.SET_NULL
    )
    volunteer_id: int | None
    # The organization whose own number or Messaging Service received it; None for the shared sender.
    organization: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organization", related_name="inbound_messages", null=True, on_delete=fields.SET_NULL
    )
    organization_id: int | None
    outcome = fields.CharField(max_length=32, default="")
    reply = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "inbound_message"
        indexes = (("volunteer_id", "created_at"),)


class PendingQuestion(Model):
    # What we asked a number and wait for: "choose" (a numbered list of sign-ups, for YES or NO) or
    # "name" (a new number texted JOIN: the next message is their name). One per number; a new question
    # replaces the old one.

    id = fields.IntField(primary_key=True)
    phone = fields.CharField(max_length=20, unique=True)
    kind = fields.CharField(max_length=16)
    action = fields.CharField(max_length=16, default="")
    data: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    # The organization whose own number asked; None for the shared sender.
    organization: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organization", related_name="pending_questions", null=True, on_delete=fields.CASCADE
    )
    organization_id: int | None
    expires_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pending_question"


class InboxThread(Model):
    # An organization's conversation with one volunteer: opened (again) by anything they text that is
    # not a keyword, marked handled by an organizer.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="inbox_threads", on_delete=fields.CASCADE
    )
    organization_id: int
    volunteer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Volunteer", related_name="inbox_threads", on_delete=fields.CASCADE
    )
    volunteer_id: int
    status = fields.CharEnumField(ThreadStatus, max_length=16, default=ThreadStatus.OPEN)
    last_message_at = fields.DatetimeField()
    last_preview = fields.CharField(max_length=160, default="")
    handled_at = fields.DatetimeField(null=True)
    handled_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organizer", related_name="handled_threads", null=True, on_delete=fields.SET_NULL
    )
    handled_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "inbox_thread"
        unique_together = (("organization", "volunteer"),)
        indexes = (("organization_id", "status", "last_message_at"),)
