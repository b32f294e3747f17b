"""The reminder timeline and quiet hours: reminders are outbox rows planned at sign-up, due before the shift,
moved out of quiet hours (texts only), replaced when the shift moves, called off when the seat goes. Time is
driven with `now=` arguments."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from mobilize.models import Event, Message, MessageKind, MessageState, Organization, Shift, SmsStatus, Volunteer
from mobilize.services import delivery
from mobilize.services.outbox.quiet_hours import quiet_night_start, sms_due_at
from tests.factories import make_person, make_shift, make_world, volunteer_body

CHICAGO = ZoneInfo("America/Chicago")
NIGHT = (time(21, 0), time(8, 0))
DAY_BEFORE, SOON = MessageKind.REMINDER_DAY_BEFORE, MessageKind.REMINDER_SOON


def local(y: int, m: int, d: int, hh: int, mm: int = 0, zone: ZoneInfo = CHICAGO) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=zone)


# ---- quiet hours, the pure arithmetic --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (local(2026, 6, 10, 6, 30), local(2026, 6, 9, 20, 59)),  # early morning -> the evening before
        (local(2026, 6, 10, 23, 0), local(2026, 6, 10, 20, 59)),  # late evening -> the same evening
        (local(2026, 6, 10, 21, 0), local(2026, 6, 10, 20, 59)),  # the window's first minute is quiet
        (local(2026, 6, 10, 8, 0), local(2026, 6, 10, 8, 0)),  # the window's end is allowed
        (local(2026, 6, 10, 12, 0), local(2026, 6, 10, 12, 0)),  # daytime: unchanged
        (local(2026, 6, 10, 20, 59), local(2026, 6, 10, 20, 59)),
    ],
)
def test_quiet_hours_across_midnight(due: datetime, expected: datetime) -> None:
    assert sms_due_at(due, "America/Chicago", NIGHT) == expected
    assert sms_due_at(due, "America/Chicago", NIGHT).tzinfo == UTC


def test_quiet_hours_within_one_day_and_empty() -> None:
    window = (time(1, 0), time(6, 0))
    assert sms_due_at(local(2026, 6, 10, 3, 0), "America/Chicago", window) == local(2026, 6, 10, 0, 59)
    assert sms_due_at(local(2026, 6, 10, 23, 0), "America/Chicago", window) == local(2026, 6, 10, 23, 0)
    assert sms_due_at(local(2026, 6, 10, 6, 0), "America/Chicago", window) == local(2026, 6, 10, 6, 0)
    assert quiet_night_start(local(2026, 6, 10, 3, 0), "America/Chicago", (time(8, 0), time(8, 0))) is None


def test_quiet_hours_use_the_recipients_zone() -> None:
    # 06:30 UTC is 02:30 in New York (quiet) but 15:30 in Tokyo (not)
    due = datetime(2026, 6, 10, 6, 30, tzinfo=UTC)
    assert sms_due_at(due, "Asia/Tokyo", NIGHT) == due
    assert sms_due_at(due, "America/New_York", NIGHT) == local(2026, 6, 9, 20, 59, ZoneInfo("America/New_York"))


def test_quiet_hours_across_dst_changes() -> None:
    # Spring forward in Chicago on 2026-03-08: the evening before is still CST (UTC-6).
    assert sms_due_at(local(2026, 3, 8, 6, 30), "America/Chicago", NIGHT) == datetime(2026, 3, 8, 2, 59, tzinfo=UTC)
    # Fall back on 2026-11-01: the evening before is still CDT (UTC-5).
    assert sms_due_at(local(2026, 11, 1, 6, 30), "America/Chicago", NIGHT) == datetime(2026, 11, 1, 1, 59, tzinfo=UTC)
    # A window opening at a wall time that happens twice opens at the first one...
    twice = (time(1, 30), time(3, 0))
    due = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)  # 02:00 CST, after the repeated hour
    assert sms_due_at(due, "America/Chicago", twice) == datetime(2026, 11, 1, 6, 29, tzinfo=UTC)  # 01:29 CDT
    # ...and one opening at a wall time that never happens opens no later than the jump.
    gap = (time(2, 30), time(5, 0))
    moved = sms_due_at(datetime(2026, 3, 8, 9, 0, tzinfo=UTC), "America/Chicago", gap)  # 04:00 CDT
    assert moved <= datetime(2026, 3, 8, 8, 0, tzinfo=UTC) - timedelta(minutes=1)  # before 03:00 CDT
    assert quiet_night_start(moved, "America/Chicago", gap) is None


# ---- the timeline, end to end ----------------------------------------------------------------------------


def days_ahead(days: int, hour: int, minute: int = 0) -> datetime:
    """A wall time in Chicago some days from now, in UTC."""
    day = (datetime.now(CHICAGO) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHICAGO).astimezone(UTC)


async def seated(client: httpx.AsyncClient, w: dict[str, Any], shift: Shift, n: int = 1) -> int:
    r = await client.post(
        f"/api/v1/shifts/{shift.id}/signups", json=volunteer_body(n, sms_opt_in=True), headers=w["headers"]
    )
    assert r.status_code == 201, r.text
    signup_id: int = r.json()["id"]
    return signup_id


async def reminders_of(signup_id: int, **filters: Any) -> dict[tuple[str, str], Message]:
    rows = await Message.filter(signup_id=signup_id, kind__in=[DAY_BEFORE, SOON], **filters)
    return {(str(m.kind), str(m.channel)): m for m in rows}


async def test_signup_plans_both_reminders_and_each_goes_once_when_due(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    starts = days_ahead(3, 14)
    shift = await make_shift(w["event"], starts_at=starts)
    signup_id = await seated(client, w, shift)
    await app.state.queue.drain()
    planned = await reminders_of(signup_id)
    assert set(planned) == {(k.value, c) for k in (DAY_BEFORE, SOON) for c in ("sms", "email")}
    assert all(m.state == MessageState.PENDING for m in planned.values())
    for channel in ("sms", "email"):
        assert planned[(DAY_BEFORE.value, channel)].due_at == starts - timedelta(days=1)
        assert planned[(SOON.value, channel)].due_at == starts - timedelta(hours=2)
        assert all(m.expires_at == starts for m in planned.values())
    day_before = planned[(DAY_BEFORE.value, "sms")]
    org = (await Organization.get(id=w["event"].organization_id)).name
    assert day_before.body.startswith(f"{org}: ")  # the organization first
    assert "Reply YES to confirm, NO if you can't make it" in day_before.body
    assert day_before.body.endswith("Reply STOP to opt out.")
    email_text = planned[(DAY_BEFORE.value, "email")].body
    volunteer = await Volunteer.get(phone="+13125550001")
    assert f"/signups/{volunteer.manage_token}" in email_text
    assert "starts at 12:00" not in planned[(SOON.value, "sms")].body  # local start, not UTC, is shown
    assert "starts at 14:00 at Chicago." in planned[(SOON.value, "sms")].body

    ctx = app.state.queue.ctx
    sms = ctx["sms"]
    sms.sent.clear()
    due = day_before.due_at
    assert await delivery.deliver(day_before.id, ctx["sms"], ctx["email"], now=due - timedelta(seconds=1)) is None
    assert not sms.sent
    sent = await delivery.deliver(day_before.id, ctx["sms"], ctx["email"], now=due)
    assert sent is not None and sent.state == MessageState.SENT
    assert await delivery.deliver(day_before.id, ctx["sms"], ctx["email"], now=due + timedelta(minutes=5)) is None
    assert [m.body for m in sms.sent] == [day_before.body]
    # The sweep hands over only what is due: the soon reminder waits for its time.
    soon = planned[(SOON.value, "sms")]
    assert soon.id not in [i for i, _ in await delivery.due_messages(soon.due_at - timedelta(seconds=1))]
    assert soon.id in [i for i, _ in await delivery.due_messages(soon.due_at)]


async def test_soon_reminder_carries_the_private_instructions(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    await Event.filter(id=w["event"].id).update(
        venue="Union Hall", instructions="Bring a sign; ask for Ana at the side door."
    )
    shift = await make_shift(w["event"], starts_at=days_ahead(3, 17, 30))
    signup_id = await seated(client, w, shift)
    planned = await reminders_of(signup_id)
    body = planned[(SOON.value, "sms")].body
    org = (await Organization.get(id=w["event"].organization_id)).name
    assert body.startswith(f"{org}: ") and body.endswith("Reply STOP to opt out.")
    assert "starts at 17:30 at Union Hall" in body and "ask for Ana at the side door" in body
    assert "ask for Ana at the side door" in planned[(SOON.value, "email")].body


async def test_event_timeline_is_changed_through_the_api(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    url = f"/api/v1/events/{w['event'].id}"
    r = await client.get(url, headers=w["headers"])
    assert r.json()["reminders"] is None
    for bad, field in [
        ([{"kind": "soon", "minutes_before": 5}], "reminders.0.minutes_before"),
        ([{"kind": "soon", "minutes_before": 20_161}], "reminders.0.minutes_before"),
        ([{"kind": "week_before", "minutes_before": 60}], "reminders.0.kind"),
        ([{"kind": "soon", "minutes_before": 60}, {"kind": "soon", "minutes_before": 30}], "reminders"),
    ]:
        r = await client.patch(url, json={"reminders": bad}, headers=w["headers"])
        assert r.status_code == 422, r.text
        assert field in r.json()["error"]["fields"], r.json()
    timeline = [{"kind": "soon", "minutes_before": 45}]
    r = await client.patch(url, json={"reminders": timeline}, headers=w["headers"])
    assert r.status_code == 200, r.text
    assert r.json()["reminders"] == timeline
    starts = days_ahead(3, 14)
    shift = await make_shift(w["event"], starts_at=starts)
    signup_id = await seated(client, w, shift)
    planned = await reminders_of(signup_id)
    assert set(planned) == {(SOON.value, "sms"), (SOON.value, "email")}
    assert all(m.due_at == starts - timedelta(minutes=45) for m in planned.values())
    # null goes back to the default timeline, and the reminders already planned follow it
    r = await client.patch(url, json={"reminders": None}, headers=w["headers"])
    assert r.status_code == 200 and r.json()["reminders"] is None
    planned = await reminders_of(signup_id, state=MessageState.PENDING)
    assert set(planned) == {(k.value, c) for k in (DAY_BEFORE, SOON) for c in ("sms", "email")}
    assert planned[(SOON.value, "sms")].due_at == planned[(SOON.value, "email")].due_at == starts - timedelta(hours=2)
    assert planned[(DAY_BEFORE.value, "email")].due_at == starts - timedelta(days=1)
    # a kind taken off the timeline is called off; patching again changes nothing more
    for _ in range(2):
        r = await client.patch(
            url, json={"reminders": [{"kind": "day_before", "minutes_before": 2000}]}, headers=w["headers"]
        )
        assert r.status_code == 200
        planned = await reminders_of(signup_id, state=MessageState.PENDING)
        assert set(planned) == {(DAY_BEFORE.value, "sms"), (DAY_BEFORE.value, "email")}
        assert planned[(DAY_BEFORE.value, "email")].due_at == starts - timedelta(minutes=2000)
    assert await Message.filter(signup_id=signup_id, kind=SOON, state=MessageState.CANCELLED).count() == 2
    # and a new event can carry its own from the start
    body = {
        "title": "Phone bank",
        "group": w["group"].slug,
        "timezone": "America/Chicago",
        "reminders": [{"kind": "day_before", "minutes_before": 2880}],
    }
    r = await client.post("/api/v1/events", json=body, headers=w["headers"])
    assert r.status_code == 201, r.text
    assert r.json()["reminders"] == [{"kind": "day_before", "minutes_before": 2880}]


async def test_quiet_hours_move_the_text_not_the_email(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    starts = days_ahead(3, 8, 30)  # the soon reminder falls at 06:30 local
    shift = await make_shift(w["event"], starts_at=starts)
    signup_id = await seated(client, w, shift)
    planned = await reminders_of(signup_id)
    text, email = planned[(SOON.value, "sms")], planned[(SOON.value, "email")]
    assert email.due_at == starts - timedelta(hours=2)
    assert email.due_at.astimezone(CHICAGO).time() == time(6, 30)
    evening = text.due_at.astimezone(CHICAGO)
    assert evening.time() == time(20, 59) and evening.date() == starts.astimezone(CHICAGO).date() - timedelta(days=1)
    # The day-before text (08:30 the day before) is outside quiet hours and stays put.
    assert planned[(DAY_BEFORE.value, "sms")].due_at == starts - timedelta(days=1)

    # Delivered only after the shift has started (workers down all night): skipped, never sent late.
    await app.state.queue.drain()
    ctx = app.state.queue.ctx
    ctx["sms"].sent.clear()
    late = await delivery.deliver(text.id, ctx["sms"], ctx["email"], now=starts + timedelta(minutes=1))
    assert late is not None and late.state == MessageState.SKIPPED and "too late" in late.skip_reason
    assert not ctx["sms"].sent


async def test_a_reminder_already_past_when_planned_is_skipped(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    starts = (datetime.now(UTC) + timedelta(minutes=90)).replace(microsecond=0)
    shift = await make_shift(w["event"], starts_at=starts)
    ctx = app.state.queue.ctx
    ctx["sms"].sent.clear()
    signup_id = await seated(client, w, shift)
    await app.state.queue.drain()
    planned = await reminders_of(signup_id)
    assert len(planned) == 4
    assert all(m.state == MessageState.SKIPPED for m in planned.values())
    assert all("passed" in m.skip_reason for m in planned.values())
    # only the confirmation went out
    assert len(ctx["sms"].sent) == 1 and "Reply YES" not in ctx["sms"].sent[0].body


async def test_cancelling_a_signup_cancels_its_reminders(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    shift = await make_shift(w["event"], starts_at=days_ahead(3, 14))
    signup_id = await seated(client, w, shift)
    other = await seated(client, w, shift, n=2)
    r = await client.patch(f"/api/v1/signups/{signup_id}", json={"status": "cancelled"}, headers=w["headers"])
    assert r.status_code == 200
    await app.state.queue.drain()
    assert {m.state for m in (await reminders_of(signup_id)).values()} == {MessageState.CANCELLED}
    assert {m.state for m in (await reminders_of(other)).values()} == {MessageState.PENDING}
    # the organizers removing the shift calls off everyone's
    r = await client.delete(f"/api/v1/shifts/{shift.id}", headers=w["headers"])
    assert r.status_code == 200
    assert {m.state for m in (await reminders_of(other)).values()} == {MessageState.CANCELLED}


async def test_a_promoted_person_gets_reminders(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    shift = await make_shift(w["event"], capacity=1, starts_at=days_ahead(3, 14))
    first = await seated(client, w, shift)
    waiting = await seated(client, w, shift, n=2)
    assert await reminders_of(waiting) == {}
    r = await client.patch(f"/api/v1/signups/{first}", json={"status": "cancelled"}, headers=w["headers"])
    assert r.status_code == 200
    assert {m.state for m in (await reminders_of(waiting)).values()} == {MessageState.PENDING}
    assert len(await reminders_of(waiting)) == 4


async def test_moving_a_shift_replaces_its_pending_reminders(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    starts = days_ahead(3, 14)
    shift = await make_shift(w["event"], starts_at=starts)
    signup_id = await seated(client, w, shift)
    old = await reminders_of(signup_id)
    later = starts + timedelta(days=1, hours=2)
    body = {"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=3)).isoformat()}
    r = await client.patch(f"/api/v1/shifts/{shift.id}", json=body, headers=w["headers"])
    assert r.status_code == 200, r.text
    await app.state.queue.drain()
    assert {m.state for m in (await reminders_of(signup_id, id__in=[m.id for m in old.values()])).values()} == {
        MessageState.CANCELLED
    }
    fresh = await reminders_of(signup_id, state=MessageState.PENDING)
    assert len(fresh) == 4
    assert fresh[(DAY_BEFORE.value, "sms")].due_at == later - timedelta(days=1)
    assert fresh[(SOON.value, "email")].due_at == later - timedelta(hours=2)
    assert all(m.expires_at == later for m in fresh.values())
    # the same change told twice (a retried request) plans nothing more
    from mobilize.services.outbox import after_commit, notifications

    shift_row = await Shift.get(id=shift.id)
    with after_commit.collecting(base_url="http://testserver"):
        await notifications.after_change([signup_id], f"s{shift.id}.{shift_row.sequence}")
    assert await reminders_of(signup_id, state=MessageState.PENDING) == fresh
    # a change of place (the event's sequence) also gets fresh reminders
    r = await client.patch(
        f"/api/v1/events/{w['event'].id}", json={"location": {"venue": "Union Hall"}}, headers=w["headers"]
    )
    assert r.status_code == 200, r.text
    newest = await reminders_of(signup_id, state=MessageState.PENDING)
    assert len(newest) == 4 and not {m.id for m in newest.values()} & {m.id for m in fresh.values()}
    assert "Union Hall" in newest[(SOON.value, "sms")].body


async def test_an_opted_out_number_gets_no_reminder(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    shift = await make_shift(w["event"], starts_at=days_ahead(3, 14))
    signup_id = await seated(client, w, shift)
    text = (await reminders_of(signup_id))[(DAY_BEFORE.value, "sms")]
    await app.state.queue.drain()
    await Volunteer.filter(phone="+13125550001").update(sms_status=SmsStatus.OPTED_OUT)
    ctx = app.state.queue.ctx
    ctx["sms"].sent.clear()
    result = await delivery.deliver(text.id, ctx["sms"], ctx["email"], now=text.due_at)
    assert result is not None and result.state == MessageState.SKIPPED and "opted out" in result.skip_reason
    assert not ctx["sms"].sent


class Unavailable:
    """A provider answering 500: every send is retryable."""

    async def send(self, message: Any) -> Any:
        from mobilize.channels.base import SendResult

        return SendResult(ok=False, error="Twilio 500: Internal Server Error", retryable=True)


async def test_a_retried_text_waits_out_quiet_hours_or_is_skipped(app: Any, client: httpx.AsyncClient) -> None:
    w = await make_world()
    quiet = (time(21, 0), time(8, 0))
    evening = days_ahead(2, 20, 59)  # the provider fails at 20:59 local; the retry would fall at 21:00
    for starts, expected in [(days_ahead(3, 10), days_ahead(3, 8)), (days_ahead(3, 7, 30), None)]:
        shift = await make_shift(w["event"], starts_at=starts)
        signup_id = await seated(client, w, shift, n=starts.hour)
        text = (await reminders_of(signup_id))[(SOON.value, "sms")]
        await Message.filter(id=text.id).update(due_at=evening)
        done = await delivery.deliver(text.id, Unavailable(), Unavailable(), now=evening, quiet=quiet, retry_after=60)
        assert done is not None
        if expected is None:  # 08:00 is after the 07:30 shift has started: not sent late
            assert done.state == MessageState.SKIPPED and "quiet hours" in done.skip_reason
        else:
            assert done.state == MessageState.PENDING and done.due_at == expected
            assert "500" in done.last_error


async def test_a_retried_text_without_a_signup_waits_out_quiet_hours_in_its_planned_zone(
    app: Any, client: httpx.AsyncClient
) -> None:
    """Gap asks and inbox replies have no sign-up: the zone planned with the message moves their retries."""
    w = await make_world()
    quiet = (time(21, 0), time(8, 0))
    evening = days_ahead(2, 20, 59)
    volunteer = await make_person(
        w["event"].organization_id, name="Ana", phone="+13125550077", sms_status=SmsStatus.OPTED_IN
    )
    planned = {}
    for zone in ("America/Chicago", "America/New_York", ""):
        planned[zone] = await Message.create(
            organization_id=w["event"].organization_id,
            volunteer=volunteer,
            channel="sms",
            kind="gap_request",
            to_address=volunteer.phone,
            body=f"Can you fill a shift? ({zone or 'no zone'})",
            due_at=evening,
            expires_at=days_ahead(3, 12),
            timezone=zone,
            dedupe_key=f"gap-test:{zone}",
        )
    done = {
        zone: await delivery.deliver(m.id, Unavailable(), Unavailable(), now=evening, quiet=quiet, retry_after=60)
        for zone, m in planned.items()
    }
    assert all(m is not None and m.state == MessageState.PENDING for m in done.values())
    assert done["America/Chicago"].due_at == days_ahead(3, 8)  # 20:59 + 60 s falls in Chicago's quiet hours
    new_york_morning = days_ahead(3, 7)  # 08:00 in New York is 07:00 in Chicago
    assert done["America/New_York"].due_at == new_york_morning
    retried = done[""].due_at - evening  # no zone known: retried as it falls, after the backoff
    assert timedelta(seconds=60) <= retried < timedelta(seconds=61)
