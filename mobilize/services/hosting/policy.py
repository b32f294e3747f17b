"""A campaign's hosting policy (closed, review, open; the types it takes; its group), the campaign a host
proposes to, found by organization and campaign slugs, and who moderates a hosted event."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from mobilize.models import ActionGroup, Campaign, Event, HostingMode, HostingPolicy
from mobilize.services.access import Actor
from mobilize.services.errors import Forbidden, Invalid, NotFound
from mobilize.services.hosting.schemas import PolicyIn, ProposalIn

DEFAULT_TERMS = (
    "I will host this event as described, safely and lawfully, follow the organization's code of conduct, "
    "and use the contact details of people who sign up only to run this event."
)


class HostingClosed(Forbidden):
    """The campaign does not take events from volunteer hosts."""

    code = "hosting_closed"


def _lookup(value: str) -> str:
    # Slugs fit in 64 characters; longer input, or NUL (an error on PostgreSQL), cannot match anything.
    if not value or len(value) > 64 or "\x00" in value:
        raise NotFound("no such campaign")
    return value


async def open_campaign(org_slug: str, campaign_slug: str) -> tuple[Campaign, HostingPolicy]:
    """The campaign at /campaigns/{org}/{slug} with its policy, if it takes hosts; NotFound for an unknown
    campaign, HostingClosed (403) for one that takes none."""
    campaign = await Campaign.get_or_none(
        organization__slug=_lookup(org_slug), slug=_lookup(campaign_slug)
    ).prefetch_related("organization")
    if campaign is None:
        raise NotFound(f"no campaign {campaign_slug!r} in {org_slug!r}")
    policy = await HostingPolicy.get_or_none(campaign_id=campaign.id)
    if policy is None or policy.mode == HostingMode.CLOSED:
        raise HostingClosed("this campaign does not take events proposed by volunteer hosts")
    return campaign, policy


def allowed_types(policy: HostingPolicy) -> list[str] | None:
    return list(policy.event_types) if policy.event_types else None


def check_proposal(campaign: Campaign, policy: HostingPolicy, data: ProposalIn) -> None:
    """The type the campaign takes, and every shift inside the campaign's dates (in the event's zone)."""
    types = allowed_types(policy)
    if types is not None and data.event_type.value not in types:
        raise Invalid.field("event_type", f"this campaign takes {', '.join(types)}")
    zone = ZoneInfo(data.timezone)
    for i, shift in enumerate(data.shifts):
        first: date = shift.starts_at.astimezone(zone).date()
        last: date = shift.ends_at.astimezone(zone).date()
        if campaign.starts_on and first < campaign.starts_on:
            raise Invalid.field(f"shifts.{i}.starts_at", f"the campaign starts on {campaign.starts_on.isoformat()}")
        if campaign.ends_on and last > campaign.ends_on:
            raise Invalid.field(f"shifts.{i}.ends_at", f"the campaign ends on {campaign.ends_on.isoformat()}")


async def get_policy(actor: Actor, campaign_slug: str) -> tuple[Campaign, HostingPolicy | None]:
    campaign = await Campaign.get_or_none(organization_id=actor.organization_id, slug=_lookup(campaign_slug))
    if campaign is None:
        raise NotFound(f"no campaign {campaign_slug!r}")
    return campaign, await HostingPolicy.get_or_none(campaign_id=campaign.id)


async def set_policy(actor: Actor, campaign_slug: str, data: PolicyIn) -> tuple[Campaign, HostingPolicy]:
    """Owners, admins and organizers set whether and how a campaign takes hosted events. Taking them needs
    the group they will belong to (the campaign's first, if only one is named nowhere)."""
    actor.require_manager()
    campaign, policy = await get_policy(actor, campaign_slug)
    group_id = policy.group_id if policy else None
    if data.group is not None:
        group = await ActionGroup.get_or_none(organization_id=actor.organization_id, slug=data.group)
        if group is None:
            raise Invalid.field("group", f"no group {data.group!r} in this organization")
        group_id = group.id
    if group_id is None:
        raise Invalid.field("group", "name the action group hosted events belong to")
    types = [t.value for t in data.event_types] if data.event_types else None
    if policy is None:
        policy = HostingPolicy(organization_id=actor.organization_id, campaign_id=campaign.id, terms=DEFAULT_TERMS)
    policy.mode, policy.group_id, policy.event_types = data.mode, group_id, types
    if data.terms is not None:
        policy.terms = data.terms
    await policy.save()
    return campaign, policy


def require_moderator(actor: Actor, event: Event) -> None:
    """Owners, admins and organizers of the organization, and hosts of the event's group (an event of
    another organization is never found: NotFound before this)."""
    actor.require_writer(event.group_id)
