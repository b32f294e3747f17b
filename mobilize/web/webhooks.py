"""Provider webhooks: Twilio's delivery status callbacks. Every request must carry a valid
X-Twilio-Signature for the public URL it was sent to; the rules live in services.messages."""

from __future__ import annotations

import logging

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from twilio.request_validator import RequestValidator

from mobilize.services import delivery
from mobilize.settings import Settings

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
