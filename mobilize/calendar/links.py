"""Calendar links for pages: "add to Google Calendar" for one shift, and webcal:// for subscribing to a feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

from mobilize.calendar.feeds import EventRow, location_text

GOOGLE_TEMPLATE = "https://calendar.google.com/calendar/render"


class _Event(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    @property
    def venue(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def city(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def postal_code(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def virtual_url(self) -> str: ...
    @property
    def address_after_signup(self) -> bool: ...


class _Shift(Protocol):
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...


def google_calendar_url(event: _Event, shift: _Shift, event_url: str, *, show_address: bool | None = None) -> str:
    """A link that opens Google Calendar's "new event" form filled in for this shift, shown in the event's
    time zone. The street address is left out when the organizer keeps it for people signed up, unless
    `show_address` says the reader is one of them."""
    if show_address is None:
        show_address = not event.address_after_signup
    row = EventRow(
        id=event.id,
        title=event.title,
        timezone=event.timezone,
        url=event_url,
        updated_at=shift.starts_at,
        venue=event.venue,
        address=event.address if show_address else "",
        city=event.city,
        region=event.region,
        postal_code=event.postal_code,
        country=event.country,
        virtual_url=event.virtual_url,
    )
    details = "\n\n".join(p for p in (event.description, f"Details: {event_url}") if p)
    stamp = "%Y%m%dT%H%M%SZ"
    dates = f"{shift.starts_at.astimezone(UTC):{stamp}}/{shift.ends_at.astimezone(UTC):{stamp}}"
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": dates,
        "ctz": event.timezone,
        "details": details,
        "location": location_text(row),
    }
    return f"{GOOGLE_TEMPLATE}?{urlencode(query)}"


def webcal_url(https_url: str) -> str:
    """The same feed as webcal:// (Apple Calendar and others subscribe on it; Outlook on the web wants
    the https:// link itself)."""
    parts = urlsplit(https_url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {https_url!r}")
    return urlunsplit(("webcal", parts.netloc, parts.path, parts.query, parts.fragment))
