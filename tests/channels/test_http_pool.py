"""The HTTP transport under the twilio client (`mobilize.channels.http`, aiohttp) against scripted servers:
connection reuse and the pool limit, the answer-size cap, a cut answer (in doubt) against a refused
connection (a plain retry), TLS with a certificate it must check, and the cases a hand-written client got
wrong: CR/LF in a header value, a `100 Continue` before the answer, a HEAD answered with a Content-Length."""

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

from mobilize.channels.base import OutgoingSms
from mobilize.channels.http import AnswerLost, HttpClient, NotSent, form_encode
from mobilize.channels.sms import TwilioSmsSender
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, free_port

Answer = Callable[[bytes, int], bytes | None]  # (request, its number on the connection) -> raw answer, None: close
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def ok(body: bytes = b'{"ok": true}', extra: str = "", status: str = "201 Created") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


class Scripted:
    """An HTTP server that reads whole requests and answers each with the raw bytes `answer` gives (None:
    close without a word); it counts connections, and the most open at once."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.open = 0
        self.most_open = 0
        self.requests: list[bytes] = []
        self.port = 0
        self.pause = 0.0  # seconds before each answer, so concurrent requests overlap
        self.close_after_answer = False

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)
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
                if self.pause:
                    await asyncio.sleep(self.pause)
                writer.write(raw)
                await writer.drain()
                if self.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open -= 1
            writer.close()

    def url(self, path: str = "/m", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def bodies(self) -> list[bytes]:
        return [request.partition(b"\r\n\r\n")[2] for request in self.requests]


@asynccontextmanager
async def serving(answer: Answer, tls: ssl.SSLContext | None = None) -> AsyncIterator[Scripted]:
    scripted = Scripted(answer)
    server = await asyncio.start_server(scripted.handle, "127.0.0.1", 0, ssl=tls)
    scripted.port = server.sockets[0].getsockname()[1]
    try:
        yield scripted
    finally:
        server.close()


@asynccontextmanager
async def client(**options: object) -> AsyncIterator[HttpClient]:
    http = HttpClient(**options)  # type: ignore[arg-type]
    try:
        yield http
    finally:
        await http.close()


# ---- reuse, limit, well-formed requests ------------------------------------------------------------------


async def test_keeps_connections_alive_and_sends_one_well_formed_request() -> None:
    async with serving(lambda request, n: ok()) as server, client() as http:
        for _ in range(3):
            answer = await http.request("POST", server.url("/2010-04-01/Messages.json?x=1"), b"To=%2B1&Body=hi", FORM)
            assert answer.status == 201
            assert answer.body == b'{"ok": true}'
            assert answer.headers["content-type"] == "application/json"
        empty = await http.request("POST", server.url("/empty"))
        assert empty.status == 201
    assert server.connections == 1
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /2010-04-01/Messages.json?x=1 HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}".encode() in lines
    assert b"Content-Length: 15" in lines and b"Content-Type: application/x-www-form-urlencoded" in lines
    assert b"Accept-Encoding: identity" in lines  # answers come uncompressed
    assert not [line for line in lines if line.lower().startswith(b"cookie")]
    assert body == b"To=%2B1&Body=hi"
    assert b"Content-Length: 0" in server.requests[3].split(b"\r\n")  # an empty POST still says how long it is


async def test_concurrent_requests_stay_within_the_connection_limit() -> None:
    async with serving(lambda request, n: ok()) as server, client(limit=4) as http:
        server.pause = 0.01
        answers = await asyncio.gather(*(http.request("GET", server.url(f"/n{i}")) for i in range(50)))
        assert [a.status for a in answers] == [201] * 50
    assert len(server.requests) == 50
    assert server.most_open == 4 and server.connections == 4  # all four used, none beyond, each reused


async def test_reads_chunked_and_close_delimited_answers() -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    async with serving(lambda request, n: chunked) as server, client() as http:
        answer = await http.request("GET", server.url("/c"))
        assert (answer.status, answer.body) == (200, b"hello world")

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nthe whole answer")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(once, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with client() as http:
        answer = await http.request("GET", f"http://127.0.0.1:{port}/eof")
        assert (answer.status, answer.body) == (200, b"the whole answer")
    server.close()


# ---- what the hand-written client got wrong --------------------------------------------------------------


async def test_a_cr_or_lf_in_a_header_value_is_refused_before_anything_is_written() -> None:
    async with serving(lambda request, n: ok()) as server, client() as http:
        for value in ("a\r\nX-Injected: 1", "a\nX-Injected: 1", "a\rb"):
            with pytest.raises(ValueError, match="control character"):
                await http.request("POST", server.url(), b"a=1", {"X-Note": value})
        assert (await http.request("POST", server.url(), b"a=2", {"X-Note": "plain"})).status == 201
    assert server.bodies() == [b"a=2"]
    assert not any(b"X-Injected" in request for request in server.requests)


async def test_a_100_continue_is_not_taken_for_the_answer() -> None:
    """An interim 100 before the real answer: the request gets the real answer, and the next request on the
    connection gets its own, not the one left over from the first."""

    def answer(request: bytes, n: int) -> bytes:
        if n == 1:
            return b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b'{"sid": "first"}')
        return ok(b'{"sid": "second"}')

    async with serving(answer) as server, client() as http:
        first = await http.request("POST", server.url(), b"a=1", FORM)
        second = await http.request("POST", server.url(), b"a=2", FORM)
    assert (first.status, first.body) == (201, b'{"sid": "first"}')
    assert (second.status, second.body) == (201, b'{"sid": "second"}')
    assert server.connections == 1 and server.bodies() == [b"a=1", b"a=2"]


async def test_a_head_answered_with_a_content_length_does_not_wait_for_a_body() -> None:
    def answer(request: bytes, n: int) -> bytes:
        if request.startswith(b"HEAD"):  # the length of what a GET would return, and no body (RFC 9110, 9.3.2)
            return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n"
        return ok(b'{"after": true}')

    async with serving(answer) as server, client(max_answer=1000) as http:
        async with asyncio.timeout(2):
            head = await http.request("HEAD", server.url("/h"))
            after = await http.request("GET", server.url("/g"))
    assert (head.status, head.body, head.headers["content-length"]) == (200, b"", "5000000")
    assert (after.status, after.body) == (201, b'{"after": true}')
    assert server.connections == 1  # the connection stayed in step


async def test_answers_over_the_size_cap_are_not_read() -> None:
    big = b"x" * 5000
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"400\r\n" + b"y" * 1024 + b"\r\n"
    answers = {
        b"/length": ok(big),
        b"/chunked": chunked * 3 + b"0\r\n\r\n",
        b"/header": ok(extra=f"X-Long: {'z' * 10_000}\r\n"),  # over aiohttp's 8,190 bytes a line
        b"/many": ok(extra="".join(f"X-{i}: {i}\r\n" for i in range(200))),  # over its 128 fields
        b"/small": ok(b"fits"),
    }

    def answer(request: bytes, n: int) -> bytes:
        return answers[request.split(b" ")[1]]

    async with serving(answer) as server, client(max_answer=2000) as http:
        for path in ("/length", "/chunked", "/header", "/many"):
            with pytest.raises(AnswerLost):
                await http.request("POST", server.url(path), b"a=1")
        assert (await http.request("POST", server.url("/small"), b"a=1")).body == b"fits"
    assert len(server.requests) == 5  # each sent once: the caller decides what a lost answer means


# ---- sent or not: in doubt, or a plain retry ------------------------------------------------------------


async def test_a_cut_answer_is_lost_and_a_refused_connection_is_not_sent() -> None:
    cut = b'HTTP/1.1 201 Created\r\nContent-Length: 100\r\n\r\n{"sid": '

    async def cutting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(cut)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(cutting, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with client() as http:
        with pytest.raises(AnswerLost):
            await http.request("POST", f"http://127.0.0.1:{port}/m", b"a=1")
        with pytest.raises(NotSent):
            await http.request("POST", f"http://127.0.0.1:{free_port()}/m", b"a=1")
        with pytest.raises(ValueError, match="not an http"):
            await http.request("GET", "ftp://example.org/")
    server.close()


async def test_garbage_is_a_lost_answer() -> None:
    async with serving(lambda request, n: b"SMTP READY\r\n\r\n") as server, client() as http:
        with pytest.raises(AnswerLost):
            await http.request("POST", server.url(), b"a=1")


async def test_the_twilio_sender_marks_a_cut_answer_in_doubt_and_a_refused_connection_a_plain_retry() -> None:
    cut = b'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"sid": "SM'
    async with serving(lambda request, n: cut) as server:
        server.close_after_answer = True  # the connection ends mid-answer
        sender = TwilioSmsSender(
            ACCOUNT_SID, AUTH_TOKEN, from_number="+15005550006", api_base_url=server.url(""), timeout=5
        )
        try:
            result = await sender.send(OutgoingSms("+13125550001", "hello", "7"))
        finally:
            await sender.close()
    assert not result.ok and result.retryable and result.in_doubt and "did not answer" in result.error
    assert "AnswerLost" in result.error  # the cut itself, not the sender's timeout
    assert len(server.requests) == 1 and b"/Messages.json" in server.requests[0]
    nobody = TwilioSmsSender(
        ACCOUNT_SID, AUTH_TOKEN, from_number="+15005550006", api_base_url=f"http://127.0.0.1:{free_port()}"
    )
    try:
        result = await nobody.send(OutgoingSms("+13125550001", "hello", "8"))
    finally:
        await nobody.close()
    assert not result.ok and result.retryable and not result.in_doubt and "unreachable" in result.error


async def test_a_kept_alive_connection_the_server_closed_without_answering() -> None:
    """The server closes a reused connection instead of answering (an idle timeout crossing the request): a
    POST is not sent again (it may have been acted on), a GET is, once, on a new connection."""
    async with serving(lambda request, n: ok() if n == 1 else None) as server, client() as http:
        assert (await http.request("POST", server.url(), b"b=1")).status == 201
        with pytest.raises(AnswerLost):
            await http.request("POST", server.url(), b"b=2")
        assert server.bodies().count(b"b=2") == 1
        assert (await http.request("GET", server.url("/list?c=1"))).status == 201
        assert (await http.request("GET", server.url("/list?c=2"))).status == 201
    assert sum(b"?c=2" in request for request in server.requests) == 2


async def test_a_cancelled_request_frees_its_place() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if b"/hang" in head:
                    await asyncio.sleep(10)
                writer.write(ok())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with client(limit=1) as http:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await http.request("GET", f"http://127.0.0.1:{port}/hang")
        async with asyncio.timeout(2):
            assert (await http.request("GET", f"http://127.0.0.1:{port}/after")).status == 201
    server.close()


# ---- TLS ------------------------------------------------------------------------------------------------


async def test_tls_checks_the_certificate() -> None:
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(server_context)
    async with serving(lambda request, n: ok(b"secret"), tls=server_context) as server:
        trusting = ssl.create_default_context()
        authority.configure_trust(trusting)
        async with client(ssl_context=trusting) as http:
            for _ in range(2):
                answer = await http.request("POST", server.url(scheme="https"), b"a=1")
                assert (answer.status, answer.body) == (201, b"secret")
        assert server.connections == 1
        async with client() as stranger:  # the system's trust store: does not know this authority
            with pytest.raises(NotSent, match="(?i)certificate verify failed"):
                await stranger.request("POST", server.url(scheme="https"), b"a=1")
    assert server.bodies() == [b"a=1", b"a=1"]  # the refused one never went out


# ---- the form -------------------------------------------------------------------------------------------


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=20),
        st.one_of(st.text(max_size=200), st.integers(), st.lists(st.text(max_size=30), max_size=3)),
        max_size=6,
    )
)
def test_form_encoding_is_urllibs(data: dict[str, object]) -> None:
    assert form_encode(data) == urlencode(data, doseq=True).encode()
