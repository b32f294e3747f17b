"""Partnerships: a convener invites organizations into its campaign, they accept or decline, and either side
ends it. Owners and admins act on both sides; every member may read. The invitation email to the partner's
owners and admins commits with the invitation (the outbox rows are returned for delivery after commit).
Ending a partnership takes the partner's events out of the campaign (their campaign is cleared; nothing is
deleted, and they stay the partner's in every respect)."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from mobilize.models import (
    Campaign,
    Channel,
    Event,
    Membership,
    Message,
    MessageKind,
    Organization,
    Partnership,
    PartnershipStatus,
    Role,
)
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Forbidden, Invalid, NotFound

ANSWERERS = frozenset({Role.OWNER, Role.ADMIN})


def _require_owner_or_admin(actor: Actor) -> None:
    if actor.role not in ANSWERERS:
        raise Forbidden("only owners and admins act on partnerships", code="role_not_allowed")


async def _own_campaign(actor: Actor, slug: str) -> Campaign:
    campaign = await Campaign.get_or_none(organization_id=actor.organization_id, slug=slug)
    if campaign is None:
        raise NotFound(f"campaign {slug!r} not found")
    return campaign


async def _partner_emails(organization_id: int) -> list[tuple[int, str]]:
    rows = await Membership.filter(organization_id=organization_id, role__in=list(ANSWERERS)).values_list(
        "organizer_id", "organizer__email"
    )
    return sorted((int(i), str(e)) for i, e in rows)


async def invite_partner(
    actor: Actor, campaign_slug: str, org_slug: str, link: str
) -> tuple[Partnership, bool, list[int]]:
    """Invite `org_slug` into the actor's campaign. Returns the partnership, whether this request invited it
    (False when it was invited or accepted already: a retry changes nothing), and the outbox ids of the
    emails to the partner's owners and admins (`link` is their dashboard page of invitations). A declined or
    departed partner may be invited again."""
    _require_owner_or_admin(actor)
    campaign = await _own_campaign(actor, campaign_slug)
    partner = await Organization.get_or_none(slug=org_slug)
    if partner is None:
        raise Invalid.field("organization", f"no organization {org_slug!r}")
    if partner.id == actor.organization_id:
        raise Invalid.field("organization", "the convener is not its own partner")
    now = datetime.now(UTC)
    convener = await Organization.get(id=actor.organization_id)
    async with in_transaction():
        row, created = await Partnership.get_or_create(
            campaign_id=campaign.id,
            organization_id=partner.id,
            defaults={"invited_at": now, "invited_by_id": actor.organizer_id},
        )
        if not created:
            row = await Partnership.select_for_update().get(id=row.id)
            if row.status in (PartnershipStatus.INVITED, PartnershipStatus.ACCEPTED):
                await row.fetch_related("organization")
                return row, False, []
            row.status, row.invited_at, row.invited_by_id = PartnershipStatus.INVITED, now, actor.organizer_id
            row.answered_at = row.ended_at = None
            row.invitations += 1
            await row.save()
        body = (
            f'{convener.name} invites {partner.name} to join its campaign "{campaign.name}" on mobilize: '
            "your organization's events can join it, each staying yours (roster, people, messages), and show "
            "on the campaign's map, list and calendar with your name as the host.\n\n"
            f"Accept or decline in your dashboard: {link}\n"
        )
        ids = []
        for organizer_id, email in await _partner_emails(partner.id):
            message = await Message.create(
                organization_id=actor.organization_id, channel=Channel.EMAIL, kind=MessageKind.PARTNER_INVITATION,
                to_address=email, subject=f"{convener.name} invites {partner.name} to \"{campaign.name}\"",
                body=body, due_at=now, dedupe_key=f"partnership:{row.id}:{row.invitations}:{organizer_id}",
            )  # fmt: skip
            ids.append(message.id)
    row.organization = partner
    return row, True, ids


async def campaign_partners(actor: Actor, campaign_slug: str) -> list[Partnership]:
    """The convener's partners of one campaign, every status, in the order they were first invited."""
    campaign = await _own_campaign(actor, campaign_slug)
    return list(await Partnership.filter(campaign_id=campaign.id).order_by("id").prefetch_related("organization"))


