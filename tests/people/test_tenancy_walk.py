"""Two organizations, one person: A knows a phone and an email, B knows much more. Acting as A, or as anyone
typing the phone, nothing of B's crosses: the public sign-up (API and page), the SMS webhook (JOIN, YES/NO,
STOP, free text, HELP), the volunteer's own page and feed, the export, and A's dashboard."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from mobilize.models import (
    ConsentAction,
    ConsentRecord,
    InboundMessage,
    InboxThread,
    Membership,
    Message,
    Organization,
    Shift,
    Signup,
    SignupStatus,
    SmsStatus,
    Standby,
    Volunteer,
)
from mobilize.services import accounts
from mobilize.services.people import textable
from tests.conftest import PUBLIC
from tests.factories import auth, make_event, make_group, make_organizer, make_shift, soon
from tests.fakes.twilio_server import FakeTwilio
from tests.sms_helpers import SHARED_NUMBER, reply_of, text
from tests.test_cli import run_cli
from tests.web.test_dashboard import login
from tests.web.test_pages import BROWSER, csrf_from

API = "/api/v1"
PHONE = "+13125550777"
EMAIL = "rosa.person@example.org"
B_NUMBER = "+13125550900"  # B's own sender, in the variant where it has one

# Everything below is B's alone: none of it may reach an answer A (or someone typing the phone) gets.
MARK = "XQ7"
B_ORG = f"Nurses Committee {MARK}"
B_NAME = f"Zenobia Quillfeather{MARK}"
B_ZIP = "60637"
B_NOTES = f"night shift only {MARK}notes"
B_TAG = f"icu-{MARK.lower()}"
B_MEMBER = f"RN-{MARK}-0042"
B_EVENT = f"Strike vote {MARK}"
B_INSTRUCTIONS = f"Bring your badge to door {MARK}-4"
B_ADDRESS = f"1400 Hidden Lane {MARK}"
B_INBOX = f"my charge nurse {MARK} said no"
B_REPLY = f"We will call you {MARK}"


@dataclass
class Walk:
    """The two organizations and what each holds of the person."""

    a_headers: dict[str, str]
    a_membership: Membership
    a_org: Organization
    a_shifts: list[Shift]
    a_event_id: int
    b_org: Organization
    b_headers: dict[str, str]
    b_person: Volunteer
    b_signups: list[Signup]
    b_thread: InboxThread
    secrets: list[str] = field(default_factory=list)  # B's tokens: never in anything A sees

    def forbidden(self) -> list[str]:
        return [MARK, B_ZIP, B_MEMBER, B_TAG, *self.secrets]


def assert_clean(walk: Walk, answer: str, *also: str) -> None:
    for marker in [*walk.forbidden(), *also]:
        assert marker not in answer, f"{marker!r} of B's crossed into: {answer[:2000]}"


@pytest.fixture
def twilio(shared_sms: tuple[Any, httpx.AsyncClient, FakeTwilio]) -> FakeTwilio:
    return shared_sms[2]


@pytest.fixture
async def app(sms: tuple[Any, httpx.AsyncClient]) -> Any:
    return sms[0]


@pytest.fixture
async def client(shared_sms: tuple[Any, httpx.AsyncClient, FakeTwilio]) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own (its own cookies) on the module's app that texts through the fake Twilio."""
    application, _, fake = shared_sms
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url=PUBLIC) as c:
        yield c
    await application.state.queue.drain()
    fake.messages.clear()


