"""Data migrations on a database holding the old shape: 0016 splits a person known to two organizations into one
record per organization, each with only what that organization was given."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BACKEND, pg_admin, pg_server_url


async def run_old_shape(url: str) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.migrations.old_shape", url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=dict(os.environ),
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()[-4000:]
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


@pytest.fixture
async def fresh_database_url(database_url: str) -> Any:
    """An empty database of the backend under test, beside the suite's."""
    if BACKEND == "postgres":
        name = f"mobilize_migration_{os.getpid()}_{secrets.token_hex(3)}"
        await pg_admin(f'CREATE DATABASE "{name}"')
        try:
            yield pg_server_url(name)
        finally:
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite://{Path(tmp) / 'old.sqlite3'}"


async def test_a_person_known_to_two_organizations_becomes_two_records(fresh_database_url: str) -> None:
    found = await run_old_shape(fresh_database_url)
    ids, a, b = found["ids"], found["volunteers"]["a"], found["volunteers"]["b"]
    assert a["id"] != b["id"] and a["phone"] == b["phone"] == "+13125550142"
    assert a["email"] == b["email"] == "rosa@example.org" and a["name"] == b["name"] == "Rosa"
    assert a["id"] == ids["rosa"]  # the first organization keeps the row (and its links)
    assert b["manage_token"] != a["manage_token"] == "old-manage"
    # each keeps what it was given: its sign-up, its consent, its message, its thread, its standby place
    assert a["signups"] == [ids["signup_a"]] and b["signups"] == [ids["signup_b"]]
    assert a["messages"] == ["Org A: you're signed up"] and b["messages"] == ["Org B: you're signed up"]
    assert a["threads"] == [ids["thread_a"]] and b["threads"] == [ids["thread_b"]]
    assert a["standby"] == [] and b["standby"] == [ids["standby_b"]]
    assert a["consents"] == [
        [ids["org_a"], "granted", "I agree to texts from Org A"],
        [ids["org_a"], "revoked", "STOP"],
    ]
    assert b["consents"] == [
        [ids["org_b"], "granted", "I agree to texts from Org B"],
        [ids["org_b"], "revoked", "STOP"],
    ]
    # the STOP held for everyone before: it still does, as a block on the shared sender
    assert a["sms_status"] == b["sms_status"] == "opted_out" and a["sms_blocked"] and b["sms_blocked"]
    assert found["blocks"] == [["shared", "+13125550142"]]
    assert found["all_volunteers"] == ["Rosa", "Rosa"]  # the orphan, nobody's record, is gone
