"""Inbound SMS through the signed webhook: every row of the keyword grammar and its effect, the numbered
list when YES or NO is ambiguous, JOIN from new and known numbers, HERE around the check-in window,
replayed MessageSids, forged signatures, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobilize.models import (
    ConsentAction,
    ConsentRecord,
    InboundMessage,
    InboxThread,
    Message,
    MessageKind,
    MessageState,
    PendingQuestion,
    Shift,
    Signup,
    SignupSource,
    SignupStatus,
    SmsBlock,
    SmsStatus,
    Volunteer,
)
from mobilize.services.people import shown_sms_status
from tests.factories import make_event, make_person, make_shift, soon
from tests.fakes.twilio_server import FakeTwilio
from tests.sms_helpers import (
    SMS_URL,
    inbound_form,
    make_place,
    new_sid,
    phone,
    post_form,
    reply_of,
    signature,
    text,
    volunteer_on,
)

ORG = "local-100"


@pytest.fixture
def twilio(shared_sms: tuple[Any, httpx.AsyncClient, FakeTwilio]) -> FakeTwilio:
    return shared_sms[2]


@pytest.fixture
def client(sms: tuple[Any, httpx.AsyncClient]) -> httpx.AsyncClient:
    return sms[1]


async def status_of(signup_id: int) -> SignupStatus:
    return SignupStatus((await Signup.get(id=signup_id)).status)


async def volunteer(n: int, org: str | None = None) -> Volunteer:
    """The record with phone n (of organization `org`, when several organizations know the number)."""
    query = Volunteer.filter(phone=phone(n))
    if org is not None:
        query = query.filter(organization__slug=org)
    return await query.get()


# ---- the grammar's rows, through the webhook -------------------------------------------------------------

IN, OUT = SmsStatus.OPTED_IN, SmsStatus.OPTED_OUT
UP, CONFIRMED, GONE = SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED, SignupStatus.CANCELLED
KEYWORD_ROWS: list[tuple[str, SmsStatus, str, str, SmsStatus, SignupStatus]] = [
    # body, status before, outcome, words in the reply, status after, sign-up after
    *[
        (w, IN, "stopped", "unsubscribed", OUT, UP)
        for w in ("STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT", "revoke", "opt-out", "Stop!")
    ],
    ("please stop texting me", IN, "stopped", "unsubscribed", OUT, UP),
    ("unsubscribe me", IN, "stopped", "unsubscribed", OUT, UP),
    ("Remove me from this list", IN, "stopped", "unsubscribed", OUT, UP),
    ("STOP", OUT, "stopped_again", "", OUT, UP),
    ("START", OUT, "started", "subscribed", IN, UP),
    ("unstop", OUT, "started", "subscribed", IN, UP),
    ("Yes", OUT, "started", "subscribed", IN, UP),
    ("HELP", IN, "help", "Reply STOP to opt out", IN, UP),
    ("info", IN, "help", ORG, IN, UP),
    ("HELP", OUT, "help", "", OUT, UP),  # nothing after STOP
    *[(w, IN, "confirmed", "confirmed for Picket", IN, CONFIRMED) for w in ("YES", "y", "Confirm")],
    *[(w, IN, "dropped", "no longer signed up", IN, GONE) for w in ("NO", "n", "CANT", "can't", "Drop")],
    ("NO", OUT, "dropped", "", OUT, GONE),  # done, but silent
    ("Can I bring my kid?", IN, "inbox", "", IN, UP),
    ("7", IN, "inbox", "", IN, UP),  # no list was sent
]


@pytest.mark.parametrize(
    ("body", "before", "outcome", "words", "after", "signup_after"),
    KEYWORD_ROWS,
    ids=[f"{r[0]}-{r[1].value}" for r in KEYWORD_ROWS],
)
async def test_keyword_rows(
    client: httpx.AsyncClient,
    body: str,
    before: SmsStatus,
    outcome: str,
    words: str,
    after: SmsStatus,
    signup_after: SignupStatus,
) -> None:
    w = await make_place(ORG)
    v = await volunteer_on(w["shift"], 1)
    await Volunteer.filter(id=v.id).update(sms_status=before)
    signup = await Signup.get(volunteer_id=v.id)
    consents = await ConsentRecord.filter(volunteer_id=v.id).count()

    reply = reply_of(await text(client, body, v.phone))

    row = await InboundMessage.get(from_number=v.phone)
    assert (row.outcome, row.body, row.volunteer_id) == (outcome, body, v.id)
    assert (words in reply) if words else reply == ""
    assert row.reply == reply
    assert (await volunteer(1)).sms_status == after
    assert await status_of(signup.id) == signup_after
    if before != after:  # every opt-in and opt-out is a consent record with the exact words
        record = await ConsentRecord.filter(volunteer_id=v.id).order_by("-id").first()
        assert record is not None and record.words == body and record.channel == "sms"
        assert record.action == (ConsentAction.REVOKED if after == SmsStatus.OPTED_OUT else ConsentAction.GRANTED)
        assert record.source == ("sms_request" if " " in body else "keyword")
        assert await ConsentRecord.filter(volunteer_id=v.id).count() == consents + 1
    replies = await Message.filter(kind=MessageKind.REPLY, volunteer_id=v.id)
    assert [m.body for m in replies] == ([reply] if reply else [])
    assert all(m.state == MessageState.SENT and m.to_address == v.phone for m in replies)
    assert await InboxThread.filter(volunteer_id=v.id).exists() == (outcome == "inbox")


async def test_stop_to_the_shared_sender_covers_every_organization_on_it(client: httpx.AsyncClient) -> None:
    """Two organizations on the shared sender know one number (two records). A STOP stops both: each sees the
    number cannot be texted; the consent record (with the words) is kept by the organization it was talking to;
    the inbox thread of what follows is that organization's only."""
    a = await make_place("org-a")
    b = await make_place("org-b")
    await volunteer_on(a["shift"], 1)
    v = await volunteer_on(b["shift"], 1)  # org-b's record is the latest: the conversation goes to org-b
    assert "unsubscribed" in reply_of(await text(client, "STOP", v.phone))
    assert reply_of(await text(client, "stop texting me", v.phone)) == ""  # one confirmation, not two
    theirs, ours = await volunteer(1, "org-a"), await volunteer(1, "org-b")
    assert ours.id == v.id and theirs.id != v.id
    assert theirs.sms_blocked and ours.sms_blocked and ours.sms_status == SmsStatus.OPTED_OUT
    assert shown_sms_status(theirs) == SmsStatus.OPTED_OUT  # cannot be texted; not why, not where
    assert await ConsentRecord.filter(volunteer_id=v.id, action=ConsentAction.REVOKED).count() == 2
    assert not await ConsentRecord.filter(volunteer_id=theirs.id, action=ConsentAction.REVOKED).exists()
    assert reply_of(await text(client, "Hello?", v.phone)) == ""  # kept for the organizers, not answered
    assert [t.volunteer_id for t in await InboxThread.all()] == [v.id]
    assert "subscribed" in reply_of(await text(client, "START", v.phone))
    theirs, ours = await volunteer(1, "org-a"), await volunteer(1, "org-b")
    assert not theirs.sms_blocked and (ours.sms_status, ours.sms_blocked) == (SmsStatus.OPTED_IN, False)


