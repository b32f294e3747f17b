"""One sign-up for several shifts of an event (services.signups.several), through the public API and the event
page, on each database: a seat (or the waitlist) on every shift, one confirmation listing them all, reminders
per seat; a refused shift refuses everything; a retry writes nothing twice; another organization's record of
the same phone stays out of it."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from mobilize.models import (
    SEAT_STATUSES,
    Channel,
    ConsentRecord,
    Message,
    MessageKind,
    MessageState,
    Shift,
    ShiftStatus,
    Signup,
    SignupSource,
    SignupStatus,
    Volunteer,
)
from mobilize.services import signups
from mobilize.services.errors import AlreadySignedUp, Invalid, ShiftClosed
from mobilize.services.outbox import after_commit, combined
from mobilize.services.people import Contact
from mobilize.services.signups import seats as seats_rule
from mobilize.services.signups import several
from tests.clock import daytime
from tests.factories import make_event, make_organizer, make_person, make_shift, make_world, soon, volunteer_body
from tests.web.test_pages import BROWSER, csrf_from

pytestmark = [pytest.mark.usefixtures("migrated"), daytime]

REMINDERS = {MessageKind.REMINDER_DAY_BEFORE, MessageKind.REMINDER_SOON}


async def picket(capacity: int = 10, count: int = 3, org: str = "local-100") -> dict[str, Any]:
    """The factories' world with `count` shifts on its event, a day apart from tomorrow."""
    w = await make_world(org=org, capacity=capacity)
    w["shifts"] = [w["shift"]] + [
        await make_shift(w["event"], capacity=capacity, starts_at=soon(24 * (n + 1))) for n in range(1, count)
    ]
    return w


def url(w: dict[str, Any]) -> str:
    return f"/api/v1/public/events/{w['event'].id}/signups"


def body(shifts: list[Shift], n: int = 1, **extra: Any) -> dict[str, Any]:
    return volunteer_body(n, sms_opt_in=True) | {"shifts": [s.id for s in shifts]} | extra


async def written() -> tuple[int, ...]:
    """Everything a sign-up writes, counted, with the seats taken."""
    filled = sum(s.filled for s in await Shift.all())
    return (
        await Volunteer.all().count(),
        await Signup.all().count(),
        await Message.all().count(),
        await ConsentRecord.all().count(),
        filled,
    )


async def test_several_shifts_one_confirmation_and_reminders_per_seat(app: Any, client: httpx.AsyncClient) -> None:
    w = await picket(count=3)
    sms, email = app.state.queue.ctx["sms"], app.state.queue.ctx["email"]
    sms.sent.clear()
    email.sent.clear()
    asked = [w["shifts"][2], w["shifts"][0], w["shifts"][1]]  # in any order
    r = await client.post(url(w), json=body(asked))
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert [entry["shift"] for entry in data] == [s.id for s in asked]  # one entry per shift, as asked
    assert {entry["status"] for entry in data} == {"signed_up"} and r.json()["next"] is None
    assert all(entry["manage_url"] is None and entry["volunteer"] == {"name": "Volunteer 1"} for entry in data)
    for shift in w["shifts"]:
        assert (await Shift.get(id=shift.id)).filled == 1
    rows = await Signup.filter(id__in=[entry["id"] for entry in data])
    assert len({row.volunteer_id for row in rows}) == 1  # type: ignore[attr-defined]
    assert {row.source for row in rows} == {SignupSource.WEB}
    assert await ConsentRecord.filter(channel="sms").count() == 1

    # one confirmation per channel, on the first shift's sign-up, listing all three in order of time
    confirmations = await Message.filter(kind=MessageKind.CONFIRMATION).order_by("channel")
    assert [m.channel for m in confirmations] == [Channel.EMAIL, Channel.SMS]
    first = next(entry["id"] for entry in data if entry["shift"] == w["shifts"][0].id)
    assert {m.signup_id for m in confirmations} == {first}
    text = next(m for m in confirmations if m.channel == Channel.EMAIL).body
    slots = [re.escape(combined._slot(await _loaded(s))) for s in sorted(rows, key=lambda s: s.shift_id)]
    assert re.search(".*".join(slots), text, re.S), text
    assert next(m for m in confirmations if m.channel == Channel.EMAIL).expires_at == w["shifts"][2].starts_at
    # reminders stay per seat: each sign-up its own, on both channels
    for row in rows:
        kinds = {(m.kind, m.channel) for m in await Message.filter(signup_id=row.id, kind__in=list(REMINDERS))}
        assert kinds == {(k, c) for k in REMINDERS for c in (Channel.SMS, Channel.EMAIL)}, row.id
    assert await Message.filter(kind=MessageKind.WAITLISTED).count() == 0

    await app.state.queue.drain()
    assert [m.to for m in sms.sent] == ["+13125550001"]
    assert sms.sent[0].body.count("CDT") == 3 and "Reply STOP" in sms.sent[0].body
    assert [m.subject for m in email.sent] == ["Signed up: Picket at the gate, 3 shifts"]
    assert email.sent[0].calendar is None  # one iTIP message describes one event: their page has the feed


