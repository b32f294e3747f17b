"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse


async def openapi_json(request: Request) -> JSONResponse:
    raise NotImplementedError
