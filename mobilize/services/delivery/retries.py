"""What a send's outcome does to its message: sent, failed for good, or retried later with a doubling backoff;
a retried text waits out quiet hours as when it was planned, and one that could only arrive after its shift
starts is skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mobilize.channels.base import SendResult
from mobilize.models import (
    Channel,
    Message,
    MessageState,
)
from mobilize.services.outbox.messages import URGENT_KINDS
from mobilize.services.outbox.quiet_hours import QuietHours, notice_due_at, sms_send_after

MAX_ATTEMPTS = 8  # retryable failures (429, 5xx, unreachable): about an hour of backoff in all


def backoff(attempt: int, first: float = 30.0) -> timedelta:
    """The wait before retry number `attempt` (OUTBOX_RETRY_SECONDS, doubling, at most 30 minutes)."""
    return timedelta(seconds=min(first * 2 ** (attempt - 1), 1800))


def outcome(message: Message, sent: SendResult, sent_at: datetime, retry_after: float) -> dict[str, Any]:
    if sent.ok:
        return {
            "state": MessageState.SENT,
            "provider_id": sent.provider_id,
            "sent_at": sent_at,
            "last_error": "",
            "in_doubt": False,
            "claim_token": None,
        }
    if sent.retryable and message.attempts < MAX_ATTEMPTS:
        return {
            "state": MessageState.PENDING,
            "due_at": sent_at + backoff(message.attempts, retry_after),
            "last_error": sent.error,
            "in_doubt": sent.in_doubt,  # the next attempt looks for it at the provider first
            "claim_token": None,
        }
    return {"state": MessageState.FAILED, "last_error": sent.error or "failed", "in_doubt": False}


@dataclass(frozen=True)
class Night:
    """What binds a retried text: the quiet hours, and how soon before its shift urgent news goes anyway."""

    quiet: QuietHours
    urgent: timedelta


def quiet_retry(message: Message, changes: dict[str, Any], night: Night, zones: dict[int, str]) -> dict[str, Any]:
    """A retried SMS due in quiet hours waits until they end, as when it was planned (urgent news about a
    shift starting soon after they end does not wait); if that is after its shift starts, it is skipped (a
    text that cannot arrive in time and in daytime is not sent)."""
    zone = zones.get(message.id)
    if message.channel != Channel.SMS or zone is None:
        return changes
    if message.kind in URGENT_KINDS and message.expires_at:
        due = notice_due_at(changes["due_at"], message.expires_at, zone, night.quiet, night.urgent)
    else:
        due = sms_send_after(changes["due_at"], zone, night.quiet)
    if message.expires_at and due >= message.expires_at:
        return {
            "state": MessageState.SKIPPED,
            "skip_reason": "quiet hours last until the shift starts",
            "last_error": changes["last_error"],
            "claim_token": None,
        }
    return {**changes, "due_at": due}
