"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

It is generated from the routing table itself (paths, methods, path parameters) joined with `OPERATIONS`, the one
table here that says, per route name, what the route takes and answers. Bodies come from the pydantic input models
(`mobilize.schemas`), answers from `mobilize.web.api.resources`. A route without an entry fails the build (and the
test suite), so the document cannot silently fall behind the API.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from starlette.convertors import FloatConvertor, IntegerConvertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from mobilize.web.api import resources
from mobilize.web.api.operations import (
    ERROR_RESPONSES,
    OPERATIONS,
    PATH_PARAMETER_DESCRIPTIONS,
    QUERY_PARAMETERS,
    Operation,
)

API_PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"


class UndocumentedRoute(LookupError):
    """An API route has no entry in OPERATIONS."""


def error_statuses(route: Route, method: str, operation: Operation) -> list[int]:
    """The error answers a route can give, from its shape: a body can be malformed or invalid, a token can be
    missing, a write can be refused to a role, a path parameter can point at nothing."""
    statuses = set(operation.errors)
    if operation.body is not None:
        statuses |= {400, 413, 422}
    if operation.query:
        statuses.add(422)
    if not operation.public:
        statuses.add(401)
        if method != "GET":
            statuses.add(403)
    if route.param_convertors:
        statuses.add(404)
    return sorted(statuses)


def _path_parameter(name: str, convertor: object) -> dict[str, Any]:
    if isinstance(convertor, IntegerConvertor):
        schema: dict[str, Any] = {"type": "integer", "minimum": 0}
    elif isinstance(convertor, FloatConvertor):
        schema = {"type": "number"}
    else:
        schema = {"type": "string"}
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": PATH_PARAMETER_DESCRIPTIONS.get(name, name),
        "schema": schema,
    }


def _operation(route: Route, method: str, operation: Operation) -> dict[str, Any]:
    assert route.name is not None
    tag = route.path_format.strip("/").split("/")[0].removesuffix(".json")
    doc: dict[str, Any] = {
        "operationId": route.name,
        "summary": operation.summary,
        "tags": [tag],
    }
    description = inspect.getdoc(route.endpoint)
    if description:
        doc["description"] = description
    parameters = [_path_parameter(name, conv) for name, conv in route.param_convertors.items()]
    parameters += [{"$ref": f"#/components/parameters/{key}"} for key in operation.query]
    if operation.idempotent:
        parameters.append({"$ref": "#/components/parameters/IdempotencyKey"})
    if parameters:
        doc["parameters"] = parameters
    if operation.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=operation.body.__name__)}}},
        }
    success: dict[str, Any] = {"description": operation.summary}
    if operation.answer is not None:
        success["content"] = {"application/json": {"schema": {"$ref": REF.format(model=operation.answer)}}}
    responses: dict[str, Any] = {str(operation.status): success}
    for status in error_statuses(route, method, operation):
        responses[str(status)] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}
    doc["responses"] = responses
    if operation.public:
        doc["security"] = []
    return doc


def _list_schema(model: str) -> dict[str, Any]:
    return {
        "type": "object",
        "title": f"{model}List",
        "description": "One page; follow `next` (null on the last page) for the rest.",
        "required": ["data", "next"],
        "properties": {
            "data": {"type": "array", "items": {"$ref": REF.format(model=model)}},
            "next": {"type": ["string", "null"], "description": "the next page's URL"},
        },
    }


