"""One inbound message being acted on (`Turn`), what is answered to it (`Answer`), and the small helpers every
keyword's module shares (services/inbound/shifts.py, join.py, picket.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from tortoise.transactions import in_transaction

from mobilize.models import Event, Organization, Shift, Volunteer
from mobilize.services.outbox import after_commit
from mobilize.services.outbox.quiet_hours import URGENT_NOTICE, QuietHours
from mobilize.times import text_span

T = TypeVar("T")


@dataclass
class Turn:
    """One inbound message being acted on: who sent it, to which organization's number, and what it
    leaves behind (outbox rows to hand to the queue after the commit)."""

    body: str
    phone: str | None
    volunteer: Volunteer | None
    organization: Organization | None  # the organization whose own number received it
    now: datetime
    base_url: str
    quiet: QuietHours
    deliver: list[int] = field(default_factory=list)
    urgent: timedelta = URGENT_NOTICE  # URGENT_NOTICE_HOURS, for the news of a seat a NO frees

    def planning(self) -> AbstractContextManager[list[int]]:
        """Messages the services write inside are planned on this turn's clock and settings; the ids due now
        are handed back, for `deliver`."""
        return after_commit.collecting(base_url=self.base_url, now=self.now, quiet=self.quiet, urgent=self.urgent)


@dataclass(frozen=True)
class Answer:
    outcome: str
    reply: str = ""
    organization_id: int | None = None  # whose conversation the reply belongs to
    opt_out_confirmation: bool = False  # the one text an opted-out number may still get


async def savepoint(action: Callable[[], Awaitable[T]]) -> T:
    """Run a service call in a savepoint: a domain error or a collision inside it leaves the inbound
    message's transaction usable (PostgreSQL aborts the whole transaction otherwise)."""
    async with in_transaction():
        return await action()


def describe(shift: Shift, event: Event) -> str:
    return f"{event.title}, {text_span(shift.starts_at, shift.ends_at, event.timezone)}"


def org_name(event: Event) -> str:
    organization = getattr(event, "organization", None)
    return str(getattr(organization, "name", "")) or "mobilize"
