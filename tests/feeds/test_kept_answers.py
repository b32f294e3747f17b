"""web/kept.py: a public feed's answer is sent again for the second its version is kept, without reaching
the handler; private feeds, conditional requests, errors and everything outside /feeds/ always go through."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mobilize.models import Campaign, Event, Volunteer
from mobilize.services import feeds
from mobilize.services.events.catalog import rotate_share_token
from mobilize.services.feeds import scopes
from mobilize.services.people.links import rotate_feed_token
from mobilize.web import kept
from tests.factories import make_campaign, make_event, make_shift, make_world, soon, volunteer_body

PLAIN = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture(autouse=True)
def a_second(public_window: Callable[..., None]) -> None:
    feeds.CACHE.clear()


def kept_keys() -> set[kept.Key]:
    return {key for instance in kept._instances for key in instance.kept}


async def test_a_public_feed_is_answered_again_within_its_second_without_the_handler(
    client: httpx.AsyncClient, public_window: Callable[..., None]
) -> None:
    w = await make_world()
    await make_shift(w["event"], starts_at=soon(30))  # a feed over 1 KiB: compressed for clients that take gzip
    path = f"/feeds/campaigns/{w['campaign'].slug}.ics"
    packed, plain = await client.get(path, headers=GZIP), await client.get(path, headers=PLAIN)
    head = await client.head(path, headers=GZIP)
    assert head.status_code == 200 and head.content == b""
    assert packed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert kept_keys() == {("GET", path, b"", True), ("GET", path, b"", False), ("HEAD", path, b"", True)}
    hits = feeds.CACHE.hits
    await Event.filter(id=w["event"].id).update(title="Changed within the second", sequence=9)
    again, plain_again = await client.get(path, headers=GZIP), await client.get(path, headers=PLAIN)
    head_again = await client.head(path, headers=GZIP)
    assert feeds.CACHE.hits == hits  # the handler was not reached: no feed was asked of the cache
    assert (again.content, again.headers["etag"]) == (packed.content, packed.headers["etag"])
    assert (plain_again.content, plain_again.headers["etag"]) == (plain.content, plain.headers["etag"])
    assert again.headers["etag"] != plain_again.headers["etag"]  # one answer per representation
    assert head_again.content == b"" and head_again.headers["content-length"] == packed.headers["content-length"]
    public_window()
    later = await client.get(path, headers=GZIP)
    assert later.headers["etag"] != packed.headers["etag"] and b"Changed within the second" in later.content


async def test_conditional_requests_errors_and_other_addresses_are_never_kept(client: httpx.AsyncClient) -> None:
    w = await make_world()
    path = f"/feeds/campaigns/{w['campaign'].slug}.ics"
    first = await client.get(path)
    kept_before = kept_keys()
    revalidated = await client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert revalidated.status_code == 304 and kept_keys() == kept_before
    since = await client.get(path, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304 and kept_keys() == kept_before
    # A 404 is not kept: a campaign created a moment later answers at once.
    missing = "/feeds/campaigns/later-day.ics"
    assert (await client.get(missing)).status_code == 404
    await make_campaign(w["membership"], slug="later-day")
    assert (await client.get(missing)).status_code == 200
    # Outside /feeds/ nothing is kept, whatever its Cache-Control.
    await client.get(f"/campaigns/{w['campaign'].slug}")
    assert all(key[1].startswith("/feeds/") for key in kept_keys())


async def test_private_feeds_are_never_kept_so_a_replaced_link_stops_at_once(client: httpx.AsyncClient) -> None:
    w = await make_world()
    r = await client.post(f"/api/v1/shifts/{w['shift'].id}/signups", json=volunteer_body(1), headers=w["headers"])
    assert r.status_code == 201, r.text
    volunteer = await Volunteer.get(phone="+13125550001")
    own = f"/feeds/volunteers/{volunteer.feed_token}.ics"
    assert (await client.get(own)).status_code == 200
    await rotate_feed_token(volunteer)
    assert (await client.get(own)).status_code == 404  # within the second
    unlisted = await make_event(w["group"], visibility="unlisted")
    shared = f"/feeds/events/{unlisted.id}-{unlisted.share_token}.ics"
    assert (await client.get(shared)).status_code == 200
    await rotate_share_token(w["actor"], unlisted.id)
    assert (await client.get(shared)).status_code == 404
    assert kept_keys() == set()


def test_only_a_whole_public_200_without_a_cookie_is_shareable() -> None:
    def answer(status: int = 200, control: bytes = b"public, max-age=300", **extra: object) -> list[dict[str, object]]:
        headers = [(b"cache-control", control), *extra.pop("headers", [])]  # type: ignore[misc]
        return [{"type": "http.response.start", "status": status, "headers": headers},
                {"type": "http.response.body", "body": b"x", **extra}]  # fmt: skip

    assert kept._shareable(answer())
    assert not kept._shareable(answer(404))
    assert not kept._shareable(answer(control=b"private, no-cache, max-age=0"))
    assert not kept._shareable(answer(control=b"no-store"))
    assert not kept._shareable(answer(headers=[(b"set-cookie", b"a=b")]))
    assert not kept._shareable(answer(more_body=True))
    assert not kept._shareable(answer()[:1])


def test_only_plain_get_and_head_of_feeds_have_a_key() -> None:
    def scope(method: str = "GET", path: str = "/feeds/groups/g.ics", *headers: tuple[bytes, bytes]) -> dict:
        return {"type": "http", "method": method, "path": path, "query_string": b"", "headers": list(headers)}

    assert kept._key(scope()) == ("GET", "/feeds/groups/g.ics", b"", False)
    assert kept._key(scope("HEAD", "/feeds/groups/g.ics", (b"accept-encoding", b"gzip;q=1"))) == (
        "HEAD", "/feeds/groups/g.ics", b"", True)  # fmt: skip
    assert kept._key(scope("GET", "/feeds/groups/g.ics", (b"accept-encoding", b"gzip;q=0")))[3] is False  # type: ignore[index]
    assert kept._key(scope("POST")) is None
    assert kept._key(scope("GET", "/campaigns/may-day")) is None
    assert kept._key(scope("GET", "/feeds/groups/g.ics", (b"if-none-match", b'"x"'))) is None
    assert kept._key({"type": "websocket", "path": "/feeds/x"}) is None


async def test_past_its_second_one_request_asks_again_while_the_others_get_the_kept_answer(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, public_window: Callable[..., None]
) -> None:
    w = await make_world()
    path = f"/feeds/campaigns/{w['campaign'].slug}.ics"
    first = await client.get(path)
    await Event.filter(id=w["event"].id).update(title="Changed", sequence=9)
    public_window()
    entered, gate = asyncio.Event(), asyncio.Event()
    fingerprint = scopes._fingerprint

    async def held(*args: Any) -> Any:
        entered.set()
        await gate.wait()
        return await fingerprint(*args)

    monkeypatch.setattr(scopes, "_fingerprint", held)
    asking = asyncio.create_task(client.get(path))
    await entered.wait()  # it is waiting for the feed's version
    meanwhile = await client.get(path)
    assert meanwhile.headers["etag"] == first.headers["etag"] and not asking.done()
    gate.set()
    asked = await asking
    assert asked.headers["etag"] != first.headers["etag"] and b"Changed" in asked.content
    assert (await client.get(path)).headers["etag"] == asked.headers["etag"]  # the new answer, kept
    # An answer that can no longer be kept (the campaign is gone) is dropped, not sent again.
    await Campaign.filter(id=w["campaign"].id).delete()
    public_window()
    assert (await client.get(path)).status_code == 404
    assert (await client.get(path)).status_code == 404 and kept_keys() == set()


async def test_the_answers_kept_are_bounded_in_number_and_bytes(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await make_world()
    group, campaign = f"/feeds/groups/{w['group'].slug}.ics", f"/feeds/campaigns/{w['campaign'].slug}.ics"
    size = len((await client.get(group, headers=PLAIN)).content)
    kept.forget()
    monkeypatch.setattr(kept, "MAX_KEPT_BYTES", size + 10)  # room for one of them
    await client.get(group, headers=PLAIN)
    assert kept_keys() == {("GET", group, b"", False)}
    await client.get(campaign, headers=PLAIN)
    assert kept_keys() == {("GET", campaign, b"", False)}  # the group's went to make room
    monkeypatch.setattr(kept, "MAX_KEPT_BYTES", 10**9)
    monkeypatch.setattr(kept, "MAX_KEPT", 2)
    await client.get(group, headers=PLAIN)
    await client.head(group, headers=PLAIN)
    assert kept_keys() == {("HEAD", group, b"", False)}  # a third answer cleared the two before it