async def _loaded(signup: Signup) -> Signup:
    return await Signup.get(id=signup.id).select_related("shift__event__organization", "volunteer")


async def test_one_shift_in_the_list_is_the_ordinary_sign_up(app: Any, client: httpx.AsyncClient) -> None:
    w = await picket(count=2)
    email = app.state.queue.ctx["email"]
    email.sent.clear()
    r = await client.post(url(w), json=body([w["shifts"][1]]))
    assert r.status_code == 201 and [e["shift"] for e in r.json()["data"]] == [w["shifts"][1].id]
    keys = await Message.filter(kind=MessageKind.CONFIRMATION).values_list("dedupe_key", flat=True)
    assert keys and not any(":shifts:" in str(key) for key in keys)
    await app.state.queue.drain()
    assert [m.calendar_method for m in email.sent] == ["REQUEST"]  # with its invitation, as ever


@pytest.mark.parametrize("full", [False, True], ids=["seat", "waitlist"])
async def test_one_shift_in_the_list_writes_what_a_shifts_own_sign_up_writes(
    client: httpx.AsyncClient, full: bool
) -> None:
    w = await make_world(capacity=1)
    alone, listed = w["shift"], await make_shift(w["event"], capacity=1, starts_at=w["shift"].starts_at)
    if full:
        for shift in (alone, listed):
            taken = await client.post(f"/api/v1/public/shifts/{shift.id}/signups", json=volunteer_body(9))
            assert taken.status_code == 201, taken.text
    one = await client.post(f"/api/v1/public/shifts/{alone.id}/signups", json=volunteer_body(1, sms_opt_in=True))
    assert one.status_code == 201, one.text
    r = await client.post(url(w), json=body([listed], 2))
    assert r.status_code == 201, r.text
    [entry] = r.json()["data"]
    assert entry["status"] == one.json()["status"] == ("waitlisted" if full else "signed_up")
    assert (await Shift.get(id=listed.id)).filled == (await Shift.get(id=alone.id)).filled == 1

    async def messages(signup_id: int) -> list[tuple[str, str, str, str]]:
        rows = await Message.filter(signup_id=signup_id).order_by("kind", "channel")
        return [(m.kind, m.channel, m.subject, str(m.dedupe_key).replace(str(signup_id), "#")) for m in rows]

    assert await messages(entry["id"]) == await messages(one.json()["id"]) != []
    for n in (1, 2):
        assert await ConsentRecord.filter(channel="sms", volunteer__email=f"v{n}@example.org").count() == 1


async def test_a_full_shift_waitlists_only_that_one(app: Any, client: httpx.AsyncClient) -> None:
    w = await picket(capacity=1, count=3)
    full = w["shifts"][1]
    taken = await client.post(f"/api/v1/public/shifts/{full.id}/signups", json=volunteer_body(9))
    assert taken.status_code == 201
    email = app.state.queue.ctx["email"]
    await app.state.queue.drain()
    email.sent.clear()
    r = await client.post(url(w), json=body(w["shifts"]))
    assert r.status_code == 201, r.text
    status = {entry["shift"]: entry["status"] for entry in r.json()["data"]}
    assert status == {w["shifts"][0].id: "signed_up", full.id: "waitlisted", w["shifts"][2].id: "signed_up"}
    assert [(await Shift.get(id=s.id)).filled for s in w["shifts"]] == [1, 1, 1]
    waiting = next(entry["id"] for entry in r.json()["data"] if entry["status"] == "waitlisted")
    assert not await Message.filter(signup_id=waiting).exists()  # no reminders, no notice of its own
    await app.state.queue.drain()
    [mail] = email.sent
    assert mail.subject == "Signed up: Picket at the gate, 3 shifts"
    seated, _, waitlisted = mail.text.partition("You're on the waitlist")
    assert seated.count("CDT") == 2 and waitlisted.count("CDT") == 1
    # the person who held the seat drops it: the waitlisted one gets it, its news and its reminders
    await seats_rule.cancel_signup(taken.json()["id"])
    assert (await Signup.get(id=waiting)).status == SignupStatus.SIGNED_UP
    kinds = set(await Message.filter(signup_id=waiting).values_list("kind", flat=True))
    assert MessageKind.PROMOTED in kinds and REMINDERS <= kinds


