"""Action groups and campaigns of an organization."""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError

from mobilize.models import ActionGroup, Campaign
from mobilize.schemas import CampaignIn, CampaignPatch, GroupIn, GroupPatch
from mobilize.services import geo
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Invalid, NotFound
from mobilize.services.pagination import Page, paginate


def _group_query(actor: Actor) -> Any:
    query = ActionGroup.filter(organization_id=actor.organization_id)
    if actor.is_host:
        query = query.filter(id__in=list(actor.group_ids))
    return query


async def list_groups(actor: Actor, cursor: str | None, limit: int) -> Page[ActionGroup]:
    return await paginate(_group_query(actor), cursor, limit)


async def visible_groups(actor: Actor) -> list[ActionGroup]:
    """Every group this actor sees (hosts: their own), by name: for the dashboard's choices."""
    return list(await _group_query(actor).order_by("name", "id"))


async def get_group(actor: Actor, slug: str) -> ActionGroup:
    group = await _group_query(actor).get_or_none(slug=slug)
    if group is None:
        raise NotFound(f"group {slug!r} not found")
    return group


def _geocode(group: ActionGroup) -> None:
    point = geo.centroid(group.postal_code) if group.postal_code else None
    group.lat, group.lon = point if point else (None, None)


async def create_group(actor: Actor, data: GroupIn) -> ActionGroup:
    actor.require_manager()
    group = ActionGroup(organization_id=actor.organization_id, **data.model_dump())
    _geocode(group)
    try:
        await group.save()
    except IntegrityError as exc:
        raise Conflict(f"a group with slug {data.slug!r} exists", code="duplicate", fields={"slug": "taken"}) from exc
    return group


async def update_group(actor: Actor, slug: str, data: GroupPatch) -> ActionGroup:
    group = await get_group(actor, slug)
    actor.require_manager()
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for key, value in changes.items():
        setattr(group, key, value)
    if "postal_code" in changes:
        _geocode(group)
    await group.save()
    return group


async def list_campaigns(actor: Actor, cursor: str | None, limit: int) -> Page[Campaign]:
    return await paginate(Campaign.filter(organization_id=actor.organization_id), cursor, limit)


async def get_campaign(actor: Actor, slug: str) -> Campaign:
    campaign = await Campaign.get_or_none(organization_id=actor.organization_id, slug=slug)
    if campaign is None:
        raise NotFound(f"campaign {slug!r} not found")
    return campaign


async def create_campaign(actor: Actor, data: CampaignIn) -> Campaign:
    actor.require_manager()
    try:
        return await Campaign.create(organization_id=actor.organization_id, **data.model_dump())
    except IntegrityError as exc:
        raise Conflict(
            f"a campaign with slug {data.slug!r} exists", code="duplicate", fields={"slug": "taken"}
        ) from exc


async def update_campaign(actor: Actor, slug: str, data: CampaignPatch) -> Campaign:
    campaign = await get_campaign(actor, slug)
    actor.require_manager()
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is None and key in ("name", "description"):  # null clears the dates, not these
            raise Invalid.field(key, "cannot be null")
        setattr(campaign, key, value)
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise Invalid.field("ends_on", "is before starts_on")
    await campaign.save()
    return campaign