# ---- YES and NO: the shift last asked about, or a numbered list -----------------------------------------------


async def test_ambiguous_yes_and_no_ask_with_a_numbered_list(sms: tuple[Any, httpx.AsyncClient]) -> None:
    app, client = sms
    w = await make_place(ORG, capacity=1)
    shifts = [w["shift"], *[await make_shift(w["event"], capacity=1, starts_at=soon(24 * d)) for d in (2, 3)]]
    v = await volunteer_on(shifts[0], 1)
    for s in shifts[1:]:
        await volunteer_on(s, 1)
    waiting = await volunteer_on(shifts[1], 2)  # waitlisted behind them on the second shift
    ids = [s.id for s in await Signup.filter(volunteer_id=v.id).order_by("shift__starts_at")]

    listing = reply_of(await text(client, "YES", v.phone))
    assert listing.startswith("Which shift do you want to confirm?")
    assert [line[:2] for line in listing.splitlines()[1:]] == ["1.", "2.", "3."]
    question = await PendingQuestion.get(phone=v.phone)  # kept in the database, not in memory
    assert question.data == {"signups": ids}
    assert "Please reply with a number from 1 to 3" in reply_of(await text(client, "9", v.phone))
    assert "confirmed" in reply_of(await text(client, "2", v.phone))
    assert [await status_of(i) for i in ids] == [SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED, SignupStatus.SIGNED_UP]
    assert not await PendingQuestion.exists(phone=v.phone)
    assert (await InboundMessage.filter(from_number=v.phone).order_by("-id").first()).outcome == "confirmed"  # type: ignore[union-attr]

    assert reply_of(await text(client, "Drop", v.phone)).startswith("Which shift do you want to drop?")
    assert "no longer signed up" in reply_of(await text(client, "2", v.phone))
    assert await status_of(ids[1]) == SignupStatus.CANCELLED
    promoted = await Signup.get(volunteer_id=waiting.id)
    assert promoted.status == SignupStatus.SIGNED_UP  # the waitlist moved up...
    await app.state.queue.drain()
    news = await Message.get(signup_id=promoted.id, kind=MessageKind.PROMOTED, channel="sms")
    assert news.state == MessageState.SENT  # ...and the promoted person was told
    assert "2" not in [m.body for m in await InboundMessage.filter(outcome="inbox")]