async def build(client: httpx.AsyncClient, app: Any, *, a_knows: bool = True, b_own_number: bool = False) -> Walk:
    """B: a full record of the person (name, ZIP, notes, tag, member id, SMS consent, two sign-ups on a private
    event with instructions and a hidden address, an inbox thread with a reply, a standby place, messages
    delivered). A: a public event and two shifts, and (when `a_knows`) its own thin record of the phone and
    email."""
    b_membership, b_token = await make_organizer("nurses-b")
    b_org = await Organization.get(id=b_membership.organization_id)  # type: ignore[attr-defined]
    b_org.name = B_ORG
    await b_org.save()
    if b_own_number:
        await accounts.set_sms_sender("nurses-b", B_NUMBER, None)
    b_headers = auth(b_token)
    b_group = await make_group(b_membership, slug="ward-7")
    b_event = await make_event(
        b_group,
        title=B_EVENT,
        visibility="private",
        instructions=B_INSTRUCTIONS,
        address=B_ADDRESS,
        address_after_signup=True,
        postal_code=B_ZIP,
    )
    b_shifts = [await make_shift(b_event, starts_at=soon(30)), await make_shift(b_event, starts_at=soon(54))]
    body = {"name": B_NAME, "phone": PHONE, "email": EMAIL, "postal_code": B_ZIP, "sms_opt_in": True}
    for shift in b_shifts:
        r = await client.post(f"{API}/shifts/{shift.id}/signups", json={"volunteer": body}, headers=b_headers)
        assert r.status_code == 201, r.text
    await app.state.queue.drain()  # the confirmations leave: B has texted the number
    b_person = await Volunteer.get(organization_id=b_org.id, phone=PHONE)
    r = await client.patch(
        f"{API}/volunteers/{b_person.id}",
        json={"notes": B_NOTES, "tags": [B_TAG], "member_id": B_MEMBER},
        headers=b_headers,
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"{API}/groups/ward-7/standby", json={"volunteer": b_person.id}, headers=b_headers)
    assert r.status_code in (200, 201), r.text
    to = B_NUMBER if b_own_number else SHARED_NUMBER
    assert reply_of(await text(client, B_INBOX, PHONE, to=to)) == ""
    b_thread = await InboxThread.get(volunteer_id=b_person.id)
    r = await client.post(f"{API}/inbox/{b_thread.id}/replies", json={"body": B_REPLY}, headers=b_headers)
    assert r.status_code == 202, r.text
    await app.state.queue.drain()
    b_person = await Volunteer.get(id=b_person.id)
    assert b_person.sms_status == SmsStatus.OPTED_IN and await Standby.exists(volunteer_id=b_person.id)
    assert await Message.filter(volunteer_id=b_person.id, body__contains=MARK).count() >= 3

    a_membership, a_token = await make_organizer("union-a")
    a_org = await Organization.get(id=a_membership.organization_id)  # type: ignore[attr-defined]
    a_group = await make_group(a_membership, slug="hall")
    a_event = await make_event(a_group, title="Teachers rally")
    a_shifts = [await make_shift(a_event, starts_at=soon(26)), await make_shift(a_event, starts_at=soon(50))]
    a_headers = auth(a_token)
    if a_knows:
        r = await client.post(
            f"{API}/volunteers", json={"name": "R.", "phone": PHONE, "email": EMAIL}, headers=a_headers
        )
        assert r.status_code == 201, r.text
    b_signups = await Signup.filter(volunteer_id=b_person.id).order_by("id")
    return Walk(
        a_headers=a_headers,
        a_membership=a_membership,
        a_org=a_org,
        a_shifts=a_shifts,
        a_event_id=a_event.id,
        b_org=b_org,
        b_headers=b_headers,
        b_person=b_person,
        b_signups=b_signups,
        b_thread=b_thread,
        secrets=[b_person.manage_token, b_person.feed_token, b_event.share_token],
    )


async def b_untouched(walk: Walk) -> None:
    """B's record, sign-ups, consent and thread are as B left them."""
    person = await Volunteer.get(id=walk.b_person.id)
    assert (person.name, person.email, person.postal_code, person.notes, person.member_id) == (
        B_NAME,
        EMAIL,
        B_ZIP,
        B_NOTES,
        B_MEMBER,
    )
    assert person.organization_id == walk.b_org.id
    assert [s.status for s in await Signup.filter(volunteer_id=person.id).order_by("id")] == [
        s.status for s in walk.b_signups
    ]
    assert await Standby.exists(volunteer_id=person.id)


async def a_record(walk: Walk) -> Volunteer:
    return await Volunteer.get(organization_id=walk.a_org.id, phone=PHONE)


# ---- the public sign-up ------------------------------------------------------------------------------------


def shape(body: dict[str, Any]) -> dict[str, Any]:
    return {k: (sorted(v) if isinstance(v, dict) else type(v).__name__) for k, v in body.items()}


