"""Public feed answers kept for a second: thousands of calendar apps polling one day of action's feed.

A public feed's version and the group or campaign its slug names are read at most once per
`scopes.PUBLIC_VERSION_SECONDS` in a process (services/feeds/scopes.py), so within that second every plain GET
or HEAD of the same address gets the same answer. `KeptFeeds`, the outermost middleware, keeps that answer
(status, headers and body as the app sent them) and sends it again for that second without routing,
middleware or handler; past the second, one request asks the app again while the others of that moment
still get the kept answer (otherwise, on a day of action, every reader of that moment would). It keeps only
what any shared cache may keep: a 200 whose Cache-Control is `public` and that sets no cookie, so private
feeds (a volunteer's, an event's tokened address) are never kept and a rotated token stops answering at
once. Requests with If-None-Match or If-Modified-Since go through (their 304 is cheap), as does everything
outside `/feeds/`. The bodies are the feed cache's own bytes, not copies.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mobilize.services.feeds import scopes
from mobilize.web.encoding import gzip_accepted

PREFIX = "/feeds/"
# At most this many answers, of at most this many bytes in all: the bodies are the feed cache's own, but a
# kept answer holds its body even after the cache has let it go.
MAX_KEPT = 512
MAX_KEPT_BYTES = 64 * 1024 * 1024
# While one request asks the app again for an answer past its second, the others of that moment get the
# answer kept (RFC 5861's stale-while-revalidate; the feeds' Cache-Control allows any shared cache five
# minutes), if it is at most this much past its second; a change shows once that request is answered.
STALE_SECONDS = 10.0
_CONDITIONAL = (b"if-none-match", b"if-modified-since")

Key = tuple[str, str, bytes, bool]
_instances: weakref.WeakSet[KeptFeeds] = weakref.WeakSet()


def forget() -> None:
    """Forget every kept answer (tests reuse ids and addresses after emptying the tables)."""
    for instance in _instances:
        instance.kept.clear()
        instance.size = 0


class KeptFeeds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.kept: dict[Key, tuple[float, Message, Message]] = {}  # key -> (kept at, start, body)
        self.size = 0  # the bytes of the bodies kept (an answer replaced still counts until the next clear)
        self.refreshing: set[Key] = set()  # keys whose answer one request is asking the app for again
        _instances.add(self)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        found = self.kept.get(key)
        if found is not None:
            age = now - found[0]
            fresh = age < scopes.PUBLIC_VERSION_SECONDS
            if fresh or (key in self.refreshing and age < scopes.PUBLIC_VERSION_SECONDS + STALE_SECONDS):
                await send(found[1])
                await send(found[2])
                return
        if key in self.refreshing:  # nothing kept that may be sent: this one goes through as well
            await self.app(scope, receive, send)
            return
        self.refreshing.add(key)
        sent: list[Message] = []

        async def keeping(message: Message) -> None:
            sent.append(message)
            await send(message)

        try:
            await self.app(scope, receive, keeping)
        finally:
            self.refreshing.discard(key)
            if scopes.PUBLIC_VERSION_SECONDS > 0 and _shareable(sent):
                body = len(sent[1].get("body", b""))
                if len(self.kept) >= MAX_KEPT or self.size + body > MAX_KEPT_BYTES:
                    self.kept.clear()
                    self.size = 0
                self.kept[key] = (now, sent[0], sent[1])
                self.size += body
            else:
                self.kept.pop(key, None)


def _key(scope: Scope) -> Key | None:
    """(method, path, query, gzip) of a plain public feed request; None for anything else."""
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or not scope["path"].startswith(PREFIX):
        return None
    gzip = False
    for name, value in scope["headers"]:
        if name in _CONDITIONAL:
            return None
        if name == b"accept-encoding":
            gzip = gzip_accepted(value.decode("latin-1"))
    return scope["method"], scope["path"], scope["query_string"], gzip


def _shareable(sent: list[Message]) -> bool:
    """A whole 200 (one start, one final body) that a shared cache may keep."""
    if len(sent) != 2 or sent[0]["type"] != "http.response.start" or sent[0]["status"] != 200:
        return False
    if sent[1]["type"] != "http.response.body" or sent[1].get("more_body", False):
        return False
    headers: Any = sent[0].get("headers", [])
    control = b""
    for name, value in headers:
        if name.lower() == b"set-cookie":
            return False
        if name.lower() == b"cache-control":
            control = value.lower()
    return control.split(b",")[0].strip() == b"public"
