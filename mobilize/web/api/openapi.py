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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from starlette.convertors import FloatConvertor, IntegerConvertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mobilize import schemas
from mobilize.models import EventStatus, SignupStatus
from mobilize.services.pagination import MAX_LIMIT
from mobilize.web.api import resources

API_PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Operation:
    """What one route takes and answers, beyond what the route itself says (path, method, path parameters)."""

    summary: str
    answer: str | None  # component schema of the success answer
    status: int = 200
    body: type[BaseModel] | None = None
    query: tuple[str, ...] = ()  # keys of QUERY_PARAMETERS
    errors: tuple[int, ...] = ()  # beyond those implied by the route's shape (see `error_statuses`)
    public: bool = False  # no bearer token
    idempotent: bool = False  # takes an Idempotency-Key header (a retry gets the first answer)


PAGE = ("cursor", "limit")

OPERATIONS: dict[str, Operation] = {
    "openapi": Operation("This document", "OpenAPIDocument", public=True),
    "groups": Operation("List action groups", "GroupList", query=PAGE),
    "groups-create": Operation("Create an action group", "Group", 201, schemas.GroupIn, errors=(409,)),
    "group": Operation("Get an action group", "Group"),
    "group-update": Operation("Change an action group", "Group", body=schemas.GroupPatch),
    "campaigns": Operation("List campaigns", "CampaignList", query=PAGE),
    "campaigns-create": Operation("Create a campaign", "Campaign", 201, schemas.CampaignIn, errors=(409,)),
    "campaign": Operation("Get a campaign", "Campaign"),
    "campaign-update": Operation("Change a campaign", "Campaign", body=schemas.CampaignPatch),
    "events": Operation("List events", "EventList", query=(*PAGE, "group", "campaign", "event_status")),
    "events-create": Operation(
        "Create an event, with its shifts inline", "Event", 201, schemas.EventIn, errors=(409,), idempotent=True
    ),
    "event": Operation("Get an event with its shifts", "Event"),
    "event-update": Operation("Change an event", "Event", body=schemas.EventPatch),
    "event-cancel": Operation("Cancel an event", "Event"),
    "event-rotate-link": Operation("Give the event a new share token (new tokened addresses)", "Event"),
    "shifts-create": Operation(
        "Add one shift, or a schedule of shifts from a recurrence rule",
        "ShiftsCreated",
        201,
        schemas.ShiftsCreate,
        errors=(409,),
        idempotent=True,
    ),
    "shift": Operation("Get a shift with its counts", "Shift"),
    "shift-update": Operation(
        "Change a shift's times, capacity or target", "Shift", body=schemas.ShiftPatch, errors=(409,)
    ),
    "shift-delete": Operation("Cancel a shift and its live sign-ups", "Shift"),
    "signups": Operation("The roster of a shift", "SignupList", query=(*PAGE, "signup_status")),
    "signups-create": Operation("Sign someone up for a shift", "Signup", 201, schemas.SignupIn, errors=(409,)),
    "signup": Operation("Get a sign-up", "Signup"),
    "signup-update": Operation(
        "Confirm, cancel, or record attendance", "Signup", body=schemas.SignupPatch, errors=(409,)
    ),
    "shift-messages-create": Operation(
        "Message the people signed up for a shift", "BlastQueued", 202, schemas.BlastIn, idempotent=True
    ),
    "event-messages-create": Operation(
        "Message the people signed up for an event's shifts", "BlastQueued", 202, schemas.BlastIn, idempotent=True
    ),
    "group-messages-create": Operation(
        "Message the people signed up for a group's upcoming shifts",
        "BlastQueued",
        202,
        schemas.BlastIn,
        idempotent=True,
    ),
    "group-standby": Operation(
        "The group's standby volunteers, asked by SMS to fill shifts below target", "StandbyList"
    ),
    "group-standby-add": Operation(
        "Put a volunteer the organization knows on the group's standby list (idempotent)",
        "StandbyEntry",
        201,
        schemas.StandbyIn,
    ),
    "group-standby-remove": Operation("Take a volunteer off the group's standby list", None, 204),
    "shift-gap-requests": Operation(
        "Who was asked to fill this shift, when, and their answer (latest first)", "GapRequestList"
    ),
    "event-message-stats": Operation("Delivery figures of an event's messages", "MessageStats"),
    "inbox": Operation(
        "The organization's inbox: threads with volunteers", "InboxThreadList", query=(*PAGE, "thread_status")
    ),
    "inbox-thread": Operation("A thread with its messages", "InboxThreadDetail"),
    "inbox-thread-update": Operation(
        "Mark a thread handled, or open it again", "InboxThread", body=schemas.InboxThreadPatch
    ),
    "inbox-replies-create": Operation(
        "Answer the volunteer by SMS", "InboxReplyQueued", 202, schemas.InboxReplyIn, errors=(409,), idempotent=True
    ),
    "volunteers": Operation(
        "This organization's records of people (search `q`, filter by `tag`)",
        "VolunteerList",
        query=(*PAGE, "q", "tag"),
    ),
    "volunteers-create": Operation(
        "Create a record by hand (no SMS consent implied)", "Volunteer", 201, schemas.VolunteerRecordIn, errors=(409,)
    ),
    "volunteer": Operation("Get one of this organization's records of a person", "Volunteer"),
    "volunteer-update": Operation(
        "Change the record: name, contact, notes, tags, member id",
        "Volunteer",
        body=schemas.VolunteerPatch,
        errors=(409,),
    ),
    "volunteer-rotate-link": Operation("Replace the link to the volunteer's own page", "Volunteer"),
    "turnout": Operation(
        "Turnout per group and per event", "Turnout", query=("group", "campaign", "from", "to"), errors=(404,)
    ),
    "public-events": Operation(
        "Public upcoming events, nearest first", "PublicEventList", query=("near", "radius_km", "campaign"), public=True
    ),
    "public-signup": Operation(
        "Sign up for a public event's shift",
        "PublicSignup",
        201,
        schemas.SignupIn,
        errors=(409, 429),
        public=True,
    ),
    "public-shared-signup": Operation(
        "Sign up for a shift of an event at its tokened address (how an unlisted event's shifts are found)",
        "PublicSignup",
        201,
        schemas.SignupIn,
        errors=(409, 429),
        public=True,
    ),
}

