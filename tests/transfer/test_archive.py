"""The archive: everything an organization owns, out (`mobilize export`) and back in (`mobilize import
archive`) on a fresh database, identical when exported again; idempotent; damaged archives refused whole."""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mobilize.models import AuditLog, Message, Organization, Role, Volunteer
from mobilize.services.errors import Conflict, Invalid
from mobilize.services.transfer import archive, restore
from mobilize.services.transfer.kinds import KINDS
from tests.clock import daytime
from tests.conftest import BACKEND, empty_tables, pg_admin, pg_server_url
from tests.test_cli import run_cli
from tests.transfer.seed import PHONE, seed_organization
from tests.web.test_dashboard import logged_in

pytestmark = daytime
LINK = "http://testserver/password-reset/choose?token={token}"


@pytest.fixture
async def fresh_database() -> AsyncIterator[str]:
    """An empty database of the backend under test, beside the suite's, migrated by `mobilize migrate`."""
    if BACKEND == "postgres":
        name = f"mobilize_archive_{os.getpid()}_{secrets.token_hex(3)}"
        await pg_admin(f'CREATE DATABASE "{name}"')
        try:
            url = pg_server_url(name)
            code, _, err = await run_cli(url, "migrate")
            assert code == 0, err
            yield url
        finally:
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite://{Path(tmp) / 'fresh.sqlite3'}"
            code, _, err = await run_cli(url, "migrate")
            assert code == 0, err
            yield url


def files(directory: Path) -> dict[str, bytes]:
    """Every file of an archive, the manifest without `exported_at`."""
    found = {p.name: p.read_bytes() for p in sorted(directory.iterdir())}
    manifest = json.loads(found["manifest.json"])
    assert manifest.pop("exported_at")
    found["manifest.json"] = json.dumps(manifest).encode()
    return found


def lines(directory: Path, kind: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (directory / f"{kind}.jsonl").read_text().splitlines()]


async def test_round_trip_into_a_fresh_database(migrated: str, fresh_database: str, tmp_path: Path) -> None:
    await seed_organization("local-1")
    await seed_organization("local-2", name="Someone else")  # knows the same phone
    first, again, third = tmp_path / "first", tmp_path / "again", tmp_path / "third"
    code, out, err = await run_cli(migrated, "export", "--org", "local-1", "--out", str(first))
    assert code == 0, err
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["format_version"] == 1 and manifest["counts"]["people"] == 2
    assert all(manifest["counts"][kind.name] >= 1 for kind in KINDS), manifest["counts"]
    assert set(manifest["kinds"]["people"]["columns"]) >= {"uuid", "phone", "sms_status", "sms_blocked"}
    # tenancy: the other organization's record of the same phone, its texts and its inbox stay out
    people = lines(first, "people")
    assert [p["name"] for p in people if p["phone"] == PHONE] == ["Rosa Ávila"]
    assert all("Someone else" not in p.read_text() for p in first.iterdir())
    assert len(lines(first, "inbound_texts")) == 1 and len(lines(first, "messages")) == 3
    # no secrets: no password hash, no private link tokens
    everything = "".join(p.read_text() for p in first.iterdir())
    assert "pbkdf2" not in everything and "argon2" not in everything and "password_hash" not in everything
    rosa = await Volunteer.get(organization__slug="local-1", phone=PHONE)
    assert rosa.manage_token not in everything
    # the spreadsheet copy does not run formulas; the JSON keeps the value
    assert "'=HYPERLINK" in (first / "events.csv").read_text()
    assert lines(first, "events")[0]["instructions"] == '=HYPERLINK("x")'

    code, out, err = await run_cli(fresh_database, "import", "archive", str(first))
    assert code == 0, err
    assert "loaded local-1" in out and "asked 2 organizers by email to set their password" in out
    code, _, err = await run_cli(fresh_database, "export", "--org", "local-1", "--out", str(again))
    assert code == 0, err
    assert files(again) == files(first)

    code, out, err = await run_cli(fresh_database, "import", "archive", str(first))
    assert code == 0, err
    assert "0 rows written" in out and "asked" not in out
    code, _, err = await run_cli(fresh_database, "export", "--org", "local-1", "--out", str(third))
    assert files(third) == files(first)


