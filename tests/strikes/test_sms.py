"""HERE and BYE (or DONE) at a strike's picket line, on both of PostgreSQL's ways (the one-statement look-up
and the ORM path), and a second organization that knows the same phone and member id sees nothing."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from mobilize import db
from mobilize.models import Duty, Signup, SignupStatus, Strike, Volunteer
from tests.factories import make_event, make_shift
from tests.sms_helpers import make_place, reply_of, text, volunteer_on

pytestmark = pytest.mark.usefixtures("migrated")


@pytest.fixture
def client(sms: tuple[Any, httpx.AsyncClient]) -> httpx.AsyncClient:
    return sms[1]


async def picket_line(org: str) -> dict[str, Any]:
    place = await make_place(org)
    strike = await Strike.create(
        organization=place["organization"], name="Strike", starts_on=date(2026, 1, 1), rules={}
    )
    line = await make_event(place["group"], title="Gate 4")
    line.strike_id = strike.id
    await line.save()
    now = datetime.now(UTC).replace(microsecond=0)
    shift = await make_shift(line, starts_at=now - timedelta(hours=1), hours=4)
    return {**place, "strike": strike, "line": line, "under_way": shift}


@pytest.mark.parametrize("orm", [False, True], ids=["fast-path", "orm-path"])
async def test_here_signs_in_and_bye_signs_out(client: httpx.AsyncClient, orm: bool) -> None:
    w = await picket_line("local-100")
    person = await volunteer_on(w["under_way"], 1)
    await Volunteer.filter(id=person.id).update(member_id="M-7")
    with db.orm_path() if orm else contextlib.nullcontext():
        reply = reply_of(await text(client, "HERE", person.phone))
        assert "you're signed in at Gate 4" in reply and "Text BYE when you leave" in reply, reply
        duty = await Duty.get(volunteer_id=person.id)
        assert duty.signed_out_at is None and duty.strike_id == w["strike"].id and duty.shift_id == w["under_way"].id
        assert (await Signup.get(volunteer_id=person.id)).status == SignupStatus.ATTENDED
        assert "you're on the line since" in reply_of(await text(client, "here", person.phone))
        assert await Duty.filter(volunteer_id=person.id).count() == 1
        reply = reply_of(await text(client, "Bye!", person.phone))
        assert reply.startswith("Signed out:"), reply
        assert (await Duty.get(id=duty.id)).signed_out_at is not None
        assert "not signed in" in reply_of(await text(client, "DONE", person.phone))
        # Back from lunch: HERE again opens a second stretch of the same shift.
        assert "you're signed in" in reply_of(await text(client, "HERE", person.phone))
        assert await Duty.filter(volunteer_id=person.id, signed_out_at=None).count() == 1


async def test_the_same_phone_and_member_id_elsewhere_sees_nothing(client: httpx.AsyncClient) -> None:
    ours = await picket_line("local-100")
    theirs = await picket_line("local-200")
    # The other local knew the number first; on the shared sender the text goes to the one that knew it last.
    twin = await Volunteer.create(
        organization=theirs["organization"], phone="+13125550001", member_id="M-7", manage_token="t1x", feed_token="t2x"
    )
    person = await volunteer_on(ours["under_way"], 1)
    await Volunteer.filter(id=person.id).update(member_id="M-7")
    assert person.phone == twin.phone
    assert "signed in" in reply_of(await text(client, "HERE", person.phone))
    assert await Duty.filter(volunteer_id=twin.id).count() == 0
    assert await Duty.filter(strike_id=theirs["strike"].id).count() == 0
    assert (await Duty.get(volunteer_id=person.id)).strike_id == ours["strike"].id


async def test_bye_without_duty_changes_nothing(client: httpx.AsyncClient) -> None:
    w = await picket_line("local-100")
    person = await volunteer_on(w["under_way"], 1)
    assert "not signed in at a picket line" in reply_of(await text(client, "done", person.phone))
    assert await Duty.all().count() == 0
