"""Outgoing SMS pace per sender (Twilio counts messages per second per number or Messaging Service).

A GCRA (the token bucket kept as one timestamp, the "theoretical arrival time"): shared by every worker
through one atomic Redis script, or held in the process under `make run`. Both answer `reserve(key, rate,
max_wait)`: a slot at most `max_wait` seconds away is reserved (the caller sleeps until it, then sends: a
backlog queues on the schedule instead of polling it), otherwise nothing is taken and the answer says when
to come back. `reserve_many(key, rate, want, max_wait)` reserves up to `want` consecutive slots at once (a
delivery batch takes what its time allows, then claims only that many texts). `acquire(key, rate)` takes a
slot only if one is free now.

The burst allowance is small (a tenth of a second's worth) on purpose: Twilio queues what we send too fast
rather than refusing it, so a large burst only moves the backlog into Twilio's queue, where ValidityPeriod
expires it; a small one keeps our measured rate at the configured one.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from redis.exceptions import RedisError

log = logging.getLogger("mobilize.send_rate")

BURST_SECONDS = 0.1


class SendRate(Protocol):
    async def reserve(self, key: str, rate: float, max_wait: float) -> tuple[bool, float]: ...

    async def reserve_many(self, key: str, rate: float, want: int, max_wait: float) -> tuple[list[float], float]: ...

    async def acquire(self, key: str, rate: float) -> float: ...


def _interval_and_tolerance(rate: float) -> tuple[float, float]:
    """(seconds between two sends, how far ahead of schedule a send may go) at `rate` per second."""
    interval = 1.0 / rate
    burst = max(1.0, rate * BURST_SECONDS)
    return interval, interval * (burst - 1)


# KEYS[1] the sender's arrival time (microseconds, Redis clock: every worker shares one clock);
# ARGV interval, tolerance, the longest wait the caller accepts (microseconds) and how many slots it wants.
# Returns {n, microseconds until each of the n reserved slots...}, or {0, microseconds until a slot is
# within the caller's wait} when none is.
_RESERVE_LUA = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then
    tat = now
end
local answer = {0}
while answer[1] < want do
    local delay = tat - tolerance - now
    if delay < 0 then
        delay = 0
    end
    if delay > max_wait then
        break
    end
    answer[1] = answer[1] + 1
    answer[answer[1] + 1] = math.ceil(delay)
    tat = tat + interval
end
if answer[1] == 0 then
    return {0, math.ceil(tat - tolerance - now - max_wait)}
end
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
return answer
"""


class RedisSendRate:
    """Shared by all workers: the script reads and moves the sender's schedule atomically."""

    def __init__(self, redis: Any, prefix: str = "mobilize:send-rate:") -> None:
        self._script = redis.register_script(_RESERVE_LUA)  # reloads itself after NOSCRIPT (Redis restart)
        self._prefix = prefix

    async def reserve(self, key: str, rate: float, max_wait: float) -> tuple[bool, float]:
        """Reserve the next send slot for `key` at `rate` per second (0 = unlimited) if it is at most
        `max_wait` seconds away: (True, seconds until it), else (False, seconds until it would be).

        If Redis cannot be reached the message goes out unpaced: Twilio queues or answers 429 (retried with
        backoff), which beats holding every message while Redis restarts."""
        delays, wait = await self.reserve_many(key, rate, 1, max_wait)
        return (True, delays[0]) if delays else (False, wait)

    async def reserve_many(self, key: str, rate: float, want: int, max_wait: float) -> tuple[list[float], float]:
        """Reserve up to `want` consecutive slots for `key`, those at most `max_wait` seconds away: (seconds
        until each, 0.0), or ([], seconds until one would be) when none is that close."""
        if rate <= 0 or want <= 0:
            return [0.0] * max(0, want), 0.0
        interval, tolerance = _interval_and_tolerance(rate)
        try:
            answer = await self._script(
                keys=[self._prefix + key],
                args=[round(interval * 1e6), round(tolerance * 1e6), round(max(0.0, max_wait) * 1e6), want],
            )
        except (RedisError, OSError) as exc:
            log.warning("send rate unavailable, sending unpaced: %s", exc)
            return [0.0] * want, 0.0
        granted = int(answer[0])
        if not granted:
            return [], int(answer[1]) / 1e6
        return [int(us) / 1e6 for us in answer[1 : granted + 1]], 0.0

    async def acquire(self, key: str, rate: float) -> float:
        """Take a slot free now: 0.0, or the seconds until the next one (taking nothing)."""
        granted, wait = await self.reserve(key, rate, 0.0)
        return 0.0 if granted else wait


class LocalSendRate:
    """One process only (`make run`, no Redis). No await between read and write: atomic under asyncio."""

    def __init__(self) -> None:
        self._tat: dict[str, float] = {}

    async def reserve(self, key: str, rate: float, max_wait: float) -> tuple[bool, float]:
        """Same contract as RedisSendRate.reserve, on this process's monotonic clock."""
        delays, wait = await self.reserve_many(key, rate, 1, max_wait)
        return (True, delays[0]) if delays else (False, wait)

    async def reserve_many(self, key: str, rate: float, want: int, max_wait: float) -> tuple[list[float], float]:
        """Same contract as RedisSendRate.reserve_many."""
        if rate <= 0 or want <= 0:
            return [0.0] * max(0, want), 0.0
        interval, tolerance = _interval_and_tolerance(rate)
        now = time.monotonic()
        tat = max(self._tat.get(key, now), now)
        delays: list[float] = []
        while len(delays) < want:
            delay = max(0.0, tat - tolerance - now)
            if delay > max_wait:
                break
            delays.append(delay)
            tat += interval
        if not delays:
            return [], tat - tolerance - now - max_wait
        self._tat[key] = tat
        return delays, 0.0

    async def acquire(self, key: str, rate: float) -> float:
        granted, wait = await self.reserve(key, rate, 0.0)
        return 0.0 if granted else wait


def send_rate(redis: Any | None) -> RedisSendRate | LocalSendRate:
    """The shared limiter when there is a Redis connection (arq's), the in-process one otherwise."""
    return RedisSendRate(redis) if redis is not None else LocalSendRate()
