"""Provider webhooks: Twilio's inbound messages and delivery status callbacks. Every request must carry a
valid X-Twilio-Signature for the public URL it was sent to; the rules live in services.inbound and
services.delivery."""

from __future__ import annotations

import logging
from xml.sax.saxutils import escape

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from twilio.request_validator import RequestValidator

from mobilize.services import delivery, inbound, sms_routing
from mobilize.settings import Settings
from mobilize.web.jobs import enqueue_deliveries, quiet_hours

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
    twilio's MessagingResponse, tests/test_inbound.py compares them): it is on every inbound message's path."""
    inner = f"<Response><Message>{escape(reply)}</Message></Response>" if reply else "<Response />"
    return Response(f'<?xml version="1.0" encoding="UTF-8"?>{inner}', media_type="application/xml")


async def twilio_sms(request: Request) -> Response:
    """POST /webhooks/twilio/sms: a volunteer texted one of our numbers. Recorded and acted on in one short
    transaction, answered in TwiML (a reply, or an empty <Response/>); a retry of the same MessageSid gets
    the same answer and changes nothing. Work it leaves for later (other people's texts) goes to the queue
    once committed."""
    settings: Settings = request.app.state.settings
    form = await request.form()
    if not signed_by_twilio(request, form, settings):
        return PlainTextResponse("invalid signature", status_code=403)
    try:
        sms = inbound_sms(form)
    except BadInbound as exc:
        return PlainTextResponse(str(exc), status_code=400)
    shared = sms_routing.SharedSender(settings.twilio_from_number, settings.twilio_messaging_service_sid)
    received = await inbound.receive(
        sms,
        base_url=settings.public_base_url,
        shared=shared,
        quiet=quiet_hours(request),
        urgent=settings.urgent_notice,
        region=settings.phone_region,
    )
    await enqueue_deliveries(request, received.deliver)
    return twiml(received.reply)


async def twilio_status(request: Request) -> Response:
    """POST /webhooks/twilio/status: a message's delivery status changed. Answers 204 at once; replays and
    unknown messages are harmless (Twilio retries on timeout)."""
    settings: Settings = request.app.state.settings
    form = await request.form()
    if not signed_by_twilio(request, form, settings):
        return PlainTextResponse("invalid signature", status_code=403)
    sid = _field(form, "MessageSid")
    status = _field(form, "MessageStatus") or _field(form, "SmsStatus")
    if sid and status:
        ref = request.query_params.get("ref", "")
        reference = int(ref) if ref.isdigit() and len(ref) < 12 else None
        message = await delivery.record_delivery_status(
            sid, status, _field(form, "ErrorCode") or None, reference=reference
        )
        if message is None:
            log.info("status %r for unknown message %s ignored", status, sid)
    return Response(status_code=204)
