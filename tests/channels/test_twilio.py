"""SMS through Twilio's real client against a local server speaking its Messages API (tests/fakes), and
the delivery status webhook signed exactly as Twilio signs it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from mobilize import links
from mobilize.app import create_app
from mobilize.channels.base import OutgoingSms
from mobilize.channels.sms import LoggingSmsSender, TwilioSmsSender, sms_sender
from mobilize.models import ConsentRecord, Message, MessageState, SmsStatus, Volunteer
from mobilize.services import delivery
from mobilize.settings import ConfigurationError
from tests.clock import daytime
from tests.conftest import PUBLIC, make_settings
from tests.factories import make_world, volunteer_body
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, free_port, running

FROM = "+15005550006"
STATUS_URL = PUBLIC + "/webhooks/twilio/status"


def twilio_env(fake: FakeTwilio, **extra: str) -> dict[str, str]:
    env = {
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_FROM_NUMBER": FROM,
        "TWILIO_API_BASE_URL": fake.base_url,
    }
    env.update(extra)
    return env


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with running() as fake:
        yield fake


@pytest.fixture
async def twilio_app(migrated: str, twilio: FakeTwilio) -> AsyncIterator[Any]:
    """An app whose worker texts through the fake Twilio."""
    application = create_app(make_settings(migrated, **twilio_env(twilio)), manage_db=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def twilio_client(twilio_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=twilio_app), base_url=PUBLIC) as c:
        yield c


async def sign_up(app: Any, client: httpx.AsyncClient, n: int = 1) -> Message:
    """A public sign-up with SMS consent, its messages delivered by the in-process queue; its SMS row."""
    w = await make_world()
    r = await client.post(f"/api/v1/public/shifts/{w['shift'].id}/signups", json=volunteer_body(n, sms_opt_in=True))
    assert r.status_code == 201, r.text
    await app.state.queue.drain()
    return await Message.get(kind="confirmation", channel="sms", to_address=f"+1312555{n:04d}")


def deliver(app: Any, message_id: int, now: datetime) -> Any:
    ctx = app.state.queue.ctx
    return delivery.deliver(message_id, ctx["sms"], ctx["email"], now=now)


def signed(params: dict[str, str], url: str = STATUS_URL, token: str = AUTH_TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def callback(sid: str, status: str, **extra: str) -> dict[str, str]:
    """The form Twilio posts to a StatusCallback."""
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "From": FROM,
        "MessageSid": sid,
        "MessageStatus": status,
        "SmsSid": sid,
        "SmsStatus": status,
        "To": "+13125550001",
        **extra,
    }


# ---- picking the sender ------------------------------------------------------------------------------


def test_sender_is_picked_from_settings() -> None:
    fake = FakeTwilio(port=1)
    assert isinstance(sms_sender(make_settings("sqlite://:memory:")), LoggingSmsSender)
    picked = sms_sender(make_settings("sqlite://:memory:", **twilio_env(fake)))
    assert isinstance(picked, TwilioSmsSender)
    assert picked.from_number == FROM and picked.api_base_url == fake.base_url
    assert picked.status_callback_url == links.twilio_status_url(PUBLIC) == STATUS_URL
    with pytest.raises(ConfigurationError, match="TWILIO_FROM_NUMBER"):
        sms_sender(make_settings("sqlite://:memory:", **twilio_env(fake, TWILIO_FROM_NUMBER="")))


# ---- the channel alone ---------------------------------------------------------------------------------


async def test_messaging_service_errors_and_network_failures(twilio: FakeTwilio) -> None:
    service = "MG" + "b2" * 16
    sender = TwilioSmsSender(
        ACCOUNT_SID, AUTH_TOKEN, messaging_service_sid=service, from_number=FROM, api_base_url=twilio.base_url
    )
    try:
        result = await sender.send(OutgoingSms("+13125550001", "hello", "1"))
        assert result.ok and result.provider_id == twilio.messages[0]["Sid"]
        sent = twilio.messages[0]
        assert sent["MessagingServiceSid"] == service and "From" not in sent and "StatusCallback" not in sent
        assert "ValidityPeriod" not in sent
        twilio.fail_next_requests(1, status=500)
        assert (await sender.send(OutgoingSms("+13125550001", "hello", "1"))).retryable
        twilio.fail_to["+13125550002"] = 21614
        result = await sender.send(OutgoingSms("+13125550002", "hello", "2"))
        assert result.invalid_recipient and not result.retryable and "21614" in result.error
    finally:
        await sender.close()
    bad_token = TwilioSmsSender(ACCOUNT_SID, "wrong", from_number=FROM, api_base_url=twilio.base_url)
    try:
        result = await bad_token.send(OutgoingSms("+13125550001", "hello", "1"))
        assert not result.ok and not result.retryable and "20003" in result.error
    finally:
        await bad_token.close()
    nobody = TwilioSmsSender(ACCOUNT_SID, AUTH_TOKEN, from_number=FROM, api_base_url=f"http://127.0.0.1:{free_port()}")
    try:
        result = await nobody.send(OutgoingSms("+13125550001", "hello", "1"))
        assert not result.ok and result.retryable and "unreachable" in result.error
        assert not result.in_doubt  # no connection: Twilio cannot have it
    finally:
        await nobody.close()
    assert len(twilio.messages) == 1


# ---- the outbox through Twilio ------------------------------------------------------------------------


async def test_signup_texts_once_through_twilio(
    twilio_app: Any, twilio_client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    message = await sign_up(twilio_app, twilio_client)
    assert len(twilio.messages) == 1
    sent = twilio.messages[0]
    assert sent["To"] == "+13125550001" and sent["From"] == FROM and sent["Body"] == message.body
    assert "you're signed up for Picket at the gate" in sent["Body"] and "Reply STOP" in sent["Body"]
    assert sent["StatusCallback"] == f"{STATUS_URL}?ref={message.id}"
    assert sent["ValidityPeriod"] == "36000"  # the shift is a day away: Twilio's maximum
    assert message.state == MessageState.SENT and message.provider_id == sent["Sid"]
    assert sent["Sid"].startswith("SM") and len(sent["Sid"]) == 34


@daytime
async def test_rate_limited_then_sent_later(
    twilio_app: Any, twilio_client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    twilio.fail_next_requests(1, status=429)
    message = await sign_up(twilio_app, twilio_client)
    assert message.state == MessageState.PENDING and message.attempts == 1 and "20429" in message.last_error
    assert message.due_at > datetime.now(UTC) and twilio.messages == []
    done = await deliver(twilio_app, message.id, datetime.now(UTC) + timedelta(minutes=5))
    assert done is not None and done.state == MessageState.SENT
    assert [m["To"] for m in twilio.messages] == ["+13125550001"] and done.provider_id == twilio.messages[0]["Sid"]


async def test_stop_at_twilio_opts_the_volunteer_out(
    twilio_app: Any, twilio_client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    twilio.fail_to["+13125550001"] = 21610
    message = await sign_up(twilio_app, twilio_client)
    assert message.state == MessageState.FAILED and "21610" in message.last_error
    volunteer = await Volunteer.get(phone="+13125550001")
    assert volunteer.sms_status == SmsStatus.OPTED_OUT
    assert await ConsentRecord.filter(volunteer_id=volunteer.id, source="provider").count() == 1
    requests = twilio.requests
    later = await Message.create(
        volunteer=volunteer,
        channel="sms",
        kind="confirmation",
        to_address=volunteer.phone,
        body="b",
        due_at=datetime.now(UTC),
        dedupe_key="later",
    )
    done = await deliver(twilio_app, later.id, datetime.now(UTC))
    assert done is not None and done.state == MessageState.SKIPPED
    assert twilio.requests == requests and twilio.messages == []


async def test_invalid_number_fails_without_retry(
    twilio_app: Any, twilio_client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    twilio.fail_to["+13125550001"] = 21211
    message = await sign_up(twilio_app, twilio_client)
    assert message.state == MessageState.FAILED and message.attempts == 1 and "21211" in message.last_error
    later = datetime.now(UTC) + timedelta(hours=1)
    assert message.id not in [i for i, _ in await delivery.due_messages(later)]
    assert await deliver(twilio_app, message.id, later) is None
    assert twilio.requests == 1
    assert (await Volunteer.get(phone="+13125550001")).sms_status == SmsStatus.OPTED_IN


# ---- the status webhook ---------------------------------------------------------------------------------


async def test_status_callbacks_move_the_message_forward_only(
    twilio_app: Any, twilio_client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    message = await sign_up(twilio_app, twilio_client)
    sid, url = twilio.messages[0]["Sid"], twilio.messages[0]["StatusCallback"]
    path = url.removeprefix(PUBLIC)

    async def post(params: dict[str, str], headers: dict[str, str]) -> httpx.Response:
        return await twilio_client.post(path, data=params, headers=headers)

    sent = callback(sid, "sent")
    assert (await post(sent, signed(sent, url))).status_code == 204
    assert (await Message.get(id=message.id)).state == MessageState.SENT
    delivered = callback(sid, "delivered")
    for _ in range(2):  # Twilio retries on timeout: a replay is harmless
        r = await post(delivered, signed(delivered, url))
        assert r.status_code == 204 and r.content == b""
        assert (await Message.get(id=message.id)).state == MessageState.DELIVERED
    # late or replayed earlier statuses and a late failure never move it back
    for params in (sent, callback(sid, "failed", ErrorCode="30003")):
        assert (await post(params, signed(params, url))).status_code == 204
    assert (await Message.get(id=message.id)).state == MessageState.DELIVERED
    # an unknown message is acknowledged and ignored
    unknown = callback("SM" + "0" * 32, "delivered")
    assert (await post(unknown, signed(unknown, url))).status_code == 204


async def test_status_callback_failure_records_the_error_and_opt_out(
    twilio_app: Any, twilio_client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    message = await sign_up(twilio_app, twilio_client)
    sid = twilio.messages[0]["Sid"]
    params = callback(sid, "undelivered", ErrorCode="30006")
    assert (await twilio_client.post("/webhooks/twilio/status", data=params, headers=signed(params))).status_code == 204
    row = await Message.get(id=message.id)
    assert row.state == MessageState.UNDELIVERED and "30006" in row.last_error
    other = await sign_up(twilio_app, twilio_client, n=2)
    params = callback(twilio.messages[1]["Sid"], "failed", ErrorCode="21610", To="+13125550002")
    for _ in range(2):
        r = await twilio_client.post("/webhooks/twilio/status", data=params, headers=signed(params))
        assert r.status_code == 204
    row = await Message.get(id=other.id)
    assert row.state == MessageState.FAILED and "21610" in row.last_error
    volunteer = await Volunteer.get(phone="+13125550002")
    assert volunteer.sms_status == SmsStatus.OPTED_OUT
    assert await ConsentRecord.filter(volunteer_id=volunteer.id, source="provider").count() == 1
    assert (await Volunteer.get(phone="+13125550001")).sms_status == SmsStatus.OPTED_IN


async def test_status_callback_signature_is_checked(
    twilio_app: Any, twilio_client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    message = await sign_up(twilio_app, twilio_client)
    params = callback(twilio.messages[0]["Sid"], "delivered")
    path = "/webhooks/twilio/status"
    attempts = [
        {},  # no signature
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},  # forged
        signed(params, token="not-our-token"),
        signed(params, url="https://elsewhere.example/webhooks/twilio/status"),  # signed for another URL
        signed(params, url=STATUS_URL + "?x=1"),
        signed({**params, "MessageStatus": "sent"}),  # the parameters were changed after signing
    ]
    for headers in attempts:
        r = await twilio_client.post(path, data=params, headers=headers)
        assert r.status_code == 403, headers
    assert (await Message.get(id=message.id)).state == MessageState.SENT
    # a query string is part of what Twilio signs
    r = await twilio_client.post(path + "?x=1", data=params, headers=signed(params, url=STATUS_URL + "?x=1"))
    assert r.status_code == 204
    assert (await Message.get(id=message.id)).state == MessageState.DELIVERED


async def test_status_callback_without_an_auth_token_is_refused(client: httpx.AsyncClient) -> None:
    params = callback("SM" + "1" * 32, "delivered")
    r = await client.post("/webhooks/twilio/status", data=params, headers=signed(params))
    assert r.status_code == 403


async def test_a_receipt_that_overtakes_the_worker_recording_the_send_is_kept(
    twilio_app: Any, twilio_client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    """Twilio may post "delivered" before our worker has written down the sid it got back: our id in the
    callback URL finds the message anyway, and the worker's late record does not move it back."""
    message = await sign_up(twilio_app, twilio_client)
    sid, url = twilio.messages[0]["Sid"], twilio.messages[0]["StatusCallback"]
    await Message.filter(id=message.id).update(state=MessageState.SENDING, provider_id=None, sent_at=None)
    delivered = callback(sid, "delivered")
    r = await twilio_client.post(url.removeprefix(PUBLIC), data=delivered, headers=signed(delivered, url))
    assert r.status_code == 204
    after = await Message.get(id=message.id)
    assert after.state == MessageState.DELIVERED and after.provider_id == sid and after.sent_at is not None
    # the worker now records "sent": guarded by state "sending", it changes nothing
    assert not await Message.filter(id=message.id, state=MessageState.SENDING).update(state=MessageState.SENT)
    # a forged ref (our id, someone else's sid) does not touch it
    other = callback("SM" + "1" * 32, "failed", ErrorCode="30003")
    r = await twilio_client.post(url.removeprefix(PUBLIC), data=other, headers=signed(other, url))
    assert r.status_code == 204 and (await Message.get(id=message.id)).state == MessageState.DELIVERED


