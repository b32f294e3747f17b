"""Which of our senders an inbound SMS reached: an organization's own number or Messaging Service (it routes
the message to that organization), or the deployment-wide sender. The organizations' own senders are read
at most every SENDERS_TTL seconds: every inbound message is routed, and senders change rarely."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache

from tortoise.expressions import Q

from mobilize.models import Organization
from mobilize.services.people import normalize_phone

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


SENDERS_TTL = 5.0  # seconds a process trusts its copy of the organizations' own senders
_senders: dict[str, Organization] = {}
_senders_read_at = -SENDERS_TTL


def forget_senders() -> None:
    """Drop this process's copy of the organizations' own senders (after a change; tests)."""
    global _senders_read_at
    _senders_read_at = -SENDERS_TTL


async def own_senders() -> dict[str, Organization]:
    """Number or Messaging Service SID -> the organization it belongs to. Read at most every SENDERS_TTL
    seconds: every inbound message is routed, and senders change rarely (another process sees a change
    within SENDERS_TTL)."""
    global _senders, _senders_read_at
    if time.monotonic() - _senders_read_at >= SENDERS_TTL:
        found: dict[str, Organization] = {}
        own = Q(sms_from_number__isnull=False) | Q(sms_messaging_service_sid__isnull=False)
        for org in await Organization.filter(own):
            for key in (org.sms_from_number, org.sms_messaging_service_sid):
                if key:
                    found[key] = org
        _senders, _senders_read_at = found, time.monotonic()
    return _senders


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
