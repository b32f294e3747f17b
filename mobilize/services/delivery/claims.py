"""Claiming the outbox: a delivery job names a batch, the message ids in `[batch * BATCH_SIZE, (batch + 1) *
BATCH_SIZE)`, and takes its due messages with one conditional UPDATE, so of two jobs (or two workers) only one
ever holds a message. Claims not recorded when a delivery is cut short go back to the queue, in doubt."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from tortoise.expressions import F

from mobilize.models import (
    Channel,
    Message,
    MessageState,
    Organization,
    Volunteer,
)

BATCH_SIZE = 250  # message ids per delivery job: fewer jobs, claims and commits per message sent


STALE_CLAIM = timedelta(seconds=30)  # default OUTBOX_STALE_CLAIM_SECONDS: a worker silent this long is dead


STUCK_CLAIM = timedelta(minutes=15)  # a claim this old is taken back even from a live worker (jobs end in 60 s)


def batch_of(message_id: int) -> int:
    return message_id // BATCH_SIZE


def batch_job_id(batch: int, attempts: int, epoch: str = "") -> str:
    """Deterministic: a batch enqueued twice runs once. `epoch` names the set of live workers: when one dies
    (or joins) every due batch gets a fresh job once, so a batch a dead worker had started is not left to
    wait for arq to give up on its job (the job timeout plus 10 s); retried messages (attempts) likewise."""
    return f"outbox:{batch}:{attempts}:{epoch}" if epoch else f"outbox:{batch}:{attempts}"


async def claim(
    lo: int, hi: int, now: datetime, worker_id: str | None = None, sms_ids: list[int] | None = None
) -> tuple[str, list[Message]]:
    """Take the due messages with ids in [lo, hi] for delivery (of the texts, only `sms_ids` when given);
    only one caller ever wins each."""
    token = secrets.token_hex(8)
    due = Message.filter(id__gte=lo, id__lte=hi, state=MessageState.PENDING, due_at__lte=now)
    taking = dict(
        state=MessageState.SENDING,
        claimed_at=now,
        claim_token=token,
        claimed_by=worker_id,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if sms_ids is None:
        won = await due.update(**taking)
    else:
        won = await due.filter(channel__not=Channel.SMS).update(**taking)
        if sms_ids:  # the same conditions: a concurrent claim may have taken some since they were counted
            won += await due.filter(id__in=sms_ids, channel=Channel.SMS).update(**taking)
    if not won:
        return token, []
    claimed = await Message.filter(id__gte=lo, id__lte=hi, claim_token=token).order_by("id")
    # Their people and organizations (a batch's texts mostly share one): each row read once, not once per
    # message as a join would.
    people = {v.id: v for v in await Volunteer.filter(id__in=list({m.volunteer_id for m in claimed}))}
    orgs = {o.id: o for o in await Organization.filter(id__in=list({m.organization_id for m in claimed}))}
    for message in claimed:  # None where there is none (unset, the ORM would answer an awaitable)
        message.volunteer = people.get(message.volunteer_id)  # type: ignore[arg-type,assignment]
        message.organization = orgs.get(message.organization_id)  # type: ignore[arg-type,assignment]
    return token, list(claimed)


async def put_back(lo: int, hi: int, token: str, now: datetime) -> None:
    """A batch's claims not yet recorded go back to the queue, in doubt (looked up before being resent)."""
    await Message.filter(id__gte=lo, id__lte=hi, claim_token=token, state=MessageState.SENDING).update(
        state=MessageState.PENDING, in_doubt=True, claim_token=None, updated_at=now
    )
