"""One organization's records of people: contact normalization, matching within the organization without
duplicates, creating and completing a record."""

from __future__ import annotations

import secrets
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mobilize import instances
from mobilize.models import EmailStatus, Volunteer
from mobilize.services.errors import Invalid
from mobilize.services.people.consent import blocked_on_sender_of


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


def new_token() -> str:
    return secrets.token_urlsafe(24)


def may_collide() -> AbstractAsyncContextManager[Any]:
    """Wrap one statement that may hit a unique constraint. Inside a caller's transaction this is a
    savepoint, so that the collision does not abort the whole transaction (PostgreSQL would); outside,
    nothing: a single statement is atomic by itself, and BEGIN and COMMIT would cost two round trips."""
    if isinstance(connections.get("default"), TransactionalDBClient):
        return in_transaction()
    return nullcontext()


async def _find(organization_id: int, contact: Contact) -> Volunteer | None:
    """The organization's record with this phone, else with this email (never another organization's)."""
    if contact.phone:
        found = await Volunteer.get_or_none(organization_id=organization_id, phone=contact.phone)
        if found:
            return found
    if contact.email:
        return await Volunteer.get_or_none(organization_id=organization_id, email=contact.email)
    return None


def new_volunteer(contact: Contact, organization_id: int, *, source: str = "", sms_blocked: bool = False) -> Volunteer:
    """A new (unsaved) record of this organization for this contact, its private links fresh. Built as
    `Volunteer.construct` builds (the values are already what the fields hold: nothing to convert or check),
    by mobilize.instances, at a fraction of what `Volunteer(...)` costs on every sign-up of someone new; the
    model's defaults fill in the rest."""
    now = datetime.now(UTC)
    return instances.construct(
        Volunteer,
        organization_id=organization_id,
        name=contact.name,
        phone=contact.phone,
        email=contact.email,
        postal_code=contact.postal_code,
        source=source[:16],
        sms_blocked=sms_blocked,
        email_status=EmailStatus.OK if contact.email else EmailStatus.UNKNOWN,
        manage_token=new_token(),
        feed_token=new_token(),
        manage_token_seen_at=now,
        feed_token_seen_at=now,
    )


async def find_or_create_volunteer(
    organization_id: int, contact: Contact, *, trusted: bool = False, source: str = ""
) -> tuple[Volunteer, bool]:
    """The organization's record of this person: matched by phone, then email, within the organization only;
    created otherwise. Concurrent creates of one person yield one row. Safe inside a caller's transaction too
    (the insert that may collide runs in a savepoint there). `trusted`: the contact comes from an organizer
    (API, import), who may add a missing phone or email."""
    if not contact.phone and not contact.email:
        raise Invalid("volunteer: a phone or an email is required", fields={"volunteer": "phone or email required"})
    for _ in range(3):
        volunteer = await _find(organization_id, contact)
        if volunteer is not None:
            await complete_volunteer(volunteer, contact, trusted=trusted)
            return volunteer, False
        blocked = bool(contact.phone) and await blocked_on_sender_of(organization_id, contact.phone or "")
        try:
            async with may_collide():
                volunteer = new_volunteer(contact, organization_id, source=source, sms_blocked=blocked)
                await volunteer.save(force_create=True)
            return volunteer, True
        except IntegrityError:
            continue  # someone created this person a moment ago: match again
    raise RuntimeError("could not match or create volunteer")  # pragma: no cover


async def complete_volunteer(volunteer: Volunteer, contact: Contact, *, trusted: bool = False) -> None:
    """Fill in what we did not know; never overwrite a known phone or email.

    A public form proves nothing about who typed it: from there, never attach a new phone or email to an
    existing record (typing a victim's phone with one's own email would route their messages, and the
    link to their page, to the typist). Only an organizer (`trusted`) completes contact details."""
    changes: dict[str, object] = {}
    if contact.name and not volunteer.name:
        changes["name"] = contact.name
    if contact.postal_code and not volunteer.postal_code:
        changes["postal_code"] = contact.postal_code
    mine = Volunteer.filter(organization_id=volunteer.organization_id)
    if trusted and contact.email and not volunteer.email and not await mine.filter(email=contact.email).exists():
        changes["email"] = contact.email
        changes["email_status"] = EmailStatus.OK
    if trusted and contact.phone and not volunteer.phone and not await mine.filter(phone=contact.phone).exists():
        changes["phone"] = contact.phone
        changes["sms_blocked"] = await blocked_on_sender_of(volunteer.organization_id, contact.phone)
    if changes:
        try:
            async with may_collide():
                await Volunteer.filter(id=volunteer.id).update(**changes)
        except IntegrityError:
            return
        for key, value in changes.items():
            setattr(volunteer, key, value)
