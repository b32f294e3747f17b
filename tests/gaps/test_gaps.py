"""Filling gaps: the job's choice of standby volunteers, its weekly cap and idempotency, the YES/NO hook,
and what organizers see (roster page, API), with the authorization rules."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from mobilize.models import (
    ActionGroup,
    Event,
    GapAnswer,
    GapRequest,
    Membership,
    Message,
    MessageKind,
    MessageState,
    Organization,
    Role,
    Shift,
    ShiftStatus,
    Signup,
    SignupSource,
    SignupStatus,
    SmsStatus,
    Standby,
    Volunteer,
)
from mobilize.services import gaps
from mobilize.services.gaps.filling import GapRules, fill_gaps
from mobilize.services.outbox.blasts import event_message_stats
from mobilize.services.outbox.messages import at_place
from mobilize.services.people import Contact
from mobilize.services.signups.seats import sign_up
from mobilize.times import text_span
from tests.factories import (
    auth,
    make_event,
    make_group,
    make_organization,
    make_organizer,
    make_person,
    make_shift,
    make_world,
)
from tests.web.test_dashboard import PASSWORD, post
from tests.web.test_openapi import API, check_answer, fetch_document, operation_of
from tests.web.test_pages import csrf_from

pytestmark = pytest.mark.usefixtures("migrated")

NO_QUIET = GapRules(quiet=(time(0, 0), time(0, 0)))  # the tests' clock may read any hour
BASE = "http://test"


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


async def volunteer(
    n: int,
    postal_code: str = "60614",
    *,
    sms: SmsStatus = SmsStatus.OPTED_IN,
    phone: bool = True,
    organization: Any = None,
) -> Volunteer:
    """A record of the organization `organization` (by default the one test organization, local-100)."""
    org = organization or await Organization.get_or_none(slug="local-100") or await make_organization("local-100")
    return await make_person(
        org,
        name=f"Standby {n}",
        phone=f"+1312555{n:04d}" if phone else None,
        email=f"standby{n}@example.org",
        postal_code=postal_code,
        sms_status=sms,
    )


async def on_standby(group: ActionGroup, *people: Volunteer) -> None:
    for person in people:
        await Standby.create(group=group, volunteer=person)


async def asked(shift: Shift) -> list[int]:
    """Volunteer ids asked for the shift, in the order they were asked."""
    rows = await GapRequest.filter(shift_id=shift.id).order_by("id").values_list("volunteer_id", flat=True)
    return [int(v) for v in rows]  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("place", "where"),
    [
        ({"venue": "Union Hall", "city": "Chicago"}, " at Union Hall"),
        ({"venue": "", "city": "Chicago"}, " at Chicago"),
        ({"venue": "", "city": "", "virtual_url": "https://meet.example.org/x"}, " at online"),
        ({"venue": "", "city": "", "virtual_url": ""}, ""),
    ],
)
async def test_the_ask_names_the_place_as_a_sign_ups_messages_do(place: dict[str, str], where: str) -> None:
    world = await make_world()
    await Shift.filter(id=world["shift"].id).update(target=0)
    await Event.filter(id=world["event"].id).update(**place)
    shift = await make_shift(world["event"], capacity=10, target=1, starts_at=now() + timedelta(hours=20))
    await on_standby(world["group"], await volunteer(1))
    await fill_gaps(now(), NO_QUIET)
    [message] = await Message.filter(kind=MessageKind.GAP_REQUEST)
    event = await Event.get(id=world["event"].id)
    assert at_place(event) == where  # the sign-up messages' words for the place
    slot = text_span(shift.starts_at, shift.ends_at, event.timezone)
    assert f"{event.title} on {slot}{where} needs people. Can you come?" in message.body


async def test_nearest_opted_in_standby_volunteers_of_the_group_are_asked(migrated: str) -> None:
    world = await make_world()
    group, event = world["group"], world["event"]
    await Shift.filter(id=world["shift"].id).update(target=0)
    shift = await make_shift(event, capacity=10, target=2, starts_at=now() + timedelta(hours=20))
    near = await volunteer(1, "60657")  # Lakeview, next to the event in Lincoln Park
    far = await volunteer(2, "10001")  # New York
    middle = await volunteer(3, "60637")  # Hyde Park
    nowhere = await volunteer(4, "")  # no postal code: last
    opted_out = await volunteer(5, sms=SmsStatus.OPTED_OUT)
    unknown = await volunteer(6, sms=SmsStatus.UNKNOWN)
    no_phone = await volunteer(7, phone=False)
    on_it = await volunteer(8)
    await sign_up(shift.id, Contact(name="On it", phone=on_it.phone), source=SignupSource.WEB)
    await on_standby(group, far, nowhere, middle, near, opted_out, unknown, no_phone, on_it)
    other_group = await make_group(world["membership"])
    elsewhere = await volunteer(9, "60614")
    await on_standby(other_group, elsewhere)

    done = await fill_gaps(now(), NO_QUIET)

    # A gap of 1 (target 2, one signed up): asks for twice the gap, nearest first.
    assert done.asked == 2 and done.shifts == 1
    assert await asked(shift) == [near.id, middle.id]
    messages = await Message.filter(kind=MessageKind.GAP_REQUEST).order_by("id")
    assert [m.to_address for m in messages] == [near.phone, middle.phone]
    assert sorted(done.due_now) == [m.id for m in messages]
    text = messages[0].body
    assert "needs people. Can you come?" in text
    assert "Reply YES to sign up" in text and "Reply STOP to opt out." in text and event.title in text
    assert messages[0].expires_at == shift.starts_at and messages[0].signup_id is None
    # A bigger gap reaches further down the list, never the others.
    await Shift.filter(id=shift.id).update(target=5)
    done = await fill_gaps(now(), NO_QUIET)
    assert await asked(shift) == [near.id, middle.id, far.id, nowhere.id]


async def test_only_shifts_within_48_hours_below_target_and_still_on(migrated: str) -> None:
    world = await make_world()
    group, event = world["group"], world["event"]
    person = await volunteer(1)
    await on_standby(group, person)
    t = now()
    await Shift.filter(id=world["shift"].id).update(target=0)  # no target: never a gap
    later = await make_shift(event, target=3, starts_at=t + timedelta(hours=49))
    started = await make_shift(event, target=3, starts_at=t - timedelta(minutes=5))
    full = await make_shift(event, capacity=1, target=1, starts_at=t + timedelta(hours=5))
    await sign_up(full.id, Contact(name="Someone", phone="+13125559999"), source=SignupSource.WEB)
    cancelled = await make_shift(event, target=3, starts_at=t + timedelta(hours=5))
    await Shift.filter(id=cancelled.id).update(status=ShiftStatus.CANCELLED)
    off_event = await make_event(group, status="cancelled")
    await make_shift(off_event, target=3, starts_at=t + timedelta(hours=5))

    done = await fill_gaps(t, NO_QUIET)
    assert done.asked == 0 and done.shifts == 0
    assert not await GapRequest.all().count()
    # Once the 49-hour shift comes within 48 hours, it is asked for.
    assert (await fill_gaps(t + timedelta(hours=2), NO_QUIET)).asked == 1
    assert await asked(later) == [person.id] and await asked(started) == []


async def test_weekly_cap_over_all_shifts(migrated: str) -> None:
    world = await make_world()
    group, event = world["group"], world["event"]
    await Shift.filter(id=world["shift"].id).update(target=0)
    person = await volunteer(1)
    await on_standby(group, person)
    t = now()
    first = await make_shift(event, target=1, starts_at=t + timedelta(hours=10))
    second = await make_shift(event, target=1, starts_at=t + timedelta(hours=20))
    third = await make_shift(event, target=1, starts_at=t + timedelta(hours=30))
    assert (await fill_gaps(t, NO_QUIET)).asked == 2
    assert await asked(first) == [person.id] and await asked(second) == [person.id] and await asked(third) == []
    # Three days on, both asks are within the week: not asked a third time.
    fourth = await make_shift(event, target=1, starts_at=t + timedelta(days=3, hours=5))
    assert (await fill_gaps(t + timedelta(days=3), NO_QUIET)).asked == 0
    assert await asked(fourth) == []
    # The cap is a setting (GAP_ASKS_PER_WEEK).
    assert (await fill_gaps(t + timedelta(days=3), GapRules(asks_per_week=3, quiet=NO_QUIET.quiet))).asked == 1
    assert await asked(fourth) == [person.id]
    # Seven days after the first asks, only the one of day 3 is within the week: asked again.
    fifth = await make_shift(event, target=1, starts_at=t + timedelta(days=7, hours=5))
    assert (await fill_gaps(t + timedelta(days=7, minutes=1), NO_QUIET)).asked == 1
    assert await asked(fifth) == [person.id]


async def three_on_standby_two_asked() -> tuple[list[Volunteer], Shift, datetime]:
    """Three standby volunteers, a shift missing one person in 3 hours, and the job run once (two asked)."""
    world = await make_world()
    await Shift.filter(id=world["shift"].id).update(target=0)
    people = [await volunteer(n) for n in range(1, 4)]
    await on_standby(world["group"], *people)
    t = now()
    shift = await make_shift(world["event"], target=1, starts_at=t + timedelta(hours=3))
    assert (await fill_gaps(t, NO_QUIET)).asked == 2
    return people, shift, t


async def test_running_twice_asks_once_and_expires_unanswered_asks(migrated: str) -> None:
    people, shift, t = await three_on_standby_two_asked()
    assert (await fill_gaps(t, NO_QUIET)).asked == 0
    assert (await fill_gaps(t + timedelta(minutes=5), NO_QUIET)).asked == 0
    assert await GapRequest.filter(shift_id=shift.id).count() == 2
    assert await Message.filter(kind=MessageKind.GAP_REQUEST).count() == 2
    # A NO frees a place for the next person.
    await GapRequest.filter(volunteer_id=people[0].id).update(answer=GapAnswer.NO)
    assert (await fill_gaps(t + timedelta(minutes=10), NO_QUIET)).asked == 1
    assert await asked(shift) == [p.id for p in people]
    # After the start, the pending asks expire.
    done = await fill_gaps(t + timedelta(hours=3), NO_QUIET)
    assert done.expired == 2
    assert await GapRequest.filter(answer=GapAnswer.EXPIRED).count() == 2


async def test_an_ask_that_cannot_arrive_leaves_its_place(migrated: str) -> None:
    people, shift, t = await three_on_standby_two_asked()
    # The first opted out before the text went: the outbox skipped it; the next person is asked instead.
    first = await GapRequest.get(volunteer_id=people[0].id)
    await Message.filter(id=first.message_id).update(state=MessageState.SKIPPED)
    assert (await fill_gaps(t + timedelta(minutes=5), NO_QUIET)).asked == 1
    assert await asked(shift) == [p.id for p in people]


async def test_no_ask_when_quiet_hours_last_until_the_shift(migrated: str) -> None:
    world = await make_world()
    await Shift.filter(id=world["shift"].id).update(target=0)
    await on_standby(world["group"], await volunteer(1))
    # 23:00 in Chicago, a shift at 07:00: quiet until 08:00, too late to ask.
    night = datetime(2031, 3, 4, 5, 0, tzinfo=UTC)
    await make_shift(world["event"], target=1, starts_at=night + timedelta(hours=8))
    assert (await fill_gaps(night, GapRules())).asked == 0
    # A shift at 10:00 is asked for, the text held until 08:00.
    later = await make_shift(world["event"], target=1, starts_at=night + timedelta(hours=11))
    done = await fill_gaps(night, GapRules())
    assert done.asked == 1 and done.due_now == []
    message = await Message.get(kind=MessageKind.GAP_REQUEST)
    assert message.due_at == night + timedelta(hours=9) and await asked(later) != []
    assert message.timezone == world["event"].timezone  # a retry waits out the night in the same zone


async def asked_and_sent(world: dict[str, Any], *people: Volunteer, capacity: int = 10, target: int = 2) -> Shift:
    """A shift with a gap whose ask went out to these people (their texts marked sent)."""
    await Shift.filter(id=world["shift"].id).update(target=0)
    await on_standby(world["group"], *people)
    shift = await make_shift(world["event"], capacity=capacity, target=target, starts_at=now() + timedelta(hours=6))
    await fill_gaps(now(), NO_QUIET)
    await Message.filter(kind=MessageKind.GAP_REQUEST).update(state=MessageState.SENT, sent_at=now())
    return shift


async def test_yes_signs_up_once_and_no_is_recorded(migrated: str) -> None:
    world = await make_world()
    yes, no = await volunteer(1), await volunteer(2)
    shift = await asked_and_sent(world, yes, no)
    assert (await gaps.pending_request(yes.id, now())) is not None

    taken = await gaps.answer(yes.id, True, now(), base_url=BASE)
    assert taken is not None and taken.answer == GapAnswer.YES and not taken.waitlisted
    assert taken.signup is not None and taken.signup.source == SignupSource.SMS
    assert taken.signup.status == SignupStatus.SIGNED_UP and "signed up" in taken.reply
    assert taken.due_now  # the confirmation, to enqueue after commit
    assert await gaps.answer(yes.id, True, now(), base_url=BASE) is None
    assert await Signup.filter(shift_id=shift.id, volunteer_id=yes.id).count() == 1
    row = await GapRequest.get(volunteer_id=yes.id)
    assert row.answer == GapAnswer.YES and row.signup_id == taken.signup.id and row.answered_at is not None

    said_no = await gaps.answer(no.id, False, now(), base_url=BASE)
    assert said_no is not None and said_no.answer == GapAnswer.NO and said_no.signup is None
    assert (await GapRequest.get(volunteer_id=no.id)).answer == GapAnswer.NO
    assert not await Signup.filter(volunteer_id=no.id).exists()


async def test_yes_after_the_shift_filled_is_waitlisted(migrated: str) -> None:
    world = await make_world()
    person = await volunteer(1)
    shift = await asked_and_sent(world, person, capacity=1, target=1)
    await sign_up(shift.id, Contact(name="Quicker", phone="+13125559999"), source=SignupSource.WEB)
    taken = await gaps.answer(person.id, True, now(), base_url=BASE)
    assert taken is not None and taken.waitlisted and "waitlist" in taken.reply
    assert taken.signup is not None and taken.signup.status == SignupStatus.WAITLISTED


async def test_a_yes_answers_the_latest_question_only(migrated: str) -> None:
    world = await make_world()
    person = await volunteer(1)
    await asked_and_sent(world, person)
    # Not yet sent: nothing to answer.
    await Message.filter(kind=MessageKind.GAP_REQUEST).update(state=MessageState.PENDING, sent_at=None)
    assert await gaps.pending_request(person.id, now()) is None
    await Message.filter(kind=MessageKind.GAP_REQUEST).update(state=MessageState.DELIVERED, sent_at=now())
    assert await gaps.pending_request(person.id, now()) is not None
    # A day-before reminder sent after it: YES is about that reminder now.
    await Message.create(
        volunteer=person,
        channel="sms",
        kind=MessageKind.REMINDER_DAY_BEFORE,
        to_address=person.phone,
        body="reminder",
        due_at=now(),
        state=MessageState.SENT,
        sent_at=now() + timedelta(minutes=1),
        dedupe_key="test:reminder",
    )
    assert await gaps.pending_request(person.id, now()) is None
    assert await gaps.answer(person.id, True, now(), base_url=BASE) is None
    # Past the 48 hours an ask stays open, nothing is pending either.
    await Message.filter(kind=MessageKind.REMINDER_DAY_BEFORE).delete()
    assert await gaps.pending_request(person.id, now() + timedelta(hours=49)) is None


class RecordingQueue:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[Any, ...], str]] = []

    async def enqueue(self, function: str, *args: Any, job_id: str) -> None:
        self.jobs.append((function, args, job_id))


async def test_the_periodic_job_enqueues_the_texts_after_asking(migrated: str, settings: Any) -> None:
    from workers.gaps import ask_standby
    from workers.main import IN_PROCESS_CRON, WorkerSettings

    assert ask_standby in [job for job, _ in IN_PROCESS_CRON]
    assert "cron:ask_standby" in [job.name for job in WorkerSettings.cron_jobs]
    world = await make_world()
    await Shift.filter(id=world["shift"].id).update(target=0)
    await on_standby(world["group"], await volunteer(1))
    await make_shift(world["event"], target=1, starts_at=datetime(2031, 3, 4, 18, 0, tzinfo=UTC))
    queue = RecordingQueue()
    ctx = {"settings": settings, "queue": queue}
    noon_in_chicago = datetime(2031, 3, 4, 18, 0, tzinfo=UTC) - timedelta(hours=4)
    assert await ask_standby(ctx, noon_in_chicago) == 1
    assert await ask_standby(ctx, noon_in_chicago) == 0
    message = await Message.get(kind=MessageKind.GAP_REQUEST)
    assert [(f, a) for f, a, _ in queue.jobs] == [("deliver_message", (message.id,))]


# ---- what organizers see and change ----------------------------------------------------------------------


async def login(client: httpx.AsyncClient, membership: Membership) -> None:
    await membership.fetch_related("organizer")
    token = await csrf_from(client, "/login")
    data = {"email": membership.organizer.email, "password": PASSWORD, "csrf_token": token}
    assert (await client.post("/login", data=data)).status_code == 303


async def known(world: dict[str, Any], person: Volunteer) -> Volunteer:
    assert person.organization_id == world["group"].organization_id  # records are the organization's own
    return person


async def test_standby_list_through_the_api(client: httpx.AsyncClient) -> None:
    document = await fetch_document(client)
    world = await make_world()
    h, slug = world["headers"], world["group"].slug
    person = await known(world, await volunteer(1))
    stranger = await volunteer(2, organization=await make_organization())  # another organization's record
    url = f"{API}/groups/{slug}/standby"
    r = await client.post(url, json={"volunteer": person.id}, headers=h)
    assert r.status_code == 201 and r.json()["volunteer"]["id"] == person.id
    check_answer(document, "group-standby-add", r)
    assert (await client.post(url, json={"volunteer": person.id}, headers=h)).status_code == 201  # idempotent
    assert (await client.post(url, json={"volunteer": stranger.id}, headers=h)).status_code == 404
    assert (await client.post(url, json={"volunteer": "x"}, headers=h)).status_code == 422
    r = await client.get(url, headers=h)
    check_answer(document, "group-standby", r)
    assert [e["volunteer"]["id"] for e in r.json()["data"]] == [person.id]
    _, viewer = await make_organizer(role=Role.VIEWER)
    assert (await client.post(url, json={"volunteer": person.id}, headers=auth(viewer))).status_code == 403
    other_org = await make_world(org="other-org")
    assert (await client.get(url, headers=other_org["headers"])).status_code == 404
    r = await client.delete(f"{url}/{person.id}", headers=h)
    assert r.status_code == 204
    assert "204" in operation_of(document, "group-standby-remove")[2]["responses"]  # documented, no body
    assert (await client.get(url, headers=h)).json()["data"] == []


async def test_organizers_see_who_was_asked_and_who_answered(client: httpx.AsyncClient) -> None:
    document = await fetch_document(client)
    world = await make_world()
    yes, no, waiting = [await known(world, await volunteer(n, "60657")) for n in (1, 2, 3)]
    shift = await asked_and_sent(world, yes, no, waiting, target=2)
    await gaps.answer(yes.id, True, now(), base_url=BASE)
    await gaps.answer(no.id, False, now(), base_url=BASE)

    r = await client.get(f"{API}/shifts/{shift.id}/gap-requests", headers=world["headers"])
    check_answer(document, "shift-gap-requests", r)
    answers = {row["volunteer"]["id"]: (row["answer"], row["signup"]) for row in r.json()["data"]}
    signup = await Signup.get(volunteer_id=yes.id)
    assert answers == {yes.id: ("yes", signup.id), no.id: ("no", None), waiting.id: ("pending", None)}

    await login(client, world["membership"])
    page = (await client.get(f"/dashboard/shifts/{shift.id}")).text
    assert "Asked to fill this shift" in page
    section = page[page.index("Asked to fill this shift") :]
    for person, label in ((yes, "Yes"), (no, "No"), (waiting, "No answer yet")):
        assert person.name in section and person.phone in section
        assert f"{label}" in section
    # Shifts nobody was asked about show no such section.
    assert "Asked to fill this shift" not in (await client.get(f"/dashboard/shifts/{world['shift'].id}")).text


async def test_a_host_of_another_group_gets_404(client: httpx.AsyncClient) -> None:
    world = await make_world()
    person = await known(world, await volunteer(1))
    shift = await asked_and_sent(world, person, target=1)
    await make_group(world["membership"], slug="mine")
    host, token = await make_organizer(role=Role.HOST, groups=["mine"])
    h = auth(token)
    assert (await client.get(f"{API}/shifts/{shift.id}/gap-requests", headers=h)).status_code == 404
    assert (await client.get(f"{API}/groups/{world['group'].slug}/standby", headers=h)).status_code == 404
    assert (await client.get(f"{API}/groups/mine/standby", headers=h)).status_code == 200
    r = await client.delete(f"{API}/groups/{world['group'].slug}/standby/{person.id}", headers=h)
    assert r.status_code == 404 and await Standby.filter(volunteer_id=person.id).exists()
    await login(client, host)
    assert (await client.get(f"/dashboard/shifts/{shift.id}")).status_code == 404


async def test_standby_from_the_volunteer_page(client: httpx.AsyncClient) -> None:
    world = await make_world()
    person = await known(world, await volunteer(1))
    await login(client, world["membership"])
    page_url = f"/dashboard/volunteers/{person.id}"
    page = (await client.get(page_url)).text
    assert "Not on any standby list" in page and "Add to standby" in page
    form = {"group": world["group"].slug, "action": "add"}
    r = await post(client, f"{page_url}/standby", form, page_url)
    assert r.status_code == 303 and r.headers["location"] == page_url
    assert await Standby.filter(group_id=world["group"].id, volunteer_id=person.id).exists()
    page = (await client.get(page_url)).text
    assert "On standby for Test Group" in page and "Remove" in page
    r = await post(client, f"{page_url}/standby", form | {"action": "remove"}, page_url)
    assert not await Standby.filter(volunteer_id=person.id).exists()
    r = await post(client, f"{page_url}/standby", form | {"group": "nope"}, page_url)
    assert "Nothing changed" in (await client.get(page_url)).text


async def test_a_merge_keeps_standby_and_asks_so_the_cap_still_holds(migrated: str) -> None:
    from mobilize.services.signups.merge import merge

    world = await make_world()
    keep = await known(world, await volunteer(1))
    duplicate = await known(world, await volunteer(2))
    await asked_and_sent(world, duplicate, target=1)
    other = await make_group(world["membership"])
    await on_standby(other, keep, duplicate)
    await merge(world["actor"], keep.id, duplicate.id)
    assert await GapRequest.filter(volunteer_id=keep.id).count() == 1
    assert sorted(await Standby.filter(volunteer_id=keep.id).values_list("group_id", flat=True)) == sorted(
        [world["group"].id, other.id]
    )


async def test_asks_to_fill_a_shift_count_in_the_events_message_figures(migrated: str) -> None:
    world = await make_world()
    await asked_and_sent(world, await volunteer(1), await volunteer(2))
    stats = await event_message_stats(world["actor"], world["event"].id)
    assert stats["by_kind"]["gap_request"]["sent"] == 2 and stats["totals"]["sent"] >= 2
