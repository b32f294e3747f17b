"""Email senders. With SMTP_URL, `SmtpEmailSender` sends through that server; without it, the logging sender
writes each message to the log and keeps the last ones in memory (the dev outbox) instead of sending.

SMTP_URL: `smtp://user:pass@host:port` is a plain connection (port 25 by default), upgraded with STARTTLS
when the URL says `?starttls=1` or the port is 587 (submission); `smtps://` is TLS from the first byte (port
465 by default). User and password are percent-decoded, so `@`, `:` and `/` in them can be written `%40`...
"""

from __future__ import annotations

import asyncio
import html
import itertools
import logging
import re
import secrets
import ssl
from collections import deque
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, parseaddr
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from mobilize.channels.base import OutgoingEmail, SendResult

log = logging.getLogger("mobilize.email")

TIMEOUT = 30.0  # seconds for connecting and for each SMTP command
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}"  # punctuation after a link in a sentence is not part of it


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


@dataclass(frozen=True)
class SmtpConfig:
    hostname: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False  # smtps://: TLS from the first byte
    start_tls: bool = False  # smtp:// upgraded with STARTTLS

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:port or smtps://...")
        use_tls = parts.scheme == "smtps"
        port = parts.port or (465 if use_tls else 25)
        query = parse_qs(parts.query)
        starttls = query.get("starttls", [""])[-1].lower()
        if starttls:
            start_tls = starttls in ("1", "true", "yes", "on")
        else:
            start_tls = port == 587  # the submission port always asks for STARTTLS
        return cls(
            hostname=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            use_tls=use_tls,
            start_tls=start_tls and not use_tls,
        )


def text_to_html(text: str) -> str:
    """The plain text as HTML: every character escaped, blank lines make paragraphs, line breaks stay,
    http(s) links become clickable."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if p.strip()]
    body = "\n".join(f"<p>{'<br>'.join(_linkify(line) for line in p.split(chr(10)))}</p>" for p in paragraphs)
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{body}\n</body></html>\n'


def _linkify(line: str) -> str:
    out: list[str] = []
    last = 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        out.append(html.escape(line[last : match.start()]))
        out.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>')
        last = end
    out.append(html.escape(line[last:]))
    return "".join(out)


def build_message(message: OutgoingEmail, mail_from: str, message_id: str) -> EmailMessage:
    """multipart/alternative (text, HTML and, with an invitation, text/calendar with its METHOD, which is
    where Outlook and Gmail look for it), inside multipart/mixed with the same invitation as invite.ics for
    clients that only show attachments."""
    email = EmailMessage(policy=SMTP_POLICY)
    email["From"] = mail_from
    # Address() refuses line breaks and quotes the display name, so nothing typed can forge a header.
    name = " ".join(message.to_name.split())
    email["To"] = Address(display_name=name, addr_spec=message.to) if name else message.to
    email["Subject"] = " ".join(message.subject.split())
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = message_id
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies should not answer it
    email.set_content(message.text)
    email.add_alternative(message.html if message.html is not None else text_to_html(message.text), subtype="html")
    if message.calendar is not None:
        method = (message.calendar_method or "REQUEST").upper()
        email.add_alternative(
            message.calendar,
            maintype="text",
            subtype="calendar",
            cte="base64",
            params={"method": method, "charset": "utf-8", "name": "invite.ics"},
        )
        email.make_mixed()
        email.add_attachment(message.calendar, maintype="application", subtype="ics", filename="invite.ics")
    return email


def _message_id(reference: str, mail_from: str) -> str:
    # provider_id holds 64 characters: keep the id short, and fall back to a short domain if MAIL_FROM's is long.
    domain = mail_from.rpartition("@")[2].strip(" >") or "mobilize"
    local = f"m{reference}.{secrets.token_hex(6)}" if reference else f"m.{secrets.token_hex(8)}"
    message_id = f"<{local}@{domain}>"
    return message_id if len(message_id) <= 64 else f"<{local}@mobilize.invalid>"


def _result(exc: Exception) -> SendResult:
    """What an SMTP error means for the outbox: try later (4xx, connection trouble), never again for this
    address (5xx on the recipient), or failed (any other 5xx: our sender, content, authentication)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        if codes and all(500 <= code < 600 for code in codes):
            return SendResult(ok=False, error=f"recipient refused: {detail}", invalid_recipient=True)
        return SendResult(ok=False, error=f"recipient deferred: {detail}", retryable=True)
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
        return _result(aiosmtplib.SMTPRecipientsRefused([exc]))
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        detail = f"{exc.code} {exc.message}"
        if 400 <= exc.code < 500:
            return SendResult(ok=False, error=f"temporary SMTP error: {detail}", retryable=True)
        return SendResult(ok=False, error=f"SMTP error: {detail}")
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return SendResult(ok=False, error=f"SMTP server cannot do what SMTP_URL asks: {exc}")
    # Disconnects, timeouts, refused connections, TLS failures: the server may be back soon.
    return SendResult(ok=False, error=f"SMTP connection failed: {type(exc).__name__}: {exc}", retryable=True)