async def _exported(tmp_path: Path) -> Path:
    await seed_organization("local-1")
    out = tmp_path / "archive"
    await archive.export_archive(await Organization.get(slug="local-1"), out)
    await empty_tables()  # as good as a fresh database
    return out


async def _nothing_written() -> None:
    assert await Organization.all().count() == 0 and await Volunteer.all().count() == 0


async def test_a_damaged_archive_is_refused_before_anything_is_written(migrated: str, tmp_path: Path) -> None:
    out = await _exported(tmp_path)
    wrong = tmp_path / "wrong-version"
    shutil.copytree(out, wrong)
    manifest = json.loads((wrong / "manifest.json").read_text())
    manifest["format_version"] = 2
    (wrong / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(Invalid, match="format_version"):
        await restore.restore_archive(wrong, secret="s", reset_link=LINK)
    await _nothing_written()

    missing = tmp_path / "missing-reference"
    shutil.copytree(out, missing)
    groups = (missing / "groups.jsonl").read_text().splitlines(keepends=True)
    (missing / "groups.jsonl").write_text("".join(groups[1:]))  # the group of the first event is gone
    manifest = json.loads((missing / "manifest.json").read_text())
    manifest["counts"]["groups"] -= 1
    (missing / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(Invalid, match=r"(events|memberships|standby)\.jsonl line \d+ group"):
        await restore.restore_archive(missing, secret="s", reset_link=LINK)
    await _nothing_written()

    bad_value = tmp_path / "bad-value"
    shutil.copytree(out, bad_value)
    text = (bad_value / "signups.jsonl").read_text().replace('"status":"confirmed"', '"status":"maybe"')
    (bad_value / "signups.jsonl").write_text(text)
    with pytest.raises(Invalid, match="signups.jsonl line 1 status"):
        await restore.restore_archive(bad_value, secret="s", reset_link=LINK)
    await _nothing_written()


async def test_import_is_idempotent_and_never_merges_into_another_organization(
    migrated: str, tmp_path: Path
) -> None:
    out = await _exported(tmp_path)
    await Organization.create(slug="local-1", name="Not them")
    with pytest.raises(Conflict, match="--org"):
        await restore.restore_archive(out, secret="s", reset_link=LINK)
    done = await restore.restore_archive(out, "local-1-moved", secret="s", reset_link=LINK)
    assert done.organization.slug == "local-1-moved" and done.created["people"] == 2
    emails = await Message.filter(kind="password_reset", organization_id=None).count()
    assert emails == 2
    again = await restore.restore_archive(out, "local-1-moved", secret="s", reset_link=LINK)
    assert sum(again.created.values()) == 0 and not again.new_organizers
    assert await Message.filter(kind="password_reset").count() == emails
    with pytest.raises(Conflict, match="loaded here already, as 'local-1-moved'"):
        await restore.restore_archive(out, "local-1-copy", secret="s", reset_link=LINK)
    assert await Volunteer.filter(organization__slug="local-1").count() == 0


async def test_an_owner_downloads_the_archive_from_the_dashboard(client: httpx.AsyncClient, migrated: str) -> None:
    world = await logged_in(client)
    page = await client.get("/dashboard/account")
    assert "/dashboard/archive.zip" in page.text
    r = await client.get("/dashboard/archive.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zipped:
        names = zipped.namelist()
        assert names[0] == "manifest.json" and "people.jsonl" in names and "audit_log.csv" in names
        audit = [json.loads(line) for line in zipped.read("audit_log.jsonl").decode().splitlines()]
    assert [a["action"] for a in audit] == ["organization.archive"]
    assert await AuditLog.filter(organization_id=world["membership"].organization_id).count() == 1


async def test_only_an_owner_downloads_the_archive(client: httpx.AsyncClient, migrated: str) -> None:
    await logged_in(client, role=Role.ADMIN, org="local-100")
    r = await client.get("/dashboard/archive.zip")
    assert r.status_code == 403
    assert await AuditLog.all().count() == 0
    page = await client.get("/dashboard/account")
    assert "/dashboard/archive.zip" not in page.text