@pytest.mark.parametrize("a_knows", [True, False], ids=["a-knows", "only-b-knows"])
async def test_public_signup_answers_the_same_and_carries_nothing_of_b(
    client: httpx.AsyncClient, app: Any, a_knows: bool
) -> None:
    walk = await build(client, app, a_knows=a_knows)
    first, second = walk.a_shifts
    known = await client.post(
        f"{API}/public/shifts/{first.id}/signups",
        json={"volunteer": {"name": "R.", "phone": "(312) 555-0777", "email": EMAIL.upper()}},
    )
    fresh = await client.post(
        f"{API}/public/shifts/{second.id}/signups",
        json={"volunteer": {"name": "R.", "phone": "312 555 0778", "email": "someone.else@example.org"}},
    )
    assert known.status_code == fresh.status_code == 201, (known.text, fresh.text)
    assert shape(known.json()) == shape(fresh.json())
    assert known.json()["volunteer"] == fresh.json()["volunteer"] == {"name": "R."}
    for answer in (known, fresh):
        assert answer.json()["manage_url"] is None and "/signups/" not in answer.text
        assert_clean(walk, answer.text, EMAIL, "Zenobia", "rosa.person")
    again = await client.post(
        f"{API}/public/shifts/{first.id}/signups", json={"volunteer": {"name": "x", "phone": PHONE}}
    )
    assert again.status_code == 409
    assert_clean(walk, again.text, EMAIL)
    mine = await a_record(walk)
    assert mine.name == "R." and mine.postal_code in (None, "") and mine.sms_status != SmsStatus.OPTED_IN
    assert not await ConsentRecord.filter(volunteer_id=mine.id).exists()  # B's consent is not A's
    assert await Signup.filter(volunteer_id=mine.id).count() == 1
    await b_untouched(walk)
    # The confirmation goes only where A's own record lets it (the email typed; no texts without A's consent).
    sent = await Message.filter(volunteer_id=mine.id)
    assert {(m.channel, m.to_address) for m in sent} == {("email", EMAIL)}
    # A's message to its roster does not text the number on B's consent: A's record never agreed.
    r = await client.post(f"{API}/events/{walk.a_event_id}/messages", json={"body": "Hi"}, headers=walk.a_headers)
    assert r.status_code == 202, r.text
    assert r.json()["skipped"]["no_consent"] == 2  # the typed phone and the fresh one: SMS; both emailed
    assert not await Message.filter(volunteer_id=mine.id, channel="sms").exists()
    for m in sent:
        assert_clean(walk, m.body)


async def test_public_signup_page_and_signed_up_page_carry_nothing_of_b(client: httpx.AsyncClient, app: Any) -> None:
    walk = await build(client, app)
    event_page = f"/events/{walk.a_event_id}"
    page = await client.get(event_page)
    assert_clean(walk, page.text)
    token = await csrf_from(client, event_page)
    form = {"shift": str(walk.a_shifts[0].id), "name": "R.", "phone": "312-555-0777", "csrf_token": token}
    r = await client.post(f"{event_page}/signup", data=form, headers=BROWSER)
    assert r.status_code == 303, r.text
    done = await client.get(r.headers["location"])
    assert done.status_code == 200 and "You're signed up" in done.text
    assert "/signups/" not in done.text and (await a_record(walk)).manage_token not in done.text
    assert_clean(walk, done.text, EMAIL, "Zenobia")
    await b_untouched(walk)


# ---- the SMS webhook -----------------------------------------------------------------------------------------


