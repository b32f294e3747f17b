"""A small keep-alive HTTP/1.1 client for the provider APIs the workers call thousands of times a second.

aiohttp spent about a third of a worker's CPU per message in a reminder fan-out building request and
response objects, timers and connector bookkeeping around a few hundred bytes each way. This client writes
each request as one buffer on a pooled connection and parses the answer with httptools (llhttp, in C, the
parser uvicorn uses): status, headers, Content-Length or chunked bodies. It sends no Accept-Encoding, so
answers come uncompressed. TLS is asyncio's, with the system's trust store.

What it does not do, on purpose: redirects, proxies, cookies, HTTP/2. A POST is never sent twice here
(RFC 9112, 9.3.1.1): a connection that breaks after the request went out raises `AnswerLost`, and the
caller decides (the outbox looks the message up at the provider before sending it again). Idle
connections are dropped after `keepalive` seconds (aiohttp's default, 15), under the idle timeouts servers
keep, so a request rarely meets a connection the server has just closed; a GET that does is sent again
once on a new connection.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httptools

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


@dataclass
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


class AnswerLost(ConnectionError):
    """The request was written and the connection broke before a whole answer came back: the server may or
    may not have acted on it."""


class StaleConnection(AnswerLost):
    """The server closed a reused connection without answering a byte (most likely an idle timeout that
    crossed our request, which it then never read)."""


@dataclass
class _Origin:
    scheme: str
    host: str
    port: int
    idle: deque[tuple[_Connection, float]] = field(default_factory=deque)
    open: int = 0
    waiters: deque[asyncio.Future[None]] = field(default_factory=deque)


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future[HttpAnswer] | None = None
        self.parser: httptools.HttpResponseParser | None = None
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.received = False
        self.headers_done = False
        self.complete = False
        self.keep_alive = False
        self.closed = False
        self.used = 0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        if self.parser is None:  # bytes nobody asked for: the connection is not usable any more
            self.close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(AnswerLost(f"malformed HTTP answer: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if (
            self.answer is not None
            and not self.answer.done()
            and self.headers_done
            and "content-length" not in self.headers
            and "transfer-encoding" not in self.headers
        ):
            self.on_message_complete()  # an answer delimited by the end of the connection (HTTP/1.0 style)
        if self.answer is not None and not self.answer.done():
            if not self.received and self.used > 1:
                self._fail(StaleConnection("the server closed the kept-alive connection"))
            else:
                self._fail(AnswerLost(f"connection lost before the answer was complete: {exc}"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.headers_done = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        assert self.parser is not None and self.answer is not None
        self.complete = True
        self.keep_alive = self.parser.should_keep_alive()  # asked now: the parser resets after this
        if not self.answer.done():
            self.answer.set_result(HttpAnswer(self.parser.get_status_code(), self.headers, b"".join(self.body)))

    # ours
    def send(self, request: bytes) -> asyncio.Future[HttpAnswer]:
        assert self.transport is not None
        self.parser = httptools.HttpResponseParser(self)
        self.headers, self.body = {}, []
        self.received = self.headers_done = self.complete = self.keep_alive = False
        self.answer = asyncio.get_running_loop().create_future()
        self.used += 1
        self.transport.write(request)
        return self.answer

    def reusable(self) -> bool:
        return (
            self.complete
            and self.keep_alive
            and not self.closed
            and self.transport is not None
            and not self.transport.is_closing()
        )

    def _fail(self, exc: Exception) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(exc)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()
        self.closed = True


class HttpPool:
    """Up to `limit` open connections per origin (scheme, host, port), reused while the server allows."""

    def __init__(self, limit: int = 100, keepalive: float = 15.0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.limit = limit
        self.keepalive = keepalive
        self._ssl = ssl_context
        self._origins: dict[tuple[str, str, int], _Origin] = {}
        self._closed = False

    def _origin(self, scheme: str, host: str, port: int) -> _Origin:
        key = (scheme, host, port)
        origin = self._origins.get(key)
        if origin is None:
            origin = self._origins[key] = _Origin(scheme, host, port)
        return origin

    async def request(
        self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> HttpAnswer:
        """Send one request and read the whole answer. Raises OSError when no connection could be made,
        AnswerLost when the request went out but no whole answer came back; the caller bounds the time with
        asyncio.timeout."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        origin = self._origin(parts.scheme, parts.hostname, port)
        target = parts.path or "/"
        if parts.query:
            target = f"{target}?{parts.query}"
        host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
        lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        try:
            return await self._exchange(origin, request)
        except StaleConnection:
            if method not in ("GET", "HEAD"):
                raise
            return await self._exchange(origin, request, fresh=True)

    async def _exchange(self, origin: _Origin, request: bytes, fresh: bool = False) -> HttpAnswer:
        connection = await self._acquire(origin, fresh)
        try:
            answer = await connection.send(request)
        except BaseException:
            connection.close()  # half a request or half an answer: never reuse it
            self._release(origin, connection)
            raise
        self._release(origin, connection)
        return answer

    async def _acquire(self, origin: _Origin, fresh: bool) -> _Connection:
        while True:
            now = time.monotonic()
            while origin.idle and not fresh:
                connection, since = origin.idle.pop()  # the most recently used: the least likely to be stale
                if now - since < self.keepalive and connection.reusable():
                    return connection
                connection.close()
                origin.open -= 1
            if origin.open < self.limit:
                origin.open += 1
                try:
                    return await self._connect(origin)
                except BaseException:
                    origin.open -= 1
                    self._wake(origin)
                    raise
            if fresh and origin.idle:  # at the limit: make room by dropping an idle one
                connection, _ = origin.idle.popleft()
                connection.close()
                origin.open -= 1
                continue
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            origin.waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake(origin)  # we were woken but leave: pass the turn on
                raise

    async def _connect(self, origin: _Origin) -> _Connection:
        loop = asyncio.get_running_loop()
        if origin.scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            _, connection = await loop.create_connection(
                _Connection, origin.host, origin.port, ssl=self._ssl, server_hostname=origin.host
            )
        else:
            _, connection = await loop.create_connection(_Connection, origin.host, origin.port)
        return connection

    def _release(self, origin: _Origin, connection: _Connection) -> None:
        if connection.reusable() and not self._closed:
            origin.idle.append((connection, time.monotonic()))
        else:
            connection.close()
            origin.open -= 1
        self._wake(origin)

    def _wake(self, origin: _Origin) -> None:
        while origin.waiters:
            waiter = origin.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def connections(self) -> int:
        """Open connections, idle or in use, over all origins."""
        return sum(origin.open for origin in self._origins.values())

    async def close(self) -> None:
        self._closed = True
        for origin in self._origins.values():
            while origin.idle:
                connection, _ = origin.idle.pop()
                connection.close()
                origin.open -= 1
