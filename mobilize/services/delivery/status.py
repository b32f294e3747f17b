"""The provider's later word on a message: status callbacks (delivered, undelivered, failed), never moving a
message backwards, and the opt-outs the provider reports (error 21610: the number texted STOP)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mobilize.models import (
    ConsentAction,
    ConsentChannel,
    Message,
    MessageState,
    SmsStatus,
    Volunteer,
)
from mobilize.services.people import consent

# Twilio's final statuses, and the states a message may be in before each: a status never moves a message
# backwards (a late or replayed "sent" after "delivered" changes nothing). A delivery receipt after a
# failure report wins: it is proof the person has the text. A receipt may overtake the worker recording the
# send ("sending"): it is matched by our id in the callback URL.
PROVIDER_FINAL_STATES: dict[str, tuple[MessageState, tuple[MessageState, ...]]] = {
    "delivered": (
        MessageState.DELIVERED,
        (MessageState.SENDING, MessageState.SENT, MessageState.UNDELIVERED, MessageState.FAILED),
    ),
    "undelivered": (MessageState.UNDELIVERED, (MessageState.SENDING, MessageState.SENT)),
    "failed": (MessageState.FAILED, (MessageState.SENDING, MessageState.SENT)),
}


PROVIDER_OPT_OUT_CODES = frozenset({"21610"})


async def record_delivery_status(
    provider_id: str,
    status: str,
    error_code: str | None = None,
    now: datetime | None = None,
    *,
    reference: int | None = None,
) -> Message | None:
    """Record what the provider's status callback says about the message it knows as `provider_id` (ours
    is `reference`, from the callback URL, when the callback beat the worker recording the send).
    Idempotent: callbacks arrive more than once and out of order. "queued", "sending" and "sent" keep the
    message sent ("sent" plus silence is unknown, not failed). A failure for 21610 (the person texted STOP
    to the provider) opts the volunteer out. Returns the message, or None when no message matches."""
    now = now or datetime.now(UTC)
    message = None
    if reference is not None:
        message = await Message.get_or_none(id=reference).prefetch_related("volunteer")
        if message is not None and message.provider_id not in (None, "", provider_id):
            message = None  # our id with someone else's provider id: not this message
    if message is None:
        message = await Message.get_or_none(provider_id=provider_id).prefetch_related("volunteer")
    if message is None:
        return None
    final = PROVIDER_FINAL_STATES.get(status)
    if final is None:
        return message
    state, before = final
    changes: dict[str, Any] = {"state": state, "updated_at": now, "provider_id": provider_id}
    if message.state == MessageState.SENDING:
        changes.update(sent_at=now, in_doubt=False)
    if error_code:
        changes["last_error"] = f"provider error {error_code}"
    if await Message.filter(id=message.id, state__in=before).update(**changes):
        for key, value in changes.items():
            setattr(message, key, value)
    # Outside the conditional update: a replay finishes an opt-out a crash interrupted (it is idempotent).
    if state != MessageState.DELIVERED and error_code in PROVIDER_OPT_OUT_CODES and message.volunteer is not None:
        await record_provider_opt_out(message.volunteer, f"provider error {error_code}")
    return message


async def record_provider_opt_out(volunteer: Volunteer, detail: str) -> None:
    """The provider refused because the number texted STOP to the sender this record's organization texts
    from: the sender is blocked for that number (every organization texting from it), and the record keeps a
    consent record of it. Idempotent."""
    if not volunteer.phone:
        return
    await consent.block(await consent.sender_of(volunteer.organization_id), volunteer.phone, detail)
    volunteer.sms_blocked = True
    if volunteer.sms_status == SmsStatus.OPTED_OUT:
        return
    await Volunteer.filter(id=volunteer.id).update(sms_status=SmsStatus.OPTED_OUT)
    volunteer.sms_status = SmsStatus.OPTED_OUT
    await consent.record_consent(
        volunteer, ConsentChannel.SMS, ConsentAction.REVOKED, consent.ConsentContext(source="provider", words=detail)
    )
