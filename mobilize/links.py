"""Public links that leave the web app (in SMS, email and exports). Paths mirror the routing table;
tests/test_links.py checks them against `url_path_for`, so they cannot drift."""

from __future__ import annotations


def manage_url(base_url: str, token: str) -> str:
    return f"{base_url}/signups/{token}"


def event_url(base_url: str, event_id: int, token: str | None = None) -> str:
    """`token` is the event's address token (models.events.Event.address_token): an unlisted event's page
    answers only at the address carrying it."""
    return f"{base_url}/events/{event_id}-{token}" if token else f"{base_url}/events/{event_id}"


def twilio_status_url(base_url: str) -> str:
    """Where Twilio posts delivery status (the StatusCallback of every SMS we send)."""
    return f"{base_url}/webhooks/twilio/status"