async def test_yes_answers_the_reminder_last_sent(client: httpx.AsyncClient) -> None:
    w = await make_place(ORG)
    later = await make_shift(w["event"], starts_at=soon(48))
    v = await volunteer_on(w["shift"], 1)
    await volunteer_on(later, 1)
    asked = await Signup.get(volunteer_id=v.id, shift_id=later.id)
    now = datetime.now(UTC)
    await Message.create(
        organization_id=w["event"].organization_id,
        volunteer=v,
        signup=asked,
        channel="sms",
        kind=MessageKind.REMINDER_DAY_BEFORE,
        to_address=v.phone,
        body="reminder... Reply YES to confirm, NO if you can't make it.",
        due_at=now - timedelta(hours=1),
        sent_at=now - timedelta(hours=1),
        state=MessageState.DELIVERED,
        dedupe_key="reminder-later",
    )
    assert "confirmed" in reply_of(await text(client, "yes", v.phone))
    assert await status_of(asked.id) == SignupStatus.CONFIRMED
    other = await Signup.get(volunteer_id=v.id, shift_id=w["shift"].id)
    assert other.status == SignupStatus.SIGNED_UP
    # no shift at all: said so
    stranger = await volunteer_on(await make_shift(w["event"], starts_at=soon(72)), 3)
    await Signup.filter(volunteer_id=stranger.id).update(status=SignupStatus.CANCELLED, holder=None)
    assert "no upcoming shifts" in reply_of(await text(client, "NO", stranger.phone))


async def test_yes_and_no_from_the_waitlist(client: httpx.AsyncClient) -> None:
    w = await make_place(ORG, capacity=1)
    await volunteer_on(w["shift"], 1)
    waiting = await volunteer_on(w["shift"], 2)
    signup = await Signup.get(volunteer_id=waiting.id)
    assert signup.status == SignupStatus.WAITLISTED
    # a place on the waitlist is not a shift to confirm, but it can be dropped
    assert reply_of(await text(client, "YES", waiting.phone)) == "You have no upcoming shifts to confirm."
    assert await status_of(signup.id) == SignupStatus.WAITLISTED
    assert "no longer signed up" in reply_of(await text(client, "NO", waiting.phone))
    assert await status_of(signup.id) == SignupStatus.CANCELLED


