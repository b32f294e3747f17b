"""Deliveries held until the transaction that wrote their outbox rows has committed: a buffer per request and
per job, as polar's server holds its jobs until commit.

A service writes a change and the messages it calls for in one transaction and hands the ids of the rows due
now to `deliver`; the web middleware (or the worker job) that opened the buffer enqueues them once the
request (or the job) has finished, after every transaction of it has committed. A row is never enqueued from
inside an open transaction (its job could run before the row is visible), and a crash between the commit and
the enqueue loses no message: the outbox sweep finds every due pending row.

The buffer also says how those messages are planned (public base URL, quiet hours, urgency, and the clock of
a test or of an inbound text), so that the services need no web settings to plan them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from mobilize.services.outbox.quiet_hours import DEFAULT_QUIET_HOURS, URGENT_NOTICE, QuietHours

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Plan:
    """How the messages written now are planned."""

    base_url: str = DEFAULT_BASE_URL
    quiet: QuietHours = DEFAULT_QUIET_HOURS
    urgent: timedelta = URGENT_NOTICE
    now: datetime | None = None  # a fixed clock (a test's, an inbound text's); None: the wall clock

    def clock(self) -> datetime:
        return self.now or datetime.now(UTC)

    @classmethod
    def from_settings(cls, settings: Any) -> Plan:
        if settings is None:
            return cls()
        return cls(base_url=settings.public_base_url, quiet=settings.quiet_hours, urgent=settings.urgent_notice)


@dataclass
class Pending:
    plan: Plan
    ids: list[int] = field(default_factory=list)


_pending: ContextVar[Pending | None] = ContextVar("mobilize_pending_deliveries", default=None)


def plan() -> Plan:
    """The plan of the innermost open buffer; the defaults when none is open (a script, a unit test)."""
    pending = _pending.get()
    return pending.plan if pending is not None else Plan()


def deliver(ids: list[int]) -> None:
    """Enqueue the delivery of these outbox rows once the open buffer is flushed (after commit). With no
    buffer open, nothing is enqueued: the sweep sends them."""
    pending = _pending.get()
    if pending is not None:
        pending.ids.extend(ids)


@contextmanager
def buffer(plan: Plan) -> Iterator[Pending]:
    """Open a buffer: `deliver` inside fills it; the caller flushes `pending.ids` after its transactions
    committed (and drops them if it failed: the sweep finds whatever did commit)."""
    pending = Pending(plan)
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


@contextmanager
def collecting(**changes: Any) -> Iterator[list[int]]:
    """Plan with these changes to the current plan (e.g. an inbound text's clock), and hand the ids delivered
    inside to the caller, who enqueues them after its own commit."""
    with buffer(replace(plan(), **changes)) as pending:
        yield pending.ids


Enqueue = Callable[..., Awaitable[Any]]


def job_id(message_id: int, attempts: int) -> str:
    """The job delivering one fresh message at once (after a sign-up); the sweep sends batches."""
    return f"message:{message_id}:{attempts}"


async def flush(pending: Pending, enqueue: Enqueue) -> None:
    """Enqueue each buffered row by id, once (deterministic job ids: enqueueing twice runs once)."""
    ids, pending.ids = list(dict.fromkeys(pending.ids)), []
    for message_id in ids:
        await enqueue("deliver_message", message_id, job_id=job_id(message_id, 0))
