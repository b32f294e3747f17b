"""SMS senders. With Twilio credentials, `TwilioSmsSender` sends through Twilio's Messages API (or any
server speaking it, at TWILIO_API_BASE_URL); without them, the logging sender writes each message to the
log and keeps the last ones in memory (the dev outbox) instead of sending."""

from __future__ import annotations

import asyncio
import base64
import itertools
import logging
from collections import deque
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from twilio.base.exceptions import TwilioException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from mobilize import links
from mobilize.channels.base import OutgoingSms, SendResult
from mobilize.channels.http import HttpClient, NotSent, form_encode
from mobilize.settings import ConfigurationError

log = logging.getLogger("mobilize.sms")
# twilio's http client logs every request's headers at INFO: thousands of lines a second in a fan-out.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
logging.getLogger("twilio.async_http_client").setLevel(logging.WARNING)

TIMEOUT = 15.0  # seconds for one API call; the twilio client itself sets none
OPTED_OUT = frozenset({21610})  # the person texted STOP to our sender
INVALID_RECIPIENT = frozenset({21211, 21614, 21635})  # not a number, not a mobile, a landline
RATE_LIMITED = frozenset({20429})


class LoggingSmsSender:
    name = "logging"
    sender_key = "log"  # what the send rate is counted against

    def __init__(self, keep: int = 1000) -> None:
        self.sent: deque[OutgoingSms] = deque(maxlen=keep)
        self._ids = itertools.count(1)

    async def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The log keeps no ids worth matching: an in-doubt message is logged again."""
        return None

    async def send(self, message: OutgoingSms) -> SendResult:
        self.sent.append(message)
        log.info("SMS to %s (ref %s): %s", message.to, message.reference, message.body)
        return SendResult(ok=True, provider_id=f"LOG{next(self._ids):08d}")

    async def close(self) -> None:
        return None


class _AsyncHttpClient(AsyncHttpClient):
    """The transport under the twilio client: one aiohttp session (`channels.http`), the form encoded once to
    bytes, Basic auth as a ready header. twilio's own AsyncTwilioHttpClient builds an aiohttp FormData, a
    BasicAuth (deprecated in aiohttp), a request record and log lines per call; the calls the client makes,
    and the answers it reads, are the same."""

    def __init__(self, limit: int = 100) -> None:
        super().__init__(logging.getLogger("twilio.async_http_client"), True, None)
        self.http = HttpClient(limit=limit)
        self._authorization: tuple[tuple[str, str], str] | None = None

    def _auth_header(self, auth: tuple[str, str]) -> str:
        if self._authorization is None or self._authorization[0] != auth:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            self._authorization = (auth, f"Basic {token}")
        return self._authorization[1]

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - twilio's signature; send() bounds the call
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        if auth is not None:
            headers["Authorization"] = self._auth_header(auth)
        if params:
            url = f"{url}?{urlencode(params, doseq=True)}"
        body = form_encode(data) if data else None  # twilio's client has set Content-Type
        if timeout:
            async with asyncio.timeout(timeout):
                answer = await self.http.request(method.upper(), url, body, headers)
        else:
            answer = await self.http.request(method.upper(), url, body, headers)
        return Response(answer.status, answer.body.decode("utf-8", "replace"), answer.headers)

    async def close(self) -> None:
        await self.http.close()


def sender_key(messaging_service_sid: str | None, from_number: str | None) -> str | None:
    """What Twilio counts throughput against, and what we pace on: the Messaging Service when there is one
    (it is also what `send` sends from first), else the number."""
    return messaging_service_sid or from_number


def _result(exc: TwilioException) -> SendResult:
    """What a Twilio error means for the outbox: try later (rate limit, Twilio's own trouble), the person
    opted out, the number can never work, or failed for good (anything else: our account, sender, body)."""
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", None)
    detail = f"Twilio {code or status}: {getattr(exc, 'msg', None) or getattr(exc, 'title', None) or exc}"
    if code in RATE_LIMITED or status == 429 or (isinstance(status, int) and status >= 500):
        return SendResult(ok=False, error=detail, retryable=True)
    if code in OPTED_OUT:
        return SendResult(ok=False, error=detail, opted_out=True)
    if code in INVALID_RECIPIENT:
        return SendResult(ok=False, error=detail, invalid_recipient=True)
    return SendResult(ok=False, error=detail)


class TwilioSmsSender:
    """One twilio client with one connection pool, made on first use (inside the running loop), shared
    by all jobs. Sends from the Messaging Service when there is one (it picks the number and keeps the
    opt-outs per service), else from the number."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        messaging_service_sid: str | None = None,
        from_number: str | None = None,
        status_callback_url: str | None = None,
        api_base_url: str = "https://api.twilio.com",
        timeout: float = TIMEOUT,
    ) -> None:
        if not messaging_service_sid and not from_number:
            raise ConfigurationError(
                "Twilio credentials are set but no sender: set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER"
            )
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messaging_service_sid = messaging_service_sid
        self.from_number = from_number
        self.sender_key: str = sender_key(messaging_service_sid, from_number) or ""
        self.status_callback_url = status_callback_url
        self.api_base_url = api_base_url.rstrip("/")
        self.timeout = timeout
        self._client: Client | None = None

    def _connect(self) -> Client:
        client = Client(self.account_sid, self.auth_token, http_client=_AsyncHttpClient())
        # The client has no base-URL option; the Messages URL is the api domain's base_url + the path.
        client.api.base_url = self.api_base_url
        return client

    async def send(self, message: OutgoingSms) -> SendResult:
        if self._client is None:
            self._client = self._connect()
        options: dict[str, Any] = {"to": message.to, "body": message.body}
        if message.messaging_service_sid:  # the organization's own sender first
            options["messaging_service_sid"] = message.messaging_service_sid
        elif message.from_number:
            options["from_"] = message.from_number
        elif self.messaging_service_sid:
            options["messaging_service_sid"] = self.messaging_service_sid
        else:
            options["from_"] = self.from_number
        if self.status_callback_url:
            # Our id rides along, so a receipt that overtakes our own record of the send still finds it.
            options["status_callback"] = f"{self.status_callback_url}?ref={message.reference}"
        if message.validity_seconds is not None:
            options["validity_period"] = message.validity_seconds
        try:
            async with asyncio.timeout(self.timeout):
                created = await self._client.messages.create_async(**options)
        except TwilioException as exc:
            return _result(exc)
        except NotSent as exc:  # no connection: Twilio never saw it
            return SendResult(ok=False, error=f"Twilio unreachable: {exc}", retryable=True)
        except (OSError, TimeoutError) as exc:
            # AnswerLost or a timeout: it may have gone out, Twilio may have queued it. The retry looks for it
            # at Twilio first.
            return SendResult(
                ok=False, error=f"Twilio did not answer: {type(exc).__name__}: {exc}", retryable=True, in_doubt=True
            )
        log.info("SMS to %s (ref %s) queued at Twilio as %s", message.to, message.reference, created.sid)
        return SendResult(ok=True, provider_id=created.sid)

    async def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The sid of a message Twilio accepted for `to` with this exact body since `since` (newest first,
        the last 50), or None. Used before resending a message a vanished worker may have sent. Raises
        nothing: when Twilio cannot answer, the caller cannot know, and this says None."""
        if self._client is None:
            self._client = self._connect()
        try:
            async with asyncio.timeout(self.timeout):
                recent = await self._client.messages.list_async(to=to, limit=50, page_size=50)
        except (TwilioException, OSError, TimeoutError) as exc:
            log.warning("could not look for an earlier SMS to %s at Twilio: %s", to, exc)
            return None
        for found in recent:
            created = found.date_created
            if found.body == body and (created is None or created >= since):
                return str(found.sid)
        return None

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.http_client.close()  # type: ignore[attr-defined]


def sms_sender(settings: Any) -> TwilioSmsSender | LoggingSmsSender:
    """The sender the settings ask for, picked once at start-up. Raises ConfigurationError when Twilio
    credentials are set without a sender."""
    sid = getattr(settings, "twilio_account_sid", None)
    token = getattr(settings, "twilio_auth_token", None)
    if sid and token:
        return TwilioSmsSender(
            sid,
            str(token),
            messaging_service_sid=settings.twilio_messaging_service_sid,
            from_number=settings.twilio_from_number,
            status_callback_url=links.twilio_status_url(settings.public_base_url),
            api_base_url=settings.twilio_api_base_url,
        )
    if sid or token:
        log.warning("only one of TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN is set: SMS go to the log only")
    return LoggingSmsSender()
