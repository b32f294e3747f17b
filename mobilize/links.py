"""Public links that leave the web app (in SMS, email and exports). Paths mirror the routing table;
tests/web/test_links.py checks them against `url_path_for`, so they cannot drift."""

from __future__ import annotations

from urllib.parse import urlsplit


def uid_domain(base_url: str) -> str:
    """The host of PUBLIC_BASE_URL, as calendar UIDs carry it (shift-<id>@<host>)."""
    host = urlsplit(base_url).hostname or "localhost"
    return host.encode("idna").decode("ascii") if not host.isascii() else host


def manage_url(base_url: str, token: str) -> str:
    return f"{base_url}/signups/{token}"


def event_url(base_url: str, event_id: int, token: str | None = None) -> str:
    """`token` is the event's address token (models.events.Event.address_token): an unlisted event's page
    answers only at the address carrying it."""
    return f"{base_url}/events/{event_id}-{token}" if token else f"{base_url}/events/{event_id}"


def twilio_status_url(base_url: str) -> str:
    """Where Twilio posts delivery status (the StatusCallback of every SMS we send)."""
    return f"{base_url}/webhooks/twilio/status"
