"""What every channel takes and returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutgoingSms:
    to: str  # E.164
    body: str
    reference: str  # our message id, echoed in status callbacks
    validity_seconds: int | None = None  # the provider drops the message after this
    # The organization's own sender, when it has one (else the channel's configured one).
    from_number: str | None = None
    messaging_service_sid: str | None = None


@dataclass(frozen=True)
class OutgoingEmail:
    """`calendar`: an iCalendar (iTIP) invitation to attach, with its `calendar_method` (REQUEST, CANCEL)."""

    to: str
    subject: str
    text: str
    html: str | None = None
    reference: str = ""
    to_name: str = ""
    calendar: bytes | None = None
    calendar_method: str | None = None


@dataclass(frozen=True)
class SendResult:
    """`retryable`: try again later (rate limit, outage). `in_doubt`: the request went out and no answer came
    back, so the provider may have the message (look before sending again). `opted_out`: the provider says
    the person sent STOP. `invalid_recipient`: the address can never work. Otherwise a failure is final."""

    ok: bool
    provider_id: str | None = None
    error: str = ""
    retryable: bool = False
    in_doubt: bool = False
    opted_out: bool = False
    invalid_recipient: bool = False
