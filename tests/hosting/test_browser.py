"""A volunteer hosts an event, in a real browser (Chromium through Playwright, the app under uvicorn, its email
through a local SMTP server): they propose it on the campaign's host page, confirm their email from the link
the SMTP server received, an organizer approves it in the dashboard, and someone signs up on its public page."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from mobilize.models import Event, EventStatus, HostingMode, HostingPolicy, Signup
from mobilize.services.hosting import DEFAULT_TERMS
from tests.channels.test_email import Sink, smtp_server  # noqa: F401 - the SMTP server fixture
from tests.factories import make_campaign, make_group, make_organizer
from tests.hosting.helpers import in_days
from tests.web.test_browser import DESKTOP, PASSWORD, PHONE, _free_port, chromium, shots  # noqa: F401

LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture
async def mail_server(migrated: str, smtp_server: Sink) -> AsyncIterator[str]:  # noqa: F811
    """`mobilize serve` on a free port, sending its email through the local SMTP server."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {
        "DATABASE_URL": migrated,
        "PUBLIC_BASE_URL": base,
        "SECRET_KEY": "browser-test-secret",
        "OUTBOX_SWEEP_SECONDS": "0",
        "SMTP_URL": smtp_server.url,
        "MAIL_FROM": "mobilize@local100.example",
        "LOG_LEVEL": "warning",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mobilize.cli", "serve", "--host", "127.0.0.1", "--port", str(port), env=env
    )
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    if (await client.get(base + "/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the app did not start under uvicorn")
        yield base
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), timeout=10)


async def _emailed_link(sink: Sink, to: str, pattern: str) -> str:
    """The first link matching `pattern` in an email the SMTP server received for `to` (waits for it)."""
    for _ in range(100):
        for message in sink.messages():
            if to in str(message["To"]):
                body = message.get_body(preferencelist=("plain",))
                found = re.search(pattern, body.get_content() if body else "")
                if found:
                    return found.group(0)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no email to {to} with {pattern}")


async def test_a_volunteer_hosts_an_event_in_the_browser(
    chromium: str,  # noqa: F811
    mail_server: str,
    smtp_server: Sink,  # noqa: F811
    shots: Path,  # noqa: F811
) -> None:
    from playwright.async_api import async_playwright, expect

    membership, _ = await make_organizer(email="lead@example.org")
    group = await make_group(membership, slug="west-side", postal_code="60612")
    campaign = await make_campaign(membership, slug="may-day")
    await HostingPolicy.create(
        organization_id=group.organization_id, campaign=campaign, group=group, mode=HostingMode.REVIEW,
        terms=DEFAULT_TERMS,
    )  # fmt: skip
    zone = ZoneInfo("America/Chicago")
    start = in_days(6).astimezone(zone).replace(hour=10)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            # the host proposes an event on the campaign's host page
            host = await browser.new_page(viewport=PHONE)
            await host.goto(f"{mail_server}/campaigns/local-100/may-day/host")
            await expect(host.get_by_role("heading", level=1)).to_contain_text("Host an event")
            await host.get_by_label("Title").fill("May Day porch rally")
            await host.get_by_label("Type").select_option("rally")
            await host.get_by_label("City").fill("Chicago")
            await host.get_by_label("ZIP / postal code").fill("60612")
            await host.get_by_label("Shift 1 starts").fill(start.strftime(LOCAL))
            await host.locator("#f-shift_0_end").fill((start + timedelta(hours=2)).strftime(LOCAL))
            await host.get_by_label("Your name").fill("Ana Host")
            await host.get_by_label("Your email (we send a link to confirm it)").fill("ana@example.org")
            await host.get_by_label(DEFAULT_TERMS).check()
            await host.get_by_role("button", name="Propose this event").click()
            await expect(host.get_by_role("heading", level=1)).to_have_text("Check your email")
            await host.screenshot(path=str(shots / "host-proposed.png"), full_page=True)
            event = await Event.get(title="May Day porch rally")
            assert event.status == EventStatus.UNVERIFIED

            # ... confirms their email from the link the SMTP server received
            link = await _emailed_link(smtp_server, "ana@example.org", re.escape(mail_server) + r"/host/confirm/\S+")
            await host.goto(link)
            await host.get_by_role("button", name="Confirm my email and send my event on").click()
            await expect(host.get_by_role("status")).to_contain_text("waits for an organizer")
            await event.refresh_from_db()
            assert event.status == EventStatus.PENDING
            public = await browser.new_page(viewport=PHONE)
            assert (await public.goto(f"{mail_server}/events/{event.id}")).status == 404  # type: ignore[union-attr]

            # an organizer approves it in the dashboard
            page = await browser.new_page(viewport=DESKTOP)
            await page.goto(mail_server + "/dashboard/hosting")
            await page.get_by_label("Email").fill("lead@example.org")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Log in").click()
            await expect(page.get_by_role("heading", name="Hosted events", exact=True)).to_be_visible()
            proposal = page.locator(f"article[data-event='{event.id}']")
            await expect(proposal).to_contain_text("ana@example.org")
            await page.screenshot(path=str(shots / "hosting-queue.png"), full_page=True)
            await proposal.get_by_role("button", name="Approve").click()
            await expect(page.get_by_role("status")).to_contain_text("Approved")
            await event.refresh_from_db()
            assert event.status == EventStatus.SCHEDULED
            await _emailed_link(smtp_server, "ana@example.org", "approved")

            # someone signs up for it on its public page, sharing their contact with the host
            await public.goto(f"{mail_server}/events/{event.id}")
            await public.get_by_label("Your name").fill("Rosa Parks")
            await public.get_by_label("Email", exact=True).fill("rosa@example.org")
            await public.get_by_label("Share my phone number and email with the host").check()
            await public.get_by_role("button", name="Sign up").click()
            await expect(public.get_by_role("heading", level=1)).to_contain_text("signed up")
            assert await Signup.filter(shift__event_id=event.id).count() == 1

            # the host sees them on their page
            page_link = await _emailed_link(
                smtp_server, "ana@example.org", re.escape(mail_server) + r"/host/events/\S+"
            )
            await host.goto(page_link)
            await expect(host.locator("table.roster")).to_contain_text("Rosa P.")
            await expect(host.locator("table.roster")).to_contain_text("rosa@example.org")
        finally:
            await browser.close()