async def test_join_asks_a_number_new_to_a_for_its_name_and_never_takes_bs(
    client: httpx.AsyncClient, app: Any, twilio: FakeTwilio
) -> None:
    walk = await build(client, app, a_knows=False)
    ask = reply_of(await text(client, f"JOIN {walk.a_shifts[0].code}", PHONE))
    assert "reply with your name" in ask
    assert_clean(walk, ask, "Zenobia")
    assert not await Volunteer.exists(organization_id=walk.a_org.id)
    assert reply_of(await text(client, "Rosa", PHONE)) == ""
    mine = await a_record(walk)
    assert mine.name == "Rosa" and mine.email is None and mine.postal_code in (None, "")
    # The other way round too: the JOIN was a conversation with A, none of it is filed on B's record.
    join = await InboundMessage.get(body=f"JOIN {walk.a_shifts[0].code}")
    assert join.volunteer_id != walk.b_person.id and join.organization_id != walk.b_org.id
    assert not await Message.filter(volunteer_id=walk.b_person.id, organization_id=walk.a_org.id).exists()
    b_view = await client.get(f"{API}/inbox/{walk.b_thread.id}", headers=walk.b_headers)
    assert b_view.status_code == 200 and B_INBOX in b_view.text
    assert walk.a_shifts[0].code not in b_view.text and "Teachers rally" not in b_view.text
    assert [r.words for r in await ConsentRecord.filter(volunteer_id=mine.id)] == [f"JOIN {walk.a_shifts[0].code}"]
    await app.state.queue.drain()
    sent = [m for m in twilio.messages if "Teachers rally" in m["Body"]]  # A's confirmation
    assert [m["To"] for m in sent] == [PHONE]
    assert_clean(walk, sent[0]["Body"])
    await b_untouched(walk)


@pytest.mark.parametrize("b_own_number", [False, True], ids=["shared-sender", "b-own-number"])
async def test_sms_turns_act_on_the_record_the_conversation_belongs_to(
    client: httpx.AsyncClient, app: Any, twilio: FakeTwilio, b_own_number: bool
) -> None:
    walk = await build(client, app, b_own_number=b_own_number)
    await app.state.queue.drain()
    before = len(twilio.messages)
    # JOIN an A shift: A knows the number ("R."), so A's record is signed up at once, under A's name for it.
    assert reply_of(await text(client, f"JOIN {walk.a_shifts[0].code}", PHONE)) == ""
    mine = await a_record(walk)
    seat = await Signup.get(volunteer_id=mine.id)
    assert mine.name == "R." and seat.shift_id == walk.a_shifts[0].id
    await app.state.queue.drain()  # A's confirmation (it may have gone already): now A texted the number last
    sent = twilio.messages[before:]
    assert all(MARK not in m["Body"] for m in sent) and sent
    twilio.messages.clear()

    help_reply = reply_of(await text(client, "HELP", PHONE))
    assert walk.a_org.name in help_reply
    assert_clean(walk, help_reply)
    yes = reply_of(await text(client, "YES", PHONE))
    assert_clean(walk, yes)
    assert (await Signup.get(id=seat.id)).status == SignupStatus.CONFIRMED
    free = "Can I come late?"
    assert reply_of(await text(client, free, PHONE)) == ""
    got = await InboundMessage.get(body=free)
    assert (got.volunteer_id, got.organization_id) == (mine.id, walk.a_org.id)  # one organization's inbox
    assert await InboxThread.exists(volunteer_id=mine.id)
    no = reply_of(await text(client, "NO", PHONE))
    assert_clean(walk, no)
    assert (await Signup.get(id=seat.id)).status == SignupStatus.CANCELLED
    await b_untouched(walk)  # B's sign-ups, record and thread are untouched by A's conversation
    assert not await InboundMessage.filter(body=free, organization_id=walk.b_org.id).exists()

    if b_own_number:
        # B's own number: the conversation there is B's (its two shifts to choose from), and A's is not in it.
        b_yes = reply_of(await text(client, "YES", PHONE, to=B_NUMBER))
        assert B_EVENT in b_yes and "Teachers rally" not in b_yes
        assert "confirmed" in reply_of(await text(client, "1", PHONE, to=B_NUMBER))
        assert (await Signup.get(id=walk.b_signups[0].id)).status == SignupStatus.CONFIRMED
        assert (await Signup.get(id=seat.id)).status == SignupStatus.CANCELLED
        walk.b_signups = await Signup.filter(volunteer_id=walk.b_person.id).order_by("id")

    before = await ConsentRecord.filter(volunteer_id=walk.b_person.id).count()
    stop = reply_of(await text(client, "STOP texting me please", PHONE))
    assert_clean(walk, stop)
    mine, theirs = await a_record(walk), await Volunteer.get(id=walk.b_person.id)
    assert mine.sms_blocked and not textable(mine)
    revoked = await ConsentRecord.filter(action=ConsentAction.REVOKED)
    assert [(r.volunteer_id, r.words) for r in revoked] == [(mine.id, "STOP texting me please")]
    assert await ConsentRecord.filter(volunteer_id=theirs.id).count() == before  # B keeps no record of the words
    if b_own_number:
        assert not theirs.sms_blocked and textable(theirs)  # B texts from its own number: not stopped
    else:
        assert theirs.sms_blocked and not textable(theirs)  # the shared sender is stopped for everyone on it
        assert theirs.sms_status == SmsStatus.OPTED_IN  # B's own consent is B's; the block says the rest
    start = reply_of(await text(client, "START", PHONE))
    assert_clean(walk, start)
    granted = await ConsentRecord.filter(words="START")
    assert [(r.volunteer_id, r.action) for r in granted] == [(mine.id, ConsentAction.GRANTED)]
    assert await ConsentRecord.filter(volunteer_id=theirs.id).count() == before
    assert not (await a_record(walk)).sms_blocked and textable(await Volunteer.get(id=theirs.id))


