"""services.coalesce: concurrent identical reads share one run, and nothing outlives it."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mobilize.services.coalesce import Coalesced, Kept
from mobilize.services.errors import NotFound


async def test_callers_at_the_same_moment_share_one_run_and_later_ones_start_another() -> None:
    runs = 0
    gate = asyncio.Event()
    shared: Coalesced[int] = Coalesced()

    async def query() -> int:
        nonlocal runs
        runs += 1
        mine = runs
        await gate.wait()
        return mine

    waiting = [asyncio.create_task(shared.run("k", query)) for _ in range(20)]
    other = asyncio.create_task(shared.run("other", query))
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*waiting) == [1] * 20
    assert await other == 2
    assert runs == 2 and len(shared) == 0  # one per key; nothing kept
    assert await shared.run("k", query) == 3  # after the run finished: asked again


async def test_a_failure_reaches_every_caller_and_a_cancelled_caller_leaves_the_run_going() -> None:
    shared: Coalesced[int] = Coalesced()
    gate = asyncio.Event()

    async def failing() -> int:
        await gate.wait()
        raise NotFound("no such campaign")

    callers = [asyncio.create_task(shared.run("k", failing)) for _ in range(3)]
    await asyncio.sleep(0)
    callers[0].cancel()
    gate.set()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert all(isinstance(r, NotFound) for r in results[1:])
    with pytest.raises(NotFound):
        await shared.run("k", failing)


async def test_the_public_list_answers_each_of_many_readers_at_once(client: httpx.AsyncClient) -> None:
    from tests.factories import make_world

    w = await make_world()
    answers = await asyncio.gather(
        *(client.get(f"/api/v1/public/events?campaign={w['campaign'].slug}") for _ in range(8))
    )
    assert {r.status_code for r in answers} == {200}
    assert {len(r.json()["data"]) for r in answers} == {1}
    bad = await asyncio.gather(*(client.get("/api/v1/public/events?near=00000") for _ in range(3)))
    assert {r.status_code for r in bad} == {422} and all("near" in r.text for r in bad)


async def test_kept_answers_last_their_seconds_failures_never_and_the_oldest_go_first() -> None:
    seconds = 1.0
    runs = 0
    kept: Kept[int] = Kept(lambda: seconds, max_entries=2)

    async def query() -> int:
        nonlocal runs
        runs += 1
        return runs

    assert [await kept.run("a", query) for _ in range(3)] == [1, 1, 1]  # kept within the second
    kept.kept["a"] = (kept.kept["a"][0] - 1.0, 1)  # the second is over
    assert await kept.run("a", query) == 2
    assert await kept.run("b", query) == 3 and await kept.run("c", query) == 4
    assert list(kept.kept) == ["b", "c"]  # at most two: "a", the oldest stored, went

    async def failing() -> int:
        raise NotFound("gone")

    for _ in range(2):
        with pytest.raises(NotFound):
            await kept.run("d", failing)
    assert "d" not in kept.kept
    seconds = 0.0  # nothing is kept (nor served) while the seconds are 0
    assert await kept.run("b", query) == 5 and await kept.run("b", query) == 6
    kept.clear()
    assert not kept.kept
