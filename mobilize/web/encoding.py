"""Large answers that many clients fetch unchanged (a day of action's feed and campaign page, megabytes
each) go gzip-compressed to clients that accept it: compressed once per version and kept beside the
uncompressed copy, never once per request.
"""

from __future__ import annotations

import asyncio
import gzip

from starlette.requests import Request

from mobilize.services.coalesce import Coalesced
from mobilize.services.feeds.cache import FeedCache

MIN_SIZE = 1024  # smaller answers gain nothing worth the header
LEVEL = 6


def accepts_gzip(request: Request) -> bool:
    """Whether Accept-Encoding lists gzip with a quality above zero (RFC 9110 section 12.5.3)."""
    return gzip_accepted(request.headers.get("accept-encoding", ""))


def gzip_accepted(accept_encoding: str) -> bool:
    """Whether this Accept-Encoding value lists gzip with a quality above zero."""
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "x-gzip", "*"):
            q = params.strip().removeprefix("q=")
            try:
                return not q or float(q) > 0
            except ValueError:
                return False
    return False


def gzip_etag(etag: str) -> str:
    """The strong ETag of the compressed representation (RFC 9110 section 8.8.3: one per content coding)."""
    return etag[:-1] + '-gzip"' if etag.endswith('"') else etag + "-gzip"


class Compressed:
    """Compressed copies of bodies by key (the key names the body's version), least recently used out."""

    def __init__(self, max_entries: int = 64, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._kept = FeedCache(max_entries=max_entries, max_bytes=max_bytes)
        self._compressing: Coalesced[bytes] = Coalesced()

    async def get(self, key: tuple[str, str], body: bytes) -> bytes:
        """`body` compressed, from the cache or compressed now in a worker thread (once, however many ask)."""
        found = self._kept.get(key)
        if found is not None:
            return found

        async def compress() -> bytes:
            packed = await asyncio.to_thread(gzip.compress, body, LEVEL, mtime=0)
            self._kept.put(key, packed)
            return packed

        return await self._compressing.run(key, compress)

    def clear(self) -> None:
        self._kept.clear()
