"""Saved lists: a named filter of one organization's people (tags, a group's sign-ups, postal codes, sign-up
history), kept as its conditions and worked out again each time it is read or messaged."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from mobilize.models.ids import stable_id


class ListHistory(StrEnum):
    ANY = "any"  # no condition on sign-ups (with a group or a start day: signed up for them)
    SIGNED_UP = "signed_up"  # held a seat at least once (signed up, confirmed, attended, no-show)
    ATTENDED = "attended"  # came at least once
    NEVER = "never"  # never held a seat


class TagMatch(StrEnum):
    ANY = "any"  # at least one of the tags
    ALL = "all"  # every one of them


class SavedList(Model):
    # The conditions, not the people: a list of "stewards in 606" still holds the steward tagged this morning.
    # Sign-up conditions count the sign-ups of `group`'s events (any group when unset) whose shift starts on
    # or after `since` (a day in the organization's zone; any day when unset).

    id = fields.IntField(primary_key=True)
    uuid = stable_id()
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="saved_lists", on_delete=fields.CASCADE
    )
    organization_id: int
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="", db_default="")
    # Lower-cased, as services.people.directory.clean_tag leaves them.
    tags: fields.Field[list[str]] = fields.JSONField(default=list)
    tag_match = fields.CharEnumField(TagMatch, max_length=8, default=TagMatch.ANY)
    postal_codes: fields.Field[list[str]] = fields.JSONField(default=list)  # prefixes: "606" holds 60608
    group: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.ActionGroup", related_name="saved_lists", null=True, on_delete=fields.CASCADE
    )
    group_id: int | None
    history = fields.CharEnumField(ListHistory, max_length=16, default=ListHistory.ANY)
    since = fields.DateField(null=True)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organizer", related_name="saved_lists", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "saved_list"
        unique_together = (("organization", "name"),)
