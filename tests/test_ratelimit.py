"""Rate limits: the same outcomes in memory and through Redis, several limits checked in one go, and the
checks of a burst of requests counted exactly when Redis gets them in one batch."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as redis_asyncio

from mobilize.services.errors import RateLimited
from mobilize.services.ratelimit import MemoryLimiter, RedisLimiter, check, check_many

IP = ("ip:203.0.113.9", (3, 60), "address")
PHONE = ("phone:+13125550101", (2, 3600), "phone number")


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Any]:
    """A client on the test Redis database."""
    client = redis_asyncio.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """Each limiter in turn: in memory, then on Redis (with a prefix of its own)."""
    if request.param == "memory":
        yield MemoryLimiter()
        return
    client = redis_asyncio.Redis.from_url(request.getfixturevalue("redis_url"))
    try:
        yield RedisLimiter(client, prefix=f"mobilize:test:{secrets.token_hex(4)}:")
    finally:
        await client.aclose()


async def outcomes(limiter: Any, checks: list[tuple[str, tuple[int, int], str]], times: int) -> list[str]:
    """'ok' or what the limit was about, for each of `times` requests in a row."""
    answers = []
    for _ in range(times):
        try:
            await check_many(limiter, checks)
            answers.append("ok")
        except RateLimited as exc:
            assert 1 <= exc.retry_after <= 3600
            answers.append(exc.message.split(" from this ")[1].split(";")[0])
    return answers


async def test_limits_are_checked_in_order(limiter: Any) -> None:
    # the phone allows two, the address three: the third request is over the phone's limit, later ones
    # over the address's, and those are not counted against the phone at all
    assert await outcomes(limiter, [IP, PHONE], 5) == ["ok", "ok", "phone number", "address", "address"]
    assert await limiter.hit(PHONE[0], 4, 3600) is None  # the 4th hit: 3 were counted, not 5
    assert await limiter.hit(PHONE[0], 4, 3600) is not None


async def test_single_check_raises_with_retry_after(limiter: Any) -> None:
    await check(limiter, "ip:198.51.100.1", (1, 60), "address")
    with pytest.raises(RateLimited) as caught:
        await check(limiter, "ip:198.51.100.1", (1, 60), "address")
    assert 1 <= caught.value.retry_after <= 60


async def test_a_burst_is_counted_exactly(limiter: Any) -> None:
    results = await asyncio.gather(
        *(limiter.hit_many([("ip:192.0.2.1", (30, 60)), (f"phone:{n}", (5, 3600))]) for n in range(50))
    )
    allowed = [r for r in results if r[0] is None]
    assert len(allowed) == 30  # exactly the limit, however the burst was batched
    assert all(r[1] is None for r in allowed)
    assert all(r[1] is None for r in results if r[0] is not None)  # not counted, so not over


@pytest.mark.redis
async def test_redis_limiter_survives_a_script_flush(redis_client: Any) -> None:
    limiter = RedisLimiter(redis_client, prefix=f"mobilize:test:{secrets.token_hex(4)}:")
    assert await limiter.hit("k", 2, 60) is None
    await redis_client.script_flush()  # as after a Redis restart
    assert await limiter.hit("k", 2, 60) is None
    assert await limiter.hit("k", 2, 60) is not None
    keys = await redis_client.keys(f"{limiter._prefix}*")
    assert len(keys) == 1 and 0 < await redis_client.ttl(keys[0]) <= 61


async def test_limits_fail_open_when_redis_is_unreachable() -> None:
    """A Redis outage must not turn volunteers away: the check lets the request through."""
    import redis.asyncio as aioredis

    from mobilize.services.ratelimit import RedisLimiter, check_many

    dead = aioredis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    try:
        await check_many(RedisLimiter(dead), [("ip:203.0.113.1", (1, 60), "address")])
    finally:
        await dead.aclose()
