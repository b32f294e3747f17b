"""The turnout chart's scale: even ticks in whole steps of 1, 2 or 5 times a power of ten, ending on a tick."""

from __future__ import annotations

import re

import pytest

from mobilize.web.charts import bar_chart, nice_step


@pytest.mark.parametrize(
    ("top", "step"), [(1, 1), (4, 1), (5, 2), (8, 2), (9, 5), (20, 5), (21, 10), (37, 10), (180, 50), (4001, 2000)]
)
def test_the_step_is_one_two_or_five_times_a_power_of_ten(top: int, step: int) -> None:
    assert nice_step(top) == step


def test_ticks_are_evenly_spaced_and_cover_the_highest_bar() -> None:
    svg = str(bar_chart("Turnout", ["Mon", "Tue"], [("Signed up", [9, 3]), ("Came", [7, 2])]))
    ticks = [int(t) for t in re.findall(r'text-anchor="end" font-size="11" fill="#333">(\d+)<', svg)]
    assert ticks == [0, 5, 10]
