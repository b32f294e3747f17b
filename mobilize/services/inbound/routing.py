"""Which of our senders an inbound SMS reached, and whose record of the sender it belongs to.

An organization's own number or Messaging Service routes the message to that organization (its record of the
number, if it has one). The deployment-wide sender is shared by every organization without one: there the
message goes to the one organization the number was last texted by (its conversation), else the one that
knew it last. Either way one record, one organization: nothing a person texts is shown to another."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from mobilize import db
from mobilize.models import Organization, Volunteer
from mobilize.services.accounts.senders import own_senders
from mobilize.services.people.records import normalize_phone

log = logging.getLogger("mobilize.inbound")


@dataclass(frozen=True)
class SharedSender:
    """The deployment-wide sender (TWILIO_FROM_NUMBER / TWILIO_MESSAGING_SERVICE_SID)."""

    from_number: str | None = None
    messaging_service_sid: str | None = None


@lru_cache(maxsize=4096)  # every message parses its From and To; the same few numbers come back
def phone_or_none(raw: str, region: str = "US") -> str | None:
    """E.164 of the sender, or None for what is not a phone number (a short code, an alphanumeric id)."""
    try:
        return normalize_phone(raw, region) if raw and len(raw) <= 32 else None
    except ValueError:
        return None


async def route(
    to_number: str, messaging_service_sid: str, shared: SharedSender, *, message_sid: str = ""
) -> Organization | None:
    """The organization whose own number or Messaging Service received a message; None for the shared
    sender (or a number we do not know, which is treated like it and logged)."""
    to = phone_or_none(to_number) or to_number
    senders = await own_senders()
    organization = senders.get(messaging_service_sid) if messaging_service_sid else None
    organization = organization or (senders.get(to) if to else None)
    if (
        organization is None
        and to not in (shared.from_number, None, "")
        and (not messaging_service_sid or messaging_service_sid != shared.messaging_service_sid)
    ):
        log.warning("inbound SMS %s to %r, no sender of ours: handled as the shared sender's", message_sid, to)
    return organization


_ON_SHARED = "(SELECT o.id FROM organization o WHERE o.sms_messaging_service_sid IS NULL AND o.sms_from_number IS NULL)"
# Read only when several organizations know the number (CASE is lazy): most numbers have one record, and
# their messages need not be looked at on every inbound text.
_LAST_TEXTED = (
    "CASE WHEN EXISTS (SELECT 1 FROM volunteer r2 WHERE r2.phone = r.phone AND r2.id <> r.id) THEN "
    "(SELECT m.sent_at FROM message m WHERE m.volunteer_id = r.id AND m.channel = 'sms' AND m.sent_at IS NOT NULL "
    "ORDER BY m.sent_at DESC LIMIT 1) END"
)


def routed_id_sql(phone: str, organization: str | None) -> str:
    """SQL giving the id of the record an inbound message from `phone` belongs to (`phone`, `organization`:
    placeholders or SQL): that organization's record for its own sender, else the conversation on the shared
    sender (see the module)."""
    if organization is not None:
        return f"(SELECT r.id FROM volunteer r WHERE r.phone = {phone} AND r.organization_id = {organization})"
    return (
        f"(SELECT r.id FROM volunteer r WHERE r.phone = {phone} AND r.organization_id IN {_ON_SHARED} "
        f"ORDER BY {_LAST_TEXTED} DESC NULLS LAST, r.updated_at DESC, r.id DESC LIMIT 1)"
    )


_ROUTED: dict[bool, str] = {}


async def routed_record(phone: str, organization: Organization | None) -> Volunteer | None:
    """The record of `phone` an inbound message to `organization`'s own sender (None: the shared one) belongs
    to, in one written-out query (this runs for every inbound message)."""
    own = organization is not None
    if own not in _ROUTED:
        columns = ", ".join(f'v."{c}"' for c in Volunteer._meta.db_fields)
        _ROUTED[own] = f"SELECT {columns} FROM volunteer v WHERE v.id = {routed_id_sql('?', '?' if own else None)}"
    params: list[object] = [phone] + ([organization.id] if organization is not None else [])
    row = await db.fetch_one(_ROUTED[own], *params)
    return None if row is None else Volunteer._init_from_db(**row)