@pytest.mark.postgres
async def test_common_answers_take_one_or_two_statements(client: httpx.AsyncClient, monkeypatch: Any) -> None:
    """Twilio waits for the answer: on PostgreSQL a message for the inbox, HELP, HERE with no shift under way and
    YES to the one shift it can mean are two statements each (the other tests check what they do)."""
    from tortoise import connections

    w = await make_place(ORG)
    v = await volunteer_on(w["shift"], 1)
    statements: list[str] = []
    backend = type(connections.get("default"))
    for name in ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script"):
        original = getattr(backend, name)

        def counting(self: Any, sql: str, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            if 'FROM "organization"' not in sql:  # the routing table, read every few seconds
                statements.append(sql)
            return _original(self, sql, *args, **kwargs)

        monkeypatch.setattr(backend, name, counting)
    for body, outcome, expected in [
        ("Can I bring my kid?", "inbox", 2),  # is a JOIN's "your name?" pending; then the record and thread
        ("HELP", "help", 2),
        ("HERE", "here_nothing", 2),
        ("YES", "confirmed", 2),
    ]:
        statements.clear()
        form = inbound_form(body, v.phone)
        reply_of(await post_form(client, form))
        assert len(statements) == expected, (body, statements)
        assert (await InboundMessage.get(message_sid=form["MessageSid"])).outcome == outcome


# ---- JOIN ------------------------------------------------------------------------------------------------------


async def test_join_from_a_new_number_asks_for_a_name(sms: tuple[Any, httpx.AsyncClient], twilio: FakeTwilio) -> None:
    app, client = sms
    w = await make_place(ORG)
    code = w["shift"].code
    new = phone(42)
    ask = reply_of(await text(client, f"join {code.lower()}", new))
    assert "reply with your name" in ask and "Picket at the gate" in ask
    assert not await Volunteer.exists(phone=new)
    assert reply_of(await text(client, "YES", new)) == "Please reply with your name, so we can sign you up."
    assert reply_of(await text(client, "  Maria   Lopez ", new)) == ""  # the confirmation comes from the outbox
    v = await Volunteer.get(phone=new)
    assert v.name == "Maria Lopez" and v.sms_status == SmsStatus.OPTED_IN
    signup = await Signup.get(volunteer_id=v.id)
    assert (signup.shift_id, signup.source, signup.status) == (w["shift"].id, SignupSource.SMS, SignupStatus.SIGNED_UP)
    consent = await ConsentRecord.get(volunteer_id=v.id)
    assert (consent.source, consent.words, consent.action) == ("keyword", f"join {code.lower()}", ConsentAction.GRANTED)
    await app.state.queue.drain()
    assert [m["To"] for m in twilio.messages] == [new]
    assert "you're signed up for Picket at the gate" in twilio.messages[0]["Body"]


async def test_join_from_a_known_number_and_by_event_code(client: httpx.AsyncClient) -> None:
    w = await make_place(ORG)
    other = await make_event(w["group"], title="Rally downtown")
    first = await make_shift(other, capacity=1, starts_at=soon(30))
    second = await make_shift(other, capacity=5, starts_at=soon(54))
    v = await volunteer_on(w["shift"], 1)
    await volunteer_on(first, 2)  # the event's first shift is full

    again = reply_of(await text(client, f"JOIN {w['shift'].code}", v.phone))
    assert "already signed up for Picket at the gate" in again
    assert reply_of(await text(client, f"JOIN E{other.id}", v.phone)) == ""
    joined = await Signup.get(volunteer_id=v.id, shift__event_id=other.id)
    assert joined.shift_id == second.id and joined.source == SignupSource.SMS  # the next shift with a free seat
    assert await ConsentRecord.filter(volunteer_id=v.id, source="keyword", words=f"JOIN E{other.id}").exists()
    assert "couldn't find the code ZZZZZZ" in reply_of(await text(client, "join zzzzzz", v.phone))
    assert "JOIN and the shift's code" in reply_of(await text(client, "JOIN", v.phone))
    private = await make_event(w["group"], title="Private meeting", visibility="private")
    await make_shift(private)
    assert "couldn't find" in reply_of(await text(client, f"join e{private.id}", v.phone))
    unlisted = await make_event(w["group"], title="Quiet meeting", visibility="unlisted")
    quiet = await make_shift(unlisted)
    assert "couldn't find" in reply_of(await text(client, f"join e{unlisted.id}", v.phone))  # ids are guessable
    assert reply_of(await text(client, f"JOIN {quiet.code}", v.phone)) == ""  # its shifts' codes are not
    assert await Signup.filter(volunteer_id=v.id, shift_id=quiet.id).exists()


async def test_join_for_a_shift_under_way_signs_up_and_answers(
    sms: tuple[Any, httpx.AsyncClient], twilio: FakeTwilio
) -> None:
    """The outbox's confirmation stops at the shift's start, so for a shift under way the webhook answers."""
    app, client = sms
    w = await make_place(ORG)
    under_way = await make_shift(w["event"], capacity=2, starts_at=datetime.now(UTC) - timedelta(hours=1), hours=3)
    known = await volunteer_on(w["shift"], 1)  # tomorrow's shift
    reply = reply_of(await text(client, f"JOIN {under_way.code}", known.phone))
    assert reply.startswith(f"{ORG}: you're signed up for Picket at the gate, ")
    assert reply.endswith("It has started: text HERE when you get there. Reply STOP to opt out.")
    signup = await Signup.get(volunteer_id=known.id, shift_id=under_way.id)
    assert (signup.status, signup.source) == (SignupStatus.SIGNED_UP, SignupSource.SMS)
    confirmation = await Message.get(signup_id=signup.id, kind=MessageKind.CONFIRMATION, channel="sms")
    assert confirmation.state == MessageState.SKIPPED
    assert confirmation.skip_reason == "the shift had started when it was planned"
    assert "checked in" in reply_of(await text(client, "HERE", known.phone))

    new = phone(43)  # a new number is asked its name first; the name's answer is the same
    assert "reply with your name" in reply_of(await text(client, f"join {under_way.code.lower()}", new))
    assert "It has started: text HERE" in reply_of(await text(client, "Rosa Diaz", new))
    full = await volunteer_on(w["shift"], 2)  # the two seats are taken now
    reply = reply_of(await text(client, f"JOIN {under_way.code}", full.phone))
    assert "has started and is full; you're on its waitlist. Please see an organizer on site." in reply
    assert (await Signup.get(volunteer_id=full.id, shift_id=under_way.id)).status == SignupStatus.WAITLISTED
    await app.state.queue.drain()
    assert [m for m in twilio.messages if m["To"] in (known.phone, new, full.phone)] == []  # the answers were all


# ---- HERE ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_in", "hours", "checked_in"),
    [
        (timedelta(minutes=20), 3, True),  # inside the 30 minutes before the start
        (timedelta(minutes=-60), 3, True),  # under way
        (timedelta(minutes=45), 3, False),  # too early
        (timedelta(hours=-4), 3, False),  # over
    ],
)
async def test_here_checks_in_only_around_the_shift(
    client: httpx.AsyncClient, starts_in: timedelta, hours: int, checked_in: bool
) -> None:
    w = await make_place(ORG)
    shift = await make_shift(w["event"], starts_at=datetime.now(UTC) + starts_in, hours=hours)
    v = await volunteer_on(w["shift"], 1)  # tomorrow's shift is never the one under way
    signup = await Signup.create(
        shift=shift, volunteer=v, holder=shift.id, status=SignupStatus.SIGNED_UP, source=SignupSource.WEB
    )
    reply = reply_of(await text(client, "here", v.phone))
    assert ("checked in" in reply) == checked_in, reply
    assert await status_of(signup.id) == (SignupStatus.ATTENDED if checked_in else SignupStatus.SIGNED_UP)
    # the roster and turnout see the time they said HERE, as with the QR self check-in
    assert ((await Signup.get(id=signup.id)).checked_in_at is not None) == checked_in
    if checked_in:
        assert "already checked in" in reply_of(await text(client, "HERE", v.phone))


