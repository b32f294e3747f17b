"""The organizers' inbox through the API, organizations with their own numbers, and the promise that after
STOP no reminder, blast or inbox reply reaches the number (asserted at the local Twilio server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mobilize.models import (
    InboundMessage,
    InboxThread,
    Message,
    MessageKind,
    MessageState,
    Role,
    Signup,
    SignupStatus,
    SmsStatus,
    Volunteer,
)
from mobilize.services import delivery
from mobilize.services.accounts.senders import set_sms_sender
from mobilize.services.inbound import inbox
from mobilize.services.outbox import reminders
from mobilize.services.people import ConsentContext, grant_sms_consent
from tests.factories import auth, make_organizer, make_shift, make_world, soon
from tests.fakes.twilio_server import FakeTwilio
from tests.sms_helpers import SHARED_NUMBER, reply_of, text, volunteer_on
from workers.messages import sweep_outbox

API = "/api/v1"
A_NUMBER = "+13125550900"
C_SERVICE = "MG" + "c3" * 16


@pytest.fixture
def twilio(shared_sms: tuple[Any, httpx.AsyncClient, FakeTwilio]) -> FakeTwilio:
    return shared_sms[2]


def sent_to(twilio: FakeTwilio, number: str) -> list[dict[str, str]]:
    return [m for m in twilio.messages if m["To"] == number]


async def test_threads_reply_and_handled(sms: tuple[Any, httpx.AsyncClient], twilio: FakeTwilio) -> None:
    app, client = sms
    a = await make_world("org-a")
    b = await make_world("org-b")
    v = await volunteer_on(a["shift"], 1)
    vb = await volunteer_on(b["shift"], 1)  # the same phone: org-b's own record
    assert vb.id != v.id
    signup = await Signup.get(volunteer_id=v.id, shift_id=a["shift"].id)
    now = datetime.now(UTC)
    # Each organization's earlier text to its own record; org-a's is the latest, so the answer is org-a's.
    for org, key, person, hours in ((b, "b", vb, 3), (a, "a", v, 2)):
        await Message.create(
            organization_id=org["event"].organization_id,
            volunteer=person,
            signup=signup if key == "a" else None,
            channel="sms",
            kind=MessageKind.BLAST,
            to_address=v.phone,
            body=f"news from {key}",
            due_at=now - timedelta(hours=hours),
            sent_at=now - timedelta(hours=hours),
            state=MessageState.SENT,
            dedupe_key=f"earlier-{key}",
        )

    assert reply_of(await text(client, "Can I bring my kid?", v.phone)) == ""
    listing = (await client.get(f"{API}/inbox", headers=a["headers"])).json()
    assert [t["volunteer"]["id"] for t in listing["data"]] == [v.id] and listing["next"] is None
    thread = listing["data"][0]
    assert (thread["status"], thread["last_preview"]) == ("open", "Can I bring my kid?")
    assert thread["url"].endswith(f"/api/v1/inbox/{thread['id']}")
    assert (await client.get(f"{API}/inbox", headers=b["headers"])).json()["data"] == []  # one organization's only

    detail = (await client.get(f"{API}/inbox/{thread['id']}", headers=a["headers"])).json()
    assert [(m["direction"], m["body"]) for m in detail["messages"]] == [
        ("out", "news from a"),
        ("in", "Can I bring my kid?"),
    ]  # not the other organization's texts

    headers = {**a["headers"], "Idempotency-Key": "reply-1"}
    replies = f"{API}/inbox/{thread['id']}/replies"
    r = await client.post(replies, json={"body": "Yes, kids welcome!"}, headers=headers)
    assert r.status_code == 202, r.text
    again = await client.post(replies, json={"body": "Yes, kids welcome!"}, headers=headers)
    assert again.json()["id"] == r.json()["id"]
    await app.state.queue.drain()
    assert [(m["From"], m["Body"]) for m in sent_to(twilio, v.phone)] == [
        (SHARED_NUMBER, "org-a: Yes, kids welcome! Reply STOP to opt out.")
    ]
    detail = (await client.get(f"{API}/inbox/{thread['id']}", headers=a["headers"])).json()
    assert (detail["messages"][-1]["kind"], detail["messages"][-1]["state"]) == ("inbox_reply", "sent")

    r = await client.patch(f"{API}/inbox/{thread['id']}", json={"status": "handled"}, headers=a["headers"])
    assert r.status_code == 200 and r.json()["status"] == "handled" and r.json()["handled_at"]
    assert (await client.get(f"{API}/inbox", headers=a["headers"])).json()["data"] == []
    handled = await client.get(f"{API}/inbox", params={"status": "handled"}, headers=a["headers"])
    assert [t["id"] for t in handled.json()["data"]] == [thread["id"]]
    assert (await client.get(f"{API}/inbox", params={"status": "x"}, headers=a["headers"])).status_code == 422
    await text(client, "One more thing", v.phone)  # a new message opens it again
    assert [t["status"] for t in (await client.get(f"{API}/inbox", headers=a["headers"])).json()["data"]] == ["open"]

    _, host = await make_organizer("org-a", role=Role.HOST, groups=[a["group"].slug])
    assert (await client.get(f"{API}/inbox", headers=auth(host))).status_code == 403
    r = await client.post(f"{API}/inbox/{thread['id']}/replies", json={"body": " "}, headers=a["headers"])
    assert r.status_code == 422


async def test_after_stop_nothing_reaches_the_number(sms: tuple[Any, httpx.AsyncClient], twilio: FakeTwilio) -> None:
    app, client = sms
    w = await make_world("org-a")
    shift = await make_shift(w["event"], starts_at=soon(48))
    v = await volunteer_on(shift, 1)
    signup = await Signup.get(volunteer_id=v.id)
    now = datetime.now(UTC)
    await reminders.plan_reminders([signup.id], "http://testserver", now)  # due tomorrow and the day after
    await text(client, "Where do we meet?", v.phone)
    thread = await InboxThread.get(volunteer_id=v.id)
    queued = await inbox.reply(w["actor"], thread.id, "At the gate.", quiet=app.state.settings.quiet_hours, now=now)
    assert queued.timezone == w["event"].timezone  # their shift's zone: quiet hours for a retry too

    assert "unsubscribed" in reply_of(await text(client, "please stop texting me", v.phone))

    # the reminders, when they fall due
    ctx = app.state.queue.ctx
    planned = await Message.filter(signup_id=signup.id, channel="sms", kind__in=list(reminders.REMINDER_KINDS))
    assert len(planned) == 2
    for message in planned:
        result = await delivery.deliver(message.id, ctx["sms"], ctx["email"], message.due_at)
        assert result is not None and result.state == MessageState.SKIPPED
    # the inbox reply queued before the STOP, and any new one
    await sweep_outbox(app.state.queue.ctx)
    await app.state.queue.drain()
    assert (await Message.get(id=queued.id)).state == MessageState.SKIPPED
    r = await client.post(f"{API}/inbox/{thread.id}/replies", json={"body": "Still there?"}, headers=w["headers"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "opted_out"
    # a blast, from this organization or another
    r = await client.post(f"{API}/shifts/{shift.id}/messages", json={"body": "Bring water"}, headers=w["headers"])
    assert r.json()["skipped"]["opted_out"] == 1
    other = await make_world("org-b")
    await volunteer_on(other["shift"], 1)
    r = await client.post(f"{API}/shifts/{other['shift'].id}/messages", json={"body": "Hi"}, headers=other["headers"])
    assert r.json()["skipped"]["opted_out"] == 1
    await app.state.queue.drain()
    assert sent_to(twilio, v.phone) == []

    # START: texts flow again
    assert "subscribed" in reply_of(await text(client, "START", v.phone))
    r = await client.post(f"{API}/shifts/{shift.id}/messages", json={"body": "Welcome back"}, headers=w["headers"])
    await app.state.queue.drain()
    assert [m["Body"] for m in sent_to(twilio, v.phone)] == ["org-a: Welcome back Reply STOP to opt out."]


async def test_organizations_with_their_own_numbers(sms: tuple[Any, httpx.AsyncClient], twilio: FakeTwilio) -> None:
    app, client = sms
    a = await make_world("org-a")
    b = await make_world("org-b")
    c = await make_world("org-c")
    await set_sms_sender("org-a", A_NUMBER, None)
    await set_sms_sender("org-c", None, C_SERVICE)
    v = await volunteer_on(a["shift"], 1)
    await volunteer_on(b["shift"], 1)

    help_text = reply_of(await text(client, "HELP", v.phone, to=A_NUMBER))
    assert help_text.startswith("org-a:") and "org-b" not in help_text
    # YES to A's number means A's shift (the only one there), not B's
    assert "confirmed" in reply_of(await text(client, "yes", v.phone, to=A_NUMBER))
    statuses = {s.shift_id: s.status for s in await Signup.filter(volunteer__phone=v.phone)}
    assert statuses == {a["shift"].id: SignupStatus.CONFIRMED, b["shift"].id: SignupStatus.SIGNED_UP}

    await text(client, "Hello A", v.phone, to=A_NUMBER)
    assert [t.organization_id for t in await InboxThread.filter(volunteer_id=v.id)] == [a["event"].organization_id]
    # C's Messaging Service: routed by MessagingServiceSid; C now knows the number (a record of its own)
    await text(client, "Hello C", v.phone, to="+13125550977", MessagingServiceSid=C_SERVICE)
    row = await InboundMessage.get(body="Hello C")
    assert row.organization_id == c["event"].organization_id
    record_c = await Volunteer.get(phone=v.phone, organization_id=c["event"].organization_id)
    assert row.volunteer_id == record_c.id and record_c.name == ""  # nothing of A's or B's record
    threads = {t.organization_id: t.id for t in await InboxThread.filter(volunteer__phone=v.phone)}
    # Texting C gives C the number, not consent to texts: C's answer waits for an opt-in with C.
    r = await client.post(f"{API}/inbox/{threads[c['event'].organization_id]}/replies", json={"body": "Hi!"},
                          headers=c["headers"])  # fmt: skip
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_sms_consent"
    await grant_sms_consent(record_c, ConsentContext(source="web_form", words="I agree to texts from org-c"))
    assert set(threads) == {a["event"].organization_id, c["event"].organization_id}

    # their answers leave from their own sender; B's from the shared one
    for org, thread_id in ((a, threads[a["event"].organization_id]), (c, threads[c["event"].organization_id])):
        r = await client.post(f"{API}/inbox/{thread_id}/replies", json={"body": "Hi!"}, headers=org["headers"])
        assert r.status_code == 202, r.text
    r = await client.post(f"{API}/shifts/{b['shift'].id}/messages", json={"body": "Hi"}, headers=b["headers"])
    await app.state.queue.drain()
    senders = {m["Body"].split(":")[0]: (m.get("From"), m.get("MessagingServiceSid")) for m in twilio.messages}
    assert senders == {"org-a": (A_NUMBER, None), "org-c": (None, C_SERVICE), "org-b": (SHARED_NUMBER, None)}
    assert (await InboxThread.get(id=threads[a["event"].organization_id])).volunteer_id == v.id
    assert (await Signup.get(volunteer_id=v.id, shift_id=a["shift"].id)).status == SignupStatus.CONFIRMED
    assert v.sms_status == SmsStatus.OPTED_IN
