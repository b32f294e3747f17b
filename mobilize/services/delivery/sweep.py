"""The outbox sweep: what is due now, by batch, after taking back the claims of workers not heard from for
OUTBOX_STALE_CLAIM_SECONDS (in doubt: the provider may have their texts). The database is the schedule: the
sweep finds every due row, including any whose enqueue a crash lost."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from tortoise.expressions import Q

from mobilize.models import DeliveryWorker, Message, MessageState
from mobilize.services.delivery.claims import STALE_CLAIM, STUCK_CLAIM, batch_of


async def take_back_stale_claims(now: datetime, stale_after: timedelta = STALE_CLAIM) -> int:
    """Return to the queue, in doubt, what workers not heard from for `stale_after` (or stuck for
    STUCK_CLAIM) had claimed; forget workers silent for a day. Returns how many messages."""
    alive = await DeliveryWorker.filter(seen_at__gte=now - stale_after).values_list("id", flat=True)
    abandoned = Q(claimed_at__lt=now - stale_after) & (Q(claimed_by__isnull=True) | ~Q(claimed_by__in=list(alive)))
    taken = await Message.filter(
        Q(state=MessageState.SENDING) & (abandoned | Q(claimed_at__lt=now - STUCK_CLAIM))
    ).update(state=MessageState.PENDING, in_doubt=True, claim_token=None, updated_at=now)
    await DeliveryWorker.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return int(taken)


async def workers_epoch(now: datetime, stale_after: timedelta = STALE_CLAIM) -> str:
    """A short name for the set of delivery workers heard from lately; it changes when one dies or joins."""
    alive = sorted(await DeliveryWorker.filter(seen_at__gte=now - stale_after).values_list("id", flat=True))
    return hashlib.blake2s("|".join(str(i) for i in alive).encode(), digest_size=4).hexdigest()


async def due_messages(now: datetime, limit: int = 1000, stale_after: timedelta = STALE_CLAIM) -> list[tuple[int, int]]:
    """(id, attempts) of messages due now, oldest due first, after returning the claims of vanished workers
    to the queue (in doubt: the provider may have them)."""
    await take_back_stale_claims(now, stale_after)
    rows = (
        await Message.filter(state=MessageState.PENDING, due_at__lte=now)
        .order_by("due_at", "id")
        .limit(limit)
        .values_list("id", "attempts")
    )
    return [(int(i), int(a)) for i, a in rows]


SWEEP_ROWS = 20_000  # due messages one sweep looks at: more than workers drain between two sweeps


async def due_batches(
    now: datetime, limit: int = SWEEP_ROWS, stale_after: timedelta = STALE_CLAIM
) -> list[tuple[int, int]]:
    """(batch, highest attempts in it) of the batches holding the `limit` longest-waiting due messages, the
    longest-waiting first. A deeper backlog is reached by later sweeps, as these drain."""
    batches: dict[int, int] = {}
    for message_id, attempts in await due_messages(now, limit, stale_after):
        batch = batch_of(message_id)
        batches[batch] = max(attempts, batches.get(batch, 0))
    return list(batches.items())