# ---- replays, signatures, unknown senders, bad input --------------------------------------------------------------


async def test_a_replayed_message_sid_has_one_effect(sms: tuple[Any, httpx.AsyncClient], twilio: FakeTwilio) -> None:
    app, client = sms
    w = await make_place(ORG, capacity=1)
    v = await volunteer_on(w["shift"], 1)
    waiting = await volunteer_on(w["shift"], 2)
    drop = inbound_form("NO", v.phone)
    first = reply_of(await post_form(client, drop))
    again = reply_of(await post_form(client, drop))
    assert first == again and "no longer signed up" in first
    assert await InboundMessage.filter(message_sid=drop["MessageSid"]).count() == 1
    assert await Message.filter(kind=MessageKind.REPLY).count() == 1
    await app.state.queue.drain()
    assert [m["To"] for m in twilio.messages] == [waiting.phone]  # promoted once, told once
    stop = inbound_form("STOP", v.phone)
    assert "unsubscribed" in reply_of(await post_form(client, stop))
    assert "unsubscribed" in reply_of(await post_form(client, stop))  # Twilio missed it: the same answer
    assert await ConsentRecord.filter(volunteer_id=v.id, action=ConsentAction.REVOKED).count() == 1
    assert reply_of(await post_form(client, drop)) == ""  # an older answer is not texted after STOP


