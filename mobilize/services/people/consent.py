"""Consent per organization, opt-outs per sending number.

An organization's record of a person carries that organization's SMS consent (`sms_status`, with a consent
record for every grant and revocation, the exact words kept). What crosses organizations is only what the
carriers impose: a STOP texted to one of our senders stops everything sent from it (Twilio itself blocks the
number there). For the deployment's shared sender that is every organization without a sender of its own;
for an organization's own number or Messaging Service, that organization. Such a block is an SmsBlock row
(naming no organization) mirrored on the records it concerns as `sms_blocked`, so every check that reads a
record sees it; an organization sees that a number cannot be texted, never why or where.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from mobilize import db
from mobilize.channels.sms import sender_key
from mobilize.models import ConsentAction, ConsentChannel, ConsentRecord, Organization, SmsBlock, SmsStatus, Volunteer

SHARED = "shared"  # SmsBlock.sender of the deployment's own sender

# The sender an organization texts from, as SmsBlock.sender: its Messaging Service, else its number, else the
# shared sender (the rule of channels.sms.sender_key).
SENDER_OF_ORGANIZATION = (
    "COALESCE((SELECT COALESCE(o.sms_messaging_service_sid, o.sms_from_number) FROM organization o "
    "WHERE o.id = {org}), 'shared')"
)


@dataclass(frozen=True)
class ConsentContext:
    source: str
    words: str
    ip: str = ""
    user_agent: str = ""


def textable(volunteer: Volunteer | None) -> bool:
    """This organization may text this record: a phone, its consent, and no STOP on its sender."""
    return (
        volunteer is not None
        and bool(volunteer.phone)
        and volunteer.sms_status == SmsStatus.OPTED_IN
        and not volunteer.sms_blocked
    )


def shown_sms_status(volunteer: Volunteer) -> SmsStatus:
    """The SMS status an organization sees: opted out also when the number stopped its sender (not why)."""
    return SmsStatus.OPTED_OUT if volunteer.sms_blocked else SmsStatus(volunteer.sms_status)


def opted_out(volunteer: Volunteer | None) -> bool:
    """The record opted out of this organization's texts, or its number stopped the sender it texts from."""
    return volunteer is not None and shown_sms_status(volunteer) == SmsStatus.OPTED_OUT


def organizations_on(sender: str) -> tuple[str, list[str]]:
    """SQL for the ids of the organizations that text from `sender`, and its values."""
    if sender == SHARED:
        return (
            "SELECT id FROM organization WHERE sms_messaging_service_sid IS NULL AND sms_from_number IS NULL",
            [],
        )
    return "SELECT id FROM organization WHERE COALESCE(sms_messaging_service_sid, sms_from_number) = ?", [sender]


def sender_of_organization(organization: Organization) -> str:
    """SENDER_OF_ORGANIZATION, of an organization as read (services.accounts.senders stores no empty value)."""
    return sender_key(organization.sms_messaging_service_sid, organization.sms_from_number) or SHARED


async def sender_of(organization_id: int | None) -> str:
    if organization_id is None:
        return SHARED
    rows = await db.fetch_all(f"SELECT {SENDER_OF_ORGANIZATION.format(org='?')} AS s", organization_id)
    return str(rows[0]["s"])


async def blocked_on_sender_of(organization_id: int, phone: str) -> bool:
    """Whether `phone` texted STOP to the sender this organization texts from (for a new record)."""
    rows = await db.fetch_all(
        f"SELECT 1 FROM sms_block b WHERE b.phone = ? AND b.sender = {SENDER_OF_ORGANIZATION.format(org='?')}",
        phone,
        organization_id,
    )
    return bool(rows)


async def block(sender: str, phone: str, words: str, now: datetime | None = None) -> bool:
    """The number stopped `sender`: nothing more from it, for every organization texting from it. Idempotent;
    True when it was not blocked before."""
    now = now or datetime.now(UTC)
    existed = await SmsBlock.exists(sender=sender, phone=phone)
    if not existed:
        await db.insert_ignoring_conflicts(SmsBlock(sender=sender, phone=phone, words=words[:1600], created_at=now))
    orgs, values = organizations_on(sender)
    await db.execute(
        f"UPDATE volunteer SET sms_blocked = ? WHERE phone = ? AND organization_id IN ({orgs})", True, phone, *values
    )
    return not existed


async def unblock(sender: str, phone: str) -> bool:
    """START to `sender`: its block is lifted (each organization's own consent still decides). True when it was
    blocked."""
    removed = await SmsBlock.filter(sender=sender, phone=phone).delete()
    orgs, values = organizations_on(sender)
    await db.execute(
        f"UPDATE volunteer SET sms_blocked = ? WHERE phone = ? AND organization_id IN ({orgs})", False, phone, *values
    )
    return bool(removed)


async def refresh_blocks(organization_id: int) -> None:
    """The organization changed sender: its records follow the blocks of the sender it texts from now."""
    await db.execute(
        "UPDATE volunteer SET sms_blocked = EXISTS (SELECT 1 FROM sms_block b WHERE b.phone = volunteer.phone "
        f"AND b.sender = {SENDER_OF_ORGANIZATION.format(org='?')}) WHERE organization_id = ?",
        organization_id,
        organization_id,
    )


async def record_consent(
    volunteer: Volunteer, channel: ConsentChannel, action: ConsentAction, context: ConsentContext
) -> None:
    """One consent record on the organization's own record of the person."""
    await ConsentRecord.create(
        volunteer=volunteer,
        organization_id=volunteer.organization_id,
        channel=channel,
        action=action,
        source=context.source,
        words=context.words,
        ip=context.ip[:64],
        user_agent=context.user_agent[:500],
    )


async def grant_sms_consent(volunteer: Volunteer, context: ConsentContext) -> None:
    """Record an SMS opt-in with this organization. A record that opted out stays so until START."""
    await record_consent(volunteer, ConsentChannel.SMS, ConsentAction.GRANTED, context)
    if volunteer.sms_status == SmsStatus.UNKNOWN:
        await Volunteer.filter(id=volunteer.id, sms_status=SmsStatus.UNKNOWN).update(sms_status=SmsStatus.OPTED_IN)
        volunteer.sms_status = SmsStatus.OPTED_IN
