"""What the hosting tests share: a campaign taking hosts, a proposal through the public API, the links the
emails carry (read from the outbox, as the host would read their email)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from mobilize.models import Message, MessageKind
from tests.factories import make_world

PROPOSE = "/api/v1/public/campaigns/{org}/{slug}/events"


def in_days(days: float, hour: int = 17) -> datetime:
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def proposal(title: str = "House meeting on Elm St", email: str = "host@example.org", **extra: Any) -> dict[str, Any]:
    start = in_days(5)
    body: dict[str, Any] = {
        "title": title,
        "event_type": "meeting",
        "description": "Talk with the neighbours about the contract fight.",
        "timezone": "America/Chicago",
        "location": {"venue": "My living room", "city": "Chicago", "postal_code": "60614"},
        "shifts": [
            {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(), "capacity": 12}
        ],
        "host": {"name": "Ana Host", "email": email, "phone": "+13125550100"},
        "agree_to_terms": True,
    }
    body.update(extra)
    return body


async def hosting_world(
    client: httpx.AsyncClient, mode: str = "review", org: str = "local-100", **policy: Any
) -> dict[str, Any]:
    world = await make_world(org)
    r = await client.put(
        f"/api/v1/campaigns/{world['campaign'].slug}/hosting",
        json={"mode": mode, "group": world["group"].slug, **policy},
        headers=world["headers"],
    )
    assert r.status_code == 200, r.text
    world["org"] = org
    world["propose"] = PROPOSE.format(org=org, slug=world["campaign"].slug)
    world["host_form"] = f"/campaigns/{org}/{world['campaign'].slug}/host"
    return world


async def emails_to(address: str) -> list[Message]:
    return await Message.filter(to_address=address, kind=MessageKind.HOSTING).order_by("id")


async def link_in_email(address: str, kind: str) -> str:
    """The newest `/host/{kind}/{token}` link emailed to `address` (kind: confirm or events)."""
    for message in reversed(await emails_to(address)):
        found = re.search(rf"http://testserver(/host/{kind}/[A-Za-z0-9_-]+)", message.body)
        if found:
            return found.group(1)
    raise AssertionError(f"no /host/{kind}/ link emailed to {address}")


async def csrf_of(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


async def confirm_email(client: httpx.AsyncClient, address: str) -> httpx.Response:
    """What the host does: open the link in the email, press the button."""
    path = await link_in_email(address, "confirm")
    token = await csrf_of(client, path)
    return await client.post(path, data={"csrf_token": token})


async def propose_and_confirm(client: httpx.AsyncClient, world: dict[str, Any], **kw: Any) -> int:
    body = proposal(**kw)
    r = await client.post(world["propose"], json=body)
    assert r.status_code == 202, r.text
    confirmed = await confirm_email(client, body["host"]["email"])
    assert confirmed.status_code == 200, confirmed.text
    return int(r.json()["id"])
