"""One-time links (password resets, organizer invitations) are readable in the outbox only until their
email is settled: sent, or failed for good. The row keeps the rest (state, times, the text around it)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from mobilize.channels.base import SendResult
from mobilize.models import Message, MessageKind, MessageState
from mobilize.services.accounts import onboarding
from mobilize.services.delivery.sending import LINK_REMOVED, deliver
from tests.factories import make_organizer, make_world, volunteer_body
from tests.web.test_dashboard import logged_in, post
from tests.web.test_pages import csrf_from

LINK = re.compile(r"http://testserver(/\S+)")
RESET_LINK = "http://testserver/password-reset/choose?token={token}"


class Answering:
    """A sender that answers what it is told (the channels' contract: plain values in, a result out)."""

    def __init__(self, result: SendResult) -> None:
        self.result = result
        self.sent: list[Any] = []

    async def send(self, message: Any) -> SendResult:
        self.sent.append(message)
        return self.result


async def test_an_invitations_link_leaves_the_outbox_once_sent(client: httpx.AsyncClient, app: Any) -> None:
    await logged_in(client)
    form = {"email": "new.organizer@example.org", "role": "organizer"}
    assert (await post(client, "/dashboard/invitations", form, "/dashboard/invitations")).status_code == 303
    [queued] = await Message.filter(kind=MessageKind.ORGANIZER_INVITATION)
    await app.state.queue.drain()
    mail = await Message.get(id=queued.id)
    assert mail.state == MessageState.SENT and mail.sent_at is not None
    assert LINK.search(mail.body) is None and LINK_REMOVED in mail.body
    assert "You are invited to organize with" in mail.body  # the rest of the text stays
    [sent] = [m for m in app.state.queue.ctx["email"].sent if m.to == "new.organizer@example.org"]
    link = LINK.search(sent.text)  # the person got the link, and it works
    assert link and (await client.get(link.group(1))).status_code == 200
    page = (await client.get("/dashboard/invitations")).text
    assert "new.organizer@example.org" in page and "email sent" in page  # the dashboard shows it went


async def test_a_reset_link_leaves_the_outbox_once_sent(client: httpx.AsyncClient, app: Any) -> None:
    membership, _ = await make_organizer()
    await membership.fetch_related("organizer")
    email = membership.organizer.email
    token = await csrf_from(client, "/password-reset")
    await client.post("/password-reset", data={"email": email, "csrf_token": token})
    await app.state.queue.drain()
    [mail] = await Message.filter(kind=MessageKind.PASSWORD_RESET)
    assert mail.state == MessageState.SENT
    assert "token=" not in mail.body and LINK_REMOVED in mail.body
    [sent] = [m for m in app.state.queue.ctx["email"].sent if m.to == email]
    link = LINK.search(sent.text)
    assert link and (await client.get(link.group(1))).status_code == 200


async def test_a_link_stays_while_it_may_be_sent_again_and_goes_when_it_fails_for_good(settings: Any) -> None:
    membership, _ = await make_organizer()
    await membership.fetch_related("organizer")
    message_id = await onboarding.request_reset(settings.secret, membership.organizer.email, RESET_LINK)
    assert message_id is not None
    unused = Answering(SendResult(ok=True))
    retry = Answering(SendResult(ok=False, retryable=True, error="SMTP 451"))
    await deliver(message_id, unused, retry)
    waiting = await Message.get(id=message_id)
    assert waiting.state == MessageState.PENDING and "token=" in waiting.body  # the retry needs it
    await Message.filter(id=message_id).update(due_at=waiting.created_at)
    refused = Answering(SendResult(ok=False, error="SMTP 550 no such mailbox"))
    await deliver(message_id, unused, refused)
    failed = await Message.get(id=message_id)
    assert failed.state == MessageState.FAILED and failed.last_error == "SMTP 550 no such mailbox"
    assert "token=" not in failed.body and LINK_REMOVED in failed.body
    assert "token=" in refused.sent[0].text  # it was tried with the link


async def test_other_messages_keep_their_text(client: httpx.AsyncClient, app: Any) -> None:
    world = await make_world()
    r = await client.post(f"/api/v1/public/shifts/{world['shift'].id}/signups", json=volunteer_body(3))
    assert r.status_code == 201
    await app.state.queue.drain()
    [confirmation] = await Message.filter(kind=MessageKind.CONFIRMATION, channel="email")
    assert confirmation.state == MessageState.SENT
    assert LINK_REMOVED not in confirmation.body and LINK.search(confirmation.body)