def component_schemas() -> dict[str, Any]:
    """Bodies (validation mode) and answers (serialization mode) in one pass, so shared parts (enums) are one
    component and same-named models get distinct names rather than overwriting each other."""
    bodies = {op.body for op in OPERATIONS.values() if op.body is not None}
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (model, "validation") for model in sorted(bodies, key=lambda m: m.__name__)
    ]
    models += [(model, "serialization") for model in resources.ANSWERS]
    top, defs = models_json_schema(models, ref_template=REF)
    found: dict[str, Any] = dict(defs.get("$defs", {}))
    for (model, _mode), schema in top.items():
        if "$ref" not in schema:  # pragma: no cover - models_json_schema answers refs into $defs
            found[model.__name__] = schema
    for model in resources.LISTED:
        found[f"{model.__name__}List"] = _list_schema(model.__name__)
    found["ShiftsCreated"] = {
        "title": "ShiftsCreated",
        "description": "The shift, for one; a list page of them, for a recurrence.",
        "oneOf": [{"$ref": REF.format(model="Shift")}, {"$ref": REF.format(model="ShiftList")}],
    }
    found["OpenAPIDocument"] = {"type": "object", "description": "an OpenAPI 3.1 document"}
    return dict(sorted(found.items()))


def _components() -> dict[str, Any]:
    error = {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}
    responses: dict[str, Any] = {}
    for name, description in ERROR_RESPONSES.values():
        responses[name] = {"description": description, "content": error}
    responses["Unauthorized"]["headers"] = {
        "WWW-Authenticate": {"description": "the scheme to use: Bearer", "schema": {"type": "string"}}
    }
    # Starlette answers a body announced too large (Content-Length) in plain text, before any endpoint runs.
    responses["ContentTooLarge"]["content"] = {**error, "text/plain": {"schema": {"type": "string"}}}
    responses["TooManyRequests"]["headers"] = {
        "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
    }
    return {
        "schemas": component_schemas(),
        "parameters": {
            **{key: {"in": "query", "required": False, **p} for key, p in QUERY_PARAMETERS.items()},
            "IdempotencyKey": {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "1 to 100 printable characters, unique per request within the organization: a "
                "retry with the same key gets the first answer and has no second effect",
                "schema": {"type": "string", "minLength": 1, "maxLength": 100},
            },
        },
        "responses": responses,
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "an organizer's API token (`mobilize organizer create` prints one)",
            }
        },
    }


def api_route_list(routes: Sequence[BaseRoute]) -> list[Route]:
    """The plain routes of a route list (the API has no nested mounts)."""
    return [route for route in routes if isinstance(route, Route)]


def build_document(routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI document for `routes` (the API's route list, relative to /api/v1)."""
    paths: dict[str, dict[str, Any]] = {}
    for route in api_route_list(routes):
        if route.name not in OPERATIONS:
            raise UndocumentedRoute(f"API route {route.name!r} ({route.path}) has no entry in openapi.OPERATIONS")
        operation = OPERATIONS[route.name]
        for method in sorted(route.methods or ()):
            if method == "HEAD":  # Starlette answers HEAD for every GET; not an operation of its own
                continue
            paths.setdefault(route.path_format, {})[method.lower()] = _operation(route, method, operation)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mobilize",
            "version": "1",
            "description": (
                "Volunteer mobilization: groups, campaigns, events and their shifts, sign-ups, turnout. "
                "Times are ISO 8601 with the event's offset. Lists answer {data, next}; errors answer "
                "{error: {code, message, fields}}."
            ),
        },
        "servers": [{"url": API_PREFIX}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": _components(),
    }


_documents: dict[int, tuple[Sequence[BaseRoute], bytes]] = {}


def document_bytes(routes: Sequence[BaseRoute]) -> bytes:
    """The document of the API's `routes`, built and encoded once per route list and process: it only changes
    with the code."""
    cached = _documents.get(id(routes))
    if cached is None or cached[0] is not routes:
        cached = _documents[id(routes)] = (routes, json.dumps(build_document(routes), separators=(",", ":")).encode())
    return cached[1]


async def openapi_json(request: Request) -> Response:
    """The document of the routes mounted at API_PREFIX in the app serving this request."""
    api = next(r for r in request.app.routes if isinstance(r, Mount) and r.path == API_PREFIX)
    return Response(document_bytes(api.routes), media_type="application/json")
