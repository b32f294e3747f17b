"""A local HTTP server speaking Twilio's Messages API as the real twilio client calls it.

`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded, HTTP Basic auth (account SID and auth
token), answering 201 with a message resource shaped like Twilio's. Every accepted message is kept in
`messages`; tests script failures: the next N requests answer 429 or 500 (`fail_next`), every request answers
one of them until a moment (`fail_until`), or a given To answers 400 with a Twilio error code (`fail_to`).
`GET .../Messages.json?To=` lists accepted messages newest first, as Twilio pages them. Runs with uvicorn in
the test's own event loop, or in a process of its own (`python -m tests.fakes.twilio_server PORT`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import secrets
import socket
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ACCOUNT_SID = "AC" + "a1" * 16
AUTH_TOKEN = "fake-twilio-auth-token-0123456789"

# Twilio's own wording for the errors the tests script.
ERRORS: dict[int, tuple[int, str]] = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
    21211: (400, "Invalid 'To' Phone Number"),
    21602: (400, "Message body is required."),
    21604: (400, "A 'To' phone number is required."),
    21606: (400, "The 'From' phone number provided is not a valid message-capable Twilio phone number."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
    21635: (400, "'To' number cannot be a landline"),
}


def error_response(code: int) -> JSONResponse:
    status, message = ERRORS[code]
    return JSONResponse(
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
        status_code=status,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class FakeTwilio:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    port: int = 0
    messages: list[dict[str, str]] = field(default_factory=list)  # accepted: the form fields plus "Sid"
    requests: int = 0  # every request that reached the Messages endpoint, accepted or not
    fail_next: list[int] = field(default_factory=list)  # HTTP statuses (429, 500) for the next requests, in order
    fail_to: dict[str, int] = field(default_factory=dict)  # To -> Twilio error code (21610, 21211, 21614, ...)
    fail_until: float = 0.0  # time.time() before which every request fails with `fail_status`
    fail_status: int = 500
    delay: float = 0.0  # seconds each accepted message takes (to have sends in flight)
    answer_delay: float = 0.0  # seconds between accepting a message and answering (a lost answer)
    _by_to: dict[str, list[dict[str, str]]] = field(default_factory=dict, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next_requests(self, count: int, status: int = 429) -> None:
        self.fail_next.extend([status] * count)

    def references(self) -> Counter[str]:
        """How many times each of our message ids (the `ref` of the StatusCallback) was accepted."""
        return Counter(m.get("StatusCallback", "").rpartition("ref=")[2] for m in self.messages)

    def _authorized(self, request: Request) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return secrets.compare_digest(user, self.account_sid) and secrets.compare_digest(password, self.auth_token)

    async def create_message(self, request: Request) -> JSONResponse:
        self.requests += 1
        if not self._authorized(request):
            return error_response(20003)
        if request.path_params["account_sid"] != self.account_sid:
            return error_response(20404)
        if self.fail_next:
            return error_response(20429 if self.fail_next.pop(0) == 429 else 20500)
        if time.time() < self.fail_until:
            return error_response(20429 if self.fail_status == 429 else 20500)
        # Twilio's own form encoding (no files): parse_qsl costs a fraction of a multipart form parser.
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        to = form.get("To", "")
        if not to:
            return error_response(21604)
        if not form.get("Body"):
            return error_response(21602)
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return error_response(21606)
        if to in self.fail_to:
            return error_response(self.fail_to[to])
        if self.delay:
            await asyncio.sleep(self.delay)
        sid = "SM" + secrets.token_hex(16)
        self.messages.append({**form, "Sid": sid, "Created": str(time.time())})
        self._by_to.setdefault(to, []).append(self.messages[-1])
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        return JSONResponse(self._resource(self.messages[-1]), status_code=201)

    def _resource(self, stored: dict[str, str]) -> dict[str, Any]:
        sid = stored["Sid"]
        created = formatdate(float(stored["Created"]), usegmt=True)
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": stored["Body"],
            "date_created": created,
            "date_sent": None,
            "date_updated": created,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": stored.get("From"),
            "messaging_service_sid": stored.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            # With a Messaging Service, Twilio answers "accepted" until it has picked a sender.
            "status": "accepted" if stored.get("MessagingServiceSid") and not stored.get("From") else "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": stored["To"],
            "uri": f"{uri}.json",
        }

    async def list_messages(self, request: Request) -> JSONResponse:
        """One page, newest first, optionally only those to `To` (what the client's list_async reads)."""
        if not self._authorized(request):
            return error_response(20003)
        to = request.query_params.get("To")
        size = min(1000, int(request.query_params.get("PageSize", "50")))
        found = list(reversed(self.messages if to is None else self._by_to.get(to, [])))[:size]
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json?PageSize={size}&Page=0"
        return JSONResponse(
            {
                "messages": [self._resource(m) for m in found],
                "end": max(0, len(found) - 1),
                "first_page_uri": uri,
                "next_page_uri": None,
                "page": 0,
                "page_size": size,
                "previous_page_uri": None,
                "start": 0,
                "uri": uri,
            }
        )

    async def messages_endpoint(self, request: Request) -> JSONResponse:
        return await (self.create_message(request) if request.method == "POST" else self.list_messages(request))

    async def counts(self, request: Request) -> JSONResponse:
        """Not Twilio's: what a fake in another process accepted (messages, and our ids seen more than once)."""
        refs = self.references()
        return JSONResponse({"messages": len(self.messages), "duplicates": sum(n - 1 for n in refs.values() if n > 1)})

    async def reset(self, request: Request) -> Response:
        """Not Twilio's: forget what was accepted (a benchmark's next phase)."""
        self.messages.clear()
        self._by_to.clear()
        self.requests = 0
        return Response(status_code=204)

    def app(self) -> Starlette:
        path = "/2010-04-01/Accounts/{account_sid}/Messages.json"
        return Starlette(
            routes=[
                Route(path, self.messages_endpoint, methods=["GET", "POST"]),
                Route("/_fake/counts", self.counts, methods=["GET"]),
                Route("/_fake/reset", self.reset, methods=["POST"]),
            ]
        )


@asynccontextmanager
async def running(fake: FakeTwilio | None = None) -> AsyncIterator[FakeTwilio]:
    """Serve the fake on a free port in the current event loop for the duration of the block."""
    fake = fake or FakeTwilio()
    fake.port = fake.port or free_port()
    config = uvicorn.Config(
        fake.app(), host="127.0.0.1", port=fake.port, log_level="warning", lifespan="off", ws="none", http="httptools"
    )
    server = uvicorn.Server(config)
    task: asyncio.Task[Any] = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises why it could not start
        await asyncio.sleep(0.01)
    try:
        yield fake
    finally:
        server.should_exit = True
        await task


if __name__ == "__main__":  # a fake in a process of its own (the benchmark): python -m tests.fakes.twilio_server PORT
    uvicorn.run(
        FakeTwilio(port=int(sys.argv[1])).app(),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        lifespan="off",
        access_log=False,
    )
