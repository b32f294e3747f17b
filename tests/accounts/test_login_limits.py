"""Login throttling: per account and address pair, with a slower per-account ceiling that guesses from many
addresses cannot turn into a lockout of the owner's own browser; and, with REDIS_URL set but Redis
unreachable, login refuses (503) rather than allowing unlimited guesses."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from mobilize.app import create_app
from mobilize.services.ratelimit import MemoryLimiter
from mobilize.settings import ConfigurationError, load_settings
from tests.conftest import PUBLIC, make_settings
from tests.factories import make_organizer
from tests.web.test_dashboard import PASSWORD
from tests.web.test_pages import csrf_from

T0 = 1_800_000_000 // 3600 * 3600 + 10  # the limiter's clock, early in an hour (so in every window)
PAIR, CEILING = 3, 8  # small limits, so the walk needs few password checks (argon2 is slow on purpose)


@asynccontextmanager
async def started(application: Any) -> AsyncIterator[Any]:
    async with application.router.lifespan_context(application):
        yield application


@asynccontextmanager
async def browser(
    application: Any, address: str, cookies: httpx.Cookies | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser on `address` (the app sees it as the client's address)."""
    transport = httpx.ASGITransport(app=application, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC, cookies=cookies) as client:
        yield client


async def attempt(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    token = await csrf_from(client, "/login")
    return await client.post("/login", data={"email": email, "password": password, "csrf_token": token})


async def an_owner() -> str:
    membership, _ = await make_organizer(email=f"owner-{secrets.token_hex(4)}@example.org")
    await membership.fetch_related("organizer")
    return membership.organizer.email


async def test_guesses_from_many_addresses_do_not_lock_the_owner_out(migrated: str) -> None:
    limits = {"LOGIN_RATE_LIMIT": f"{PAIR}/5minutes", "LOGIN_RATE_LIMIT_ACCOUNT": f"{CEILING}/hour"}
    application = create_app(make_settings(migrated, **limits), manage_db=False)
    async with started(application):
        application.state.limiter = MemoryLimiter(clock=lambda: T0)  # the app's limiter, on the test's clock
        email = await an_owner()
        async with browser(application, "198.51.100.7") as owner:
            assert (await attempt(owner, email, PASSWORD)).status_code == 303  # their usual browser
            await owner.post("/logout", data={"csrf_token": await csrf_from(owner, "/login")})
            owner_cookies = owner.cookies

        # One address: PAIR tries at this account, then 429 (another account from there still works).
        async with browser(application, "203.0.113.1") as guesser:
            answers = [(await attempt(guesser, email, "wrong guess")).status_code for _ in range(PAIR + 1)]
            assert answers == [422] * PAIR + [429]
            refused = await attempt(guesser, email, PASSWORD)  # even the right password: the pair is over
            assert refused.status_code == 429 and "Too many attempts" in refused.text
            assert 1 <= int(refused.headers["retry-after"]) <= 300
            other = await an_owner()
            assert (await attempt(guesser, other, PASSWORD)).status_code == 303

        # Many addresses, a few guesses each, until the account's ceiling.
        statuses = []
        for n in range(CEILING):
            async with browser(application, f"192.0.2.{n + 2}") as guesser:
                statuses.append((await attempt(guesser, email, "wrong guess")).status_code)
        # the owner's own first login and the first address's PAIR tries count towards the ceiling too
        assert statuses == [422] * (CEILING - PAIR - 1) + [429] * (PAIR + 1)
        async with browser(application, "192.0.2.250") as stranger:
            assert (await attempt(stranger, email, PASSWORD)).status_code == 429  # a new browser waits

        # The owner's browser is not held to the ceiling: from home, and from a new address.
        for address in ("198.51.100.7", "100.64.0.9"):
            async with browser(application, address, owner_cookies) as owner:
                assert (await attempt(owner, email, PASSWORD)).status_code == 303
                assert (await owner.get("/dashboard/")).status_code == 200

        # A copy of the owner's device cookie, used from many addresses, is held to the pair's rate in all
        # (the owner's two logins above counted already).
        statuses = []
        for n in range(PAIR):
            async with browser(application, f"100.64.1.{n + 1}", owner_cookies) as thief:
                statuses.append((await attempt(thief, email, "wrong guess")).status_code)
        assert statuses == [422] * (PAIR - 2) + [429] * 2

        # A device cookie signed with another key (or for another account) counts for nothing.
        async with browser(application, "192.0.2.251") as forger:
            forger.cookies.set("mobilize_device", owner_cookies["mobilize_device"] + "x", domain="testserver")
            assert (await attempt(forger, email, PASSWORD)).status_code == 429


class Proxy:
    """A TCP proxy in front of the test Redis, which the test can cut off as if Redis went down."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._pipe, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers |= {writer, up_writer}

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))

    async def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.transport.abort()
        await self.server.wait_closed()


async def test_login_fails_closed_when_redis_is_unreachable(migrated: str, redis_url: str) -> None:
    parts = urlsplit(redis_url)
    proxy = Proxy((parts.hostname or "127.0.0.1", parts.port or 6379))
    port = await proxy.start()
    settings = make_settings(migrated, REDIS_URL=f"redis://127.0.0.1:{port}{parts.path or '/0'}")
    application = create_app(settings, manage_db=False)
    email = await an_owner()
    async with started(application):
        address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
        async with browser(application, address) as client:
            assert (await attempt(client, email, PASSWORD)).status_code == 303  # counted in Redis
            change = {"current_password": "a guess", "password": "a brand new password"}
            change["csrf_token"] = await csrf_from(client, "/dashboard/account")
            assert (await client.post("/dashboard/account/password", data=change)).status_code == 422
            await proxy.cut()
            # a session cannot guess the current password either
            r = await client.post("/dashboard/account/password", data=change)
            assert r.status_code == 503 and "Password changes are paused" in r.text
            await client.post("/logout", data={"csrf_token": change["csrf_token"]})
            for password in ("wrong guess", PASSWORD):
                r = await attempt(client, email, password)
                assert r.status_code == 503, r.text
                assert "Logging in is paused" in r.text and "cannot be counted" in r.text
                assert int(r.headers["retry-after"]) > 0
            assert (await client.get("/dashboard/")).status_code == 303  # nobody got in


async def test_without_redis_the_in_process_limits_still_count(app: Any) -> None:
    """No REDIS_URL (the session app): the in-memory limiter counts per account and address. Twice the
    limit of tries, so a window ending half-way cannot hide the refusal."""
    assert isinstance(app.state.limiter, MemoryLimiter)
    email = await an_owner()
    async with browser(app, "203.0.113.50") as guesser:
        answers = [(await attempt(guesser, email, "wrong guess")).status_code for _ in range(2 * 10 + 1)]
    assert answers[0] == 422 and 429 in answers


def test_rate_limit_settings_name_a_count_and_a_period() -> None:
    settings = load_settings({"LOGIN_RATE_LIMIT": "10/5minutes", "CHECKIN_RATE_LIMIT": "7/hour"})
    assert settings.login_rate_pair == (10, 300) and settings.checkin_rate == (7, 3600)
    assert load_settings({}).login_rate_account == (50, 3600)
    for bad in ("10/fortnight", "0/minute", "10/0minutes", "ten/minute"):
        with pytest.raises(ConfigurationError):
            load_settings({"LOGIN_RATE_LIMIT": bad})
