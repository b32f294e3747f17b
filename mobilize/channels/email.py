"""Email senders. Without SMTP_URL, the logging sender writes each message to the log and keeps the last
ones in memory (the dev outbox) instead of sending."""

from __future__ import annotations

import itertools
import logging
from collections import deque

from mobilize.channels.base import OutgoingEmail, SendResult

log = logging.getLogger("mobilize.email")


class LoggingEmailSender:
    name = "logging"

    def __init__(self, keep: int = 1000) -> None:
        self.sent: deque[OutgoingEmail] = deque(maxlen=keep)
        self._ids = itertools.count(1)

    async def send(self, message: OutgoingEmail) -> SendResult:
        self.sent.append(message)
        log.info("email to %s (ref %s): %s", message.to, message.reference, message.subject)
        return SendResult(ok=True, provider_id=f"<log-{next(self._ids)}@mobilize>")

    async def close(self) -> None:
        return None


def email_sender(settings: object) -> LoggingEmailSender:
    """The sender the settings ask for, picked once at start-up."""
    return LoggingEmailSender()
