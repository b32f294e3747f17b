"""The HTTP transport under the twilio client: aiohttp used directly, its errors sorted into "never sent" and
"sent, answer lost"."""

from __future__ import annotations

import asyncio
import re
import ssl
from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDictProxy

# The longest answer read: a page of 50 messages from the Messages API is about 60 KB. A bigger one is not
# Twilio's and is not read into memory (headers have aiohttp's own caps: 8,190 bytes a line, 128 fields).
MAX_ANSWER = 1 << 20
CONNECT_TIMEOUT = 10.0  # seconds to open one connection; the caller bounds the whole call (asyncio.timeout)
KEEPALIVE = 15.0  # idle seconds a connection is kept (aiohttp's default), under the idle timeouts servers keep

# What application/x-www-form-urlencoded leaves as it is (urllib's quote_plus: letters, digits, _.-~; a
# space becomes +).
_UNSAFE = re.compile(rb"[^A-Za-z0-9_.~ -]")


def _quote(value: object) -> str:
    raw = str(value).encode()
    return _UNSAFE.sub(lambda m: b"%%%02X" % m[0][0], raw).replace(b" ", b"+").decode("ascii")


def form_encode(data: dict[str, object]) -> bytes:
    """`urllib.parse.urlencode(data, doseq=True)`, the same bytes, at about two thirds of its cost: a
    regular expression finds the few characters to escape instead of a Python loop over every byte."""
    pairs: list[str] = []
    for name, value in data.items():
        key = _quote(name)
        if isinstance(value, (list, tuple)):
            pairs.extend(f"{key}={_quote(item)}" for item in value)
        else:
            pairs.append(f"{key}={_quote(value)}")
    return "&".join(pairs).encode("ascii")


@dataclass(slots=True)
class HttpAnswer:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes


class NotSent(ConnectionError):
    """No connection could be made (refused, unreachable, TLS refused): the server never saw the request."""


class AnswerLost(ConnectionError):
    """The request may have gone out and no whole, well-formed answer came back (cut, malformed, over the size
    cap): the server may or may not have acted on it."""


class HttpClient:
    """One aiohttp session: up to `limit` requests in flight on as many connections, kept alive `keepalive`
    seconds, TLS checked against `ssl_context` (the system's trust store by default). No cookies, no
    redirects, answers asked uncompressed. aiohttp sends a GET or HEAD once more on a new connection when a
    kept-alive one turns out closed; it never sends a POST twice (RFC 9112, 9.3.1.1)."""

    def __init__(
        self,
        limit: int = 100,
        keepalive: float = KEEPALIVE,
        ssl_context: ssl.SSLContext | None = None,
        max_answer: int = MAX_ANSWER,
    ) -> None:
        self.limit = limit
        self.keepalive = keepalive
        self.ssl_context = ssl_context
        self.max_answer = max_answer
        self._session: aiohttp.ClientSession | None = None
        # The requests past the limit wait here, before aiohttp builds anything for them: a batch puts 250
        # in flight at once, and waiting in aiohttp's connector queue cost about 0.05 ms more per request.
        self._slots = asyncio.Semaphore(limit)

    def _open(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running loop that will use it. No total timeout: a timer per request
        # is CPU the caller's own asyncio.timeout already spends.
        connector = aiohttp.TCPConnector(
            limit=self.limit, limit_per_host=0, keepalive_timeout=self.keepalive, ssl=self.ssl_context or True
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT),
            headers={"Accept-Encoding": "identity"},
        )
        return self._session

    async def request(
        self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> HttpAnswer:
        """Send one request and read the whole answer. Raises NotSent when no connection could be made,
        AnswerLost when the request went out and no whole answer came back, ValueError for a URL or a header
        that cannot be sent (a CR or LF in a value: nothing is written)."""
        session = self._session or self._open()
        try:
            async with (
                self._slots,
                session.request(method, url, data=body, headers=headers, allow_redirects=False) as answer,
            ):
                if method == "HEAD":
                    return HttpAnswer(answer.status, answer.headers, b"")
                length = answer.content_length
                if length is None:
                    return HttpAnswer(answer.status, answer.headers, await self._read_capped(answer))
                if length > self.max_answer:
                    answer.close()  # not read: the connection cannot carry another request
                    raise AnswerLost(f"answer of {length} bytes, over the {self.max_answer}-byte cap")
                return HttpAnswer(answer.status, answer.headers, await answer.read())
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise NotSent(f"{type(exc).__name__}: {exc}") from exc
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as exc:
            raise ValueError(f"not an http(s) URL: {url!r}") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise AnswerLost(f"{type(exc).__name__}: {exc}") from exc

    async def _read_capped(self, answer: aiohttp.ClientResponse) -> bytes:
        """A chunked or close-delimited answer, read up to the cap."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in answer.content.iter_any():
            size += len(chunk)
            if size > self.max_answer:
                answer.close()
                raise AnswerLost(f"answer over the {self.max_answer}-byte cap")
            chunks.append(chunk)
        return b"".join(chunks)

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
