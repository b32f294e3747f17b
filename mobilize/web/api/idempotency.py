"""`Idempotency-Key` on the API's creating endpoints (events, shifts): a client that retries a request whose
answer it never saw (a timeout, a dropped connection) gets the first answer again instead of a second event.

The key is per organization. The first request with a key writes a row (status 0) before it runs and the
answer after it succeeds; a retry finds the row and replays the answer (with `Idempotent-Replayed: true`).
The same key with a different request (method, path or body) is refused (422, naming the header); a retry
while the first is still running gets 409. A request that fails (4xx, 5xx, an exception) frees its key, so
the corrected request can use it. A row left at status 0 by a process that died is taken over after
STALE_AFTER.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response
from tortoise.exceptions import IntegrityError

from mobilize.models import IdempotentRequest
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Invalid
from mobilize.services.idempotency import check_idempotency_key
from mobilize.web.api.common import Handler

STALE_AFTER = timedelta(minutes=2)  # longer than any creating request takes


def _fingerprint(request: Request, body: bytes) -> str:
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


async def _take(actor: Actor, key: str, fingerprint: str) -> IdempotentRequest | Response:
    """The new row this request runs under, or the answer a finished first request gave."""
    for _ in range(2):
        try:
            return await IdempotentRequest.create(
                organization_id=actor.organization_id, key=key, fingerprint=fingerprint
            )
        except IntegrityError:
            first = await IdempotentRequest.get_or_none(organization_id=actor.organization_id, key=key)
        if first is None:  # freed in between: try again
            continue
        if first.fingerprint != fingerprint:
            raise Invalid.field("Idempotency-Key", "this key was used for a different request")
        if first.status:
            return Response(
                first.body,
                status_code=first.status,
                media_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        if datetime.now(UTC) - first.created_at < STALE_AFTER:
            raise Conflict("a request with this Idempotency-Key is still running", code="idempotency_in_progress")
        await IdempotentRequest.filter(id=first.id, status=0).delete()  # its process died: take it over
    raise Conflict("a request with this Idempotency-Key is still running", code="idempotency_in_progress")


def idempotent(handler: Handler) -> Handler:
    """Wrap a creating endpoint (inside `authed`): with an Idempotency-Key header, at most one effect."""

    async def endpoint(request: Request, actor: Actor) -> Response:
        key = check_idempotency_key(request.headers.get("idempotency-key"))
        if key is None:
            return await handler(request, actor)
        taken = await _take(actor, key, _fingerprint(request, await request.body()))
        if isinstance(taken, Response):
            return taken
        try:
            response = await handler(request, actor)
        except BaseException:
            await IdempotentRequest.filter(id=taken.id).delete()
            raise
        if 200 <= response.status_code < 300:
            await IdempotentRequest.filter(id=taken.id).update(
                status=response.status_code, body=bytes(response.body).decode()
            )
        else:
            await IdempotentRequest.filter(id=taken.id).delete()
        return response

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint
