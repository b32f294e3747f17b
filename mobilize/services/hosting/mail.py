"""The emails of hosting, each an outbox row written in the transaction of the change it tells: to the host
(confirm your email, your host page, the moderators' decision with its reason) and to the moderators (a
proposal arrived, a host changed an approved event's time or place). Keys make each one once per change."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from tortoise.expressions import Q

from mobilize.models import Channel, Event, HostedEvent, Membership, Message, MessageKind, Role
from mobilize.services.hosting.links import HostLinks
from mobilize.services.outbox import after_commit

MODERATOR_ROLES = (Role.OWNER, Role.ADMIN, Role.ORGANIZER)


async def _email(organization_id: int, to: str, subject: str, body: str, key: str) -> int | None:
    """One email due now, buffered for delivery after commit; None when this key was written already."""
    if await Message.filter(dedupe_key=key).exists():
        return None
    message = await Message.create(
        organization_id=organization_id, channel=Channel.EMAIL, kind=MessageKind.HOSTING, to_address=to,
        subject=subject[:300], body=body, due_at=datetime.now(UTC), dedupe_key=key[:200],
    )  # fmt: skip
    after_commit.deliver([message.id])
    return message.id


def _org(event: Event) -> str:
    return str(event.organization.name)


async def confirm_email(hosted: HostedEvent, event: Event, token: str, links: HostLinks) -> int | None:
    body = (
        f"You proposed an event for {_org(event)}: {event.title}.\n\n"
        f"Confirm your email address to send it on: {links.confirm.format(token=token)}\n\n"
        "If you did not propose it, ignore this email: nothing will be published."
    )
    return await _email(hosted.organization_id, hosted.host_email, f"Confirm your event: {event.title}", body,
                        f"hosting:confirm:{hosted.id}:{secrets.token_hex(4)}")  # fmt: skip


async def host_page(hosted: HostedEvent, event: Event, token: str, links: HostLinks, why: str) -> int | None:
    body = (
        f"{why}\n\nYour host page for {event.title} (keep this link to yourself): "
        f"{links.page.format(token=token)}\n\n"
        "There you can change the time and place, see who signed up, message them and check them in."
    )
    return await _email(hosted.organization_id, hosted.host_email, f"Your host page: {event.title}", body,
                        f"hosting:page:{hosted.id}:{secrets.token_hex(4)}")  # fmt: skip


DECISIONS = {
    "approved": ("Your event is approved: {title}", "{org} approved your event. It is now public."),
    "rejected": ("Your event was not approved: {title}", "{org} did not approve your event."),
    "changes_requested": ("Changes asked for: {title}", "{org} asks for changes before approving your event."),
    "unpublished": ("Your event was unpublished: {title}", "{org} took your event off its public pages."),
}


async def decision(hosted: HostedEvent, event: Event, what: str, reason: str, stamp: str) -> int | None:
    subject, opening = DECISIONS[what]
    body = opening.format(org=_org(event))
    if reason:
        body += f"\n\nThe reason given: {reason}"
    return await _email(hosted.organization_id, hosted.host_email, subject.format(title=event.title), body,
                        f"hosting:{what}:{hosted.id}:{stamp}")  # fmt: skip


async def moderator_addresses(organization_id: int, group_id: int) -> list[tuple[int, str]]:
    """(organizer id, email) of whoever moderates the group's hosted events."""
    rows = await Membership.filter(
        Q(role__in=MODERATOR_ROLES) | Q(role=Role.HOST, groups__id=group_id), organization_id=organization_id
    ).values("organizer_id", "organizer__email")
    return sorted({(r["organizer_id"], r["organizer__email"]) for r in rows})


async def tell_moderators(event: Event, links: HostLinks, subject: str, text: str, key: str) -> list[int]:
    ids = []
    link = links.moderate.format(event_id=event.id)
    for organizer_id, address in await moderator_addresses(event.organization_id, event.group_id):
        body = f"{text}\n\n{event.title}: {link}"
        message_id = await _email(event.organization_id, address, subject, body, f"{key}:{organizer_id}")
        if message_id is not None:
            ids.append(message_id)
    return ids
