"""Input shapes of the organizers' own records of people (`POST /volunteers`, `PATCH /volunteers/{id}`),
validated by pydantic like mobilize.schemas (kept apart so that module stays one screenful per area)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from mobilize.schemas import Strict, blame

Tag = Annotated[str, Field(min_length=1, max_length=64)]


class VolunteerRecordIn(Strict):
    """A record entered by hand by an organizer (no consent implied)."""

    name: Annotated[str, Field(max_length=200)] = ""
    phone: Annotated[str, Field(max_length=40)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    postal_code: Annotated[str, Field(max_length=16)] = ""
    notes: Annotated[str, Field(max_length=10_000)] = ""
    member_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] = []

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not self.phone and not self.email:
            raise blame("phone", "a phone or an email is required")
        return self


class VolunteerPatch(Strict):
    """Fields to change on the organization's record; null clears phone, email or member id."""

    name: Annotated[str, Field(max_length=200)] | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    postal_code: Annotated[str, Field(max_length=16)] | None = None
    notes: Annotated[str, Field(max_length=10_000)] | None = None
    member_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] | None = None
