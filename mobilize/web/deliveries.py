"""The per-request delivery buffer: outbox rows written by a request are enqueued after it has committed."""

from __future__ import annotations

import logging
import os

from starlette.types import ASGIApp, Receive, Scope, Send

from mobilize.services.outbox import after_commit

log = logging.getLogger("mobilize.web")


class DeliverAfterCommit:
    """Opens a delivery buffer for each HTTP request and, once the endpoint has returned (every transaction
    of the request committed), enqueues the rows the services handed to it. A request that failed with a
    server error, or whose enqueue fails (Redis away), leaves its committed rows to the outbox sweep."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        with after_commit.buffer(after_commit.Plan.from_settings(state.settings)) as pending:
            await self.app(scope, receive, send)
        if pending.ids and state.settings.crash_after_commit:
            os._exit(17)  # a fault test's crash between the commit and the enqueue (CRASH_AFTER_COMMIT)
        count = len(pending.ids)
        try:
            await after_commit.flush(pending, state.queue.enqueue)
        except Exception:  # noqa: BLE001 - the answer is sent and the rows committed: the sweep sends them
            log.warning("could not enqueue %d committed messages; the outbox sweep will send them", count)
