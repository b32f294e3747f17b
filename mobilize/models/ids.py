"""Stable ids: the UUID every row an organization owns carries, so that its references survive a move to
another instance (the archive refers to rows by it; integer ids are the instance's own)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tortoise import fields


def stable_id() -> Any:
    """The `uuid` column. Unique; NULL only for a row written by a hand-written INSERT that does not set it
    yet, which the archive gives one before it exports (services.transfer.archive)."""
    return fields.UUIDField(null=True, unique=True, default=uuid4)
