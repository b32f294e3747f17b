"""A volunteer proposes an event to a campaign that takes hosts, and confirms their email by the link sent
to it: the event waits `unverified` until then, then `pending` (review) or `scheduled` (open, or a host the
organization trusts). The proposal, the host's record and consent, and the email commit together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from mobilize.models import (
    ConsentAction,
    ConsentChannel,
    Event,
    EventStatus,
    HostedEvent,
    HostingMode,
    TrustedHost,
    Visibility,
)
from mobilize.services.errors import Invalid, NotFound
from mobilize.services.events import apply_location
from mobilize.services.events.shifts import create_shift
from mobilize.services.hosting import links as host_links
from mobilize.services.hosting import mail
from mobilize.services.hosting.links import HostLinks
from mobilize.services.hosting.policy import check_proposal, open_campaign
from mobilize.services.hosting.schemas import ProposalIn
from mobilize.services.people import (
    ConsentContext,
    Contact,
    find_or_create_volunteer,
    normalize_email,
    normalize_phone,
    record_consent,
)


@dataclass(frozen=True)
class Proposed:
    event: Event
    hosted: HostedEvent


def host_contact(data: ProposalIn, region: str) -> tuple[str, str]:
    """The host's email and phone, normalized; Invalid naming `host.email` or `host.phone`."""
    try:
        email = normalize_email(data.host.email)
    except ValueError as exc:
        raise Invalid.field("host.email", str(exc)) from exc
    phone = ""
    if data.host.phone:
        try:
            phone = normalize_phone(data.host.phone, region)
        except ValueError as exc:
            raise Invalid.field("host.phone", str(exc)) from exc
    return email, phone


async def propose(
    org_slug: str,
    campaign_slug: str,
    data: ProposalIn,
    links: HostLinks,
    *,
    region: str = "US",
    ip: str = "",
    user_agent: str = "",
) -> Proposed:
    """Record a proposal, unverified, with the host's agreement to the terms (the exact words) on the
    organization's record of them (matched by email only), and email them the confirmation link. The same
    proposal sent again while unconfirmed (a retry) is that proposal, with a fresh link."""
    campaign, policy = await open_campaign(org_slug, campaign_slug)
    check_proposal(campaign, policy, data)
    if not data.agree_to_terms:
        raise Invalid.field("agree_to_terms", "the host must agree to the campaign's host terms")
    email, phone = host_contact(data, region)
    organization = campaign.organization
    token = host_links.new_token()
    async with in_transaction():
        hosted = await _same_unverified(campaign.id, email, data)
        if hosted is not None:
            await HostedEvent.filter(id=hosted.id).update(verify_token_hash=host_links.hash_token(token))
            event = await Event.get(id=hosted.event_id).prefetch_related("organization")
        else:
            volunteer, _ = await find_or_create_volunteer(
                organization.id, Contact(name=data.host.name, email=email), source="host"
            )
            await record_consent(
                volunteer, ConsentChannel.HOST_TERMS, ConsentAction.GRANTED,
                ConsentContext(source=f"host_terms:{campaign.id}", words=policy.terms, ip=ip, user_agent=user_agent),
            )  # fmt: skip
            event = Event(
                organization_id=organization.id, group_id=policy.group_id, campaign_id=campaign.id,
                title=data.title, description=data.description, event_type=data.event_type,
                timezone=data.timezone, virtual_url=data.virtual_url, visibility=Visibility.PUBLIC,
                status=EventStatus.UNVERIFIED,
            )  # fmt: skip
            apply_location(event, data.location)
            await event.save()
            for shift in data.shifts:
                await create_shift(event, shift.starts_at, shift.ends_at, shift.capacity, shift.target)
            hosted = await HostedEvent.create(
                organization_id=organization.id, event_id=event.id, campaign_id=campaign.id,
                volunteer_id=volunteer.id, host_name=data.host.name, host_email=email, host_phone=phone,
                verify_token_hash=host_links.hash_token(token), extra={"first_shift": _first(data)},
            )  # fmt: skip
            event.organization = organization
        await mail.confirm_email(hosted, event, token, links)
    return Proposed(event=event, hosted=hosted)


def _first(data: ProposalIn) -> str:
    return min(s.starts_at for s in data.shifts).astimezone(UTC).isoformat()


async def _same_unverified(campaign_id: int, email: str, data: ProposalIn) -> HostedEvent | None:
    candidates = await HostedEvent.filter(
        campaign_id=campaign_id, host_email=email, verified_at=None, event__title=data.title
    )
    return next((h for h in candidates if h.extra.get("first_shift") == _first(data)), None)


async def confirm(token: str, links: HostLinks) -> tuple[HostedEvent, str | None]:
    """The host clicked the link sent to their email: the proposal goes to the moderators (pending) or, under
    `open` or for a trusted host, is published; the host gets their page link, the moderators a notice, in
    the same transaction. Returns the hosted event and the new page token (None when it was confirmed
    already: a second click changes nothing)."""
    if not host_links.usable(token):
        raise NotFound("this link is unknown or no longer valid")
    hosted = await HostedEvent.get_or_none(verify_token_hash=host_links.hash_token(token)).prefetch_related(
        "event__organization", "campaign__hosting_policy"
    )
    if hosted is None:
        raise NotFound("this link is unknown or no longer valid")
    if hosted.verified_at is not None:
        return hosted, None
    event: Event = hosted.event
    policy = hosted.campaign.hosting_policy
    trusted = await TrustedHost.exists(organization_id=hosted.organization_id, email=hosted.host_email)
    publish = trusted or (policy is not None and policy.mode == HostingMode.OPEN)
    status = EventStatus.SCHEDULED if publish else EventStatus.PENDING
    now = datetime.now(UTC)
    async with in_transaction():
        taken = await HostedEvent.filter(id=hosted.id, verified_at=None).update(verified_at=now)
        if not taken:
            return hosted, None
        await Event.filter(id=event.id, status=EventStatus.UNVERIFIED).update(status=status, updated_at=now)
        event.status = status
        hosted.verified_at = now
        if publish:
            await HostedEvent.filter(id=hosted.id).update(approved_at=now, decision="approved" if trusted else "")
        page_token = await host_links.rotate_page_token(hosted, now)
        why = "Your event is public." if publish else "Thank you: your event now waits for an organizer's approval."
        await mail.host_page(hosted, event, page_token, links, why)
        subject = f"{'New hosted event' if publish else 'To approve'}: {event.title}"
        text = f"{hosted.host_name} proposed an event" + (
            ", published at once (open campaign or trusted host)." if publish else "; it waits for approval."
        )
        await mail.tell_moderators(event, links, subject, text, f"hosting:proposed:{hosted.id}")
    return hosted, page_token
