"""Sign-ups: a volunteer on a shift, from sign-up through waitlist, confirmation and attendance."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from mobilize.models.ids import stable_id


class SignupStatus(StrEnum):
    SIGNED_UP = "signed_up"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class SignupSource(StrEnum):
    WEB = "web"
    SMS = "sms"
    API = "api"
    IMPORT = "import"
    WALK_IN = "walk_in"


# Statuses that occupy one of the shift's seats (counted in Shift.filled).
SEAT_STATUSES = frozenset({SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED, SignupStatus.ATTENDED, SignupStatus.NO_SHOW})
# Sign-ups still ahead of their shift's outcome: seated or waiting (told of changes; a volunteer can drop them).
LIVE_STATUSES = frozenset({SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED, SignupStatus.WAITLISTED})


class Signup(Model):
    # `holder` is the shift id while the sign-up is not cancelled, NULL after: the unique pair
    # (volunteer, holder) lets one volunteer hold one live sign-up per shift, on any database.

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    shift: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Shift", related_name="signups", on_delete=fields.CASCADE
    )
    shift_id: int
    volunteer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Volunteer", related_name="signups", on_delete=fields.CASCADE
    )
    volunteer_id: int
    holder = fields.IntField(null=True)
    status = fields.CharEnumField(SignupStatus, max_length=16)
    source = fields.CharEnumField(SignupSource, max_length=16)
    referrer = fields.CharField(max_length=200, default="")
    # The coalition partner (or convener) that brought the person (`recruited_by`, `?ref=`): credited in the
    # campaign's turnout. Never gives that organization the person's details (sharing does, when chosen).
    recruited_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organization", related_name="recruited_signups", null=True, on_delete=fields.SET_NULL
    )
    recruited_by_id: int | None
    # Set when an organizer decided this person's attendance (or to leave it as it is): the no-show sweep
    # after the shift (services.signups.attendance) then leaves the sign-up alone.
    attendance_locked = fields.BooleanField(default=False, db_default=False)
    checked_in_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "signup"
        unique_together = (("volunteer", "holder"),)
        indexes = (("shift_id", "status"),)