async def test_only_waitlists_is_one_waitlist_notice(client: httpx.AsyncClient) -> None:
    w = await picket(capacity=1, count=2)
    for shift in w["shifts"]:
        taken = await client.post(f"/api/v1/public/shifts/{shift.id}/signups", json=volunteer_body(9))
        assert taken.status_code == 201
    r = await client.post(url(w), json=body(w["shifts"], 2))
    assert {entry["status"] for entry in r.json()["data"]} == {"waitlisted"}
    mine = [entry["id"] for entry in r.json()["data"]]
    notices = await Message.filter(signup_id__in=mine)
    assert {(m.kind, m.channel) for m in notices} == {(MessageKind.WAITLISTED, c) for c in (Channel.SMS, Channel.EMAIL)}
    assert next(m for m in notices if m.channel == Channel.EMAIL).subject == "Waitlisted: Picket at the gate, 2 shifts"


async def test_a_bad_shift_refuses_everything_naming_it(client: httpx.AsyncClient) -> None:
    w = await picket(count=3)
    other = await make_event(w["group"], title="Another action")
    elsewhere = await make_shift(other)
    past = await make_shift(w["event"], starts_at=soon(-10))
    cancelled = await make_shift(w["event"])
    await Shift.filter(id=cancelled.id).update(status=ShiftStatus.CANCELLED)
    before = await written()
    cases = [
        ([w["shifts"][0], elsewhere], 422, "shifts.1", "is not a shift of this event"),
        ([w["shifts"][0], w["shifts"][0]], 422, "shifts.1", "listed twice"),
        ([past, w["shifts"][1]], 409, "shifts.0", "over"),
        ([w["shifts"][1], w["shifts"][2], cancelled], 409, "shifts.2", "cancelled"),
        ([cancelled], 409, "shifts.0", "cancelled"),
    ]
    for shifts, status, field, words in cases:
        r = await client.post(url(w), json=body(shifts))
        assert r.status_code == status, (shifts, r.text)
        error = r.json()["error"]
        assert list(error["fields"]) == [field] and words in error["fields"][field], error
    r = await client.post(url(w), json=body([w["shifts"][0]]) | {"shifts": [w["shifts"][0].id, 0]})
    assert r.status_code == 422 and "shifts.1" in r.json()["error"]["fields"]
    assert await written() == before
    # the event of another: 404 at its address, as for one nobody has
    r = await client.post(f"/api/v1/public/events/{other.id + 1000}/signups", json=body(w["shifts"]))
    assert r.status_code == 404
    assert await written() == before


