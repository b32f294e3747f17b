"""Email over real SMTP (an aiosmtpd server in the test process): the message's MIME shape and headers, the
calendar invitation read back by icalendar and by ical.js, and the outbox end to end: a sign-up mails a
METHOD:REQUEST, a drop mails a METHOD:CANCEL for the same UID, a 451 is retried later, a 550 is final."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session

from mobilize.app import create_app
from mobilize.calendar.feeds import EventRow, ShiftRow
from mobilize.calendar.invitations import Invitation, build_invitation, sequence
from mobilize.channels.base import OutgoingEmail
from mobilize.channels.email import LoggingEmailSender, SmtpConfig, SmtpEmailSender, email_sender, text_to_html
from mobilize.models import Message, MessageKind, MessageState, Signup
from mobilize.services import delivery
from tests.conftest import PUBLIC, make_settings
from tests.factories import make_world, volunteer_body
from tests.feeds.test_feeds import ical_js, run_ical_js  # noqa: F401 - the session fixture that installs and finds ical.js

MAIL_FROM = "Local 100 <mobilize@local100.example>"
CHICAGO = ZoneInfo("America/Chicago")


# ---- an SMTP server ---------------------------------------------------------------------------


@dataclass
class Sink:
    """aiosmtpd handler: keeps every message accepted; `rcpt_replies` scripts the answers to RCPT TO."""

    port: int = 0
    controller: Controller | None = None
    envelopes: list[Envelope] = field(default_factory=list)
    rcpt_replies: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.original_content or b"", policy=email.policy.default)  # type: ignore[misc]
            for e in self.envelopes
        ]


def free_port() -> int:
    # aiosmtpd's Controller(port=0) probes port 0 for readiness and fails: take a free port first.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(sink: Sink) -> None:
    sink.controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    sink.controller.start()


def stop_server(sink: Sink) -> None:
    # Closes the listener and any open session, as a server restart would.
    if sink.controller is not None:
        sink.controller.stop()
        sink.controller = None


@pytest.fixture
def smtp_server() -> Iterator[Sink]:
    sink = Sink(port=free_port())
    start_server(sink)
    try:
        yield sink
    finally:
        stop_server(sink)


# ---- reading an invitation ----------------------------------------------------------------------


def parts(message: EmailMessage) -> list[tuple[str, str | None, str | None]]:
    """(content type, method parameter, filename) of every leaf part, in order."""
    found: list[tuple[str, str | None, str | None]] = []
    for part in message.walk():
        if not part.is_multipart():
            method = part.get_param("method")
            found.append((part.get_content_type(), str(method) if method else None, part.get_filename()))
    return found


def calendar_part(message: EmailMessage) -> tuple[bytes, str]:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload, str(part.get_param("method"))
    raise AssertionError("no text/calendar part")


@dataclass
class Invite:
    cal: Any
    event: Any
    js: dict[str, Any]


async def read_invite(body: bytes, ical_js: Path) -> Invite:  # noqa: F811 - the fixture's value
    """Both parsers agree, and every invitation has what RFC 5545 and 5546 ask for."""
    for line in body.split(b"\r\n")[:-1]:
        assert len(line) <= 75 and b"\n" not in line and b"\r" not in line, line
    js = await run_ical_js(body, ical_js)
    cal: Any = icalendar.Calendar.from_ical(body)
    events = cal.walk("VEVENT")
    assert len(events) == 1 and len(js["events"]) == 1
    event = events[0]
    for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "STATUS", "SUMMARY", "ORGANIZER", "ATTENDEE"):
        assert name in event, f"no {name}"
    zones = [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")]
    assert zones == js["timezones"] == [event["DTSTART"].params["TZID"]]
    one = js["events"][0]
    assert js["properties"]["method"]["value"] == str(cal["METHOD"])
    assert one["uid"] == str(event["UID"]) and one["sequence"] == int(event["SEQUENCE"])
    assert one["status"] == str(event["STATUS"]) and one["description"] == str(event["DESCRIPTION"])
    assert {"organizer", "attendee"} <= set(one["properties"])
    assert datetime.fromisoformat(one["dtstart"]["utc"]) == event.decoded("DTSTART")
    assert datetime.fromisoformat(one["dtend"]["utc"]) == event.decoded("DTEND")
    return Invite(cal, event, js)


def sample_invitation(title: str = "Picket at the gate", **extra: Any) -> Invitation:
    starts = datetime(2026, 7, 4, 15, 0, tzinfo=UTC)  # 10:00 in Chicago (CDT)
    event = EventRow(
        id=7,
        title=title,
        timezone="America/Chicago",
        url=f"{PUBLIC}/events/7",
        updated_at=starts - timedelta(days=3),
        address="1 Gate Rd",
        city="Chicago",
        region="IL",
        postal_code="60614",
        sequence=1,
    )
    shift = ShiftRow(
        id=42, event=event, starts_at=starts, ends_at=starts + timedelta(hours=3), updated_at=starts, sequence=2
    )
    values: dict[str, Any] = {
        "shift": shift,
        "uid_domain": "testserver",
        "organizer_name": "Local 100",
        "organizer_email": MAIL_FROM,
        "attendee_name": "Ana Díaz",
        "attendee_email": "ana@example.org",
        "manage_url": f"{PUBLIC}/signups/tok",
    }
    values.update(extra)
    return Invitation(**values)


# ---- the channel --------------------------------------------------------------------------------


def test_smtp_url_forms() -> None:
    plain = SmtpConfig.from_url("smtp://mail.example.org")
    assert (plain.port, plain.use_tls, plain.start_tls, plain.username) == (25, False, False, None)
    submission = SmtpConfig.from_url("smtp://u%40example.org:p%3Ass%2Fw@mail.example.org:587")
    assert (submission.port, submission.start_tls, submission.username, submission.password) == (
        587,
        True,
        "u@example.org",
        "p:ss/w",
    )
    assert SmtpConfig.from_url("smtp://mail.example.org:2525?starttls=1").start_tls
    assert not SmtpConfig.from_url("smtp://mail.example.org:587?starttls=0").start_tls
    tls = SmtpConfig.from_url("smtps://mail.example.org")
    assert (tls.port, tls.use_tls, tls.start_tls) == (465, True, False)
    with pytest.raises(ValueError):
        SmtpConfig.from_url("http://mail.example.org")


def test_sender_follows_the_settings() -> None:
    assert isinstance(email_sender(make_settings("sqlite://:memory:")), LoggingEmailSender)
    picked = email_sender(make_settings("sqlite://:memory:", SMTP_URL="smtp://127.0.0.1:2525", MAIL_FROM=MAIL_FROM))
    assert isinstance(picked, SmtpEmailSender) and picked.sender == "mobilize@local100.example"


def test_html_is_escaped_with_paragraphs_and_links() -> None:
    page = text_to_html("Hi <b>Ana</b> & co,\n\nSee https://x.example/signups/a?b=1&c=2.\nBye\n\n-- Local")
    assert "&lt;b&gt;Ana&lt;/b&gt; &amp; co" in page and "<b>" not in page
    assert '<a href="https://x.example/signups/a?b=1&amp;c=2">https://x.example/signups/a?b=1&amp;c=2</a>.' in page
    assert page.count("<p>") == 3 and "<br>Bye" in page
    assert "<a" not in text_to_html("javascript:alert(1) data:text/html,x")  # http(s) links only


async def test_invitation_email_shape_and_contents(smtp_server: Sink, ical_js: Path) -> None:  # noqa: F811
    invitation = sample_invitation(title="Picket\r\nATTENDEE:mailto:evil@example.org")
    stamp = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    sender = SmtpEmailSender(smtp_server.url, MAIL_FROM)
    try:
        result = await sender.send(
            OutgoingEmail(
                "ana@example.org",
                "Signed up: Picket",
                "Hello Ana,\n\nSee or drop your shifts: http://testserver/signups/tok",
                reference="12",
                to_name='Ana "the boss" Díaz',
                calendar=build_invitation(invitation, "REQUEST", stamp),
                calendar_method="REQUEST",
            )
        )
        assert result.ok and result.provider_id and len(result.provider_id) <= 64
        # the same connection serves the next message
        assert (await sender.send(OutgoingEmail("bo@example.org", "Second", "text"))).ok
    finally:
        await sender.close()
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["ana@example.org"], ["bo@example.org"]]
    assert smtp_server.envelopes[0].mail_from == "mobilize@local100.example"
    message = smtp_server.messages()[0]
    assert message["From"] == MAIL_FROM and message["Subject"] == "Signed up: Picket"
    assert message["To"].addresses[0].addr_spec == "ana@example.org"
    assert message["To"].addresses[0].display_name == 'Ana "the boss" Díaz'
    assert message["Message-ID"] == result.provider_id
    assert message.get_content_type() == "multipart/mixed"
    alternative = next(p for p in message.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    assert parts(message) == [
        ("text/plain", None, None),
        ("text/html", None, None),
        ("text/calendar", "REQUEST", "invite.ics"),
        ("application/ics", None, "invite.ics"),
    ]
    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_content()
    assert '<a href="http://testserver/signups/tok">' in html
    body, method = calendar_part(message)
    assert method == "REQUEST"
    invite = await read_invite(body, ical_js)
    event = invite.event
    assert str(invite.cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == "shift-42@testserver"  # the feed's UID for this shift
    assert int(event["SEQUENCE"]) == 3 and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:mobilize@local100.example"
    assert event["ORGANIZER"].params["CN"] == "Local 100"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:ana@example.org" and attendee.params["CN"] == "Ana Díaz"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT" and attendee.params["PARTSTAT"] == "ACCEPTED"
    # wall time in the event's zone, with the VTIMEZONE that defines it
    assert event["DTSTART"].params["TZID"] == "America/Chicago"
    assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2026, 7, 4, 10, 0)
    assert invite.js["events"][0]["dtstart"]["local"] == "2026-07-04T10:00:00"
    assert str(event["LOCATION"]) == "1 Gate Rd, Chicago, IL 60614"
    description = str(event["DESCRIPTION"])
    assert "Event page: http://testserver/events/7" in description and "http://testserver/signups/tok" in description
    # a typed line break stays inside the title: no property was injected
    assert str(event["SUMMARY"]) == "Picket\nATTENDEE:mailto:evil@example.org"
    assert b"\r\nATTENDEE:mailto:evil" not in body


async def test_cancel_keeps_the_uid_and_raises_the_sequence(ical_js: Path) -> None:  # noqa: F811
    invitation = sample_invitation()
    stamp = datetime(2026, 7, 2, tzinfo=UTC)
    request = await read_invite(build_invitation(invitation, "REQUEST", stamp), ical_js)
    cancel = await read_invite(build_invitation(invitation, "CANCEL", stamp), ical_js)
    assert str(cancel.cal["METHOD"]) == "CANCEL" and str(cancel.event["STATUS"]) == "CANCELLED"
    assert str(cancel.event["UID"]) == str(request.event["UID"])
    assert int(cancel.event["SEQUENCE"]) > int(request.event["SEQUENCE"])
    # signing up again after a drop: above the CANCEL, or mail clients would ignore it as outdated
    again = Invitation(**{**{f: getattr(invitation, f) for f in Invitation.__slots__}, "revision": 1})
    assert sequence(again, "REQUEST") > sequence(invitation, "CANCEL")


async def test_refused_connection_is_retryable_and_a_dropped_one_is_reopened(smtp_server: Sink) -> None:
    closed = SmtpEmailSender(f"smtp://127.0.0.1:{free_port()}", MAIL_FROM)
    result = await closed.send(OutgoingEmail("ana@example.org", "s", "t"))
    assert not result.ok and result.retryable and not result.invalid_recipient
    await closed.close()

    sender = SmtpEmailSender(smtp_server.url, MAIL_FROM)
    try:
        assert (await sender.send(OutgoingEmail("ana@example.org", "one", "t"))).ok
        # the server goes away and comes back (a restart, an idle timeout): the next message reconnects
        restarted = Sink(port=smtp_server.port)
        await asyncio.to_thread(stop_server, smtp_server)
        await asyncio.to_thread(start_server, restarted)
        try:
            assert (await sender.send(OutgoingEmail("ana@example.org", "two", "t"))).ok
        finally:
            await asyncio.to_thread(stop_server, restarted)
        assert [m["Subject"] for m in restarted.messages()] == ["two"]
    finally:
        await sender.close()


async def test_smtp_errors_map_to_outbox_outcomes(smtp_server: Sink) -> None:
    sender = SmtpEmailSender(smtp_server.url, MAIL_FROM)
    try:
        smtp_server.rcpt_replies = ["451 4.3.0 Try again later", "550 5.1.1 No such user", "553 5.1.3 Bad address"]
        deferred = await sender.send(OutgoingEmail("ana@example.org", "s", "t"))
        assert not deferred.ok and deferred.retryable and "451" in deferred.error
        unknown = await sender.send(OutgoingEmail("nobody@example.org", "s", "t"))
        assert not unknown.ok and unknown.invalid_recipient and not unknown.retryable and "550" in unknown.error
        bad = await sender.send(OutgoingEmail("bad@example.org", "s", "t"))
        assert bad.invalid_recipient and "553" in bad.error
        assert (await sender.send(OutgoingEmail("ana@example.org", "s", "t"))).ok  # the connection still works
    finally:
        await sender.close()


# ---- the outbox end to end ----------------------------------------------------------------------


@pytest.fixture
async def smtp_app(migrated: str, smtp_server: Sink) -> AsyncIterator[Any]:
    """An app whose worker mails through the test SMTP server."""
    settings = make_settings(migrated, SMTP_URL=smtp_server.url, MAIL_FROM=MAIL_FROM)
    application = create_app(settings, manage_db=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def smtp_client(smtp_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=smtp_app), base_url=PUBLIC) as c:
        yield c


async def test_signup_mails_an_invitation_and_a_drop_cancels_it(
    smtp_app: Any,
    smtp_client: httpx.AsyncClient,
    smtp_server: Sink,
    ical_js: Path,  # noqa: F811
) -> None:
    w = await make_world(capacity=1)
    shift = w["shift"]
    r = await smtp_client.post(f"/api/v1/public/shifts/{shift.id}/signups", json=volunteer_body(1))
    assert r.status_code == 201, r.text
    signup_id = r.json()["id"]
    await smtp_app.state.queue.drain()
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["v1@example.org"]]
    confirmation = smtp_server.messages()[0]
    assert confirmation["Subject"] == "Signed up: Picket at the gate" and confirmation["From"] == MAIL_FROM
    body, method = calendar_part(confirmation)
    request = await read_invite(body, ical_js)
    assert method == "REQUEST" and str(request.cal["METHOD"]) == "REQUEST"
    assert str(request.event["UID"]) == f"shift-{shift.id}@testserver"
    assert request.event.decoded("DTSTART") == shift.starts_at
    assert request.event["DTSTART"].params["TZID"] == "America/Chicago"
    assert str(request.event["ATTENDEE"]) == "mailto:v1@example.org"
    assert str(request.event["ORGANIZER"]) == "mailto:mobilize@local100.example"
    volunteer = (await Signup.get(id=signup_id).prefetch_related("volunteer")).volunteer
    assert f"{PUBLIC}/signups/{volunteer.manage_token}" in str(request.event["DESCRIPTION"])
    assert (await Message.get(signup_id=signup_id, channel="email", kind="confirmation")).state == MessageState.SENT

    # someone waiting gets the freed seat; the one who dropped gets the CANCEL
    r = await smtp_client.post(f"/api/v1/public/shifts/{shift.id}/signups", json=volunteer_body(2))
    assert r.json()["status"] == "waitlisted"
    await smtp_app.state.queue.drain()
    waitlist = smtp_server.messages()[-1]
    assert waitlist["Subject"].startswith("Waitlisted:") and "text/calendar" not in [p[0] for p in parts(waitlist)]
    r = await smtp_client.patch(f"/api/v1/signups/{signup_id}", json={"status": "cancelled"}, headers=w["headers"])
    assert r.status_code == 200
    await smtp_app.state.queue.drain()
    by_subject = {m["Subject"]: m for m in smtp_server.messages()[2:]}
    assert set(by_subject) == {"Cancelled: Picket at the gate", "You're in: Picket at the gate"}
    cancel_mail = by_subject["Cancelled: Picket at the gate"]
    assert cancel_mail["To"].addresses[0].addr_spec == "v1@example.org"
    body, method = calendar_part(cancel_mail)
    cancel = await read_invite(body, ical_js)
    assert method == "CANCEL" and str(cancel.cal["METHOD"]) == "CANCEL"
    assert str(cancel.event["UID"]) == str(request.event["UID"]) and str(cancel.event["STATUS"]) == "CANCELLED"
    assert int(cancel.event["SEQUENCE"]) > int(request.event["SEQUENCE"])
    promoted, method = calendar_part(by_subject["You're in: Picket at the gate"])
    assert method == "REQUEST" and b"mailto:v2@example.org" in promoted.replace(b"\r\n ", b"")
    # cancelling again changes nothing and mails nothing
    r = await smtp_client.patch(f"/api/v1/signups/{signup_id}", json={"status": "cancelled"}, headers=w["headers"])
    await smtp_app.state.queue.drain()
    assert len(smtp_server.envelopes) == 4
    assert await Message.filter(kind=MessageKind.CANCELLED_SIGNUP).count() == 1


async def test_waitlisted_drop_sends_no_cancel(
    smtp_app: Any, smtp_client: httpx.AsyncClient, smtp_server: Sink
) -> None:
    w = await make_world(capacity=0)
    r = await smtp_client.post(f"/api/v1/public/shifts/{w['shift'].id}/signups", json=volunteer_body(1))
    assert r.json()["status"] == "waitlisted"
    await smtp_app.state.queue.drain()
    r = await smtp_client.patch(f"/api/v1/signups/{r.json()['id']}", json={"status": "cancelled"}, headers=w["headers"])
    assert r.status_code == 200
    await smtp_app.state.queue.drain()
    assert [m["Subject"] for m in smtp_server.messages()] == ["Waitlisted: Picket at the gate"]


async def test_451_is_retried_later_and_550_is_final(
    smtp_app: Any, smtp_client: httpx.AsyncClient, smtp_server: Sink
) -> None:
    w = await make_world()
    smtp_server.rcpt_replies = ["451 4.7.1 Greylisted, try again later"]
    r = await smtp_client.post(f"/api/v1/public/shifts/{w['shift'].id}/signups", json=volunteer_body(1))
    assert r.status_code == 201
    await smtp_app.state.queue.drain()
    message = await Message.get(signup_id=r.json()["id"], channel="email", kind="confirmation")
    assert message.state == MessageState.PENDING and message.attempts == 1 and "451" in message.last_error
    now = datetime.now(UTC)
    assert message.due_at > now and smtp_server.envelopes == []
    ctx = smtp_app.state.queue.ctx
    settings = ctx["settings"]
    later = message.due_at + timedelta(seconds=1)
    done = await delivery.deliver(
        message.id, ctx["sms"], ctx["email"], now=later, base_url=settings.public_base_url, mail_from=MAIL_FROM
    )
    assert done is not None and done.state == MessageState.SENT and done.attempts == 2
    assert len(smtp_server.envelopes) == 1 and calendar_part(smtp_server.messages()[0])[1] == "REQUEST"

    smtp_server.rcpt_replies = ["550 5.1.1 No such user here"]
    r = await smtp_client.post(f"/api/v1/public/shifts/{w['shift'].id}/signups", json=volunteer_body(2))
    await smtp_app.state.queue.drain()
    failed = await Message.get(signup_id=r.json()["id"], channel="email", kind="confirmation")
    assert failed.state == MessageState.FAILED and failed.attempts == 1 and "550" in failed.last_error
    assert failed.id not in [i for i, _ in await delivery.due_messages(now + timedelta(days=1))]
    assert len(smtp_server.envelopes) == 1


async def test_organizer_cancellations_tell_everyone_on_the_shift(app: Any, client: httpx.AsyncClient) -> None:
    """Removing a shift or cancelling the event reaches every live sign-up once, by SMS and email, and the
    email takes the invitation out of their calendar (METHOD:CANCEL)."""
    from mobilize.models import Message, Shift
    from tests.factories import make_shift, make_world, soon

    w = await make_world(capacity=1)
    # Starting within the hour: its cancellation is texted at once at any hour (URGENT_NOTICE_HOURS), where
    # one for a shift days away would wait out quiet hours.
    await Shift.filter(id=w["shift"].id).update(starts_at=soon(1), ends_at=soon(4))
    sms, email = app.state.queue.ctx["sms"], app.state.queue.ctx["email"]
    url = f"/api/v1/shifts/{w['shift'].id}/signups"
    for n in (1, 2):  # one seated, one waitlisted
        person = {"name": f"V{n}", "phone": f"+1312555010{n}", "email": f"v{n}@example.org", "sms_opt_in": True}
        body = {"volunteer": person}
        assert (await client.post(url, json=body, headers=w["headers"])).status_code == 201
    await app.state.queue.drain()
    sms.sent.clear()
    email.sent.clear()
    r = await client.delete(f"/api/v1/shifts/{w['shift'].id}", headers=w["headers"])
    assert r.status_code == 200
    await app.state.queue.drain()
    assert sorted(m.to for m in sms.sent) == ["+13125550101", "+13125550102"]
    assert all("the organizers cancelled Picket at the gate" in m.body for m in sms.sent)
    assert sorted(m.to for m in email.sent) == ["v1@example.org", "v2@example.org"]
    assert {m.calendar_method for m in email.sent} == {"CANCEL"}
    # again: nothing new
    await client.delete(f"/api/v1/shifts/{w['shift'].id}", headers=w["headers"])
    await app.state.queue.drain()
    assert len(sms.sent) == 2
    # cancelling the whole event tells the people of its other shifts
    other = await make_shift(w["event"])
    body = {"volunteer": {"name": "V3", "email": "v3@example.org"}}
    assert (await client.post(f"/api/v1/shifts/{other.id}/signups", json=body, headers=w["headers"])).status_code == 201
    await app.state.queue.drain()
    email.sent.clear()
    r = await client.post(f"/api/v1/events/{w['event'].id}/cancel", headers=w["headers"])
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    await app.state.queue.drain()
    assert [m.to for m in email.sent] == ["v3@example.org"]
    assert await Message.filter(kind="cancelled", to_address="v3@example.org").count() == 1
