"""Input shapes of hosting: a proposed event with its host, a campaign's policy, and the moderators' words."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator

from mobilize.models.events import EventType
from mobilize.models.hosting import HostingMode
from mobilize.schemas import URL_PATTERN, LocationIn, Moment, Name, ShiftIn, Slug, Strict, Text, blame, check_zone

MAX_SHIFTS = 20  # a volunteer's event, not a strike schedule


class HostIn(Strict):
    name: Name
    email: Annotated[str, Field(min_length=3, max_length=254)]
    phone: Annotated[str, Field(max_length=40)] = ""


class ProposalIn(Strict):
    """A volunteer's proposed event: what, where (a place or a link), its shifts, and who hosts it."""

    title: Name
    description: Text = ""
    event_type: EventType = EventType.OTHER
    timezone: str
    location: LocationIn | None = None
    virtual_url: Annotated[str, Field(max_length=500, pattern=URL_PATTERN)] = ""
    shifts: Annotated[list[ShiftIn], Field(min_length=1, max_length=MAX_SHIFTS)]
    host: HostIn
    agree_to_terms: bool = Field(default=False, description="the host agrees to the campaign's host terms")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)

    @model_validator(mode="after")
    def _somewhere(self) -> Self:
        place = self.location
        if not self.virtual_url and (place is None or not (place.city or place.postal_code or place.address)):
            raise blame("location", "give a place (city or postal code) or a virtual_url")
        return self


class PolicyIn(Strict):
    mode: HostingMode
    group: Slug | None = Field(default=None, description="the action group hosted events belong to")
    event_types: list[EventType] | None = Field(default=None, description="null: every type")
    terms: Annotated[str, Field(min_length=1, max_length=5000)] | None = None


class ApproveIn(Strict):
    trust_host: bool = Field(default=False, description="publish this host's next proposals at once")


class ReasonIn(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class ShiftTimeIn(Strict):
    id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    starts_at: Moment
    ends_at: Moment

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise blame("ends_at", "must be after starts_at")
        return self


class PlaceTimeIn(Strict):
    """What a host may change on their page: the place and the shifts' times."""

    location: LocationIn | None = None
    virtual_url: Annotated[str, Field(max_length=500, pattern=URL_PATTERN)] | None = None
    shifts: Annotated[list[ShiftTimeIn], Field(max_length=MAX_SHIFTS)] = []
