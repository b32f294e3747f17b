"""An organization's own SMS sender (a number or a Messaging Service), and each process's copy of who owns
which: every inbound message is routed by it (inbound.routing), and senders change rarely, so the copy is read
at most every SENDERS_TTL seconds (another process sees a change within that)."""

from __future__ import annotations

import time

from tortoise.expressions import Q

from mobilize.models import Organization
from mobilize.services.errors import Conflict, Invalid, NotFound
from mobilize.services.people import normalize_phone, refresh_blocks

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


async def set_sms_sender(slug: str, from_number: str | None, messaging_service_sid: str | None) -> Organization:
    """Give an organization its own SMS sender (a number in E.164 and/or a Messaging Service SID), or take it
    away (both None): its texts leave from it and inbound texts to it are routed to it."""

    org = await Organization.get_or_none(slug=slug)
    if org is None:
        raise NotFound(f"no organization {slug!r}")
    if from_number:
        try:
            from_number = normalize_phone(from_number)
        except ValueError as exc:
            raise Invalid.field("from_number", str(exc)) from exc
    if messaging_service_sid and not (messaging_service_sid.startswith("MG") and len(messaging_service_sid) == 34):
        raise Invalid.field("messaging_service", "a Messaging Service SID: MG and 32 characters")
    for field_name, value in (("sms_from_number", from_number), ("sms_messaging_service_sid", messaging_service_sid)):
        if value and await Organization.filter(**{field_name: value}).exclude(id=org.id).exists():
            raise Conflict(f"{value} is another organization's sender", code="sender_taken")
    await Organization.filter(id=org.id).update(
        sms_from_number=from_number or None, sms_messaging_service_sid=messaging_service_sid or None
    )
    await org.refresh_from_db()
    forget_senders()
    await refresh_blocks(org.id)  # its records now follow the opt-outs of the sender it texts from
    return org