async def test_a_question_asked_at_one_sender_is_answered_there_only(
    client: httpx.AsyncClient, app: Any, twilio: FakeTwilio
) -> None:
    """B has its own number, A texts from the shared one: a numbered list or a "reply with your name" asked at
    one of them is not answered by a text to the other (that text is the other organization's conversation)."""
    walk = await build(client, app, a_knows=False, b_own_number=True)
    ask = reply_of(await text(client, f"JOIN {walk.a_shifts[0].code}", PHONE))
    assert "reply with your name" in ask
    to_b = "Hello nurses, see you Thursday"
    assert reply_of(await text(client, to_b, PHONE, to=B_NUMBER)) == ""  # for B's inbox, not A's name question
    assert not await Volunteer.filter(organization_id=walk.a_org.id, name=to_b).exists()
    got = await InboundMessage.get(body=to_b)
    assert (got.volunteer_id, got.organization_id) == (walk.b_person.id, walk.b_org.id)
    assert reply_of(await text(client, "Rosa", PHONE)) == ""  # A's question, answered at A's sender
    mine = await a_record(walk)
    assert mine.name == "Rosa" and await Signup.filter(volunteer_id=mine.id).count() == 1
    await client.post(
        f"{API}/shifts/{walk.a_shifts[1].id}/signups",
        json={"volunteer": {"name": "Rosa", "phone": PHONE}},
        headers=walk.a_headers,
    )
    await app.state.queue.drain()

    b_list = reply_of(await text(client, "YES", PHONE, to=B_NUMBER))
    assert B_EVENT in b_list and "Teachers rally" not in b_list
    one = reply_of(await text(client, "1", PHONE))  # to the shared sender: A's conversation
    assert_clean(walk, one)
    await b_untouched(walk)  # B's sign-ups are not confirmed from A's conversation
    a_list = reply_of(await text(client, "YES", PHONE))
    assert "Teachers rally" in a_list and MARK not in a_list
    reply_of(await text(client, "2", PHONE, to=B_NUMBER))  # at B's number: B's conversation
    assert {s.status for s in await Signup.filter(volunteer_id=mine.id)} == {SignupStatus.SIGNED_UP}
    await b_untouched(walk)


async def test_a_list_asked_in_bs_conversation_is_not_answered_in_as(
    client: httpx.AsyncClient, app: Any, twilio: FakeTwilio
) -> None:
    """Both on the shared sender: B's numbered list, then A texts the number (the conversation is A's now). A
    bare number answers nothing of B's: A's conversation acts on A's record only."""
    walk = await build(client, app)
    b_list = reply_of(await text(client, "YES", PHONE))  # B texted last: B's conversation, B's two shifts
    assert B_EVENT in b_list
    assert reply_of(await text(client, f"JOIN {walk.a_shifts[0].code}", PHONE)) == ""
    await app.state.queue.drain()  # A's confirmation: the conversation is A's
    assert reply_of(await text(client, "1", PHONE)) == ""  # no list of A's: a message for A's inbox
    got = await InboundMessage.get(body="1")
    assert (got.volunteer_id, got.organization_id) == ((await a_record(walk)).id, walk.a_org.id)
    await b_untouched(walk)


