"""Expected turnout of upcoming shifts, from each person's own show rate, and the staffing light.

Each person holding a seat counts for their chance of coming: (attended + 2) / (attended + no_show + 3),
the mean of a Beta(2, 1) prior updated with their own history. A newcomer counts 2/3 (about the show rate
organizers report for first-timers); someone who came 8 times out of 8 counts 10/11; someone who missed 3
of 3 counts 2/6. People already checked in count 1. The light compares confirmed people with the target:
green when confirmed people reach it, amber when seat holders (confirmed or not) would, red otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from tortoise.functions import Count

from mobilize.models import Signup, SignupStatus

PRIOR_ATTENDED = 2  # Beta(2, 1): the prior mean 2/3 stands for two visits out of three
PRIOR_NO_SHOW = 1
HOLDING = (SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED)


def show_chance(attended: int, no_show: int) -> float:
    """The posterior mean chance that this person comes, given their attended and no-show counts."""
    return (attended + PRIOR_ATTENDED) / (attended + no_show + PRIOR_ATTENDED + PRIOR_NO_SHOW)


@dataclass(frozen=True)
class Outlook:
    target: int
    confirmed: int
    signed_up: int  # holding a seat, not confirmed yet
    attended: int
    expected: float
    light: str  # green | amber | red

    @property
    def light_label(self) -> str:
        return light_label(self.light)


LIGHT_LABELS = {"green": "On target", "amber": "Short unless unconfirmed people come", "red": "Understaffed"}


def light_label(color: str) -> str:
    """What a light says, in words (the colour is never the only sign)."""
    return LIGHT_LABELS[color]


def light(target: int, confirmed: int, holding: int) -> str:
    if confirmed >= target:
        return "green"
    return "amber" if holding >= target else "red"


async def past_record(volunteer_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(attended, no_show) per volunteer, across all their past sign-ups."""
    record: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for start in range(0, len(volunteer_ids), 5000):
        rows = (
            await Signup.filter(
                volunteer_id__in=volunteer_ids[start : start + 5000],
                status__in=(SignupStatus.ATTENDED, SignupStatus.NO_SHOW),
            )
            .annotate(n=Count("id"))
            .group_by("volunteer_id", "status")
            .values_list("volunteer_id", "status", "n")
        )
        for volunteer_id, status, n in rows:
            record[volunteer_id][0 if status == SignupStatus.ATTENDED else 1] += n
    return {v: (a, m) for v, (a, m) in record.items()}


async def shift_outlook(shifts: list[Any]) -> dict[int, Outlook]:
    """Outlook per shift id (shifts with `target`), in three queries however many shifts."""
    if not shifts:
        return {}
    ids = [s.id for s in shifts]
    rows = await Signup.filter(shift_id__in=ids, status__in=(*HOLDING, SignupStatus.ATTENDED)).values_list(
        "shift_id", "volunteer_id", "status"
    )
    record = await past_record(sorted({v for _, v, _ in rows}))
    tally: dict[int, dict[str, Any]] = {
        i: {"confirmed": 0, "signed_up": 0, "attended": 0, "expected": 0.0} for i in ids
    }
    for shift_id, volunteer_id, status in rows:
        t = tally[shift_id]
        t[str(status)] += 1
        t["expected"] += 1.0 if status == SignupStatus.ATTENDED else show_chance(*record.get(volunteer_id, (0, 0)))
    out = {}
    for s in shifts:
        t = tally[s.id]
        out[s.id] = Outlook(
            target=s.target,
            confirmed=t["confirmed"],
            signed_up=t["signed_up"],
            attended=t["attended"],
            expected=round(t["expected"], 1),
            light=light(s.target, t["confirmed"] + t["attended"], t["confirmed"] + t["signed_up"] + t["attended"]),
        )
    return out
