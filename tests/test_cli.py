"""The `mobilize` console script, run as a real process against the test database."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import sys
from pathlib import Path

import httpx

from mobilize.models import ConsentRecord, Volunteer
from tests.factories import auth, make_world, volunteer_body


async def run_cli(database_url: str, *args: str, module: str | None = "mobilize.cli") -> tuple[int, str, str]:
    """The console script with these arguments (or, with `module=None`, Python with them) in a process."""
    env = dict(os.environ, DATABASE_URL=database_url, LOG_LEVEL="warning")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *(("-m", module) if module else ()),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def test_organizer_create_prints_a_working_token(migrated: str, client: httpx.AsyncClient) -> None:
    code, out, err = await run_cli(
        migrated, "organizer", "create", "--email", "Sam@Example.org", "--name", "Sam", "--org", "teamsters-705"
    )
    assert code == 0, err
    token = out.strip().splitlines()[-1]
    r = await client.post("/api/v1/groups", json={"slug": "yard", "name": "Yard"}, headers=auth(token))
    assert r.status_code == 201 and r.json()["organization"] == "teamsters-705"
    code, out, err = await run_cli(migrated, "organizer", "create", "--email", "x", "--name", "X", "--org", "a")
    assert code != 0 and "email" in err


async def test_import_volunteers_reports_rejects_and_is_idempotent(migrated: str, tmp_path: Path) -> None:
    await make_world("local-7")
    path = tmp_path / "people.csv"
    path.write_text(
        "name,phone,email,postal_code,sms_opt_in,sms_consent_words\n"
        "Ana,(312) 555-0101,ana@example.org,60614,yes,I agree to texts from Local 7\n"
        "Ben,not a phone,,60614,,\n"
        "Cy,,cy@example.org,60614,,\n"
        "Di,3125550102,,60614,yes,\n"
        "Ed,,,,,\n"
    )
    code, out, err = await run_cli(migrated, "import", "volunteers", str(path), "--org", "local-7")
    assert code == 0, err
    assert "imported 2 volunteers; rejected 3 rows" in out
    assert "line 3: phone" in out and "line 5: sms_opt_in needs sms_consent_words" in out
    code, out, _ = await run_cli(migrated, "import", "volunteers", str(path), "--org", "local-7")
    assert "imported 2 volunteers" in out
    assert await Volunteer.all().count() == 2
    assert await ConsentRecord.filter(words="I agree to texts from Local 7").count() == 1
    assert await Volunteer.filter(source="import", organization__slug="local-7").count() == 2
    code, _, err = await run_cli(migrated, "import", "volunteers", str(path), "--org", "nope")
    assert code != 0 and "no organization" in err


async def test_export_writes_everything_the_organization_owns(
    migrated: str, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    mine = await make_world("local-1")
    theirs = await make_world("local-2")
    for n, w in ((1, mine), (2, theirs)):
        r = await client.post(f"/api/v1/shifts/{w['shift'].id}/signups", json=volunteer_body(n), headers=w["headers"])
        assert r.status_code == 201
    out = tmp_path / "export"
    code, stdout, err = await run_cli(migrated, "export", "--org", "local-1", "--out", str(out))
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    counts = manifest["counts"]
    assert (counts["groups"], counts["campaigns"], counts["events"], counts["shifts"]) == (1, 1, 1, 1)
    assert (counts["signups"], counts["people"], counts["organizers"], counts["memberships"]) == (1, 1, 1, 1)
    volunteers = list(csv.DictReader((out / "people.csv").open()))
    assert [v["phone"] for v in volunteers] == ["+13125550001"]
    events = [json.loads(line) for line in (out / "events.jsonl").open()]
    assert events[0]["title"] == "Picket at the gate" and events[0]["timezone"] == "America/Chicago"


async def test_organization_sms_sender(migrated: str) -> None:
    from mobilize.models import Organization

    await Organization.create(slug="local-7", name="Local 7")
    await Organization.create(slug="local-8", name="Local 8")
    code, out, err = await run_cli(
        migrated, "organization", "sms-sender", "--org", "local-7", "--from-number", "(312) 555-0900"
    )
    assert code == 0, err
    assert out.strip() == "local-7 sends from +13125550900"
    assert (await Organization.get(slug="local-7")).sms_from_number == "+13125550900"
    code, _, err = await run_cli(
        migrated, "organization", "sms-sender", "--org", "local-8", "--from-number", "+13125550900"
    )
    assert code != 0 and "another organization's sender" in err
    code, _, err = await run_cli(
        migrated, "organization", "sms-sender", "--org", "local-8", "--messaging-service", "XX"
    )
    assert code != 0 and "Messaging Service SID" in err
    code, out, _ = await run_cli(migrated, "organization", "sms-sender", "--org", "local-7")
    assert out.strip() == "local-7 sends from the shared sender"
    assert (await Organization.get(slug="local-7")).sms_from_number is None


# A command of the shape every database command has, run as the console script runs them.
PROBE = """
import click
from tortoise import connections
from mobilize import cli_support
from mobilize.services.errors import NotFound

async def found():
    return (await connections.get("default").execute_query_dict("SELECT 1 AS one"))[0]["one"]

async def missing():
    await found()
    raise NotFound("no organization 'nobody'")

@click.command()
def probe():
    click.echo(f"answered {cli_support.with_database(found)}")
    try:
        cli_support.with_database(missing)
    finally:
        try:
            connections.get("default")
        except Exception:
            click.echo("closed", err=True)

probe()
"""


async def test_a_command_opens_the_database_closes_it_and_names_a_domain_error(migrated: str) -> None:
    code, out, err = await run_cli(migrated, "-c", PROBE, module=None)
    assert code == 1, err
    assert out == "answered 1\n"
    assert err.splitlines() == ["closed", "Error: no organization 'nobody'"]
