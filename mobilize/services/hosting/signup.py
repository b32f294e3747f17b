"""A public sign-up for a volunteer-hosted event whose person ticked "share my contact with the host": the
sign-up (with the record, consents and messages it writes) and the consent record of those exact words commit in
one transaction, so no crash leaves the sign-up without the consent the person gave (the host's roster would then
hide a contact they agreed to show), nor the consent without the sign-up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.transactions import in_transaction

from mobilize.services.errors import Invalid
from mobilize.services.hosting.hostpage import is_hosted, record_share_consent
from mobilize.services.signups import SeveralResult, SignupResult

R = TypeVar("R", SignupResult, SeveralResult)


async def check_shareable(event_id: int) -> None:
    """Invalid naming `share_with_host` when no volunteer hosts the event (there is nobody to share with)."""
    if not await is_hosted(event_id):
        raise Invalid.field("share_with_host", "this event has no volunteer host to share a contact with")


async def sign_up_sharing_with_host(
    event_id: int, sign_up: Callable[[], Awaitable[R]], *, ip: str = "", user_agent: str = ""
) -> R:
    """`sign_up()` (a call of `signups.sign_up` or `signups.sign_up_for_shifts`) and the consent to share with
    the host of `event_id` (a hosted event: see `check_shareable`), in one transaction. The sign-up's own
    transaction becomes a savepoint of this one; its messages are enqueued once the request's buffer is flushed,
    after this commit (services.outbox.after_commit). Raises what the sign-up raises, having written nothing."""
    async with in_transaction():
        result = await sign_up()
        await record_share_consent(result.volunteer, event_id, ip, user_agent)
    return result
