"""The ASGI application: routes, middleware, error mapping, and the lifespan that opens the
database and the queue."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.templating import Jinja2Templates

from mobilize import db
from mobilize.process import settle_startup_objects
from mobilize.queue import open_queue
from mobilize.services.errors import DomainError
from mobilize.services.ratelimit import MemoryLimiter, RedisLimiter
from mobilize.settings import Settings, get_settings
from mobilize.web import access_log
from mobilize.web.api.common import HTTP_ERROR_CODES, domain_error_response, error_response
from mobilize.web.deliveries import DeliverAfterCommit
from mobilize.web.kept import KeptFeeds
from mobilize.web.routes import routes

log = logging.getLogger("mobilize")
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "web" / "templates"))


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if _is_api(request):
        return domain_error_response(exc)
    from mobilize.web.api.common import STATUS_BY_KIND

    status = STATUS_BY_KIND.get(exc.kind, 400)
    return TEMPLATES.TemplateResponse(
        request, "error.html", {"status": status, "message": exc.message}, status_code=status
    )


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _is_api(request):
        code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))
    if exc.status_code in (404, 405):
        return TEMPLATES.TemplateResponse(
            request, "error.html", {"status": exc.status_code, "message": str(exc.detail)}, status_code=exc.status_code
        )
    return PlainTextResponse(str(exc.detail), status_code=exc.status_code)


async def on_server_error(request: Request, exc: Exception) -> Response:
    # Starlette re-raises after this handler so the server logs the traceback once.
    if _is_api(request):
        return error_response(500, "server_error", "something went wrong on our side; nothing was lost")
    return PlainTextResponse("Something went wrong on our side.", status_code=500)


def create_app(settings: Settings | None = None, *, manage_db: bool = True) -> Starlette:
    """Build the app. `manage_db=False` lets a caller (the test suite) own the database connections."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_db:
            await db.init_db(settings.database_url)
        app.state.queue = await open_queue(settings)
        if settings.redis_url:
            app.state.limiter = RedisLimiter(app.state.queue.pool)
        else:
            app.state.limiter = MemoryLimiter()
        if manage_db:
            settle_startup_objects()
        try:
            yield
        finally:
            await app.state.queue.close()
            if manage_db:
                await db.close_db()

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(KeptFeeds),  # outermost: a public feed's answer again within its second
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret,
                session_cookie="mobilize_session",
                same_site="lax",
                https_only=settings.public_base_url.startswith("https://"),
            ),
            Middleware(DeliverAfterCommit),
        ],
        exception_handlers={DomainError: on_domain_error, HTTPException: on_http_error, Exception: on_server_error},
        lifespan=lifespan,
        max_body_size=settings.max_body_size,
    )
    app.state.settings = settings
    app.state.templates = TEMPLATES
    access_log.install(routes)  # however uvicorn was started (`mobilize serve`, the factory), tokens stay out
    return app
