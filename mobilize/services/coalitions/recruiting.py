"""Who a sign-up for a campaign's event may name: the organizations of the campaign (its convener and its
accepted partners) as the recruiter that brought the person, and, among them, those the sign-up form offers to
share the person's details with: the convener when the host is a partner, and the recruiting partner when it is
another organization than the host. The host always gets the sign-up (it is its event)."""

from __future__ import annotations

from mobilize.models import Campaign, Event, Organization, Partnership, PartnershipStatus
from mobilize.services.errors import Invalid


async def campaign_organizations(campaign_id: int) -> dict[str, Organization]:
    """Slug -> organization: the convener and every accepted partner of the campaign."""
    campaign = await Campaign.get(id=campaign_id).prefetch_related("organization")
    partners = Partnership.filter(campaign_id=campaign_id, status=PartnershipStatus.ACCEPTED)
    orgs = await Organization.filter(id__in=[r["organization_id"] for r in await partners.values("organization_id")])
    return {campaign.organization.slug: campaign.organization} | {o.slug: o for o in orgs}


async def recruiter(event: Event, slug: str | None, *, strict: bool = False) -> Organization | None:
    """The organization of the event's campaign named by `slug` (a `recruited_by` or a `?ref=`). None when
    no slug is given, or (unless `strict`, which raises Invalid naming `recruited_by`) when it names no
    organization of the campaign."""
    if not slug:
        return None
    found = (await campaign_organizations(event.campaign_id)).get(slug) if event.campaign_id else None
    if found is None and strict:
        raise Invalid.field("recruited_by", f"{slug!r} is not an organization of this event's campaign")
    return found


async def sharing_choices(event: Event, recruited_by: Organization | None) -> list[Organization]:
    """The organizations the sign-up form names as ones the person may also share their details with."""
    if event.campaign_id is None:
        return []
    campaign = await Campaign.get(id=event.campaign_id).prefetch_related("organization")
    host = event.organization_id  # type: ignore[attr-defined]
    choices = [campaign.organization] if campaign.organization_id != host else []
    if recruited_by is not None and recruited_by.id not in (host, campaign.organization_id):
        choices.append(recruited_by)
    return choices


def chosen(choices: list[Organization], slugs: list[str]) -> list[Organization]:
    """The organizations ticked, each one the form named; Invalid naming `share_with` otherwise."""
    named = {o.slug: o for o in choices}
    unknown = [s for s in slugs if s not in named]
    if unknown:
        offered = ", ".join(named) or "none for this event"
        raise Invalid.field("share_with", f"{unknown[0]!r} is not offered here (offered: {offered})")
    return [named[s] for s in dict.fromkeys(slugs)]
