"""Concurrent identical reads share one run.

A day of action sends hundreds of readers at the same campaign page, feed and list at once. Each of them
asks the database the same question (the campaign by its slug, its feed's version, the events near a postal
code); asked once while it is in flight, the answer serves every request that arrived meanwhile. Nothing is
kept afterwards: a request that starts after a run finished starts a new one, so an answer is never older
than the request that waits for it by more than one run of the query.
"""

from __future__ import annotations

import asyncio
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
