"""The keep-alive HTTP client under the twilio client (`mobilize.channels.http`), against scripted servers:
connection reuse, the connection limit, Content-Length, chunked and close-delimited answers, a kept-alive
connection the server closed, a broken answer, a cancelled request, and TLS with a certificate it must
check."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from urllib.parse import urlencode

import pytest
import trustme
from hypothesis import given
from hypothesis import strategies as st

from mobilize.channels.http import AnswerLost, HttpPool, form_encode

Answer = Callable[[bytes, int], bytes | None]  # (request, its number on the connection) -> raw answer, None: close


def ok(body: bytes = b'{"ok": true}', extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n{extra}Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


class Scripted:
    """An HTTP server that reads whole requests and answers each with what `answer` says."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.port = 0
        self.close_after_answer = False

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request = head + (await reader.readexactly(length) if length else b"")
                self.requests.append(request)
                served += 1
                raw = self.answer(request, served)
                if raw is None:
                    break
                writer.write(raw)
                await writer.drain()
                if self.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def serving(answer: Answer, tls: ssl.SSLContext | None = None) -> AsyncIterator[Scripted]:
    scripted = Scripted(answer)
    server = await asyncio.start_server(scripted.handle, "127.0.0.1", 0, ssl=tls)
    scripted.port = server.sockets[0].getsockname()[1]
    try:
        yield scripted
    finally:
        server.close()


async def test_keeps_connections_alive_and_sends_one_well_formed_request() -> None:
    async with serving(lambda request, n: ok()) as server:
        pool = HttpPool()
        for _ in range(3):
            answer = await pool.request(
                "POST", f"http://127.0.0.1:{server.port}/2010-04-01/Messages.json?x=1", b"To=%2B1&Body=hi",
                {"Content-Type": "application/x-www-form-urlencoded"},
            )  # fmt: skip
            assert answer.status == 201
            assert answer.body == b'{"ok": true}'
            assert answer.headers["content-type"] == "application/json"
        await pool.close()
    assert server.connections == 1
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /2010-04-01/Messages.json?x=1 HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}".encode() in lines
    assert b"Content-Length: 15" in lines
    assert body == b"To=%2B1&Body=hi"


async def test_concurrent_requests_stay_within_the_connection_limit() -> None:
    async with serving(lambda request, n: ok()) as server:
        pool = HttpPool(limit=4)
        answers = await asyncio.gather(*(pool.request("GET", f"http://127.0.0.1:{server.port}/n") for _ in range(50)))
        assert [a.status for a in answers] == [201] * 50
        assert server.connections <= 4
        assert pool.connections() <= 4
        await pool.close()
        assert pool.connections() == 0


async def test_reads_chunked_and_close_delimited_answers() -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    async with serving(lambda request, n: chunked) as server:
        pool = HttpPool()
        answer = await pool.request("GET", f"http://127.0.0.1:{server.port}/c")
        assert (answer.status, answer.body) == (200, b"hello world")
        await pool.close()


async def test_a_close_delimited_answer_ends_with_the_connection() -> None:
    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nthe whole answer")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(once, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = HttpPool()
    answer = await pool.request("GET", f"http://127.0.0.1:{port}/eof")
    assert (answer.status, answer.body) == (200, b"the whole answer")
    assert pool.connections() == 0  # not kept: the server ended it
    server.close()
    await pool.close()


async def test_a_kept_alive_connection_the_server_closed() -> None:
    # The server answers one request per connection and then closes without a word (an idle timeout).
    async with serving(lambda request, n: ok()) as server:
        server.close_after_answer = True
        pool = HttpPool()
        url = f"http://127.0.0.1:{server.port}/m"
        assert (await pool.request("POST", url, b"a=1")).status == 201
        await asyncio.sleep(0.05)
        assert (await pool.request("POST", url, b"a=2")).status == 201  # its end was seen while idle: not reused
        assert server.connections == 2

        server.close_after_answer = False

        # The end arrives only once the next request is on its way: a GET is sent again, a POST is not.
        pool2 = HttpPool()
        server.answer = lambda request, n: ok() if n == 1 else None
        first = await pool2.request("POST", url, b"b=1")
        with pytest.raises(AnswerLost):
            await pool2.request("POST", url, b"b=2")
        bodies = [r.partition(b"\r\n\r\n")[2] for r in server.requests]
        assert first.status == 201 and bodies.count(b"b=2") == 1  # sent once; the outbox decides what next
        server.answer = lambda request, n: ok() if n == 1 else None
        assert (await pool2.request("GET", url + "?c=1")).status == 201
        assert (await pool2.request("GET", url + "?c=2")).status == 201  # sent again, on a new connection
        assert sum(b"?c=2" in r for r in server.requests) == 2
        await pool.close()
        await pool2.close()


async def test_a_connection_lost_mid_answer_raises_and_is_not_reused() -> None:
    truncated = b'HTTP/1.1 201 Created\r\nContent-Length: 100\r\n\r\n{"sid": '

    def answer(request: bytes, n: int) -> bytes | None:
        return truncated

    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(truncated)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(cut, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = HttpPool()
    with pytest.raises(ConnectionError):
        await pool.request("POST", f"http://127.0.0.1:{port}/m", b"a=1")
    assert pool.connections() == 0
    server.close()
    await pool.close()


async def test_garbage_is_a_connection_error() -> None:
    async with serving(lambda request, n: b"SMTP READY\r\n\r\n") as server:
        pool = HttpPool()
        with pytest.raises(ConnectionError):
            await pool.request("GET", f"http://127.0.0.1:{server.port}/x")
        await pool.close()


async def test_a_cancelled_request_drops_its_connection_and_frees_its_place() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if b"/hang" in head:
                await asyncio.sleep(10)
            writer.write(ok())
            await writer.drain()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = HttpPool(limit=1)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await pool.request("GET", f"http://127.0.0.1:{port}/hang")
    assert pool.connections() == 0
    assert (await pool.request("GET", f"http://127.0.0.1:{port}/after")).status == 201
    await pool.close()
    server.close()


async def test_unreachable_and_bad_urls() -> None:
    pool = HttpPool()
    with pytest.raises(OSError):
        await pool.request("GET", "http://127.0.0.1:1/nothing-listens")
    with pytest.raises(ValueError, match="not an http"):
        await pool.request("GET", "ftp://example.org/")
    assert pool.connections() == 0


async def test_tls_checks_the_certificate() -> None:
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(server_context)
    async with serving(lambda request, n: ok(b"secret"), tls=server_context) as server:
        trusting = ssl.create_default_context()
        authority.configure_trust(trusting)
        pool = HttpPool(ssl_context=trusting)
        answer = await pool.request("POST", f"https://127.0.0.1:{server.port}/m", b"a=1")
        assert (answer.status, answer.body) == (201, b"secret")
        await pool.close()
        stranger = HttpPool()  # the system's trust store: does not know this authority
        with pytest.raises(ssl.SSLCertVerificationError):
            await stranger.request("POST", f"https://127.0.0.1:{server.port}/m", b"a=1")
        await stranger.close()


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=20),
        st.one_of(st.text(max_size=200), st.integers(), st.lists(st.text(max_size=30), max_size=3)),
        max_size=6,
    )
)
def test_form_encoding_is_urllibs(data: dict[str, object]) -> None:
    assert form_encode(data) == urlencode(data, doseq=True).encode()
