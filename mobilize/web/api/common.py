"""What every API endpoint shares: bearer authentication, JSON bodies, the error format, list pages."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mobilize.services.access import Actor
from mobilize.services.accounts import authenticate_token
from mobilize.services.errors import DomainError
from mobilize.services.pagination import Page, parse_limit

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


def validation_fields(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        message = err["msg"].removeprefix("Value error, ")
        fields.setdefault(loc or "body", message)
    return fields


async def parse_body(request: Request, schema: type[M]) -> M:
    """The JSON body validated against `schema`; 400 if it is not JSON, 422 naming the bad fields."""
    raw = await request.body()
    try:
        data = json.loads(raw) if raw else None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Malformed(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise Malformed("the body must be a JSON object")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        fields = validation_fields(exc)
        first = next(iter(fields.items()))
        raise DomainError(f"{first[0]}: {first[1]}", code="invalid", fields=fields) from exc


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
    raw = request.path_params[name]
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise DomainError(f"{name}: not found", code="not_found") from exc


Handler = Callable[[Request, Actor], Awaitable[Response]]


def authed(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap an endpoint: authenticate first, so every route answers 401 before anything else."""

    async def endpoint(request: Request) -> Response:
        actor = await require_actor(request)
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