class SmtpEmailSender:
    """Sends over one connection, opened on first use and reused: jobs share it one message at a time (the
    lock). A connection the server dropped while idle is reopened and the message tried once more; after
    an error the connection is closed, so the next message starts from a fresh one."""

    name = "smtp"

    def __init__(self, url: str, mail_from: str, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.config = SmtpConfig.from_url(url)
        self.mail_from = mail_from
        self.sender = parseaddr(mail_from)[1] or mail_from  # MAIL_FROM may be "Name <address>"
        self.tls_context = tls_context
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def _connect(self) -> aiosmtplib.SMTP:
        c = self.config
        options: dict[str, Any] = {}
        if self.tls_context is not None:
            options["tls_context"] = self.tls_context
        smtp = aiosmtplib.SMTP(
            hostname=c.hostname,
            port=c.port,
            username=c.username,
            password=c.password,
            use_tls=c.use_tls,
            start_tls=c.start_tls,
            timeout=TIMEOUT,
            **options,
        )
        await smtp.connect()
        return smtp

    async def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()

    async def send(self, message: OutgoingEmail) -> SendResult:
        message_id = _message_id(message.reference, self.mail_from)
        try:
            email = build_message(message, self.mail_from, message_id)
        except (ValueError, TypeError) as exc:  # an address the email package refuses
            return SendResult(ok=False, error=f"cannot build the message: {exc}", invalid_recipient=True)
        async with self._lock:
            for attempt in (1, 2):
                reused = self._smtp is not None and self._smtp.is_connected
                try:
                    if not reused:
                        await self._drop()
                        self._smtp = await self._connect()
                    assert self._smtp is not None
                    await self._smtp.send_message(email, sender=self.sender, recipients=[message.to])
                    return SendResult(ok=True, provider_id=message_id)
                except aiosmtplib.SMTPServerDisconnected as exc:
                    await self._drop()
                    if reused and attempt == 1:
                        continue  # the server closed an idle connection: one more try on a new one
                    return _result(exc)
                except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException) as exc:
                    # aiosmtplib reset the envelope (RSET): the connection serves the next message, unless
                    # the server said it is closing (421).
                    if getattr(exc, "code", None) == 421:
                        await self._drop()
                    return _result(exc)
                except ValueError as exc:  # aiosmtplib checks addresses before it sends anything
                    return SendResult(ok=False, error=f"unusable address: {exc}", invalid_recipient=True)
                except (aiosmtplib.SMTPException, OSError) as exc:
                    await self._drop()
                    return _result(exc)
        return SendResult(ok=False, error="SMTP connection lost", retryable=True)  # pragma: no cover

    async def close(self) -> None:
        async with self._lock:
            await self._drop()


def email_sender(settings: Any) -> SmtpEmailSender | LoggingEmailSender:
    """The sender the settings ask for, picked once at start-up."""
    if getattr(settings, "smtp_url", None):
        return SmtpEmailSender(str(settings.smtp_url), settings.mail_from)
    return LoggingEmailSender()