# ---- the volunteer's own page and feed -------------------------------------------------------------------------


async def test_a_records_page_and_feed_show_only_a(client: httpx.AsyncClient, app: Any) -> None:
    walk = await build(client, app)
    r = await client.post(
        f"{API}/shifts/{walk.a_shifts[0].id}/signups",
        json={"volunteer": {"name": "R.", "phone": PHONE, "email": EMAIL}},
        headers=walk.a_headers,
    )
    assert r.status_code == 201, r.text
    assert_clean(walk, r.text)
    mine = await a_record(walk)
    page = await client.get(f"/signups/{mine.manage_token}")
    assert page.status_code == 200 and "Teachers rally" in page.text
    assert_clean(walk, page.text, "Zenobia")
    assert not any(f"/drop/{s.id}" in page.text for s in walk.b_signups)
    feed = await client.get(f"/feeds/volunteers/{mine.feed_token}.ics")
    assert feed.status_code == 200 and "Teachers rally" in feed.text
    assert_clean(walk, feed.text)
    # Nothing links from A's page to B's record; B's drop forms do not answer through A's token.
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    for seat in walk.b_signups:
        drop = await client.post(f"/signups/{mine.manage_token}/drop/{seat.id}", data={"csrf_token": csrf.group(1)})
        assert drop.status_code == 404
        confirm = await client.post(
            f"/signups/{mine.manage_token}/confirm/{seat.id}", data={"csrf_token": csrf.group(1)}
        )
        assert confirm.status_code == 404
    for m in await Message.filter(volunteer_id=mine.id):
        assert_clean(walk, m.body)
    # The markers are there to be found: B's own page (for the person holding B's link) shows them.
    theirs = await client.get(f"/signups/{walk.b_person.manage_token}")
    assert B_INSTRUCTIONS in theirs.text and B_ADDRESS in theirs.text and B_EVENT in theirs.text
    assert (await client.get(f"{API}/volunteers/{walk.b_person.id}", headers=walk.b_headers)).json()["notes"] == B_NOTES
    await b_untouched(walk)


# ---- the export ------------------------------------------------------------------------------------------------


async def test_export_of_a_holds_nothing_of_b(
    client: httpx.AsyncClient, app: Any, migrated: str, tmp_path: Path
) -> None:
    walk = await build(client, app)
    assert reply_of(await text(client, f"JOIN {walk.a_shifts[0].code}", PHONE)) == ""
    await app.state.queue.drain()
    out = tmp_path / "export"
    code, stdout, err = await run_cli(migrated, "export", "--org", "union-a", "--out", str(out))
    assert code == 0, err
    assert_clean(walk, stdout)
    everything = ""
    for path in sorted(out.iterdir()):
        content = path.read_text()
        assert_clean(walk, f"{path.name}: {content}", "Zenobia")
        everything += content
    assert "Teachers rally" in everything  # A's own data is there to be found
    counts = json.loads((out / "manifest.json").read_text())["counts"]
    assert (counts["people"], counts["signups"], counts["consent_records"], counts["standby"]) == (1, 1, 1, 0)
    people = list(csv.DictReader(io.StringIO((out / "people.csv").read_text())))
    assert [(p["name"], p["phone"]) for p in people] == [("R.", PHONE)]
    assert str(walk.b_person.id) not in {p.get("id") for p in people}


# ---- A's dashboard and API -------------------------------------------------------------------------------------


