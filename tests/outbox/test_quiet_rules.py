"""Which texts wait out quiet hours and which go anyway: the answer to a person's own sign-up, and urgent news
(a cancellation, a change, a seat) for a shift starting less than URGENT_NOTICE_HOURS after they end. Every
test sets its clock: 11 p.m. and 6 a.m. in Chicago, on fixed dates."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mobilize.models import (
    Message,
    MessageKind,
    MessageState,
    Shift,
    Signup,
    SignupSource,
    SignupStatus,
    SmsStatus,
    Volunteer,
)
from mobilize.services import delivery
from mobilize.services.outbox import after_commit, notifications
from mobilize.services.outbox.quiet_hours import notice_due_at
from mobilize.services.signups.seats import SignupResult
from mobilize.settings import ConfigurationError, load_settings
from tests.conftest import PUBLIC
from tests.factories import make_shift
from tests.sms_helpers import make_place

CHICAGO = ZoneInfo("America/Chicago")
ZONE = "America/Chicago"
NIGHT = (time(21, 0), time(8, 0))
URGENT = timedelta(hours=3)
NEVER = timedelta(0)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall time in Chicago in June 2026 (CDT), in UTC."""
    return datetime(2026, 6, day, hour, minute, tzinfo=CHICAGO).astimezone(UTC)


# ---- the rule, pure --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "starts", "urgent", "expected"),
    [
        (local(9, 23), local(10, 7), URGENT, local(9, 23)),  # a 7 a.m. shift, at 11 p.m.: at once
        (local(10, 6), local(10, 7), URGENT, local(10, 6)),  # ... and at 6 a.m.: at once
        (local(9, 23), local(10, 10, 59), URGENT, local(9, 23)),  # 2 h 59 after quiet hours end: at once
        (local(9, 23), local(10, 11), URGENT, local(10, 8)),  # 3 h after: the morning is notice enough
        (local(9, 23), local(10, 14), URGENT, local(10, 8)),
        (local(10, 12), local(10, 13), URGENT, local(10, 12)),  # daytime: at once, however soon
        (local(10, 12), local(11, 14), URGENT, local(10, 12)),
        (local(9, 23), local(10, 7), NEVER, local(10, 8)),  # URGENT_NOTICE_HOURS=0: everything waits
    ],
)
def test_urgent_news_goes_at_night_only_when_the_morning_would_be_too_late(
    now: datetime, starts: datetime, urgent: timedelta, expected: datetime
) -> None:
    due = notice_due_at(now, starts, ZONE, NIGHT, urgent)
    assert due == expected and due.tzinfo == UTC


def test_the_setting_is_read_and_checked() -> None:
    base = {"DATABASE_URL": "sqlite://:memory:"}
    assert load_settings(base).urgent_notice == timedelta(hours=3)
    assert load_settings(base | {"URGENT_NOTICE_HOURS": "0"}).urgent_notice == timedelta(0)
    assert load_settings(base | {"URGENT_NOTICE_HOURS": "1.5"}).urgent_notice == timedelta(minutes=90)
    for bad in ("-1", "49", "soon"):
        with pytest.raises(ConfigurationError, match="URGENT_NOTICE_HOURS"):
            load_settings(base | {"URGENT_NOTICE_HOURS": bad})


# ---- planned with the rule -------------------------------------------------------------------------------


def planning(now: datetime, urgent: timedelta = URGENT) -> Any:
    """Plan on this clock, at night; yields the ids of the rows due now."""
    return after_commit.collecting(base_url=PUBLIC, now=now, quiet=NIGHT, urgent=urgent)


async def seat(shift: Shift, n: int, source: SignupSource = SignupSource.API, status: str = "signed_up") -> Signup:
    """Someone on `shift`, opted in to texts and with an email (written directly: the tests' clock is not the
    sign-up service's)."""
    event = await shift.event
    volunteer = await Volunteer.create(
        organization_id=event.organization_id,
        name=f"V{n}",
        phone=f"+1312555{n:04d}",
        email=f"v{n}@example.org",
        sms_status=SmsStatus.OPTED_IN,
        manage_token=f"m-quiet-{n}",
        feed_token=f"f-quiet-{n}",
    )
    return await Signup.create(
        shift=shift, volunteer=volunteer, holder=shift.id, status=SignupStatus(status), source=source
    )


async def shift_at(place: dict[str, Any], starts: datetime) -> Shift:
    return await make_shift(place["event"], starts_at=starts)


async def news(signup: Signup, kind: MessageKind) -> dict[str, Message]:
    rows = await Message.filter(signup_id=signup.id, kind=kind)
    return {str(m.channel): m for m in rows}


async def test_a_cancellation_at_night_reaches_the_morning_shift_now_and_the_afternoon_one_at_eight(
    migrated: str,
) -> None:
    place = await make_place()
    now = local(9, 23)
    morning = await seat(await shift_at(place, local(10, 7)), 1)
    afternoon = await seat(await shift_at(place, local(10, 14)), 2)
    with planning(now) as due_now:
        await notifications.after_cancellation([morning.id, afternoon.id])
    early, late = await news(morning, MessageKind.CANCELLED_SIGNUP), await news(afternoon, MessageKind.CANCELLED_SIGNUP)
    assert early["sms"].due_at == now and early["sms"].state == MessageState.PENDING
    assert late["sms"].due_at == local(10, 8) and late["sms"].state == MessageState.PENDING
    assert early["email"].due_at == now and late["email"].due_at == now  # emails are never held
    assert sorted(due_now) == sorted([early["sms"].id, early["email"].id, late["email"].id])
    # The sweep agrees: the afternoon's text is due at eight, not a minute before.
    assert late["sms"].id not in [i for i, _ in await delivery.due_messages(local(10, 7, 59))]
    assert late["sms"].id in [i for i, _ in await delivery.due_messages(local(10, 8))]


