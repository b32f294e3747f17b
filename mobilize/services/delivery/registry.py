"""The delivering workers: every process that delivers registers and writes a heartbeat, so that its claims
are taken back only once it has gone silent (delivery.sweep), never while it is alive, however slow the
provider."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime

from mobilize.models import (
    DeliveryWorker,
)


async def register_worker(now: datetime) -> str:
    """A new delivering process: its id, for its claims and its heartbeat."""
    worker_id = secrets.token_hex(16)
    await DeliveryWorker.create(
        id=worker_id, host=socket.gethostname()[:255], pid=os.getpid(), started_at=now, seen_at=now
    )
    return worker_id


async def heartbeat(worker_id: str, now: datetime) -> None:
    """The worker is alive. Recreates its row if a cleanup took it (after a long pause)."""
    if not await DeliveryWorker.filter(id=worker_id).update(seen_at=now):
        await DeliveryWorker.create(
            id=worker_id, host=socket.gethostname()[:255], pid=os.getpid(), started_at=now, seen_at=now
        )


async def forget_worker(worker_id: str) -> None:
    """A clean shutdown: its claims (none should be left) are then taken back by the next sweep."""
    await DeliveryWorker.filter(id=worker_id).delete()
