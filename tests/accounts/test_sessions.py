"""Organizer sessions are server-side rows and can be ended: logging out ends this one, a password change
every other one, a reset and "sign out everywhere" all of them, even for a browser holding a copy of the
signed cookie."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from mobilize.models import Membership, OrganizerSession, Role
from mobilize.services.accounts.organizers import authenticate_password
from tests.accounts.test_onboarding import emailed_link
from tests.conftest import PUBLIC
from tests.factories import make_group, make_organizer
from tests.web.test_dashboard import PASSWORD, login, post
from tests.web.test_pages import csrf_from

COOKIE = "mobilize_session"


@asynccontextmanager
async def browser(app: Any, cookies: dict[str, str] | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser on the same app (with, if given, a copy of someone's cookies)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC, cookies=cookies) as c:
        yield c


async def lead(**kw: Any) -> tuple[Membership, str]:
    """An organizer and their email (a fresh one each time: the session app's login limits count per
    account and address, over the whole run)."""
    membership, _ = await make_organizer(**kw)
    await membership.fetch_related("organizer")
    return membership, membership.organizer.email


async def logged_in_browser(app: Any, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC)
    assert (await login(client, email)).status_code == 303
    return client


async def in_dashboard(client: httpx.AsyncClient) -> bool:
    r = await client.get("/dashboard/")
    assert r.status_code in (200, 303)
    return r.status_code == 200


def cookie_session(client: httpx.AsyncClient) -> dict[str, Any]:
    """What the signed session cookie holds (base64 JSON, then the signature)."""
    data = client.cookies[COOKIE].split(".")[0]
    return dict(json.loads(base64.b64decode(data + "=" * (-len(data) % 4))))


async def test_logging_out_ends_the_session_for_a_copy_of_the_cookie_too(client: httpx.AsyncClient, app: Any) -> None:
    membership, email = await lead()
    assert (await login(client, email)).status_code == 303
    token = cookie_session(client)["sid"]
    [row] = await OrganizerSession.filter(organizer_id=membership.organizer_id)
    # hashed at rest: the database alone logs no one in
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    async with browser(app, {COOKIE: client.cookies[COOKIE]}) as thief:
        assert await in_dashboard(thief)  # a copy of the cookie works while the session lives
        assert (await post(client, "/logout", {})).status_code == 303
        assert not await in_dashboard(thief)
        assert not await in_dashboard(client)
    assert await OrganizerSession.filter(organizer_id=membership.organizer_id).count() == 0


async def test_a_password_change_ends_every_other_session(client: httpx.AsyncClient, app: Any) -> None:
    membership, email = await lead()
    other, _ = await make_organizer()
    await other.fetch_related("organizer")
    laptop = await logged_in_browser(app, email)
    someone_else = await logged_in_browser(app, other.organizer.email)
    try:
        assert (await login(client, email)).status_code == 303
        page = await client.get("/dashboard/account")
        assert page.status_code == 200 and email in page.text and "(this browser)" in page.text
        assert 'href="/dashboard/account"' in page.text  # in the nav
        assert page.text.count("<tr>") == 3  # the header and two sessions
        form, change = "/dashboard/account", "/dashboard/account/password"
        r = await post(client, change, {"current_password": "wrong", "password": "a brand new password"}, form)
        assert r.status_code == 422 and "not your current password" in r.text
        r = await post(client, change, {"current_password": PASSWORD, "password": "short"}, form)
        assert r.status_code == 422 and "at least 10 characters" in r.text
        assert await in_dashboard(laptop)  # nothing changed yet
        r = await post(client, change, {"current_password": PASSWORD, "password": "a brand new password"}, form)
        assert r.status_code == 303
        assert "1 other session(s) signed out" in (await client.get(r.headers["location"])).text
        assert await in_dashboard(client)  # this session stays
        assert not await in_dashboard(laptop)
        assert await in_dashboard(someone_else)  # another organizer's sessions are theirs
        assert await authenticate_password(email, "a brand new password") is not None
        assert await authenticate_password(email, PASSWORD) is None
    finally:
        await laptop.aclose()
        await someone_else.aclose()


async def test_a_password_reset_ends_every_session(client: httpx.AsyncClient, app: Any) -> None:
    membership, email = await lead()
    laptop = await logged_in_browser(app, email)
    phone = await logged_in_browser(app, email)
    try:
        token = await csrf_from(client, "/password-reset")
        await client.post("/password-reset", data={"email": email, "csrf_token": token})
        page = await client.get(await emailed_link(app, email))
        reset_token = re.search(r'name="token" value="([^"]+)"', page.text)
        assert reset_token
        data = {"token": reset_token.group(1), "password": "brand new password", "csrf_token": token}
        assert (await client.post("/password-reset/choose", data=data)).status_code == 303
        assert not await in_dashboard(laptop)
        assert not await in_dashboard(phone)
        assert await OrganizerSession.filter(organizer_id=membership.organizer_id).count() == 0
        assert (await login(laptop, email, "brand new password")).status_code == 303
        assert await in_dashboard(laptop)
    finally:
        await laptop.aclose()
        await phone.aclose()


async def test_sign_out_everywhere(client: httpx.AsyncClient, app: Any) -> None:
    membership, email = await lead()
    phone = await logged_in_browser(app, email)
    try:
        assert (await login(client, email)).status_code == 303
        r = await post(client, "/dashboard/account/sign-out-everywhere", {}, "/dashboard/account")
        assert r.status_code == 303 and r.headers["location"] == "/login?signed_out=1"
        assert "signed out everywhere" in (await client.get(r.headers["location"])).text
        assert not await in_dashboard(client)
        assert not await in_dashboard(phone)
        assert await OrganizerSession.filter(organizer_id=membership.organizer_id).count() == 0
    finally:
        await phone.aclose()


async def test_accepting_an_invitation_with_a_new_password_ends_the_old_sessions(
    client: httpx.AsyncClient, app: Any
) -> None:
    """An invitation to someone who already organizes elsewhere sets their password anew: their other
    sessions end, as with any password change."""
    owner, owner_email = await lead(org="nurses")
    _, email = await lead(org="teachers", role=Role.ORGANIZER)
    await make_group(owner, slug="ward-4")
    laptop = await logged_in_browser(app, email)
    try:
        assert (await login(client, owner_email)).status_code == 303
        form = {"email": email, "role": "organizer"}
        assert (await post(client, "/dashboard/invitations", form, "/dashboard/invitations")).status_code == 303
        accept_page = await emailed_link(app, email)
        await post(client, "/logout", {})
        token = await csrf_from(client, accept_page)
        data = {"name": "Lee", "password": "a long new password", "csrf_token": token}
        assert (await client.post(accept_page, data=data)).status_code == 303
        assert await in_dashboard(client)  # the new session
        assert not await in_dashboard(laptop)
        assert await Membership.filter(organizer__email=email).count() == 2
    finally:
        await laptop.aclose()


async def test_a_session_unused_for_two_weeks_is_over(client: httpx.AsyncClient) -> None:
    membership, email = await lead()
    assert (await login(client, email)).status_code == 303
    await OrganizerSession.filter(organizer_id=membership.organizer_id).update(
        last_seen_at=datetime.now(UTC) - timedelta(days=15)
    )
    assert not await in_dashboard(client)
    assert await OrganizerSession.filter(organizer_id=membership.organizer_id).count() == 0


async def test_a_cookie_from_before_server_side_sessions_logs_no_one_in(app: Any) -> None:
    """The old cookie named the organizer and membership only: it no longer stands for a session."""
    from itsdangerous import TimestampSigner

    membership, email = await lead()
    payload = {"organizer": membership.organizer_id, "membership": membership.id}
    data = base64.b64encode(json.dumps(payload).encode())
    forged = TimestampSigner(str(app.state.settings.secret)).sign(data).decode()
    async with browser(app, {COOKIE: forged}) as old:
        assert not await in_dashboard(old)
