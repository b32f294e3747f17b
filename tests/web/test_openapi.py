"""The OpenAPI document: valid, complete (every API route), and true (real answers match its schemas)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from starlette.responses import JSONResponse
from starlette.routing import Route

from mobilize.web.api import openapi
from mobilize.web.routes import api_routes
from tests.factories import auth, make_organizer, make_world, volunteer_body

API = "/api/v1"


async def fetch_document(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get(f"{API}/openapi.json")  # no token: the document is public
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    document: dict[str, Any] = r.json()
    return document


def operation_of(document: dict[str, Any], name: str) -> tuple[str, str, dict[str, Any]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if operation["operationId"] == name:
                return path, method, operation
    raise AssertionError(f"no operation {name!r} in the document")


def check_answer(document: dict[str, Any], name: str, response: httpx.Response) -> None:
    """The answer's status is documented for this operation, and its JSON body matches the documented schema."""
    _, _, operation = operation_of(document, name)
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{name} answered {response.status_code}, not in {sorted(operation['responses'])}"
    if "$ref" in documented:
        documented = document["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
    schema = documented["content"]["application/json"]["schema"]
    # Refs are "#/components/...": validate against a root that carries the components.
    root = {**schema, "components": document["components"]}
    errors = sorted(Draft202012Validator(root).iter_errors(response.json()), key=str)
    assert not errors, f"{name}: {[f'{list(e.absolute_path)}: {e.message}' for e in errors]}"


async def test_document_is_valid_openapi(client: httpx.AsyncClient) -> None:
    document = await fetch_document(client)
    validate(document)
    assert document["openapi"].startswith("3.1")


async def test_every_api_route_and_method_is_in_the_document(client: httpx.AsyncClient) -> None:
    document = await fetch_document(client)
    seen = set()
    for route in api_routes:
        assert isinstance(route, Route)
        path = route.path_format
        assert ":" not in path
        for method in route.methods or ():
            if method == "HEAD":
                continue
            operation = document["paths"][path][method.lower()]
            assert operation["operationId"] == route.name
            assert operation["summary"]
            seen.add((path, method.lower()))
    documented = {(path, method) for path, methods in document["paths"].items() for method in methods}
    assert documented == seen  # nothing documented that does not exist


def test_every_route_has_one_entry_in_the_table() -> None:
    names = {route.name for route in api_routes if isinstance(route, Route)}
    assert names - set(openapi.OPERATIONS) == set(), "API routes missing from openapi.OPERATIONS"
    assert set(openapi.OPERATIONS) - names == set(), "stale entries in openapi.OPERATIONS"


def test_a_new_route_without_an_entry_fails_the_build() -> None:
    async def endpoint(request: Any) -> JSONResponse:
        return JSONResponse({})

    with pytest.raises(openapi.UndocumentedRoute, match="brand-new"):
        openapi.build_document([*api_routes, Route("/brand-new", endpoint, name="brand-new")])


async def test_parameters_security_and_errors(client: httpx.AsyncClient) -> None:
    document = await fetch_document(client)
    path, method, operation = operation_of(document, "event-update")
    assert (path, method) == ("/events/{event_id}", "patch")
    assert operation["parameters"][0] == {
        "name": "event_id",
        "in": "path",
        "required": True,
        "description": "an event's id",
        "schema": {"type": "integer", "minimum": 0},
    }
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EventPatch"
    }
    assert {"400", "401", "403", "404", "422"} <= set(operation["responses"])
    assert "security" not in operation  # the document-wide bearer requirement applies
    assert document["security"] == [{"bearer": []}]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for name in ("openapi", "public-events", "public-signup", "public-shared-signup"):
        assert operation_of(document, name)[2]["security"] == []
    assert "429" in operation_of(document, "public-signup")[2]["responses"]
    path, _, shared = operation_of(document, "public-shared-signup")
    assert path == "/public/events/{event_id}-{token}/shifts/{shift_id}/signups"
    assert {p["name"] for p in shared["parameters"]} == {"event_id", "token", "shift_id"}
    assert "409" in operation_of(document, "groups-create")[2]["responses"]
    listing = operation_of(document, "events")[2]
    query = {document["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]["name"] for p in listing["parameters"]}
    assert query == {"cursor", "limit", "group", "campaign", "status"}
    schemas = document["components"]["schemas"]
    assert "$defs" not in str(schemas)  # nested models are hoisted into components
    assert {"LocationIn", "ShiftIn", "RecurrenceIn", "EventType", "Error", "EventList", "Turnout"} <= set(schemas)


def test_the_document_is_built_once() -> None:
    assert openapi.document_bytes(api_routes) is openapi.document_bytes(api_routes)


async def test_real_answers_match_the_documented_schemas(client: httpx.AsyncClient) -> None:
    document = await fetch_document(client)
    w = await make_world()
    h = w["headers"]
    shift_url = f"{API}/shifts/{w['shift'].id}/signups"
    r = await client.post(shift_url, json=volunteer_body(1), headers=h)
    check_answer(document, "signups-create", r)
    signup = r.json()
    answers = {
        "groups": await client.get(f"{API}/groups", headers=h),
        "group": await client.get(f"{API}/groups/{w['group'].slug}", headers=h),
        "campaigns": await client.get(f"{API}/campaigns", headers=h),
        "campaign": await client.get(f"{API}/campaigns/{w['campaign'].slug}", headers=h),
        "events": await client.get(f"{API}/events", headers=h),
        "event": await client.get(f"{API}/events/{w['event'].id}", headers=h),
        "shift": await client.get(f"{API}/shifts/{w['shift'].id}", headers=h),
        "signups": await client.get(shift_url, headers=h),
        "signup": await client.get(f"{API}/signups/{signup['id']}", headers=h),
        "signup-update": await client.patch(f"{API}/signups/{signup['id']}", json={"status": "confirmed"}, headers=h),
        "volunteers": await client.get(f"{API}/volunteers", headers=h),
        "volunteer": await client.get(f"{API}/volunteers/{signup['volunteer']['id']}", headers=h),
        "turnout": await client.get(f"{API}/turnout", params={"group": w["group"].slug}, headers=h),
        "public-events": await client.get(f"{API}/public/events", params={"near": "60614"}),
        "public-signup": await client.post(f"{API}/public/shifts/{w['shift'].id}/signups", json=volunteer_body(2)),
        "groups-create": await client.post(f"{API}/groups", json={"slug": "north", "name": "North"}, headers=h),
        "campaigns-create": await client.post(f"{API}/campaigns", json={"slug": "c2", "name": "C2"}, headers=h),
        "shift-update": await client.patch(f"{API}/shifts/{w['shift'].id}", json={"capacity": 20}, headers=h),
    }
    for name, response in answers.items():
        assert response.status_code < 300, (name, response.text)
        check_answer(document, name, response)
    assert answers["public-events"].json()["data"], "the world's event should be found near 60614"
    event_url = f"{API}/events/{w['event'].id}"
    one = await client.post(
        f"{event_url}/shifts",
        json={"starts_at": "2027-05-01T10:00:00-05:00", "ends_at": "2027-05-01T12:00:00-05:00", "capacity": 5},
        headers=h,
    )
    check_answer(document, "shifts-create", one)
    many = await client.post(
        f"{event_url}/shifts",
        json={
            "recurrence": {"rrule": "FREQ=DAILY;COUNT=2", "dtstart": "2027-05-01T06:00:00", "duration_minutes": 60},
            "capacity": 5,
        },
        headers=h,
    )
    check_answer(document, "shifts-create", many)
    check_answer(document, "shift-delete", await client.delete(f"{API}/shifts/{one.json()['id']}", headers=h))
    check_answer(document, "event-update", await client.patch(event_url, json={"title": "New"}, headers=h))
    check_answer(document, "event-rotate-link", await client.post(f"{event_url}/rotate-link", headers=h))
    unlisted = await client.patch(event_url, json={"visibility": "unlisted"}, headers=h)
    shared_signup = unlisted.json()["url"].replace("http://testserver/events/", f"{API}/public/events/")
    r = await client.post(f"{shared_signup}/shifts/{w['shift'].id}/signups", json=volunteer_body(3))
    check_answer(document, "public-shared-signup", r)
    assert r.status_code == 201, r.text
    check_answer(document, "event-cancel", await client.post(f"{event_url}/cancel", headers=h))
    # errors, in the envelope
    check_answer(document, "event", await client.get(f"{API}/events/999999", headers=h))
    check_answer(document, "events", await client.get(f"{API}/events"))
    check_answer(document, "events", await client.get(f"{API}/events?limit=0", headers=h))
    check_answer(document, "groups-create", await client.post(f"{API}/groups", json={"slug": "north"}, headers=h))
    check_answer(document, "groups-create", await client.post(f"{API}/groups", content=b"{", headers=h))
    check_answer(
        document, "groups-create", await client.post(f"{API}/groups", json={"slug": "north", "name": "N"}, headers=h)
    )
    _, viewer_token = await make_organizer(w["actor"].organization_slug, role="viewer")
    check_answer(
        document, "group-update", await client.patch(f"{API}/groups/north", json={}, headers=auth(viewer_token))
    )
