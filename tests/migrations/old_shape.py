"""Run by tests/migrations/test_migrations.py in a process of its own (Tortoise is per process): migrate a database to
0015 (one volunteer row for the whole deployment, `relationship` rows saying who knows them), write a person
known to two organizations, migrate to the head, and print what each organization's records hold, as JSON."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api import migrate

from mobilize import db

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


async def old_shape() -> dict[str, int]:
    """Two organizations (org-a, org-b), each with a group, an event and a shift; Rosa signed up with both,
    texted STOP once, on org-b's standby list, in both inboxes; and Orphan, known to nobody."""
    ids: dict[str, int] = {}

    async def insert(key: str, sql: str, *values: Any) -> None:
        rows = await db.fetch_all(sql + " RETURNING id", *values)
        ids[key] = int(rows[0]["id"])

    for org in ("a", "b"):
        await insert(f"org_{org}", "INSERT INTO organization (slug, name, created_at) VALUES (?, ?, ?)",
                     f"org-{org}", f"Org {org.upper()}", NOW)  # fmt: skip
        await insert(
            f"group_{org}",
            "INSERT INTO action_group (organization_id, slug, name, description, postal_code, created_at) "
            "VALUES (?, ?, ?, '', '60614', ?)",
            ids[f"org_{org}"], f"group-{org}", f"Group {org}", NOW,
        )  # fmt: skip
        await insert(
            f"event_{org}",
            "INSERT INTO event (organization_id, group_id, title, description, instructions, event_type, timezone, "
            "venue, address, city, region, postal_code, country, virtual_url, visibility, status, sequence, "
            "created_at, updated_at) VALUES (?, ?, ?, '', '', 'rally', 'America/Chicago', '', '', '', '', '60614', "
            "'US', '', 'public', 'scheduled', 0, ?, ?)",
            ids[f"org_{org}"], ids[f"group_{org}"], f"Rally {org}", NOW, NOW,
        )  # fmt: skip
        await insert(
            f"shift_{org}",
            "INSERT INTO shift (event_id, starts_at, ends_at, capacity, target, filled, code, status, sequence, "
            "created_at, updated_at) VALUES (?, ?, ?, 10, 5, 1, ?, 'scheduled', 0, ?, ?)",
            ids[f"event_{org}"], NOW + timedelta(days=3), NOW + timedelta(days=3, hours=2), f"CODE{org.upper()}",
            NOW, NOW,
        )  # fmt: skip
    await insert(
        "rosa",
        "INSERT INTO volunteer (name, phone, email, postal_code, sms_status, email_status, manage_token, feed_token, "
        "created_at, updated_at) VALUES ('Rosa', '+13125550142', 'rosa@example.org', '60614', 'opted_out', 'ok', "
        "'old-manage', 'old-feed', ?, ?)",
        NOW, NOW,
    )  # fmt: skip
    await insert(
        "orphan",
        "INSERT INTO volunteer (name, phone, email, postal_code, sms_status, email_status, manage_token, feed_token, "
        "created_at, updated_at) VALUES ('Orphan', '+13125550199', NULL, '', 'unknown', 'unknown', 'orphan-m', "
        "'orphan-f', ?, ?)",
        NOW, NOW,
    )  # fmt: skip
    for org in ("a", "b"):
        await insert(f"rel_{org}", "INSERT INTO relationship (organization_id, volunteer_id, source, created_at) "
                     "VALUES (?, ?, 'web', ?)", ids[f"org_{org}"], ids["rosa"], NOW)  # fmt: skip
        await insert(
            f"signup_{org}",
            "INSERT INTO signup (shift_id, volunteer_id, holder, status, source, referrer, attendance_locked, "
            "created_at, updated_at) VALUES (?, ?, ?, 'signed_up', 'web', '', FALSE, ?, ?)",
            ids[f"shift_{org}"], ids["rosa"], ids[f"shift_{org}"], NOW, NOW,
        )  # fmt: skip
        await insert(
            f"consent_{org}",
            "INSERT INTO consent_record (volunteer_id, organization_id, channel, action, source, words, ip, "
            "user_agent, created_at) VALUES (?, ?, 'sms', 'granted', 'web_form', ?, '', '', ?)",
            ids["rosa"], ids[f"org_{org}"], f"I agree to texts from Org {org.upper()}", NOW,
        )  # fmt: skip
        await insert(
            f"message_{org}",
            "INSERT INTO message (organization_id, volunteer_id, signup_id, channel, kind, to_address, subject, body, "
            "due_at, timezone, state, skip_reason, attempts, last_error, dedupe_key, in_doubt, created_at, "
            "updated_at) VALUES (?, ?, ?, 'sms', 'confirmation', '+13125550142', '', ?, ?, '', 'sent', '', 1, '', "
            "?, FALSE, ?, ?)",
            ids[f"org_{org}"], ids["rosa"], ids[f"signup_{org}"], f"Org {org.upper()}: you're signed up", NOW,
            f"confirmation:{org}", NOW, NOW,
        )  # fmt: skip
        await insert(
            f"thread_{org}",
            "INSERT INTO inbox_thread (organization_id, volunteer_id, status, last_message_at, last_preview, "
            "created_at) VALUES (?, ?, 'open', ?, 'hello', ?)",
            ids[f"org_{org}"], ids["rosa"], NOW, NOW,
        )  # fmt: skip
    await insert("stop", "INSERT INTO consent_record (volunteer_id, organization_id, channel, action, source, words, "
                 "ip, user_agent, created_at) VALUES (?, NULL, 'sms', 'revoked', 'keyword', 'STOP', '', '', ?)",
                 ids["rosa"], NOW + timedelta(hours=1))  # fmt: skip
    await insert("standby_b", "INSERT INTO standby (group_id, volunteer_id, created_at) VALUES (?, ?, ?)",
                 ids["group_b"], ids["rosa"], NOW)  # fmt: skip
    return ids


