"""Provider webhooks: Twilio's inbound messages and delivery status callbacks. Every request must carry a
valid X-Twilio-Signature for the public URL it was sent to; the rules live in services.inbound.receive and
services.delivery."""

from __future__ import annotations

import logging
from xml.sax.saxutils import escape

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from twilio.request_validator import RequestValidator

from mobilize.services import delivery, inbound
from mobilize.services.inbound import routing
from mobilize.services.outbox import after_commit
from mobilize.settings import Settings
from mobilize.web.text import row_id, unstorable

log = logging.getLogger("mobilize.webhooks")


def signed_by_twilio(request: Request, form: FormData, settings: Settings) -> bool:
    """Whether X-Twilio-Signature matches. Twilio signs the URL it posted to, which behind a proxy is the
    public one: build it from PUBLIC_BASE_URL, never from the Host header. Without an auth token nothing is
    accepted."""
    signature = request.headers.get("x-twilio-signature", "")
    if not signature or settings.twilio_auth_token is None or not str(settings.twilio_auth_token):
        return False
    url = settings.public_base_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return bool(RequestValidator(str(settings.twilio_auth_token)).validate(url, form, signature))


FORM_TYPE = "application/x-www-form-urlencoded"


def not_twilios_form(request: Request) -> Response | None:
    """Twilio posts URL-encoded forms only. Anything else (a multipart body with a file, JSON) is refused before
    it is read: a file would be spooled to disk, and a file field is no string for the signature check."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != FORM_TYPE:
        return PlainTextResponse(f"send {FORM_TYPE}", status_code=400)
    return None


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


MAX_ID_LENGTH = 64  # Twilio's SIDs are 34 characters; numbers far shorter


class BadInbound(ValueError):
    """The form lacks what every inbound message has, or holds what no real one does."""


def inbound_sms(form: FormData) -> inbound.InboundSms:
    """The inbound message's fields. The body keeps everything but NUL characters (which PostgreSQL cannot
    store); the ids and numbers must be there, short, and free of them."""
    values: dict[str, str] = {}
    for name in ("MessageSid", "From", "To", "MessagingServiceSid"):
        value = _field(form, name).strip()
        if len(value) > MAX_ID_LENGTH or "\x00" in value:
            raise BadInbound(f"{name} is malformed")
        values[name] = value
    for name in ("MessageSid", "From"):
        if not values[name]:
            raise BadInbound(f"{name} is required")
    try:
        media = max(0, min(int(_field(form, "NumMedia") or 0), 100))
    except ValueError:
        media = 0
    return inbound.InboundSms(
        message_sid=values["MessageSid"],
        from_number=values["From"],
        to_number=values["To"],
        body=_field(form, "Body").replace("\x00", ""),
        num_media=media,
        messaging_service_sid=values["MessagingServiceSid"],
    )


def twiml(reply: str) -> Response:
    """The TwiML answer: one <Message>, or an empty <Response /> for none. Written out (the same bytes as
    twilio's MessagingResponse, tests/inbound/test_inbound.py compares them): it is on every inbound message's path."""
    inner = f"<Response><Message>{escape(reply)}</Message></Response>" if reply else "<Response />"
    return Response(f'<?xml version="1.0" encoding="UTF-8"?>{inner}', media_type="application/xml")


async def twilio_sms(request: Request) -> Response:
    """POST /webhooks/twilio/sms: a volunteer texted one of our numbers. Recorded and acted on in one short
    transaction, answered in TwiML (a reply, or an empty <Response/>); a retry of the same MessageSid gets
    the same answer and changes nothing. Work it leaves for later (other people's texts) goes to the queue
    once committed."""
    settings: Settings = request.app.state.settings
    refused = not_twilios_form(request)
    if refused is not None:
        return refused
    form = await request.form()
    if not signed_by_twilio(request, form, settings):
        return PlainTextResponse("invalid signature", status_code=403)
    try:
        sms = inbound_sms(form)
    except BadInbound as exc:
        return PlainTextResponse(str(exc), status_code=400)
    shared = routing.SharedSender(settings.twilio_from_number, settings.twilio_messaging_service_sid)
    received = await inbound.receive(
        sms,
        base_url=settings.public_base_url,
        shared=shared,
        quiet=request.app.state.settings.quiet_hours,
        urgent=settings.urgent_notice,
        region=settings.phone_region,
    )
    after_commit.deliver(received.deliver)
    return twiml(received.reply)


async def twilio_status(request: Request) -> Response:
    """POST /webhooks/twilio/status: a message's delivery status changed. Answers 204 at once; replays and
    unknown messages are harmless (Twilio retries on timeout)."""
    settings: Settings = request.app.state.settings
    refused = not_twilios_form(request)
    if refused is not None:
        return refused
    form = await request.form()
    if not signed_by_twilio(request, form, settings):
        return PlainTextResponse("invalid signature", status_code=403)
    sid = _field(form, "MessageSid")
    status = _field(form, "MessageStatus") or _field(form, "SmsStatus")
    error_code = _field(form, "ErrorCode")
    if any(len(value) > MAX_ID_LENGTH or unstorable(value) for value in (sid, status, error_code)):
        return PlainTextResponse("malformed status callback", status_code=400)
    if sid and status:
        # Our own message id, put in the callback URL; anything past the id column names no message.
        reference = row_id(request.query_params.get("ref", ""))
        message = await delivery.record_delivery_status(sid, status, error_code or None, reference=reference)
        if message is None:
            log.info("status %r for unknown message %s ignored", status, sid)
    return Response(status_code=204)
