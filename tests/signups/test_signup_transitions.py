"""A sign-up's status changes: every refused move says so in a sentence that reads right, whatever the
statuses (the article and the words are not built from the status's value), through the service, the API
and the roster."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mobilize.models import Signup, SignupSource, SignupStatus, Volunteer
from mobilize.services import signups
from mobilize.services.errors import Conflict
from mobilize.services.signups import attendance
from tests.factories import make_world, start_shift

STATUSES = list(SignupStatus)
TARGETS = [s for s in STATUSES if s in signups.ALLOWED_MOVES]
REFUSED = [(before, after) for after in TARGETS for before in STATUSES if before not in signups.ALLOWED_MOVES[after]]


def reads_right(sentence: str) -> bool:
    """No status value leaks into the sentence, and every "a"/"an" fits the word after it."""
    if "_" in sentence:
        return False
    for article, word in re.findall(r"\b(a|an) (\w)", sentence):
        if (article == "an") != (word.lower() in "aeiou"):
            return False
    return True


async def signup_in(world: dict[str, Any], status: SignupStatus, n: int) -> Signup:
    volunteer = await Volunteer.create(
        organization_id=world["event"].organization_id, name=f"V{n}", manage_token=f"m-move-{n}",
        feed_token=f"f-move-{n}",
    )  # fmt: skip
    shift = world["shift"]
    holder = None if status == SignupStatus.CANCELLED else shift.id
    return await Signup.create(shift=shift, volunteer=volunteer, holder=holder, status=status, source=SignupSource.API)


async def test_every_refused_move_reads_right(client: httpx.AsyncClient) -> None:
    world = await make_world()
    assert REFUSED  # the table has refusals to check
    said: dict[tuple[SignupStatus, SignupStatus], str] = {}
    for n, (before, after) in enumerate(REFUSED):
        signup = await signup_in(world, before, n)
        with pytest.raises(Conflict) as refused:
            await signups.set_status(signup.id, after)
        said[(before, after)] = refused.value.message
        assert reads_right(refused.value.message), refused.value.message
        assert (await Signup.get(id=signup.id)).status == before  # nothing written
    assert said[(SignupStatus.ATTENDED, SignupStatus.CONFIRMED)] == "an attended sign-up cannot become confirmed"
    assert said[(SignupStatus.CANCELLED, SignupStatus.NO_SHOW)] == "a cancelled sign-up cannot become a no-show"
    assert said[(SignupStatus.NO_SHOW, SignupStatus.CONFIRMED)] == "a no-show sign-up cannot become confirmed"

    # The API says the same, with the stable code.
    attended = await signup_in(world, SignupStatus.ATTENDED, 100)
    r = await client.patch(f"/api/v1/signups/{attended.id}", json={"status": "confirmed"}, headers=world["headers"])
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["code"] == "bad_transition" and error["message"] == "an attended sign-up cannot become confirmed"


async def test_the_rosters_refusals_read_right(client: httpx.AsyncClient) -> None:
    world = await make_world()
    signup = await signup_in(world, SignupStatus.SIGNED_UP, 1)
    await start_shift(world["shift"])  # attendance is recorded once the shift allows it
    refused_here = [s for s in STATUSES if s not in attendance.ORGANIZER_STATUSES]
    assert refused_here
    for status in refused_here:
        with pytest.raises(Conflict) as refused:
            await attendance.record_attendance(world["actor"], signup.id, status)
        assert reads_right(refused.value.message), refused.value.message
    with pytest.raises(Conflict) as refused:
        await attendance.record_attendance(world["actor"], signup.id, SignupStatus.SIGNED_UP)
    assert refused.value.message == "the roster cannot mark a sign-up signed up"
    # A move the roster allows but the sign-up's status does not, as a walk-in's wrong tap would ask.
    cancelled = await signup_in(world, SignupStatus.CANCELLED, 2)
    with pytest.raises(Conflict) as refused:
        await attendance.record_attendance(world["actor"], cancelled.id, SignupStatus.ATTENDED)
    assert refused.value.message == "a cancelled sign-up cannot become attended"
