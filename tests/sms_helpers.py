"""Inbound SMS in tests: Twilio's webhook form, signed as Twilio signs it, posted to the app; an app whose
outbound SMS go to the local fake Twilio; a volunteer signed up with SMS consent."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import unescape
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from mobilize.app import create_app
from mobilize.models import ActionGroup, Message, Organization, Shift, SignupSource, Volunteer
from mobilize.services import signups
from mobilize.services.people import ConsentContext, Contact
from tests.conftest import PUBLIC, make_settings
from tests.factories import make_event, make_shift
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

SHARED_NUMBER = "+15005550006"  # the deployment-wide sender (TWILIO_FROM_NUMBER)
SMS_URL = PUBLIC + "/webhooks/twilio/sms"
_sids = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


def inbound_form(
    body: str, sender: str, *, sid: str | None = None, to: str = SHARED_NUMBER, **extra: str
) -> dict[str, str]:
    """The form Twilio posts for an inbound SMS."""
    sid = sid or new_sid()
    return {
        "ToCountry": "US",
        "ToState": "IL",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "CHICAGO",
        "FromZip": "60614",
        "SmsSid": sid,
        "FromState": "IL",
        "SmsStatus": "received",
        "FromCity": "CHICAGO",
        "Body": body,
        "FromCountry": "US",
        "To": to,
        "ToZip": "60601",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def signature(form: dict[str, str], url: str = SMS_URL, token: str = AUTH_TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, form)}


async def post_form(client: httpx.AsyncClient, form: dict[str, str], **sign: str) -> httpx.Response:
    return await client.post("/webhooks/twilio/sms", data=form, headers=signature(form, **sign))


async def text(client: httpx.AsyncClient, body: str, sender: str, **options: str) -> httpx.Response:
    """A volunteer texts `body` from `sender`: the signed webhook request and our answer."""
    return await post_form(client, inbound_form(body, sender, **options))


def reply_of(response: httpx.Response) -> str:
    """The text of the TwiML <Message>, or "" for an empty <Response/>."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    found = re.findall(r"<Message>(.*?)</Message>", response.text, flags=re.S)
    assert len(found) <= 1, response.text
    return unescape(found[0]) if found else ""


def twilio_env(fake: FakeTwilio, **extra: str) -> dict[str, str]:
    return {
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_FROM_NUMBER": SHARED_NUMBER,
        "TWILIO_API_BASE_URL": fake.base_url,
        "QUIET_HOURS": "00:00-00:00",  # no quiet hours: what is sent does not depend on the time of the run
        **extra,
    }


@asynccontextmanager
async def sms_app(database_url: str, fake: FakeTwilio, **env: str) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    application = create_app(make_settings(database_url, **twilio_env(fake, **env)), manage_db=False)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
            yield application, client


async def volunteer_on(shift: Shift, n: int, *, name: str | None = None) -> Volunteer:
    """Someone signed up for `shift` on the web with SMS consent, without the confirmation and reminders the
    sign-up planned (the SMS tests start from an empty conversation)."""
    contact = Contact(name=name or f"Volunteer {n}", phone=phone(n))
    consent = ConsentContext(source="web", words="I agree to texts")
    result = await signups.sign_up(shift.id, contact, source=SignupSource.WEB, sms_consent=consent)
    await Message.filter(signup_id=result.signup.id).delete()
    return result.volunteer


def phone(n: int) -> str:
    return f"+1312555{n:04d}"


async def make_place(org: str = "local-100", capacity: int = 10) -> dict[str, Any]:
    """An organization with a group, an event and a shift tomorrow: make_world without the organizer (whose
    password hashing costs a third of a second, and the SMS tests need no token)."""
    organization, _ = await Organization.get_or_create(slug=org, defaults={"name": org})
    group = await ActionGroup.create(organization=organization, slug=f"{org}-group", name="Group", postal_code="60614")
    event = await make_event(group)
    shift = await make_shift(event, capacity=capacity)
    return {"organization": organization, "group": group, "event": event, "shift": shift}
