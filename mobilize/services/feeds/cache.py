"""An in-process cache of built calendar feeds, and the Last-Modified each feed has shown."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import UTC, datetime, timedelta

_SECOND = timedelta(seconds=1)


class FeedCache:
    """Built feeds by (feed, ETag), least recently used first out, bounded in entries and bytes. Per
    process; a feed changed in the database gets a new ETag, so a stale entry is never served."""

    def __init__(self, max_entries: int = 256, max_bytes: int = 64 * 1024 * 1024):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._size = 0
        self._seen: OrderedDict[str, tuple[str, datetime]] = OrderedDict()  # feed -> (ETag, Last-Modified)
        self.building: dict[tuple[str, str], asyncio.Future[bytes]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, str]) -> bytes | None:
        body = self._entries.get(key)
        if body is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return body

    def put(self, key: tuple[str, str], body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._size -= len(old)
        self._entries[key] = body
        self._size += len(body)
        while len(self._entries) > self.max_entries or self._size > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._size -= len(evicted)

    def last_modified(self, feed: str, etag: str, stored: datetime, now: datetime) -> datetime:
        """Last-Modified as HTTP sends it (whole seconds), never going back and always moving forward when
        the feed changes, even if the change left no later `updated_at` behind (a queryset update) or
        fell in the same second as the previous one."""
        stored = stored.astimezone(UTC).replace(microsecond=0)
        seen = self._seen.get(feed)
        if seen is None or seen[0] == etag:
            value = stored if seen is None else seen[1]
        else:
            value = stored if stored > seen[1] else max(now.astimezone(UTC).replace(microsecond=0), seen[1] + _SECOND)
        self._seen[feed] = (etag, value)
        self._seen.move_to_end(feed)
        while len(self._seen) > self.max_entries * 16:
            self._seen.popitem(last=False)
        return value

    def clear(self) -> None:
        self._entries.clear()
        self._seen.clear()
        self._size = 0
        self.hits = self.misses = 0
