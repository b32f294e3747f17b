"""SMS senders. Without Twilio credentials, the logging sender writes each message to the log and keeps
the last ones in memory (the dev outbox) instead of sending."""

from __future__ import annotations

import itertools
import logging
from collections import deque

from mobilize.channels.base import OutgoingSms, SendResult

log = logging.getLogger("mobilize.sms")


class LoggingSmsSender:
    name = "logging"

    def __init__(self, keep: int = 1000) -> None:
        self.sent: deque[OutgoingSms] = deque(maxlen=keep)
        self._ids = itertools.count(1)

    async def send(self, message: OutgoingSms) -> SendResult:
        self.sent.append(message)
        log.info("SMS to %s (ref %s): %s", message.to, message.reference, message.body)
        return SendResult(ok=True, provider_id=f"LOG{next(self._ids):08d}")

    async def close(self) -> None:
        return None


def sms_sender(settings: object) -> LoggingSmsSender:
    """The sender the settings ask for, picked once at start-up."""
    return LoggingSmsSender()
