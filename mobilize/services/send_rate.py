"""Outgoing SMS pace per sender (Twilio counts messages per second per number or Messaging Service).

A GCRA (the token bucket kept as one timestamp, the "theoretical arrival time"): shared by every worker
through one atomic Redis script, or held in the process under `make run`. Both answer `acquire(key, rate)`
with 0 when a slot was taken, else the seconds until the next slot (taking nothing: the caller comes back).

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
    async def acquire(self, key: str, rate: float) -> float: ...


def _interval_and_tolerance(rate: float) -> tuple[float, float]:
    """(seconds between two sends, how far ahead of schedule a send may go) at `rate` per second."""
    interval = 1.0 / rate
    burst = max(1.0, rate * BURST_SECONDS)
    return interval, interval * (burst - 1)


# KEYS[1] the sender's arrival time (microseconds, Redis clock: every worker shares one clock);
# ARGV interval and tolerance in microseconds. Returns 0 after taking a slot, else microseconds to wait.
_ACQUIRE_LUA = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then
    tat = now
end
local allowed_at = tat - tolerance
if now < allowed_at then
    return math.ceil(allowed_at - now)
end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return 0
"""


class RedisSendRate:
    """Shared by all workers: the script reads and moves the sender's schedule atomically."""

    def __init__(self, redis: Any, prefix: str = "mobilize:send-rate:") -> None:
        self._script = redis.register_script(_ACQUIRE_LUA)  # reloads itself after NOSCRIPT (Redis restart)
        self._prefix = prefix

    async def acquire(self, key: str, rate: float) -> float:
        """Take a send slot for `key` at `rate` per second (0 = unlimited): 0.0, or seconds until the next.

        If Redis cannot be reached the message goes out unpaced: Twilio queues or answers 429 (retried with
        backoff), which beats holding every message while Redis restarts."""
        if rate <= 0:
            return 0.0
        interval, tolerance = _interval_and_tolerance(rate)
        try:
            wait_us = await self._script(
                keys=[self._prefix + key], args=[round(interval * 1e6), round(tolerance * 1e6)]
            )
        except (RedisError, OSError) as exc:
            log.warning("send rate unavailable, sending unpaced: %s", exc)
            return 0.0
        return int(wait_us) / 1e6


class LocalSendRate:
    """One process only (`make run`, no Redis). No await between read and write: atomic under asyncio."""

    def __init__(self) -> None:
        self._tat: dict[str, float] = {}

    async def acquire(self, key: str, rate: float) -> float:
        """Same contract as RedisSendRate.acquire, on this process's monotonic clock."""
        if rate <= 0:
            return 0.0
        interval, tolerance = _interval_and_tolerance(rate)
        now = time.monotonic()
        tat = max(self._tat.get(key, now), now)
        allowed_at = tat - tolerance
        if now < allowed_at:
            return allowed_at - now
        self._tat[key] = tat + interval
        return 0.0


def send_rate(redis: Any | None) -> RedisSendRate | LocalSendRate:
    """The shared limiter when there is a Redis connection (arq's), the in-process one otherwise."""
    return RedisSendRate(redis) if redis is not None else LocalSendRate()
