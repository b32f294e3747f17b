"""Fixed-window rate limits, shared through Redis when there is one, in memory otherwise.

Several limits can be checked at once (`check_many`): in order, each counted only while the ones before it
allow the request, exactly as separate checks would, but in a single round trip to Redis (shared, besides,
by every request of a surge that checks at the same moment).

When Redis cannot be reached, a check lets the request through, except where it was asked to fail closed
(logging in: an outage must not open unlimited password guessing); then it raises LimitsUnavailable.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from redis.exceptions import NoScriptError, RedisError

from mobilize.services.errors import RateLimited

log = logging.getLogger("mobilize.ratelimit")

# (key, (limit, period in seconds)): one counter to bump.
Hit = tuple[str, tuple[int, int]]

# KEYS are the window counters in order, ARGV their limits and periods (limit1, period1, limit2, ...).
# Counts each key until one goes over its limit; returns the counts it made.
_HIT_MANY_LUA = """
local counts = {}
for i, key in ipairs(KEYS) do
    local count = redis.call('INCR', key)
    redis.call('EXPIRE', key, tonumber(ARGV[2 * i]) + 1)
    counts[i] = count
    if count > tonumber(ARGV[2 * i - 1]) then
        break
    end
end
return counts
"""


class LimitsUnavailable(RateLimited):
    """The counters cannot be reached and the check fails closed: refused, to be tried again shortly."""

    code = "rate_limits_unavailable"


def _wait(now: int, period: int) -> int:
    """Seconds until the current window of `period` seconds ends."""
    return (now // period + 1) * period - now


class MemoryLimiter:
    """One process only (the `make run` case); bounded so a flood of keys cannot eat memory."""

    def __init__(self, max_keys: int = 100_000, clock: Callable[[], float] = time.time) -> None:
        self._windows: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock  # the windows' clock (tests set their own)

    async def hit(self, key: str, limit: int, period: int) -> int | None:
        """Count one hit; None if allowed, else seconds until the window resets."""
        now = int(self._clock())
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
            return _wait(now, period)
        return None

    async def hit_many(self, hits: Sequence[Hit]) -> list[int | None]:
        """Count each key in order until one is over its limit; per key, None or the seconds to wait."""
        waits: list[int | None] = [None] * len(hits)
        for i, (key, (limit, period)) in enumerate(hits):
            waits[i] = await self.hit(key, limit, period)
            if waits[i] is not None:
                break
        return waits


class RedisLimiter:
    """Shared by every web process. The checks of the requests that arrive together (in one turn of the
    event loop) go to Redis in one pipeline: one round trip for all of them, whatever the surge. Each is
    one call of a script that counts its keys in order."""

    def __init__(self, redis: Any, prefix: str = "mobilize:rl:", clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock  # the windows' clock (tests set their own)
        self._sha = hashlib.sha1(_HIT_MANY_LUA.encode()).hexdigest()
        self._pending: list[tuple[list[str], list[int], asyncio.Future[list[int]]]] = []
        self._flushes: set[asyncio.Task[None]] = set()

    async def hit(self, key: str, limit: int, period: int) -> int | None:
        """Count one hit; None if allowed, else seconds until the window resets."""
        (wait,) = await self.hit_many([(key, (limit, period))])
        return wait

    async def hit_many(self, hits: Sequence[Hit]) -> list[int | None]:
        """Count each key in order until one is over its limit; per key, None or the seconds to wait."""
        now = int(self._clock())
        keys = [f"{self._prefix}{key}:{now // period}" for key, (_, period) in hits]
        args = [value for _, (limit, period) in hits for value in (limit, period)]
        loop = asyncio.get_running_loop()
        counted: asyncio.Future[list[int]] = loop.create_future()
        self._pending.append((keys, args, counted))
        if len(self._pending) == 1:  # the first check of this turn sends the batch once the turn is over
            loop.call_soon(self._send_batch)
        counts = await counted
        waits: list[int | None] = [None] * len(hits)
        for i, count in enumerate(counts):
            limit, period = hits[i][1]
            if int(count) > limit:
                waits[i] = _wait(now, period)
        return waits

    def _send_batch(self) -> None:
        """Send the checks gathered during this turn of the event loop."""
        batch, self._pending = self._pending, []
        task = asyncio.ensure_future(self._run_batch(batch))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _run_batch(self, batch: list[tuple[list[str], list[int], asyncio.Future[list[int]]]]) -> None:
        """Evaluate a batch and answer each waiting check (or pass it the error)."""
        try:
            replies = await self._evaluate([(keys, args) for keys, args, _ in batch])
        except Exception as exc:  # noqa: BLE001 - every waiting request gets the error (and answers 500)
            for _, _, counted in batch:
                if not counted.done():
                    counted.set_exception(exc)
            return
        for (_, _, counted), reply in zip(batch, replies, strict=True):
            if not counted.done():
                counted.set_result(reply)

    async def _evaluate(self, calls: list[tuple[list[str], list[int]]]) -> list[Any]:
        """Run the script once per call, in one pipeline; load it first if Redis does not know it
        (a first use, or a restarted Redis). A NOSCRIPT failure ran nothing, so a retry counts once."""
        for _ in range(2):
            pipe = self._redis.pipeline(transaction=False)
            for keys, args in calls:
                pipe.evalsha(self._sha, len(keys), *keys, *args)
            try:
                return list(await pipe.execute())
            except NoScriptError:
                await self._redis.script_load(_HIT_MANY_LUA)
        raise RuntimeError("Redis keeps forgetting the rate-limit script")  # pragma: no cover


UNAVAILABLE_RETRY = 30  # seconds a refusal for unreachable counters asks the client to wait


async def check(limiter: Any, key: str, rate: tuple[int, int], what: str, *, fail_closed: bool = False) -> None:
    """Count one hit on `key`; raise RateLimited (with Retry-After) if it went over `rate`."""
    await check_many(limiter, [(key, rate, what)], fail_closed=fail_closed)


async def check_many(
    limiter: Any, checks: Sequence[tuple[str, tuple[int, int], str]], *, fail_closed: bool = False
) -> None:
    """Count one hit on each (key, rate, what), in order, stopping at the first over its rate, which raises
    RateLimited (with Retry-After). Same outcome as calling `check` for each in turn, in one round trip.

    If the counters cannot be reached (Redis down), the request goes through: a limit protects against abuse,
    and turning every volunteer away while Redis restarts would be the worse failure. With `fail_closed`
    (password checks, where the limit is the protection) it raises LimitsUnavailable instead."""
    try:
        waits = await limiter.hit_many([(key, rate) for key, rate, _ in checks])
    except (RedisError, OSError) as exc:
        if fail_closed:
            log.error("rate limits unavailable, refusing the request: %s", exc)
            raise LimitsUnavailable(
                "attempts cannot be counted right now (the rate-limit store is unreachable), so none are allowed",
                retry_after=UNAVAILABLE_RETRY,
            ) from exc
        log.warning("rate limits unavailable, letting the request through: %s", exc)
        return
    for (_, _, what), wait in zip(checks, waits, strict=True):
        if wait is not None:
            raise RateLimited(f"too many sign-ups from this {what}; try again in {wait} s", retry_after=max(1, wait))
