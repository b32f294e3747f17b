"""The shapes of the hosting endpoints' answers, for the OpenAPI document (joined into resources.ANSWERS)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from mobilize.models import EventStatus, EventType, HostingMode


class HostingPolicy(BaseModel):
    """Whether and how a campaign takes events proposed by volunteer hosts."""

    campaign: str
    mode: HostingMode = Field(description="closed: organizers only; review: a moderator approves; open: published")
    group: str | None = Field(description="the action group hosted events belong to (its organizers moderate)")
    event_types: list[EventType] | None = Field(description="the types the campaign takes; null: every type")
    terms: str | None = Field(description="the exact words a host agrees to")


class ProposalAccepted(BaseModel):
    """A proposal recorded; it waits for its host to confirm their email by the link sent to it."""

    id: int
    status: Literal[EventStatus.UNVERIFIED]


ANSWERS: tuple[type[BaseModel], ...] = (HostingPolicy, ProposalAccepted)
