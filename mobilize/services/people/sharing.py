"""A person sharing their name and contact with another organization (a coalition's convener or recruiting
partner) when signing up for one organization's event: that organization gets its own record of them, found or
created within it only, with a consent record of the exact words the person agreed to."""

from __future__ import annotations

from mobilize.models import ConsentAction, ConsentChannel, Volunteer
from mobilize.services.people.consent import ConsentContext, record_consent
from mobilize.services.people.records import Contact, find_or_create_volunteer


def share_words(organization_name: str) -> str:
    """The words of the box the person ticks (the form shows them; the consent record keeps them)."""
    return f"Also share my name and contact with {organization_name}"


async def share_contact(organization_id: int, contact: Contact, context: ConsentContext) -> Volunteer:
    """Give `organization_id` its record of the person (matched within it, or created; never completing a
    known phone or email from a public form) with the consent record. Runs in the caller's transaction."""
    volunteer, _ = await find_or_create_volunteer(organization_id, contact, source="shared")
    await record_consent(volunteer, ConsentChannel.SHARING, ConsentAction.GRANTED, context)
    return volunteer
