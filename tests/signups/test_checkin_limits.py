"""The self check-in link (a shift's QR code) is throttled per shift and address: it cannot be used to try
phone numbers until it finds who signed up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from mobilize.app import create_app
from mobilize.models import Shift, Signup, SignupStatus
from mobilize.services.ratelimit import MemoryLimiter
from mobilize.services.signups.attendance import checkin_token
from tests.conftest import PUBLIC, make_settings
from tests.factories import make_shift, make_world
from tests.web.test_dashboard import a_signup
from tests.web.test_pages import csrf_from

T0 = 1_800_000_000 // 3600 * 3600 + 10  # the limiter's clock, early in its windows
LIMIT = 3


@asynccontextmanager
async def browser(application: Any, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=application, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
        yield client


async def check_in(client: httpx.AsyncClient, path: str, contact: str) -> httpx.Response:
    return await client.post(path, data={"contact": contact, "csrf_token": await csrf_from(client, path)})


async def test_self_check_in_is_throttled_per_shift_and_address(migrated: str) -> None:
    application = create_app(make_settings(migrated, CHECKIN_RATE_LIMIT=f"{LIMIT}/5minutes"), manage_db=False)
    async with application.router.lifespan_context(application):
        application.state.limiter = MemoryLimiter(clock=lambda: T0)  # the app's limiter, on the test's clock
        world = await make_world()
        shift = world["shift"]
        other_shift = await make_shift(world["event"])
        started = datetime.now(UTC) - timedelta(minutes=10)
        await Shift.filter(id__in=[shift.id, other_shift.id]).update(starts_at=started)
        signup = await a_signup(shift, 7)
        await a_signup(other_shift, 8)
        secret = application.state.settings.secret
        path, other_path = (
            f"/checkin/{checkin_token(secret, shift.id)}",
            f"/checkin/{checkin_token(secret, other_shift.id)}",
        )

        async with browser(application, "203.0.113.9") as prober:
            tries = [(await check_in(prober, path, f"(312) 555-01{n:02d}")).status_code for n in range(LIMIT)]
            assert tries == [404] * LIMIT  # nobody by those numbers
            refused = await check_in(prober, path, "(312) 555-0007")  # even a right one now
            assert refused.status_code == 429 and "Too many tries from here" in refused.text
            assert 1 <= int(refused.headers["retry-after"]) <= 300
            assert (await Signup.get(id=signup.id)).status != SignupStatus.ATTENDED
            assert (await prober.get(path)).status_code == 200  # the page itself still opens
            # another shift's link from the same address has its own count
            assert "checked in" in (await check_in(prober, other_path, "(312) 555-0008")).text

        async with browser(application, "198.51.100.20") as volunteer:  # the same shift, another address
            r = await check_in(volunteer, path, "(312) 555-0007")
            assert r.status_code == 200 and "checked in" in r.text
        assert (await Signup.get(id=signup.id)).status == SignupStatus.ATTENDED
