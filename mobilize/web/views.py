"""View models and rendering helpers for the public pages: cards, links (times in the event's zone, formatted by
mobilize.times)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import NoMatchFound

from mobilize.models import LIVE_STATUSES, Event, EventStatus, Shift, ShiftStatus, Signup, SignupStatus, Visibility
from mobilize.services import geo
from mobilize.services.events import public
from mobilize.times import format_moment as format_moment  # re-exported: mobilize.times owns it
from mobilize.times import format_span as format_span  # re-exported
from mobilize.times import local
from mobilize.web.csrf import csrf_token
from mobilize.web.urls import event_route

STATIC_DIR = Path(__file__).parent / "static"
RADIUS_CHOICES = (5, 10, 25, 40, 80, 160, 300)
DEFAULT_RADIUS_KM = 40
DONE_KEY = "signup_done"  # session: the sign-up this browser just made, for the confirmation page
DONE_TTL_SECONDS = 3600  # after that, a shared computer's next user cannot reopen the page (and its link)
FLASH_KEY = "flash"  # session: a one-time message for the volunteer's own page
FORM_FIELDS = ("shift", "name", "phone", "email", "postal_code", "referrer", "recruited_by")
STATUS_LABELS = {
    SignupStatus.SIGNED_UP: "Signed up",
    SignupStatus.CONFIRMED: "Confirmed",
    SignupStatus.WAITLISTED: "On the waitlist",
    SignupStatus.CANCELLED: "Dropped",
    SignupStatus.ATTENDED: "Attended",
    SignupStatus.NO_SHOW: "Missed",
}
SEAT_HOLDING = frozenset({SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED})


def type_label(event: Event) -> str:
    return str(event.event_type).replace("_", " ").capitalize()


# ---- what the templates show --------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftView:
    id: int
    when: str
    starts_iso: str
    capacity: int
    seats_left: int
    state: str  # open | waitlist | over | cancelled
    under_way: bool

    @property
    def can_sign_up(self) -> bool:
        return self.state in ("open", "waitlist")


def shift_view(shift: Shift, event: Event, now: datetime) -> ShiftView:
    seats_left = max(0, shift.capacity - shift.filled)
    if event.status != EventStatus.SCHEDULED or shift.status != ShiftStatus.SCHEDULED:
        state = "cancelled"
    elif shift.ends_at <= now:
        state = "over"
    else:
        state = "open" if seats_left else "waitlist"
    return ShiftView(
        id=shift.id,
        when=format_span(shift.starts_at, shift.ends_at, event.timezone, now),
        starts_iso=local(shift.starts_at, event.timezone).isoformat(),
        capacity=shift.capacity,
        seats_left=seats_left,
        state=state,
        under_way=shift.starts_at <= now < shift.ends_at,
    )


def place_lines(event: Event, *, signed_up: bool = False) -> list[str]:
    """The place as shown publicly: the street address only when the organizer publishes it, or to a
    volunteer holding a sign-up (their own page)."""
    locality = " ".join(p for p in (", ".join(p for p in (event.city, event.region) if p), event.postal_code) if p)
    address = event.address if signed_up or not event.address_after_signup else ""
    return [line for line in (event.venue, address, locality) if line]


@dataclass(frozen=True)
class EventCard:
    id: int
    title: str
    kind: str
    when: str
    starts_iso: str
    city: str
    group: str
    distance: str | None
    more_shifts: int
    host: str = ""  # the organization whose event it is
    host_slug: str = ""
    event_type: str = ""
    campaign: str = ""  # the campaign it is part of, and its convener
    convener: str = ""
    lat: float | None = None  # where its marker goes: the postal code's centre when the address is kept back
    lon: float | None = None


def event_card(found: public.Found, now: datetime) -> EventCard:
    event = found.event
    upcoming = [s for s in getattr(event, "shift_list", []) if s.status == ShiftStatus.SCHEDULED and s.ends_at > now]
    nxt = next((s for s in upcoming if s.starts_at == found.next_start), upcoming[0] if upcoming else None)
    when = format_span(nxt.starts_at, nxt.ends_at, event.timezone, now) if nxt else ""
    point = (event.lat, event.lon) if event.lat is not None and event.lon is not None else None
    if event.address_after_signup:  # the exact point is for people signed up
        point = geo.centroid(event.postal_code, event.country) if event.postal_code else None
    distance = None
    if found.distance_km is not None:
        distance = "less than 1 km away" if found.distance_km < 1 else f"{found.distance_km:.1f} km away"
    return EventCard(
        id=event.id,
        title=event.title,
        kind=type_label(event),
        when=when,
        starts_iso=local(found.next_start, event.timezone).isoformat(),
        city=event.city,
        group=event.group.name,
        distance=distance,
        more_shifts=max(0, len(upcoming) - 1),
        host=event.organization.name,
        host_slug=event.organization.slug,
        event_type=str(event.event_type),
        campaign=event.campaign.name if event.campaign else "",
        convener=event.campaign.organization.name if event.campaign else "",
        lat=point[0] if point else None,
        lon=point[1] if point else None,
    )


@dataclass(frozen=True)
class SignupView:
    id: int
    title: str
    event_path: str | None
    when: str
    starts_iso: str
    status: str
    status_label: str
    place: list[str]
    virtual_url: str
    instructions: str
    event_cancelled: bool
    can_drop: bool
    can_confirm: bool


def signup_view(request: Request, signup: Signup, now: datetime) -> SignupView:
    shift: Shift = signup.shift
    event: Event = shift.event
    status = SignupStatus(signup.status)
    cancelled = event.status != EventStatus.SCHEDULED or shift.status != ShiftStatus.SCHEDULED
    upcoming = shift.ends_at > now
    live = status in LIVE_STATUSES and upcoming
    label = STATUS_LABELS[status]
    if cancelled and status != SignupStatus.CANCELLED:
        label = "Cancelled by the organizers"
    return SignupView(
        id=signup.id,
        title=event.title,
        event_path=None if event.visibility == Visibility.PRIVATE else event_path(request, "pages:event", event),
        when=format_span(shift.starts_at, shift.ends_at, event.timezone, now),
        starts_iso=local(shift.starts_at, event.timezone).isoformat(),
        status=status.value,
        status_label=label,
        place=place_lines(event, signed_up=status != SignupStatus.CANCELLED),
        virtual_url=event.virtual_url,
        # Instructions are for people holding a seat, never for the public page.
        instructions=event.instructions if upcoming and not cancelled and status in SEAT_HOLDING else "",
        event_cancelled=cancelled,
        can_drop=live and not cancelled,
        can_confirm=live and not cancelled and status == SignupStatus.SIGNED_UP,
    )


# ---- rendering ---------------------------------------------------------------------------------


def path(request: Request, name: str, **params: Any) -> str:
    """A path for a named route (mount prefix included), for links inside our own pages."""
    # app_root_path: the app's own prefix; inside a Mount, root_path also holds the mount's path.
    root = request.scope.get("app_root_path", request.scope.get("root_path", ""))
    return root + str(request.app.url_path_for(name, **params))


def event_path(request: Request, name: str, event: Event) -> str:
    """The path of an event's route `name` at the address it answers at (web.urls.SHARED_ROUTES)."""
    route, params = event_route(name, event)
    return path(request, route, **params)


def optional_path(request: Request, name: str, **params: Any) -> str | None:
    try:
        return path(request, name, **params)
    except NoMatchFound:
        return None


@lru_cache(maxsize=8)
def _static_version(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    private: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render a page. `private` pages (a volunteer's data, a secret link in the URL) are never cached,
    indexed, or sent as a Referer to other sites."""
    context = {
        "link": lambda name, **params: path(request, name, **params),
        "event_link": lambda name, event: event_path(request, name, event),
        "csrf_token": lambda: csrf_token(request),  # called by templates with a form, so only they set a session
        "css_url": path(request, "static", path="site.css") + "?v=" + _static_version("site.css"),
        **context,
    }
    response: Response = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status, headers=headers
    )
    if private:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def redirect(request: Request, name: str, **params: Any) -> RedirectResponse:
    return RedirectResponse(path(request, name, **params), status_code=303)  # 303: the browser GETs it


def redirect_to_event(request: Request, name: str, event: Event) -> RedirectResponse:
    route, params = event_route(name, event)
    return redirect(request, route, **params)


def sentence(message: str) -> str:
    message = message.strip().rstrip(".")
    return message[:1].upper() + message[1:] + "." if message else ""


# ---- the event finder --------------------------------------------------------------------------