QUERY_PARAMETERS: dict[str, dict[str, Any]] = {
    "cursor": {
        "name": "cursor",
        "description": "where to continue: taken from the `next` link of the previous page",
        "schema": {"type": "string"},
    },
    "limit": {
        "name": "limit",
        "description": "page size",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50},
    },
    "group": {"name": "group", "description": "an action group's slug", "schema": {"type": "string"}},
    "campaign": {"name": "campaign", "description": "a campaign's slug", "schema": {"type": "string"}},
    "event_status": {
        "name": "status",
        "description": "only events in this status",
        "schema": {"type": "string", "enum": [s.value for s in EventStatus]},
    },
    "signup_status": {
        "name": "status",
        "description": "only sign-ups in this status",
        "schema": {"type": "string", "enum": [s.value for s in SignupStatus]},
    },
    "thread_status": {
        "name": "status",
        "description": "only threads in this status (default open)",
        "schema": {"type": "string", "enum": ["open", "handled", "all"], "default": "open"},
    },
    "q": {"name": "q", "description": "part of a name, an email or a phone number", "schema": {"type": "string"}},
    "tag": {"name": "tag", "description": "only records with this tag", "schema": {"type": "string"}},
    "from": {
        "name": "from",
        "description": "shifts starting at or after this time (ISO 8601 with offset)",
        "schema": {"type": "string", "format": "date-time"},
    },
    "to": {
        "name": "to",
        "description": "shifts starting before this time (ISO 8601 with offset)",
        "schema": {"type": "string", "format": "date-time"},
    },
    "near": {"name": "near", "description": "a postal code", "schema": {"type": "string"}},
    "radius_km": {
        "name": "radius_km",
        "description": "distance from `near`",
        "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000, "default": 40},
    },
}

ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "Malformed: the body is not JSON, or not a JSON object."),
    401: ("Unauthorized", "No token, or an unknown or revoked one."),
    403: ("Forbidden", "The caller's role does not allow this."),
    404: ("NotFound", "Missing, or not the caller's to see."),
    409: ("Conflict", "The request clashes with the current state (a taken slug, someone already signed up)."),
    413: ("ContentTooLarge", "The body is larger than the server accepts."),
    422: ("Unprocessable", "A field or query parameter is not acceptable; `error.fields` names it."),
    429: ("TooManyRequests", "Slow down; `Retry-After` says for how long."),
}

PATH_PARAMETER_DESCRIPTIONS = {
    "slug": "the slug (lower-case letters, digits and dashes)",
    "event_id": "an event's id",
    "token": "the event's share token, as in its `url` (an unlisted event answers only with it)",
    "shift_id": "a shift's id",
    "signup_id": "a sign-up's id",
    "volunteer_id": "a volunteer's id",
    "thread_id": "an inbox thread's id",
}


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


@lru_cache(maxsize=1)
def document_bytes() -> bytes:
    """The document, built and encoded once per process: it only changes with the code."""
    from mobilize.web.routes import api_routes  # here, not at the top: routes imports this module

    return json.dumps(build_document(api_routes), separators=(",", ":")).encode()


async def openapi_json(request: Request) -> Response:
    return Response(document_bytes(), media_type="application/json")