async def test_an_sms_in_doubt_is_looked_up_at_twilio_not_sent_twice(
    twilio_app: Any, twilio_client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    """A worker died after Twilio took the message but before recording it: the retry finds it there."""
    message = await sign_up(twilio_app, twilio_client)
    assert len(twilio.messages) == 1
    await Message.filter(id=message.id).update(state=MessageState.PENDING, provider_id=None, in_doubt=True)
    done = await deliver(twilio_app, message.id, datetime.now(UTC))
    assert done is not None and done.state == MessageState.SENT and done.provider_id == twilio.messages[0]["Sid"]
    assert len(twilio.messages) == 1  # looked up, not sent again
    # never reached Twilio: sent now
    twilio.messages.clear()
    twilio._by_to.clear()
    await Message.filter(id=message.id).update(state=MessageState.PENDING, provider_id=None, in_doubt=True)
    done = await deliver(twilio_app, message.id, datetime.now(UTC))
    assert done is not None and done.state == MessageState.SENT and len(twilio.messages) == 1


@daytime
async def test_a_send_whose_answer_never_came_is_looked_up_before_it_goes_again(
    twilio_app: Any, twilio_client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    """Twilio took the message but its answer did not arrive in time: the retry finds it at Twilio."""
    twilio.answer_delay = 1.0
    twilio_app.state.queue.ctx["sms"].timeout = 0.3
    message = await sign_up(twilio_app, twilio_client)
    assert message.state == MessageState.PENDING and message.in_doubt and "did not answer" in message.last_error
    assert len(twilio.messages) == 1  # Twilio has it
    twilio.answer_delay = 0
    done = await deliver(twilio_app, message.id, datetime.now(UTC) + timedelta(minutes=5))
    assert done is not None and done.state == MessageState.SENT and not done.in_doubt
    assert done.provider_id == twilio.messages[0]["Sid"] and len(twilio.messages) == 1  # not sent twice
