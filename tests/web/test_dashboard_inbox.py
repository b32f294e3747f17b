"""The SMS inbox in the dashboard: a volunteer's text in the list and its conversation, a reply from the page
delivered to the local fake Twilio, refusals shown on the form, handled and reopened, CSRF, another
organization's thread, viewers and hosts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mobilize.models import InboxThread, Message, MessageKind, MessageState, Role, ThreadStatus
from mobilize.services.inbound import inbox
from tests.conftest import PUBLIC
from tests.factories import make_organizer, make_world
from tests.fakes.twilio_server import FakeTwilio
from tests.sms_helpers import text, volunteer_on
from tests.web.test_dashboard import logged_in, login, post

INBOX = "/dashboard/inbox"


@pytest.fixture
async def browser(shared_sms: tuple[Any, httpx.AsyncClient, FakeTwilio]) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own (its own cookies) on the module's app that texts through the fake Twilio."""
    application, _, fake = shared_sms
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url=PUBLIC) as c:
        yield c
    await application.state.queue.drain()
    fake.messages.clear()


@pytest.fixture
def twilio(shared_sms: tuple[Any, httpx.AsyncClient, FakeTwilio]) -> FakeTwilio:
    return shared_sms[2]


async def a_thread(browser: httpx.AsyncClient, world: dict[str, Any], body: str = "Can I bring my kid?") -> Any:
    volunteer = await volunteer_on(world["shift"], 1, name="Rosa Parks")
    assert (await text(browser, body, volunteer.phone)).status_code == 200
    return await InboxThread.get(volunteer_id=volunteer.id).select_related("volunteer")


async def test_a_text_shows_up_and_the_reply_from_the_page_reaches_the_volunteer(
    browser: httpx.AsyncClient, twilio: FakeTwilio, shared_sms: tuple[Any, httpx.AsyncClient, FakeTwilio]
) -> None:
    world = await logged_in(browser)
    thread = await a_thread(browser, world)
    listing = await browser.get(INBOX)
    assert listing.status_code == 200 and listing.headers["cache-control"] == "no-store"
    assert "Rosa Parks" in listing.text and "+13125550001" in listing.text and "Can I bring my kid?" in listing.text
    assert f'href="{INBOX}/{thread.id}"' in listing.text and "Open" in listing.text
    assert '<span class="badge">1<span class="sr-only"> open</span>' in (await browser.get("/dashboard/")).text

    page_path = f"{INBOX}/{thread.id}"
    page = await browser.get(page_path)
    assert page.status_code == 200 and "Can I bring my kid?" in page.text
    assert '<label for="f-body">Your reply</label>' in page.text and "Mark handled" in page.text

    r = await post(browser, f"{page_path}/replies", {"body": "Yes, kids welcome!"}, page_path)
    assert r.status_code == 303 and r.headers["location"] == page_path
    await shared_sms[0].state.queue.drain()
    assert [(m["To"], m["Body"]) for m in twilio.messages] == [
        ("+13125550001", "local-100: Yes, kids welcome! Reply STOP to opt out.")
    ]
    reply = await Message.get(kind=MessageKind.INBOX_REPLY)
    assert reply.volunteer_id == thread.volunteer_id and reply.sent_by_id is not None  # type: ignore[attr-defined]
    page = await browser.get(page_path)
    assert "Reply on its way." in page.text and "Yes, kids welcome!" in page.text
    assert page.text.index("Can I bring my kid?") < page.text.index("Yes, kids welcome!")
    assert "We texted" in page.text and ("Sent" in page.text or "Delivered" in page.text)