async def test_as_dashboard_and_api_show_nothing_of_b(client: httpx.AsyncClient, app: Any) -> None:
    walk = await build(client, app)
    assert reply_of(await text(client, f"JOIN {walk.a_shifts[0].code}", PHONE)) == ""
    await app.state.queue.drain()
    assert reply_of(await text(client, "Is there parking?", PHONE)) == ""  # A's conversation now
    mine = await a_record(walk)
    a_thread = await InboxThread.get(volunteer_id=mine.id)

    await walk.a_membership.fetch_related("organizer")
    assert (await login(client, walk.a_membership.organizer.email)).status_code == 303
    pages = [
        "/dashboard/",
        "/dashboard/volunteers",
        f"/dashboard/volunteers?q={PHONE}",
        f"/dashboard/volunteers?q={EMAIL}",
        f"/dashboard/volunteers/{mine.id}",
        "/dashboard/inbox",
        "/dashboard/inbox?status=all",
        f"/dashboard/inbox/{a_thread.id}",
        f"/dashboard/shifts/{walk.a_shifts[0].id}",
        f"/dashboard/shifts/{walk.a_shifts[0].id}/roster.csv",
        "/dashboard/turnout",
        "/dashboard/turnout/groups/hall",
        f"/dashboard/events/{walk.a_event_id}",
    ]
    for path in pages:
        r = await client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        assert_clean(walk, r.text, "Zenobia")
    found = await client.get("/dashboard/volunteers", params={"q": "Zenobia"})  # B's name: nobody in A's records
    assert "Nobody found." in found.text and str(walk.b_person.id) not in re.findall(r"/volunteers/(\d+)", found.text)
    assert "Is there parking?" in (await client.get(f"/dashboard/inbox/{a_thread.id}")).text
    for path in (f"/dashboard/volunteers/{walk.b_person.id}", f"/dashboard/inbox/{walk.b_thread.id}"):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert_clean(walk, r.text)

    answers = [
        await client.get(f"{API}/volunteers", headers=walk.a_headers),
        await client.get(f"{API}/volunteers", params={"q": PHONE}, headers=walk.a_headers),
        await client.get(f"{API}/volunteers", params={"tag": B_TAG}, headers=walk.a_headers),
        await client.get(f"{API}/volunteers/{mine.id}", headers=walk.a_headers),
        await client.get(f"{API}/inbox", params={"status": "all"}, headers=walk.a_headers),
        await client.get(f"{API}/inbox/{a_thread.id}", headers=walk.a_headers),
        await client.get(f"{API}/shifts/{walk.a_shifts[0].id}/signups", headers=walk.a_headers),
        await client.get(f"{API}/turnout", params={"group": "hall"}, headers=walk.a_headers),
    ]
    for r in answers:
        assert r.status_code == 200, (r.url, r.text)
        assert_clean(walk, r.text, "Zenobia")
    listed = answers[0].json()["data"]
    assert [v["id"] for v in listed] == [mine.id]
    assert listed[0]["sms_status"] == SmsStatus.OPTED_IN.value  # A's own consent: the JOIN texted to it
    for path in (f"{API}/volunteers/{walk.b_person.id}", f"{API}/inbox/{walk.b_thread.id}"):
        r = await client.get(path, headers=walk.a_headers)
        assert r.status_code == 404, path

    # Nor can A change any of it: B's record, thread, standby place; no merge takes B's record in.
    writes = [
        await client.patch(f"{API}/volunteers/{walk.b_person.id}", json={"name": "R."}, headers=walk.a_headers),
        await client.post(f"{API}/volunteers/{walk.b_person.id}/rotate-link", headers=walk.a_headers),
        await client.patch(f"{API}/inbox/{walk.b_thread.id}", json={"status": "handled"}, headers=walk.a_headers),
        await client.post(f"{API}/inbox/{walk.b_thread.id}/replies", json={"body": "hi"}, headers=walk.a_headers),
        await client.post(f"{API}/groups/hall/standby", json={"volunteer": walk.b_person.id}, headers=walk.a_headers),
        await client.delete(f"{API}/groups/ward-7/standby/{walk.b_person.id}", headers=walk.a_headers),
    ]
    for r in writes:
        assert r.status_code in (404, 422), (r.request.url, r.status_code, r.text)
        assert_clean(walk, r.text)
    token = await csrf_from(client, f"/dashboard/volunteers/{mine.id}")
    r = await client.post(
        f"/dashboard/volunteers/{mine.id}/merge", data={"duplicate": str(walk.b_person.id), "csrf_token": token}
    )
    assert "Nothing was merged" in (await client.get(r.headers["location"])).text
    after = await Volunteer.get(id=walk.b_person.id)
    assert after.manage_token == walk.b_person.manage_token and after.organization_id == walk.b_org.id
    assert (await InboxThread.get(id=walk.b_thread.id)).status == walk.b_thread.status
    assert not await Standby.filter(volunteer_id=walk.b_person.id, group__slug="hall").exists()

    await b_untouched(walk)
