"""What every API endpoint shares: bearer authentication, JSON bodies, the error format, list pages."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mobilize.models import MAX_ID
from mobilize.schemas import SLUG_PATTERN, URL_PATTERN
from mobilize.services.access import Actor
from mobilize.services.accounts.organizers import authenticate_token
from mobilize.services.errors import DomainError, Invalid, NotFound
from mobilize.services.pagination import Page, parse_limit
from mobilize.web.text import printable, unstorable

M = TypeVar("M", bound=BaseModel)

STATUS_BY_KIND = {
    "malformed": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "invalid": 422,
    "rate_limited": 429,
}


class Malformed(DomainError):
    kind = "malformed"
    code = "malformed"


class Unauthorized(DomainError):
    kind = "unauthorized"
    code = "unauthorized"


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "fields": fields or {}}}, status_code=status)


def domain_error_response(exc: DomainError) -> JSONResponse:
    response = error_response(STATUS_BY_KIND.get(exc.kind, 400), exc.code, exc.message, exc.fields)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    if exc.kind == "unauthorized":
        response.headers["WWW-Authenticate"] = 'Bearer realm="mobilize"'
    return response


# pydantic's "String should match pattern '^[a-z0-9](?:...'" tells an API user nothing; say what is expected.
PATTERN_MESSAGES = {
    SLUG_PATTERN: "use lower-case letters, digits and dashes (not at either end)",
    URL_PATTERN: "an http:// or https:// link",
}

# Starlette's own HTTP errors (no route, wrong method, body too large), as error codes of the envelope.
HTTP_ERROR_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def validation_fields(exc: ValidationError) -> dict[str, str]:
    """Dotted field paths (`shifts.0.ends_at`, `volunteer.phone`) to messages, one per field, first error wins.
    A check across fields names the field it blames in ctx (see `schemas.blame`)."""
    fields: dict[str, str] = {}
    for err in exc.errors():
        path = [str(p) for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        ctx = err.get("ctx") or {}
        if "blame" in ctx:
            path.append(str(ctx["blame"]))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "string_pattern_mismatch":
            message = PATTERN_MESSAGES.get(str(ctx.get("pattern")), message)
        elif err["type"] == "extra_forbidden":
            message = "unknown field"
        fields.setdefault(".".join(path) or "body", message)
    return fields


async def parse_body(request: Request, schema: type[M]) -> M:
    """The JSON body validated against `schema`; 400 if it is not JSON, 422 naming the bad fields."""
    raw = await request.body()
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, RecursionError) as exc:  # also a 5,000-digit number, or arrays nested 100,000 deep
        raise Malformed(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise Malformed("the body must be a JSON object")
    found = unstorable_in(data)
    if found is not None:
        raise Invalid.field(*found)
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        fields = validation_fields(exc)
        first = next(iter(fields.items()))
        raise DomainError(f"{first[0]}: {first[1]}", code="invalid", fields=fields) from exc


def unstorable_in(value: Any, path: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """The dotted path of the first string (or key) the database cannot store (a NUL character, a lone
    surrogate), and why: it would fail the query (a 500) instead of answering 422."""
    if isinstance(value, str):
        problem = unstorable(value)
        return ((".".join(path) or "body"), problem) if problem else None
    items: Any = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        where = ".".join((*path, str(key)))
        problem = unstorable(str(key))
        if problem:
            return printable(where), problem
        found = unstorable_in(item, (*path, str(key)))
        if found is not None:
            return found
    return None


def check_text_params(request: Request) -> None:
    """Path and query parameters reach queries as they are; one with a NUL character would fail on PostgreSQL.
    Nothing is named that way: a path parameter is not found, a query parameter is invalid."""
    for value in request.path_params.values():
        if isinstance(value, str) and "\x00" in value:
            raise NotFound("not found")
    for name, value in request.query_params.multi_items():
        problem = unstorable(name) or unstorable(value)
        if problem:
            raise Invalid.field(printable(name), problem)


async def require_actor(request: Request) -> Actor:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send an API token: Authorization: Bearer <token>", code="no_token")
    actor = await authenticate_token(token.strip())
    if actor is None:
        raise Unauthorized("this API token is unknown or revoked", code="bad_token")
    return actor


def int_param(request: Request, name: str) -> int:
    """An id from the path. Ids past the 32-bit columns' range would make the database driver raise (a 500);
    nothing has such an id, so it is simply not found."""
    raw = request.path_params[name]
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise NotFound(f"{name}: not found") from exc
    if not 0 <= value <= MAX_ID:
        raise NotFound(f"{name}: not found")
    return value


Handler = Callable[[Request, Actor], Awaitable[Response]]


def authed(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap an endpoint: authenticate first, so every route answers 401 before anything else."""

    async def endpoint(request: Request) -> Response:
        actor = await require_actor(request)
        check_text_params(request)
        return await handler(request, actor)

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


def page_args(request: Request) -> tuple[str | None, int]:
    return request.query_params.get("cursor"), parse_limit(request.query_params.get("limit"))


def list_response(request: Request, page: Page[Any], render: Callable[[Any], dict[str, Any]]) -> JSONResponse:
    next_url = None
    if page.next_cursor:
        params = dict(request.query_params)
        params["cursor"] = page.next_cursor
        from mobilize.web.urls import public_url

        next_url = public_url(request, request.url.path) + "?" + urlencode(params)
    return JSONResponse({"data": [render(item) for item in page.items], "next": next_url})
