"""Tokens in URLs do not reach the access log: the app run by a real uvicorn process (as `mobilize serve` and
as the Procfile's `uvicorn mobilize.app:create_app --factory`), its log read back."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import sys
from pathlib import Path

import httpx
import pytest

from mobilize.web.access_log import REDACTED, RedactSecrets
from mobilize.web.routes import routes

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def command(how: str, port: int) -> list[str]:
    if how == "mobilize serve":
        return [sys.executable, "-m", "mobilize.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return [
        sys.executable, "-m", "uvicorn", "mobilize.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip


@pytest.mark.parametrize("how", ["mobilize serve", "uvicorn --factory"])
async def test_secret_tokens_in_paths_and_queries_are_redacted(migrated: str, tmp_path: Path, how: str) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {
        "DATABASE_URL": migrated,
        "PUBLIC_BASE_URL": base,
        "SECRET_KEY": "access-log-test-secret",
        "OUTBOX_SWEEP_SECONDS": "0",
        "LOG_LEVEL": "info",  # the access log is on at info
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "uvicorn.log"
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(*command(how, port), cwd=ROOT, env=env, stdout=log, stderr=log)
    secret = {name: secrets.token_urlsafe(24) for name in ("page", "drop", "feed", "invite", "checkin", "reset")}
    visits = [
        f"/signups/{secret['page']}",
        f"/signups/{secret['drop']}/drop/12",
        f"/feeds/volunteers/{secret['feed']}.ics",
        f"/invitations/{secret['invite']}",
        f"/checkin/7-{secret['checkin']}",
        f"/password-reset/choose?token={secret['reset']}&lang=en",
        "/events/424242",  # nothing secret: logged as it is
    ]
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            for _ in range(150):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the app did not start under uvicorn:\n" + log_path.read_text(errors="replace"))
            for path in visits:
                await client.get(path)
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), timeout=10)
    written = log_path.read_text(errors="replace")  # uvicorn writes a request's line as its answer starts
    assert '"GET /events/424242 HTTP/1.1" 404' in written  # the access log is on and reached the file
    for token in secret.values():
        assert token not in written
    for shown in (
        f'"GET /signups/{REDACTED} HTTP/1.1"',
        f'"GET /signups/{REDACTED}/drop/12 HTTP/1.1"',
        f'"GET /feeds/volunteers/{REDACTED}.ics HTTP/1.1"',
        f'"GET /invitations/{REDACTED} HTTP/1.1"',
        f'"GET /checkin/{REDACTED} HTTP/1.1"',
        f'"GET /password-reset/choose?token={REDACTED}&lang=en HTTP/1.1"',
    ):
        assert shown in written, written


def test_the_filter_covers_every_token_route_and_secret_query() -> None:
    """Every `{...:token}` of the routing table is covered, whatever the value; other paths pass as they are."""
    redactor = RedactSecrets(routes)
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/signups/not.a%00token/confirm/3?key=abc&page=2", "1.1", 404), None,
    )  # fmt: skip
    assert redactor.filter(record)
    assert record.getMessage() == (
        f'127.0.0.1:5000 - "GET /signups/{REDACTED}/confirm/3?key={REDACTED}&page=2 HTTP/1.1" 404'
    )
    assert redactor.redact("/feeds/events/3.ics?campaign=x") == "/feeds/events/3.ics?campaign=x"
    assert redactor.redact("/feeds/volunteers/abc") == f"/feeds/volunteers/{REDACTED}"
    covered = {p.pattern.split("(?P<secret>")[0] for p in redactor.patterns}
    # the unlisted events' share tokens (page, feed, public sign-up) too: the link is what keeps them unlisted
    assert covered == {
        "^/signups/", "^/invitations/", "^/checkin/", "^/feeds/volunteers/", "^/events/[^/]+?\\-",
        "^/feeds/events/[^/]+?\\-", "^/api/v1/public/events/[^/]+?\\-",
        "^/host/confirm/", "^/host/events/",  # a volunteer host's confirmation link and private page
    }  # fmt: skip
    assert redactor.redact("/events/12-SeCrEt/signup") == f"/events/12-{REDACTED}/signup"
    assert redactor.redact("/events/12") == "/events/12"
