"""Links written into messages must match the routing table."""

from __future__ import annotations

from typing import Any

from mobilize import links


def test_links_match_routes(app: Any) -> None:
    base = "https://mobilize.example.org"
    assert links.manage_url(base, "tok") == base + app.url_path_for("pages:manage", token="tok")
    assert links.event_url(base, 7) == base + app.url_path_for("pages:event", event_id="7")
    assert links.event_url(base, 7, "Tok_en-1") == base + app.url_path_for(
        "pages:event-shared", event_id="7", token="Tok_en-1"
    )
    assert links.twilio_status_url(base) == base + app.url_path_for("webhooks:twilio-status")


async def test_paths_that_name_nothing_answer_404_everywhere(client: Any) -> None:
    """Out-of-range ids and junk tokens or slugs are refused by the routing table itself, for pages and feeds
    before a query could choke on them (the API, which authenticates first, is covered in test_bad_input)."""
    for path in (
        "/events/2147483648",
        "/events/99999999999",
        "/feeds/events/2147483648.ics",
        "/signups/a%00b",
        "/feeds/volunteers/a%00b.ics",
        "/feeds/groups/a%00b.ics",
        "/feeds/organizations/x/campaigns/A%00.ics",
    ):
        r = await client.get(path)
        assert r.status_code == 404, (path, r.status_code)
