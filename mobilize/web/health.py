"""Liveness and readiness for load balancers and the Procfile's platform."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from mobilize import db


async def healthz(request: Request) -> JSONResponse:
    database = "ok" if await db.ping() else "unavailable"
    queue = await request.app.state.queue.health()
    healthy = database == "ok" and queue in ("ok", "in-process")
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "database": database, "queue": queue},
        status_code=200 if healthy else 503,
    )