async def test_forged_and_retargeted_signatures_are_refused(client: httpx.AsyncClient) -> None:
    w = await make_place(ORG)
    v = await volunteer_on(w["shift"], 1)
    form = inbound_form("STOP", v.phone)
    attempts = [
        {},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        signature(form, token="not-our-token"),
        signature(form, url="https://elsewhere.example/webhooks/twilio/sms"),
        signature(form, url=SMS_URL.replace("/sms", "/status")),  # signed for the other webhook
        signature(form, url=SMS_URL + "?x=1"),
        signature({**form, "Body": "HELP"}),  # the body was changed after signing
        signature({**form, "From": phone(2)}),  # the sender was changed after signing
    ]
    for headers in attempts:
        r = await client.post("/webhooks/twilio/sms", data=form, headers=headers)
        assert r.status_code == 403, headers
    assert not await InboundMessage.exists()
    assert (await volunteer(1)).sms_status == SmsStatus.OPTED_IN


async def test_unknown_numbers_and_unknown_to(client: httpx.AsyncClient) -> None:
    w = await make_place(ORG)
    stranger = phone(99)
    reply = reply_of(await text(client, "Hi, who is this?", stranger))
    assert "text JOIN and the shift's code" in reply
    row = await InboundMessage.get(from_number=stranger)
    assert (row.outcome, row.volunteer_id) == ("unknown_sender", None)
    assert not await Volunteer.exists(phone=stranger)
    # a STOP from a number we never knew is kept (a block on the sender, no record): it outlives the sign-ups to come
    assert "unsubscribed" in reply_of(await text(client, "stop", stranger, to="+15550001111"))
    assert not await Volunteer.exists(phone=stranger)
    assert await SmsBlock.exists(sender="shared", phone=stranger)
    await volunteer_on(w["shift"], 99)
    record = await Volunteer.get(phone=stranger)
    assert record.sms_blocked and shown_sms_status(record) == SmsStatus.OPTED_OUT  # web consent does not undo it
    unknown_to = await InboundMessage.get(to_number="+15550001111")
    assert unknown_to.organization_id is None


async def test_a_number_nobody_knows_hears_how_to_join(client: httpx.AsyncClient) -> None:
    stranger = phone(98)
    assert "unsubscribed" in reply_of(await text(client, "STOP", stranger))  # kept as a block on our sender
    assert reply_of(await text(client, "hello?", stranger)) == ""  # opted out: kept, not answered
    assert "subscribed" in reply_of(await text(client, "START", stranger))
    assert "text JOIN and the shift's code" in reply_of(await text(client, "hello again", stranger))
    rows = await InboundMessage.filter(from_number=stranger).order_by("id")
    assert [(r.outcome, bool(r.reply)) for r in rows] == [
        ("stopped", True),
        ("unknown_sender", False),  # the number stopped our sender: nothing but the confirmation
        ("started", True),
        ("unknown_sender", True),
    ]
    assert not await InboxThread.exists()
    assert await Message.filter(kind=MessageKind.REPLY, to_address=stranger).count() == 3


@pytest.mark.parametrize(
    "body",
    ["", " ", "x" * 1600, "y" * 5000, "\U0001f44d\U0001f3fd", "\u0645\u0631\u062d\u0628\u0627", "\u4f60", "a\x00b"],
    ids=["empty", "space", "1600", "5000", "emoji", "arabic", "chinese", "nul"],
)
async def test_odd_bodies_are_recorded_and_answered(client: httpx.AsyncClient, body: str) -> None:
    w = await make_place(ORG)
    v = await volunteer_on(w["shift"], 1)
    r = await text(client, body, v.phone, NumMedia="1" if not body.strip() else "0")
    assert reply_of(r) == ""
    row = await InboundMessage.get(from_number=v.phone)
    assert row.body == body.replace("\x00", "") and row.outcome == "inbox"
    thread = await InboxThread.get(volunteer_id=v.id)
    assert thread.last_preview == (body.replace("\x00", "")[:160] if body.strip() else "(1 attachment(s))")


