"""Invitations by email link with a role, and password resets by email link, through the outbox."""

from __future__ import annotations

import re
from typing import Any

import httpx

from mobilize.models import Membership, Message, MessageKind, MessageState, Role
from mobilize.services.accounts.organizers import authenticate_password
from tests.factories import make_group, make_organizer
from tests.web.test_dashboard import logged_in, login, post
from tests.web.test_pages import csrf_from

LINK = re.compile(r"http://testserver(/\S+)")


async def outbox(kind: MessageKind) -> list[Message]:
    return await Message.filter(kind=kind).order_by("id")


async def emailed_link(app: Any, to: str) -> str:
    """The path of the link in the latest email sent to `to`, once the queue has delivered it (the stored
    message loses a one-time link as soon as it is sent, which the in-process queue may do at once)."""
    await app.state.queue.drain()
    sent = [m for m in app.state.queue.ctx["email"].sent if m.to == to]
    assert sent, f"no email to {to}"
    link = LINK.search(sent[-1].text)
    assert link, sent[-1].text
    return link.group(1)


async def test_an_owner_invites_a_host_who_joins_by_the_emailed_link(client: httpx.AsyncClient, app: Any) -> None:
    world = await logged_in(client)
    await make_group(world["membership"], slug="east-side")
    form = {"email": "New.Host@Example.org", "role": "host", "groups": ["east-side"]}
    r = await post(client, "/dashboard/invitations", form, "/dashboard/invitations")
    assert r.status_code == 303
    [mail] = await outbox(MessageKind.ORGANIZER_INVITATION)
    assert mail.to_address == "new.host@example.org" and mail.channel == "email"
    await app.state.queue.drain()
    # delivered: an email to someone who is not a volunteer goes out like any other
    assert (await Message.get(id=mail.id)).state == MessageState.SENT
    accept_page = await emailed_link(app, "new.host@example.org")
    await post(client, "/logout", {})
    token = await csrf_from(client, accept_page)
    r = await client.post(accept_page, data={"name": "Nia", "password": "short", "csrf_token": token})
    assert r.status_code == 422 and "at least 10 characters" in r.text
    r = await client.post(accept_page, data={"name": "Nia", "password": "a long password", "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/"
    assert (await client.get("/dashboard/")).status_code == 200  # logged in as the host
    membership = await Membership.get(organizer__email="new.host@example.org").prefetch_related("groups")
    assert membership.role == Role.HOST and [g.slug for g in membership.groups] == ["east-side"]
    assert not membership.can_export
    assert (await client.get(accept_page)).status_code == 404  # used


async def test_who_may_invite_whom(client: httpx.AsyncClient) -> None:
    await logged_in(client, Role.ADMIN)
    r = await post(client, "/dashboard/invitations", {"email": "x@example.org", "role": "owner"}, "/dashboard/")
    assert r.status_code == 403 and "Only an owner" in r.text
    r = await post(client, "/dashboard/invitations", {"email": "x@example.org", "role": "host"}, "/dashboard/")
    assert r.status_code == 422 and "Choose the groups" in r.text
    await post(client, "/logout", {})
    organizer, _ = await make_organizer(role=Role.ORGANIZER)
    await organizer.fetch_related("organizer")
    await login(client, organizer.organizer.email)
    r = await post(client, "/dashboard/invitations", {"email": "x@example.org", "role": "viewer"}, "/dashboard/")
    assert r.status_code == 403 and "Only owners and admins" in r.text
    assert await Message.all().count() == 0


async def test_password_reset_by_email_link_works_once(client: httpx.AsyncClient, app: Any) -> None:
    membership, _ = await make_organizer(email="lead@example.org")
    token = await csrf_from(client, "/password-reset")
    for email in ("lead@example.org", "nobody@example.org"):
        r = await client.post("/password-reset", data={"email": email, "csrf_token": token})
        assert r.status_code == 200 and "If an organizer account uses this address" in r.text
    [mail] = await outbox(MessageKind.PASSWORD_RESET)
    assert mail.to_address == "lead@example.org"
    reset_page = await emailed_link(app, "lead@example.org")
    page = await client.get(reset_page)
    assert page.status_code == 200
    reset_token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert reset_token
    data = {"token": reset_token.group(1), "password": "brand new password", "csrf_token": token}
    r = await client.post("/password-reset/choose", data=data)
    assert r.status_code == 303 and r.headers["location"] == "/login?reset=1"
    assert await authenticate_password("lead@example.org", "brand new password") is not None
    assert await authenticate_password("lead@example.org", "correct horse battery staple") is None
    assert (await client.get(reset_page)).status_code == 404  # the password changed: the link is spent
    token = await csrf_from(client, "/password-reset")
    data = {"token": reset_token.group(1), "password": "another new password", "csrf_token": token}
    assert (await client.post("/password-reset/choose", data=data)).status_code == 404
