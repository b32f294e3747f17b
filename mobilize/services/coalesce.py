"""Concurrent identical reads share one run.

A day of action sends hundreds of readers at the same campaign page, feed and list at once. Each of them
asks the database the same question (the campaign by its slug, its feed's version, the events near a postal
code); asked once while it is in flight, the answer serves every request that arrived meanwhile. Nothing is
kept afterwards: a request that starts after a run finished starts a new one, so an answer is never older
than the request that waits for it by more than one run of the query.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Coalesced(Generic[T]):
    """Runs of `make()` by key: a call while one with the same key is in flight awaits that one (its result
    or its exception). The shared run goes on if one of its callers is cancelled."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[T]] = {}

    async def run(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        running = self._running.get(key)
        if running is None or running.get_loop() is not asyncio.get_running_loop():
            running = asyncio.ensure_future(make())
            self._running[key] = running

            def done(future: asyncio.Future[Any], key: Hashable = key) -> None:
                if self._running.get(key) is future:
                    del self._running[key]
                if not future.cancelled():
                    future.exception()  # retrieved: a failure every caller saw is not "never retrieved"

            running.add_done_callback(done)
        return await asyncio.shield(running)

    def __len__(self) -> int:
        return len(self._running)


class Kept(Generic[T]):
    """Coalesced runs whose answer is also kept, per key, for `seconds()` from when its run was asked for
    (a public answer a day of action's readers all ask for: a public feed's version, the campaign its slug
    names, the list of events near a postal code). Nothing is kept while `seconds()` is 0; at most
    `max_entries` keys, the least recently stored first out. A failure is never kept."""

    def __init__(self, seconds: Callable[[], float], max_entries: int) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self.kept: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()  # key -> (asked at, answer)
        self._runs: Coalesced[T] = Coalesced()

    async def run(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        found = self.kept.get(key)
        started = time.monotonic()
        if found is not None and started - found[0] < self.seconds():
            return found[1]
        answer = await self._runs.run(key, make)
        if self.seconds() > 0:
            self.kept[key] = (started, answer)
            self.kept.move_to_end(key)
            while len(self.kept) > self.max_entries:
                self.kept.popitem(last=False)
        return answer

    def clear(self) -> None:
        self.kept.clear()
