"""Fixed-window rate limits, shared through Redis when there is one, in memory otherwise."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from mobilize.services.errors import RateLimited


class MemoryLimiter:
    """One process only (the `make run` case); bounded so a flood of keys cannot eat memory."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._windows: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._max_keys = max_keys

    async def hit(self, key: str, limit: int, period: int) -> int | None:
        """Count one hit; None if allowed, else seconds until the window resets."""
        now = int(time.time())
        window = now // period
        current_window, count = self._windows.get(key, (window, 0))
        if current_window != window:
            count = 0
        count += 1
        self._windows[key] = (window, count)
        self._windows.move_to_end(key)
        while len(self._windows) > self._max_keys:
            self._windows.popitem(last=False)
        if count > limit:
            return (window + 1) * period - now
        return None


class RedisLimiter:
    def __init__(self, redis: Any, prefix: str = "mobilize:rl:") -> None:
        self._redis = redis
        self._prefix = prefix

    async def hit(self, key: str, limit: int, period: int) -> int | None:
        now = int(time.time())
        window = now // period
        name = f"{self._prefix}{key}:{window}"
        pipe = self._redis.pipeline(transaction=False)
        pipe.incr(name)
        pipe.expire(name, period + 1)
        count, _ = await pipe.execute()
        if int(count) > limit:
            return (window + 1) * period - now
        return None


async def check(limiter: Any, key: str, rate: tuple[int, int], what: str) -> None:
    limit, period = rate
    wait = await limiter.hit(key, limit, period)
    if wait is not None:
        raise RateLimited(f"too many sign-ups from this {what}; try again in {wait} s", retry_after=max(1, wait))