async def partnerships(actor: Actor) -> list[Partnership]:
    """The campaigns the actor's organization was invited into, newest invitation first."""
    query = Partnership.filter(organization_id=actor.organization_id).order_by("-invited_at", "-id")
    return list(await query.prefetch_related("campaign__organization", "organization"))


async def _end(row: Partnership, now: datetime) -> None:
    await Partnership.filter(id=row.id).update(status=PartnershipStatus.LEFT, ended_at=now, updated_at=now)
    await Event.filter(organization_id=row.organization_id, campaign_id=row.campaign_id).update(
        campaign_id=None, updated_at=now
    )
    row.status, row.ended_at = PartnershipStatus.LEFT, now


async def answer(actor: Actor, partnership_id: int, verb: str) -> Partnership:
    """The invited organization's `accept`, `decline` or `leave`. Repeating an answer changes nothing;
    accepting a declined or ended invitation, or declining an accepted one, is a conflict (the convener
    invites again; a partner that joined leaves)."""
    _require_owner_or_admin(actor)
    async with in_transaction():
        row = await Partnership.select_for_update().get_or_none(
            id=partnership_id, organization_id=actor.organization_id
        )
        if row is None:
            raise NotFound(f"partnership {partnership_id} not found")
        now = datetime.now(UTC)
        status = row.status
        if verb == "accept":
            if status == PartnershipStatus.INVITED:
                row.status, row.answered_at = PartnershipStatus.ACCEPTED, now
                await row.save()
            elif status != PartnershipStatus.ACCEPTED:
                raise Conflict(f"this invitation was {status.value}; ask the convener for a new one", code=status.value)
        elif verb == "decline":
            if status == PartnershipStatus.INVITED:
                row.status, row.answered_at = PartnershipStatus.DECLINED, now
                await row.save()
            elif status == PartnershipStatus.ACCEPTED:
                raise Conflict("this partnership was accepted: leave it instead", code="accepted")
        elif status in (PartnershipStatus.INVITED, PartnershipStatus.ACCEPTED):
            await _end(row, now)
    await row.fetch_related("campaign__organization", "organization")
    return row


async def remove_partner(actor: Actor, campaign_slug: str, partnership_id: int) -> Partnership:
    """The convener ends a partnership (or withdraws an invitation): the partner's events leave the campaign.
    Idempotent."""
    _require_owner_or_admin(actor)
    campaign = await _own_campaign(actor, campaign_slug)
    async with in_transaction():
        row = await Partnership.select_for_update().get_or_none(id=partnership_id, campaign_id=campaign.id)
        if row is None:
            raise NotFound(f"partner {partnership_id} not found")
        if row.status in (PartnershipStatus.INVITED, PartnershipStatus.ACCEPTED):
            await _end(row, datetime.now(UTC))
    await row.fetch_related("organization")
    return row


async def accepted_partner(campaign_id: int, organization_id: int) -> bool:
    return await Partnership.exists(
        campaign_id=campaign_id, organization_id=organization_id, status=PartnershipStatus.ACCEPTED
    )


async def campaign_for_event(actor: Actor, reference: str) -> Campaign:
    """The campaign an event of the actor's organization may join: one of its own (`SLUG`, or
    `OWN_ORG/SLUG`), or a convener's (`CONVENER/SLUG`) whose invitation the organization accepted.
    Invalid naming `campaign` otherwise."""
    org_slug, _, slug = reference.rpartition("/")
    if not org_slug or org_slug == actor.organization_slug:
        campaign = await Campaign.get_or_none(organization_id=actor.organization_id, slug=slug)
        if campaign is None:
            raise Invalid.field("campaign", f"no campaign {slug!r} in this organization")
        return campaign
    campaign = await Campaign.get_or_none(organization__slug=org_slug, slug=slug)
    if campaign is None or not await accepted_partner(campaign.id, actor.organization_id):
        raise Invalid.field("campaign", f"{reference!r}: this organization is not an accepted partner of that campaign")
    return campaign
