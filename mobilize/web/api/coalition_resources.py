"""The shapes of the coalition answers (partners of a campaign, an organization's partnerships), for the
OpenAPI document; web.api.resources lists them with the other answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from mobilize.models import PartnershipStatus


class OrganizationRef(BaseModel):
    """An organization as others see it."""

    slug: str
    name: str


class CampaignRef(BaseModel):
    """The campaign an event is in, with its convener: a partner's event is in another organization's
    campaign (join it with `"campaign": "CONVENER/SLUG"`)."""

    slug: str
    name: str
    organization: OrganizationRef = Field(description="the convener")


class Partner(BaseModel):
    """An organization invited into the convener's campaign, as the convener sees it."""

    id: int
    organization: OrganizationRef
    status: PartnershipStatus
    invited_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None


class Partnership(BaseModel):
    """A campaign this organization was invited into, as the partner sees it."""

    id: int
    campaign: CampaignRef
    status: PartnershipStatus
    invited_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None


class CoalitionFigures(BaseModel):
    events: int = Field(description="events of the row (of a day: those with a shift that day)")
    signups: int = Field(description="sign-ups holding a seat on the row's events (then attended or not)")
    attended: int
    no_show: int
    show_rate: float | None = Field(description="attended / (attended + no-show); null before any is recorded")
    recruited: int = Field(
        description="of an organization: sign-ups on any event of the campaign that it brought (its credit); of a "
        "group or a day: its sign-ups that an organization of the campaign brought (`recruited_by`, `?ref=`)"
    )
    recruited_attended: int = Field(description="of those, the ones who came")


class CoalitionRow(CoalitionFigures):
    organization: OrganizationRef


class GroupRef(BaseModel):
    """An action group, with the organization it belongs to (the host of its events)."""

    slug: str
    name: str
    organization: OrganizationRef


class CoalitionGroupRow(CoalitionFigures):
    group: GroupRef


class CoalitionDayRow(CoalitionFigures):
    day: str = Field(description="YYYY-MM-DD: the shifts starting that day, in their event's time zone")


class CoalitionTurnout(BaseModel):
    """A coalition campaign's turnout: counts only, no person's data. The convener sees every organization,
    group and day; a partner its own organization, its groups and the days of its own events (and that total)."""

    organizations: list[CoalitionRow]
    groups: list[CoalitionGroupRow]
    days: list[CoalitionDayRow]
    total: CoalitionFigures


LISTED: tuple[type[BaseModel], ...] = (Partner, Partnership)
ANSWERS: tuple[type[BaseModel], ...] = (Partner, Partnership, CoalitionTurnout)
