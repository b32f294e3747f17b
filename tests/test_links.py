"""Links written into messages must match the routing table."""

from __future__ import annotations

from typing import Any

from mobilize import links


def test_links_match_routes(app: Any) -> None:
    base = "https://mobilize.example.org"
    assert links.manage_url(base, "tok") == base + app.url_path_for("pages:manage", token="tok")
    assert links.event_url(base, 7) == base + app.url_path_for("pages:event", event_id="7")
    assert links.twilio_status_url(base) == base + app.url_path_for("webhooks:twilio-status")