async def test_a_refused_reply_is_explained_on_the_form_and_sends_nothing(
    browser: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    world = await logged_in(browser)
    thread = await a_thread(browser, world)
    page_path = f"{INBOX}/{thread.id}"
    r = await post(browser, f"{page_path}/replies", {"body": "   "}, page_path)
    assert r.status_code == 422 and "Write a reply first" in r.text and 'aria-invalid="true"' in r.text
    r = await post(browser, f"{page_path}/replies", {"body": "x" * (inbox.REPLY_MAX + 1)}, page_path)
    assert r.status_code == 422 and "at most 1,600 characters; this one has 1,601" in r.text

    await text(browser, "STOP", thread.volunteer.phone)
    r = await post(browser, f"{page_path}/replies", {"body": "Are you coming Saturday?"}, page_path)
    assert r.status_code == 409 and "texted STOP" in r.text
    assert ">Are you coming Saturday?</textarea>" in r.text  # what they wrote is kept
    assert not await Message.filter(kind=MessageKind.INBOX_REPLY).exists()
    assert [m for m in twilio.messages if m["To"] == thread.volunteer.phone] == []


async def test_mark_handled_and_reopen(browser: httpx.AsyncClient) -> None:
    world = await logged_in(browser)
    thread = await a_thread(browser, world)
    page_path = f"{INBOX}/{thread.id}"
    r = await post(browser, f"{page_path}/status", {"status": "handled"}, page_path)
    assert r.status_code == 303 and r.headers["location"] == INBOX
    assert (await InboxThread.get(id=thread.id)).status == ThreadStatus.HANDLED
    listing = await browser.get(INBOX)
    assert "Rosa Parks: marked handled." in listing.text and "No open conversations" in listing.text
    assert "Rosa Parks" in (await browser.get(INBOX, params={"status": "handled"})).text
    assert "Reopen" in (await browser.get(page_path)).text
    r = await post(browser, f"{page_path}/status", {"status": "open"}, page_path)
    assert r.status_code == 303 and (await InboxThread.get(id=thread.id)).status == ThreadStatus.OPEN


async def test_the_inbox_forms_need_the_csrf_token(browser: httpx.AsyncClient) -> None:
    world = await logged_in(browser)
    thread = await a_thread(browser, world)
    r = await browser.post(f"{INBOX}/{thread.id}/replies", data={"body": "Hello"})
    assert r.status_code == 403
    r = await browser.post(f"{INBOX}/{thread.id}/status", data={"status": "handled", "csrf_token": "forged"})
    assert r.status_code == 403
    assert not await Message.filter(kind=MessageKind.INBOX_REPLY).exists()
    assert (await InboxThread.get(id=thread.id)).status == ThreadStatus.OPEN


async def test_another_organizations_thread_is_not_found(browser: httpx.AsyncClient) -> None:
    theirs = await make_world("org-b")
    thread = await a_thread(browser, theirs)
    await logged_in(browser)  # an owner of local-100
    assert (await browser.get(f"{INBOX}/{thread.id}")).status_code == 404
    assert "Rosa Parks" not in (await browser.get(INBOX, params={"status": "all"})).text
    r = await post(browser, f"{INBOX}/{thread.id}/replies", {"body": "Hi"}, INBOX)
    assert r.status_code == 404
    r = await post(browser, f"{INBOX}/{thread.id}/status", {"status": "handled"}, INBOX)
    assert r.status_code == 404
    assert not await Message.filter(kind=MessageKind.INBOX_REPLY).exists()


async def test_a_viewer_reads_without_answering_and_a_host_sees_no_inbox(browser: httpx.AsyncClient) -> None:
    world = await logged_in(browser, Role.VIEWER)
    thread = await a_thread(browser, world)
    page_path = f"{INBOX}/{thread.id}"
    page = await browser.get(page_path)
    assert page.status_code == 200 and "Can I bring my kid?" in page.text
    assert "<textarea" not in page.text and "Mark handled" not in page.text
    assert (await post(browser, f"{page_path}/replies", {"body": "Hi"}, page_path)).status_code == 403
    assert (await post(browser, f"{page_path}/status", {"status": "handled"}, page_path)).status_code == 403
    assert not await Message.filter(kind=MessageKind.INBOX_REPLY).exists()

    host, _ = await make_organizer(role=Role.HOST, groups=[world["group"].slug])
    await host.fetch_related("organizer")
    assert (await login(browser, host.organizer.email)).status_code == 303
    assert (await browser.get(INBOX)).status_code == 403
    assert (await browser.get(page_path)).status_code == 403
    assert f'href="{INBOX}"' not in (await browser.get("/dashboard/")).text


async def test_latest_message_first_across_pages(browser: httpx.AsyncClient) -> None:
    world = await make_world()
    now = datetime.now(UTC)
    for n in range(1, 6):
        volunteer = await volunteer_on(world["shift"], n)
        await inbox.open_threads(volunteer.id, f"text {n}", now - timedelta(minutes=[3, 1, 5, 2, 4][n - 1]))
    seen: list[str] = []
    cursor = None
    while True:
        page = await inbox.list_threads(world["actor"], "open", cursor, 2, newest_first=True)
        seen += [t.last_preview for t in page.items]
        if not (cursor := page.next_cursor):
            break
    assert seen == ["text 2", "text 4", "text 1", "text 5", "text 3"]
    assert await inbox.open_count(world["actor"]) == 5


async def test_texts_still_to_come_are_scheduled_not_texted(browser: httpx.AsyncClient) -> None:
    """A reminder for next week sits in the outbox as pending: the thread lists it apart, with its time, and
    never under "We texted"; only what left is."""
    world = await logged_in(browser)
    thread = await a_thread(browser, world)
    now = datetime.now(UTC)  # the page's moment; the rows below sit days on either side of it
    volunteer = thread.volunteer

    async def outbox_row(kind: MessageKind, body: str, state: MessageState, due_at: datetime) -> Message:
        return await Message.create(
            organization_id=world["event"].organization_id,
            volunteer=volunteer,
            channel="sms",
            kind=kind,
            to_address=volunteer.phone,
            body=body,
            due_at=due_at,
            state=state,
            sent_at=due_at if state == MessageState.SENT else None,
            dedupe_key=f"thread-test:{body}",
        )

    sent = await outbox_row(
        MessageKind.CONFIRMATION, "Signed up for Friday.", MessageState.SENT, now - timedelta(days=2)
    )
    coming = await outbox_row(
        MessageKind.REMINDER_DAY_BEFORE, "Reminder: Friday.", MessageState.PENDING, now + timedelta(days=6)
    )
    called_off = await outbox_row(
        MessageKind.REMINDER_SOON, "Starting soon.", MessageState.CANCELLED, now + timedelta(days=7)
    )

    entries = {e.message_id: e for e in await inbox.thread_messages(thread, now) if e.direction == "out"}
    assert entries[coming.id].scheduled and entries[coming.id].at == coming.due_at
    assert not entries[sent.id].scheduled and not entries[called_off.id].scheduled
    # At the reminder's own time it is no longer in the future: due, queued, not "scheduled".
    assert not {e.message_id: e for e in await inbox.thread_messages(thread, coming.due_at)}[coming.id].scheduled

    page = (await browser.get(f"{INBOX}/{thread.id}")).text
    conversation, _, later = page.partition('id="scheduled-heading"')
    assert "Signed up for Friday." in conversation and "Reminder: Friday." not in conversation
    assert "Reminder: Friday." in later and "Scheduled for" in later
    assert conversation.count("We texted") == 1  # the confirmation; the cancelled reminder was not texted
    assert "Not texted" in conversation and "Starting soon." in conversation
