"""Events (an action at a place and time zone) and their shifts (time slots with a cap and a target)."""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from mobilize.models.ids import stable_id


class EventType(StrEnum):
    RALLY = "rally"
    PICKET = "picket"
    CANVASS = "canvass"
    PHONE_BANK = "phone_bank"
    TRAINING = "training"
    MEETING = "meeting"
    OTHER = "other"


class Visibility(StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"


def new_share_token() -> str:
    """128 random bits, URL-safe: the part of an unlisted event's address that cannot be guessed."""
    return secrets.token_urlsafe(16)


def address_token(visibility: str, share_token: str) -> str | None:
    """The token a public address of an event must carry: none for a public event (its plain address
    answers), its share token otherwise (a private event answers at neither)."""
    return None if visibility == Visibility.PUBLIC else share_token


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    # A volunteer-hosted proposal (services.hosting): its host has not confirmed their email yet, it waits
    # for a moderator, or a moderator turned it down (or unpublished it). None of these is ever public.
    UNVERIFIED = "unverified"
    PENDING = "pending"
    REJECTED = "rejected"


# The statuses an event may be seen in at a public address, in public lists and in feeds.
PUBLIC_STATUSES = (EventStatus.SCHEDULED, EventStatus.CANCELLED)


class ShiftStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Event(Model):
    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="events", on_delete=fields.CASCADE
    )
    organization_id: int
    group: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.ActionGroup", related_name="events", on_delete=fields.RESTRICT
    )
    group_id: int
    campaign: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Campaign", related_name="events", null=True, on_delete=fields.SET_NULL
    )
    campaign_id: int | None
    # A picket event of a strike: its duty counts toward strike pay (models.strikes).
    strike: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Strike", related_name="events", null=True, on_delete=fields.SET_NULL
    )
    strike_id: int | None
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    instructions = fields.TextField(default="")  # shown to people signed up, never on public pages
    event_type = fields.CharEnumField(EventType, max_length=16, default=EventType.OTHER)
    timezone = fields.CharField(max_length=64)
    venue = fields.CharField(max_length=200, default="")
    address = fields.CharField(max_length=300, default="")
    city = fields.CharField(max_length=100, default="")
    region = fields.CharField(max_length=100, default="")
    postal_code = fields.CharField(max_length=16, default="", db_index=True)
    country = fields.CharField(max_length=2, default="US")
    lat = fields.FloatField(null=True)
    lon = fields.FloatField(null=True)
    # The organizer reveals the street address (and the exact point) only to people signed up. The
    # database default fills the rows that existed before the column did.
    address_after_signup = fields.BooleanField(default=False, db_default=False)
    virtual_url = fields.CharField(max_length=500, default="")
    visibility = fields.CharEnumField(Visibility, max_length=16, default=Visibility.PUBLIC)
    # Event ids are guessable: an unlisted event's page and feed answer only at addresses carrying this
    # token (web.urls.event_route). Rotating it retires the old addresses at once.
    share_token = fields.CharField(max_length=32, unique=True, default=new_share_token)
    status = fields.CharEnumField(EventStatus, max_length=16, default=EventStatus.SCHEDULED)
    sequence = fields.IntField(default=0)  # bumped on every change of time, place or status
    # The reminder timeline, [{"kind": "day_before"|"soon", "minutes_before": int}]; null means the default
    # (services.reminders.DEFAULT_TIMELINE), so a change of the default reaches every event that kept it.
    reminders: fields.Field[list[dict[str, Any]] | None] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    def address_token(self) -> str | None:
        return address_token(self.visibility, self.share_token)

    class Meta:
        table = "event"
        # PostgreSQL does not index foreign keys by itself; these serve the per-group, per-campaign and
        # per-organization lists, feeds and turnout.
        indexes = (("organization_id", "status"), ("group_id",), ("campaign_id",))


class Shift(Model):
    # `filled` counts seat-holding sign-ups; it only moves by conditional UPDATEs (see services.signups.seats).

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="shifts", on_delete=fields.CASCADE
    )
    event_id: int
    starts_at = fields.DatetimeField(db_index=True)
    ends_at = fields.DatetimeField()
    capacity = fields.IntField()
    target = fields.IntField(default=0)
    filled = fields.IntField(default=0)
    code = fields.CharField(max_length=12, unique=True)
    status = fields.CharEnumField(ShiftStatus, max_length=16, default=ShiftStatus.SCHEDULED)
    sequence = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "shift"
        indexes = (("event_id", "starts_at"),)