async def test_malformed_requests(client: httpx.AsyncClient) -> None:
    good = inbound_form("hello", phone(1))
    cases: list[tuple[dict[str, str], int]] = [
        ({k: v for k, v in good.items() if k != "MessageSid"}, 400),
        ({k: v for k, v in good.items() if k != "From"}, 400),
        ({**good, "MessageSid": "SM" + "9" * 100}, 400),
        ({**good, "From": "+1312\x00555"}, 400),
        ({k: v for k, v in good.items() if k not in ("Body", "To")}, 200),  # recorded as an empty message
        ({**good, "MessageSid": new_sid(), "From": "not a phone"}, 200),  # recorded; nobody to answer
        ({**good, "MessageSid": new_sid(), "From": "12345"}, 200),  # a short code
        ({**good, "MessageSid": new_sid(), "NumMedia": "lots"}, 200),
    ]
    for form, status in cases:
        r = await post_form(client, form)
        assert r.status_code == status, (form, r.text)
        if status == 200:
            reply_of(r)  # TwiML
    assert await InboundMessage.filter(outcome="bad_sender").count() == 2
    assert await InboundMessage.all().count() == 4


# ---- arbitrary bodies ------------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(max_size=1700))
async def test_any_body_gets_one_answer_and_one_record(client: httpx.AsyncClient, body: str) -> None:
    before = await InboundMessage.all().count()
    form = inbound_form(body, phone(7))
    r = await post_form(client, form)
    reply = reply_of(r)  # 200, TwiML, at most one <Message>
    assert await InboundMessage.all().count() == before + 1
    row = await InboundMessage.get(message_sid=form["MessageSid"])
    assert row.outcome and row.reply == reply


@settings(max_examples=200, deadline=None)
@given(reply=st.text(max_size=300))
def test_twiml_is_what_twilios_library_writes(reply: str) -> None:
    from twilio.twiml.messaging_response import MessagingResponse

    from mobilize.web.webhooks import twiml

    expected = MessagingResponse()
    if reply:
        expected.message(reply)
    assert twiml(reply).body.decode() == str(expected)


async def test_yes_to_an_ask_to_fill_a_shift_signs_up_once(client: httpx.AsyncClient) -> None:
    """Gap filling (services/gaps/filling.py) asks standby volunteers by SMS; their YES comes through this grammar."""
    from datetime import time

    from mobilize.models import GapAnswer, GapRequest, Standby
    from mobilize.services.gaps.filling import GapRules, fill_gaps

    w = await make_place(ORG)
    await Shift.filter(id=w["shift"].id).update(target=0)
    person = await make_person(
        w["event"].organization_id, name="Standby", phone=phone(77), sms_status=SmsStatus.OPTED_IN
    )
    await Standby.create(group=w["group"], volunteer=person)
    shift = await make_shift(w["event"], capacity=5, target=2, starts_at=datetime.now(UTC) + timedelta(hours=6))
    await fill_gaps(datetime.now(UTC), GapRules(quiet=(time(0, 0), time(0, 0))))
    await Message.filter(kind=MessageKind.GAP_REQUEST).update(state=MessageState.SENT, sent_at=datetime.now(UTC))
    assert reply_of(await text(client, "Yes!", person.phone or "")) == ""  # the confirmation comes from the outbox
    signup = await Signup.get(shift_id=shift.id, volunteer_id=person.id)
    assert signup.source == SignupSource.SMS and signup.status == SignupStatus.SIGNED_UP
    assert (await GapRequest.get(volunteer_id=person.id)).answer == GapAnswer.YES
    await text(client, "YES", person.phone or "")  # a second YES confirms the seat; no second sign-up
    assert await Signup.filter(volunteer_id=person.id).count() == 1