async def records(ids: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {"volunteers": {}}
    for org in ("a", "b"):
        org_id = ids[f"org_{org}"]
        [person] = await db.fetch_all(
            "SELECT id, name, phone, email, sms_status, sms_blocked, manage_token, source FROM volunteer "
            "WHERE organization_id = ?", org_id,
        )  # fmt: skip
        pid = person["id"]
        out["volunteers"][org] = {
            **{k: (bool(v) if k == "sms_blocked" else v) for k, v in person.items()},
            "signups": [r["id"] for r in await db.fetch_all("SELECT id FROM signup WHERE volunteer_id = ?", pid)],
            "consents": sorted(
                (r["organization_id"], r["action"], r["words"])
                for r in await db.fetch_all(
                    "SELECT organization_id, action, words FROM consent_record WHERE volunteer_id = ?", pid
                )
            ),
            "messages": [r["body"] for r in await db.fetch_all("SELECT body FROM message WHERE volunteer_id = ?", pid)],
            "threads": [r["id"] for r in await db.fetch_all("SELECT id FROM inbox_thread WHERE volunteer_id = ?", pid)],
            "standby": [r["id"] for r in await db.fetch_all("SELECT id FROM standby WHERE volunteer_id = ?", pid)],
        }
    out["all_volunteers"] = [r["name"] for r in await db.fetch_all("SELECT name FROM volunteer ORDER BY id")]
    out["blocks"] = sorted((r["sender"], r["phone"]) for r in await db.fetch_all("SELECT sender, phone FROM sms_block"))
    out["ids"] = ids
    return out


async def main(url: str) -> None:
    await migrate(config=db.tortoise_config(url), target="models.0015_idempotent_requests")
    await Tortoise.close_connections()
    await db.init_db(url)
    ids = await old_shape()
    await db.close_db()
    await db.apply_migrations(url)
    await db.init_db(url)
    print(json.dumps(await records(ids), default=str))
    await db.close_db()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
