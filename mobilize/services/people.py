"""Volunteers: contact normalization, matching without duplicates, consent records, relationships."""

from __future__ import annotations

import secrets
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mobilize import db
from mobilize.models import (
    ConsentAction,
    ConsentChannel,
    ConsentRecord,
    EmailStatus,
    Relationship,
    SmsStatus,
    Volunteer,
)
from mobilize.services.errors import Invalid


def normalize_phone(raw: str, region: str = "US") -> str:
    """E.164 form of a phone number, or ValueError with a readable reason."""
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    """Lower-cased, syntax-checked email address (no DNS lookups), or ValueError."""
    try:
        info = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc
    return info.normalized.lower()


@dataclass(frozen=True)
class Contact:
    """What someone tells us about themselves on a form, an API call or an import row, normalized."""

    name: str = ""
    phone: str | None = None
    email: str | None = None
    postal_code: str = ""


@dataclass(frozen=True)
class ConsentContext:
    source: str
    words: str
    ip: str = ""
    user_agent: str = ""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def may_collide() -> AbstractAsyncContextManager[Any]:
    """Wrap one statement that may hit a unique constraint. Inside a caller's transaction this is a
    savepoint, so that the collision does not abort the whole transaction (PostgreSQL would); outside,
    nothing: a single statement is atomic by itself, and BEGIN and COMMIT would cost two round trips."""
    if isinstance(connections.get("default"), TransactionalDBClient):
        return in_transaction()
    return nullcontext()


async def _find(contact: Contact) -> Volunteer | None:
    if contact.phone:
        found = await Volunteer.get_or_none(phone=contact.phone)
        if found:
            return found
    if contact.email:
        return await Volunteer.get_or_none(email=contact.email)
    return None


def new_volunteer(contact: Contact) -> Volunteer:
    """A new (unsaved) volunteer for this contact."""
    return Volunteer(
        name=contact.name,
        phone=contact.phone,
        email=contact.email,
        postal_code=contact.postal_code,
        email_status=EmailStatus.OK if contact.email else EmailStatus.UNKNOWN,
        manage_token=new_token(),
        feed_token=new_token(),
    )


async def find_or_create_volunteer(contact: Contact, *, trusted: bool = False) -> tuple[Volunteer, bool]:
    """Match by phone, then email; create otherwise. Concurrent creates of one person yield one row.
    Safe inside a caller's transaction too (the insert that may collide runs in a savepoint there).
    `trusted`: the contact comes from an organizer (API, import), who may add a missing phone or email."""
    if not contact.phone and not contact.email:
        raise Invalid("volunteer: a phone or an email is required", fields={"volunteer": "phone or email required"})
    for _ in range(3):
        volunteer = await _find(contact)
        if volunteer is not None:
            await complete_volunteer(volunteer, contact, trusted=trusted)
            return volunteer, False
        try:
            async with may_collide():
                volunteer = new_volunteer(contact)
                await volunteer.save(force_create=True)
            return volunteer, True
        except IntegrityError:
            continue  # someone created this person a moment ago: match again
    raise RuntimeError("could not match or create volunteer")  # pragma: no cover


async def complete_volunteer(volunteer: Volunteer, contact: Contact, *, trusted: bool = False) -> None:
    """Fill in what we did not know; never overwrite a known phone or email.

    A public form proves nothing about who typed it: from there, never attach a new phone or email to an
    existing person (typing a victim's phone with one's own email would route their messages, and the
    link to their page, to the typist). Only an organizer (`trusted`) completes contact details."""
    changes: dict[str, object] = {}
    if contact.name and not volunteer.name:
        changes["name"] = contact.name
    if contact.postal_code and not volunteer.postal_code:
        changes["postal_code"] = contact.postal_code
    if trusted and contact.email and not volunteer.email and not await Volunteer.exists(email=contact.email):
        changes["email"] = contact.email
        changes["email_status"] = EmailStatus.OK
    if trusted and contact.phone and not volunteer.phone and not await Volunteer.exists(phone=contact.phone):
        changes["phone"] = contact.phone
    if changes:
        try:
            async with may_collide():
                await Volunteer.filter(id=volunteer.id).update(**changes)
        except IntegrityError:
            return
        for key, value in changes.items():
            setattr(volunteer, key, value)


async def grant_sms_consent(volunteer: Volunteer, context: ConsentContext, organization_id: int | None) -> None:
    """Record an SMS opt-in. A number that texted STOP stays opted out until it texts START."""
    await ConsentRecord.create(
        volunteer=volunteer,
        organization_id=organization_id,
        channel=ConsentChannel.SMS,
        action=ConsentAction.GRANTED,
        source=context.source,
        words=context.words,
        ip=context.ip[:64],
        user_agent=context.user_agent[:500],
    )
    if volunteer.sms_status == SmsStatus.UNKNOWN:
        await Volunteer.filter(id=volunteer.id, sms_status=SmsStatus.UNKNOWN).update(sms_status=SmsStatus.OPTED_IN)
        volunteer.sms_status = SmsStatus.OPTED_IN


async def ensure_relationship(organization_id: int, volunteer_id: int, source: str) -> None:
    """Idempotent: the organization now knows this volunteer. One `INSERT ... ON CONFLICT DO NOTHING`:
    no read first, and no error to abort a caller's transaction. Runs on every sign-up."""
    await db.insert_ignoring_conflicts(
        Relationship(organization_id=organization_id, volunteer_id=volunteer_id, source=source)
    )


async def has_relationship(organization_id: int, volunteer_ids: list[int]) -> set[int]:
    """Which of these volunteers the organization knows."""
    if not volunteer_ids:
        return set()
    rows = await Relationship.filter(organization_id=organization_id, volunteer_id__in=volunteer_ids).values(
        "volunteer_id"
    )
    return {row["volunteer_id"] for row in rows}
