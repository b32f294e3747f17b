"""Absolute links as the world sees them (built from PUBLIC_BASE_URL, not the request's Host), and which
route an event's public address takes."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from starlette.requests import Request

from mobilize.models import Event

# An event's public routes, and their tokened twins (`/events/{id}-{token}...`): event ids are guessable,
# so a non-public event answers only at the twin (services.public.reachable).
SHARED_ROUTES = {
    "pages:event": "pages:event-shared",
    "pages:event-signup": "pages:event-shared-signup",
    "pages:event-signed-up": "pages:event-shared-signed-up",
    "feeds:event": "feeds:event-shared",
    "api:public-signup": "api:public-shared-signup",
}
_NAMES_NO_EVENT = frozenset({"api:public-signup"})  # the plain route names the shift only


def event_route_for(name: str, event_id: int, token: str | None) -> tuple[str, dict[str, Any]]:
    """The route `name` (one of SHARED_ROUTES) of an event and its path parameters, given the token its
    addresses carry (models.events.address_token): the plain route without one, the tokened twin with it."""
    if token is None:
        return name, {} if name in _NAMES_NO_EVENT else {"event_id": event_id}
    return SHARED_ROUTES[name], {"event_id": event_id, "token": token}


def event_route(name: str, event: Event) -> tuple[str, dict[str, Any]]:
    return event_route_for(name, event.id, event.address_token())


def public_url(request: Request, path: str) -> str:
    return request.app.state.settings.public_base_url + path


def url(request: Request, name: str, **params: Any) -> str:
    return public_url(request, _template(request.app, name, tuple(sorted(params))).format_map(params))


# A list of 50 events builds 300 links: each route's path is found once (starlette walks every route for it),
# as a template with a numbered stand-in for each parameter, then filled in.
_STAND_IN = 2_000_000_000


@lru_cache(maxsize=1024)
def _template(app: Any, name: str, keys: tuple[str, ...]) -> str:
    stand_ins = {key: str(_STAND_IN + n) for n, key in enumerate(keys)}
    path = str(app.url_path_for(name, **stand_ins))
    path = path.replace("{", "{{").replace("}", "}}")
    for key, stand_in in stand_ins.items():
        path = path.replace(stand_in, "{" + key + "}")
    return path


def event_url(request: Request, name: str, event: Event, **params: Any) -> str:
    """The absolute address of an event's route `name` (see SHARED_ROUTES); `params` adds e.g. a shift_id."""
    route, route_params = event_route(name, event)
    return url(request, route, **route_params, **params)