async def test_with_no_urgent_notice_a_text_that_could_only_arrive_after_the_start_is_not_planned(
    migrated: str,
) -> None:
    place = await make_place()
    signup = await seat(await shift_at(place, local(10, 7)), 1)
    with planning(local(9, 23), urgent=NEVER):
        await notifications.after_cancellation([signup.id])
    rows = await news(signup, MessageKind.CANCELLED_SIGNUP)
    assert rows["sms"].state == MessageState.SKIPPED and rows["sms"].skip_reason == (
        "quiet hours last until the shift starts"
    )
    assert rows["email"].state == MessageState.PENDING


async def test_a_change_at_six_in_the_morning(migrated: str) -> None:
    place = await make_place()
    now = local(10, 6)
    seven = await seat(await shift_at(place, local(10, 7)), 1)
    three = await seat(await shift_at(place, local(10, 15)), 2)
    with planning(now):
        await notifications.after_change([seven.id, three.id], "r1")
    assert (await news(seven, MessageKind.CHANGED))["sms"].due_at == now
    assert (await news(three, MessageKind.CHANGED))["sms"].due_at == local(10, 8)


async def test_a_confirmation_at_night_answers_the_person_at_once_and_waits_when_an_organizer_signed_them_up(
    migrated: str,
) -> None:
    place = await make_place()
    now = local(9, 23)
    afternoon, morning = await shift_at(place, local(10, 14)), await shift_at(place, local(10, 7))
    cases = [
        (await seat(afternoon, 1, SignupSource.WEB), now),  # they signed up themselves: their answer
        (await seat(afternoon, 2, SignupSource.SMS), now),
        (await seat(afternoon, 3, SignupSource.API), local(10, 8)),  # an organizer did: the morning
        (await seat(afternoon, 4, SignupSource.IMPORT), local(10, 8)),
        (await seat(morning, 5, SignupSource.API), now),  # ... unless the shift starts too soon after it
    ]
    for signup, expected in cases:
        result = SignupResult(signup=signup, volunteer=await signup.volunteer, created=True)
        with planning(now):
            await notifications.after_signup(result)
        rows = await news(signup, MessageKind.CONFIRMATION)
        assert rows["sms"].due_at == expected, (signup.source, rows["sms"].due_at)
        assert rows["email"].due_at == now
    # A waitlist notice is not urgent: for the 7 a.m. shift it would come too late, so it is not planned.
    waiting = await seat(morning, 6, SignupSource.API, status="waitlisted")
    result = SignupResult(signup=waiting, volunteer=await waiting.volunteer, created=True)
    with planning(now):
        await notifications.after_signup(result)
    assert (await news(waiting, MessageKind.WAITLISTED))["sms"].state == MessageState.SKIPPED


async def test_a_seat_freed_at_night_for_a_nine_oclock_shift_is_texted_at_once(migrated: str) -> None:
    place = await make_place()
    now = local(9, 23)
    promoted = await seat(await shift_at(place, local(10, 9)), 1)
    later = await seat(await shift_at(place, local(11, 9)), 2)
    with planning(now):
        await notifications.after_promotion([promoted, later])
    assert (await news(promoted, MessageKind.PROMOTED))["sms"].due_at == now
    assert (await news(later, MessageKind.PROMOTED))["sms"].due_at == local(10, 8)


class Unavailable:
    """A provider answering 500: every send is retryable."""

    async def send(self, message: Any) -> Any:
        from mobilize.channels.base import SendResult

        return SendResult(ok=False, error="Twilio 500: Internal Server Error", retryable=True)


async def test_a_retried_urgent_text_keeps_going_at_night_and_a_plain_one_waits(migrated: str) -> None:
    place = await make_place()
    now = local(9, 23)
    morning = await seat(await shift_at(place, local(10, 7)), 1)
    afternoon = await seat(await shift_at(place, local(10, 14)), 2)
    with planning(now):
        await notifications.after_cancellation([morning.id])
    urgent = (await news(morning, MessageKind.CANCELLED_SIGNUP))["sms"]
    # An organizer's confirmation for the afternoon, texted at 20:59 and failing: its retry falls in quiet hours.
    result = SignupResult(signup=afternoon, volunteer=await afternoon.volunteer, created=True)
    evening = local(9, 20, 59)
    with planning(evening):
        await notifications.after_signup(result)
    plain = (await news(afternoon, MessageKind.CONFIRMATION))["sms"]
    assert plain.due_at == evening

    options: dict[str, Any] = {"quiet": NIGHT, "urgent": URGENT, "retry_after": 60}
    retried = await delivery.deliver(urgent.id, Unavailable(), Unavailable(), now=now, **options)
    assert retried is not None and retried.state == MessageState.PENDING
    # The backoff from the moment it failed, not 8 a.m. (an hour after the start).
    assert now + timedelta(seconds=60) <= retried.due_at < now + timedelta(seconds=61)
    waiting = await delivery.deliver(plain.id, Unavailable(), Unavailable(), now=evening, **options)
    assert waiting is not None and waiting.state == MessageState.PENDING and waiting.due_at == local(10, 8)
    # With no urgent notice, the cancellation's retry would wait past the start: it is given up.
    never = {**options, "urgent": NEVER}
    skipped = await delivery.deliver(urgent.id, Unavailable(), Unavailable(), now=retried.due_at, **never)
    assert skipped is not None and skipped.state == MessageState.SKIPPED and "quiet hours" in skipped.skip_reason