async def test_a_shift_cancelled_under_the_sign_up_refuses_it(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shifts are checked again once locked: one the organizers cancel after the first look (while the
    person's record is settled) stops the whole sign-up."""
    w = await picket(count=2)
    before = await written()
    settle = several.find_or_create_volunteer

    async def cancelled_meanwhile(*args: Any, **kwargs: Any) -> Any:
        await Shift.filter(id=w["shifts"][1].id).update(status=ShiftStatus.CANCELLED)
        return await settle(*args, **kwargs)

    monkeypatch.setattr(several, "find_or_create_volunteer", cancelled_meanwhile)
    r = await client.post(url(w), json=body(w["shifts"]))
    assert r.status_code == 409 and list(r.json()["error"]["fields"]) == ["shifts.1"], r.text
    assert await written() == before


async def test_a_retry_writes_nothing_twice(app: Any, client: httpx.AsyncClient) -> None:
    w = await picket(count=3)
    first = await client.post(url(w), json=body(w["shifts"]))
    assert first.status_code == 201
    after_first = await written()
    again = await client.post(url(w), json=body(w["shifts"]))
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_signed_up"
    assert set(again.json()["error"]["fields"]) == {"shifts.0", "shifts.1", "shifts.2"}  # no sign-up ids
    assert await written() == after_first
    # a new shift with one already held: nothing at all, the held one named
    extra = await make_shift(w["event"], starts_at=soon(24 * 9))
    r = await client.post(url(w), json=body([extra, w["shifts"][1]]))
    assert r.status_code == 409 and list(r.json()["error"]["fields"]) == ["shifts.1"]
    assert await written() == after_first


async def test_concurrent_retries_take_each_seat_once(client: httpx.AsyncClient) -> None:
    w = await picket(count=3)
    answers = await asyncio.gather(*(client.post(url(w), json=body(w["shifts"])) for _ in range(4)))
    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409], [r.text for r in answers]
    assert [(await Shift.get(id=s.id)).filled for s in w["shifts"]] == [1, 1, 1]
    assert await Signup.all().count() == 3 and await Volunteer.all().count() == 1
    assert await Message.filter(kind=MessageKind.CONFIRMATION).count() == 2  # one SMS, one email


async def test_another_organization_knowing_the_phone_sees_nothing(client: httpx.AsyncClient) -> None:
    w = await picket(count=2)
    theirs = await make_world(org="tenants-union")
    theirs_record = await make_person(
        theirs["event"].organization_id, name="Secret Name", phone="+13125550001", email="secret@example.org"
    )
    before_theirs = (
        await Signup.filter(volunteer_id=theirs_record.id).count(),
        await Message.filter(organization_id=theirs["event"].organization_id).count(),
    )
    known = await client.post(url(w), json=body(w["shifts"], 1) | {"volunteer": {"phone": "3125550001"}})
    assert known.status_code == 201, known.text
    fresh = await client.post(url(w), json=body(w["shifts"], 2) | {"volunteer": {"phone": "3125550077"}})
    assert fresh.status_code == 201

    def shape(answer: httpx.Response) -> list[dict[str, str]]:
        return [{k: type(v).__name__ for k, v in entry.items()} for entry in answer.json()["data"]]

    assert shape(known) == shape(fresh)
    assert "Secret" not in known.text and "secret@example.org" not in known.text
    ours = await Volunteer.get(organization_id=w["event"].organization_id, phone="+13125550001")
    assert ours.id != theirs_record.id and ours.email is None and ours.name != "Secret Name"
    assert (
        await Signup.filter(volunteer_id=theirs_record.id).count(),
        await Message.filter(organization_id=theirs["event"].organization_id).count(),
    ) == before_theirs
    assert not await Message.filter(to_address="secret@example.org").exists()
    # the second organization's API lists only its own record, untouched
    listed = await client.get("/api/v1/volunteers", headers=theirs["headers"])
    assert [v["name"] for v in listed.json()["data"]] == ["Secret Name"]


async def test_service_refuses_without_writing_and_names_a_held_shift() -> None:
    w = await picket(count=3)
    contact = Contact(name="Ana", phone="+13125550101")
    with after_commit.buffer(after_commit.Plan()):
        result = await signups.sign_up_for_shifts(
            w["event"], [s.id for s in w["shifts"][:2]], contact, source=SignupSource.WEB
        )
    assert [s.shift_id for s in result.signups] == [s.id for s in w["shifts"][:2]]  # type: ignore[attr-defined]
    assert all(s.status in SEAT_STATUSES for s in result.signups) and result.new_volunteer
    before = await written()
    with pytest.raises(AlreadySignedUp) as held:
        await signups.sign_up_for_shifts(
            w["event"], [w["shifts"][2].id, w["shifts"][0].id], contact, source=SignupSource.WEB
        )
    assert held.value.fields == {"shifts.1": "already signed up"}
    with pytest.raises(Invalid) as empty:
        await signups.sign_up_for_shifts(w["event"], [], contact, source=SignupSource.WEB)
    assert "shifts" in empty.value.fields
    await Shift.filter(id=w["shifts"][2].id).update(ends_at=soon(-1), starts_at=soon(-3))
    with pytest.raises(ShiftClosed) as over:
        await signups.sign_up_for_shifts(
            w["event"], [w["shifts"][2].id], Contact(name="Bo", email="bo@example.org"), source=SignupSource.WEB
        )
    assert over.value.code == "shift_over" and list(over.value.fields) == ["shifts.0"]
    assert await written() == before


async def test_a_long_list_fits_one_text_and_the_email_lists_every_shift() -> None:
    w = await make_world(capacity=5)
    shifts = [await make_shift(w["event"], starts_at=soon(24 + 12 * n), capacity=5) for n in range(60)]
    contact = Contact(name="Ana", phone="+13125550101", email="ana@example.org")
    from mobilize.services.people import ConsentContext

    consent = ConsentContext(source="web_api", words="yes")
    with after_commit.buffer(after_commit.Plan()):
        await signups.sign_up_for_shifts(
            w["event"], [s.id for s in shifts], contact, source=SignupSource.WEB, sms_consent=consent
        )
    text = await Message.get(kind=MessageKind.CONFIRMATION, channel=Channel.SMS)
    mail = await Message.get(kind=MessageKind.CONFIRMATION, channel=Channel.EMAIL)
    assert len(text.body) <= combined.SMS_MAX and re.search(r"and \d+ more", text.body)
    assert text.body.endswith("Reply STOP to opt out.") and "/signups/" in text.body
    assert mail.body.count("\n- ") == 60
    assert await Message.filter(kind__in=list(REMINDERS)).count() == 60 * 2 * 2
    assert text.state == MessageState.PENDING and mail.expires_at == shifts[-1].starts_at


# ---- the event page --------------------------------------------------------------------------------------------


async def test_the_form_takes_several_shifts_and_the_next_page_lists_them(client: httpx.AsyncClient) -> None:
    w = await picket(count=3)
    path = f"/events/{w['event'].id}"
    page = await client.get(path)
    assert page.status_code == 200
    for shift in w["shifts"]:
        assert f'type="checkbox" name="shift" id="f-shift-{shift.id}" value="{shift.id}"' in page.text
    assert page.text.count('<fieldset class="week">') >= 1 and "<legend><h4>Week of " in page.text
    assert "local time: America/Chicago (CDT)" in page.text
    token = await csrf_from(client, path)
    form = {"csrf_token": token, "name": "Rosa Parks", "phone": "(312) 555-0142", "email": "rosa@example.org"}
    form["shift"] = [str(s.id) for s in w["shifts"][:2]]  # type: ignore[assignment]
    r = await client.post(f"{path}/signup", data=form, headers=BROWSER)
    assert r.status_code == 303, r.text
    done = await client.get(r.headers["location"])
    assert "You're signed up" in done.text and "2 shifts" in done.text
    assert done.text.count('class="gcal"') == 2
    assert await Signup.all().count() == 2
    assert await Message.filter(kind=MessageKind.CONFIRMATION).count() == 1  # email only: no SMS consent
    # the same two again, with the third: nothing written, the page says which one it was
    token = await csrf_from(client, path)
    again = {"csrf_token": token, "name": "Rosa", "phone": "(312) 555-0142"}
    again["shift"] = [str(s.id) for s in (w["shifts"][2], w["shifts"][1])]  # type: ignore[assignment]
    r = await client.post(f"{path}/signup", data=again, headers=BROWSER)
    assert r.status_code == 409 and "already signed up" in r.text and "without" in r.text
    assert await Signup.all().count() == 2


async def test_the_form_without_a_shift_or_with_a_closed_one_is_422(client: httpx.AsyncClient) -> None:
    w = await picket(count=2)
    path = f"/events/{w['event'].id}"
    for shifts, words in (([], "Choose at least one shift."), ([str(w["shifts"][0].id), "99999"], "no longer")):
        token = await csrf_from(client, path)
        form: dict[str, Any] = {"csrf_token": token, "name": "Ana", "email": "ana@example.org", "shift": shifts}
        r = await client.post(f"{path}/signup", data=form, headers=BROWSER)
        assert r.status_code == 422 and words in r.text and 'id="f-shift-error"' in r.text
    assert await Signup.all().count() == 0


async def test_a_second_organization_on_the_form_sees_nothing(client: httpx.AsyncClient) -> None:
    """The page after the form shows only what was typed, for a phone another organization (or this one) knew."""
    w = await picket(count=2)
    membership, _ = await make_organizer("other-org")
    await make_person(membership.organization_id, name="Hidden Person", phone="+13125550142")  # type: ignore[attr-defined]
    path = f"/events/{w['event'].id}"
    token = await csrf_from(client, path)
    form = {"csrf_token": token, "name": "Typed Name", "phone": "(312) 555-0142"}
    form["shift"] = [str(s.id) for s in w["shifts"]]  # type: ignore[assignment]
    r = await client.post(f"{path}/signup", data=form, headers=BROWSER)
    done = await client.get(r.headers["location"])
    assert "Typed Name" in done.text and "Hidden Person" not in done.text
