"""Schemathesis over the OpenAPI document, against the real app under uvicorn on PostgreSQL: no answer is a server
error, every status is one the document lists, and answers match their documented schemas.

It takes a minute or two, so it runs under CI=true (in the PostgreSQL pass of `make test`) and with
`make schemathesis`; elsewhere it is skipped. MOBILIZE_SCHEMATHESIS_EXAMPLES (cases per operation and phase),
_SEED and _CHECKS (e.g. `all`) change the run.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mobilize.models import Duty, Event, InboxThread, Standby, Strike, StrikeDispute
from mobilize.services.signups.seats import sign_up
from tests.conftest import IN_CI
from tests.factories import make_shift, make_world, soon
from tests.signups.test_concurrency import Server

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (IN_CI or os.environ.get("MOBILIZE_SCHEMATHESIS") == "1"),
        reason="a few minutes long: runs under CI=true, or with `make schemathesis`",
    ),
]

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = os.environ.get(
    "MOBILIZE_SCHEMATHESIS_CHECKS",
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
    "response_headers_conformance",
)
MAX_EXAMPLES = int(os.environ.get("MOBILIZE_SCHEMATHESIS_EXAMPLES", "60"))
RUN_TIMEOUT = 420  # seconds; the run takes 1 to 2 minutes on a loaded 2-core machine


async def seed() -> dict[str, Any]:
    """An organization with a group, a campaign, an event, two shifts, a sign-up, an inbox thread and a standby
    entry: the ids schemathesis tries are often real ones, so it reaches the handlers past the 404."""
    from mobilize.models import SignupSource
    from mobilize.services.people import Contact

    world = await make_world()
    second = await make_shift(world["event"], starts_at=soon(72))
    result = await sign_up(second.id, Contact(name="Ana", phone="+13125550101"), source=SignupSource.API)
    volunteer_id = result.signup.volunteer_id  # type: ignore[attr-defined]
    thread = await InboxThread.create(
        organization_id=world["event"].organization_id, volunteer_id=volunteer_id, last_message_at=soon(-1)
    )
    await Standby.create(group=world["group"], volunteer_id=volunteer_id)
    strike = await Strike.create(
        organization_id=world["event"].organization_id, name="Strike", starts_on=date(2026, 1, 1)
    )
    await Event.filter(id=world["event"].id).update(strike_id=strike.id)
    entry = await Duty.create(
        strike=strike, shift=second, volunteer_id=volunteer_id, signed_in_at=second.starts_at, source="captain"
    )
    dispute = await StrikeDispute.create(
        strike=strike, volunteer_id=volunteer_id, day=date(2026, 1, 2), raised_by="member"
    )
    return {
        "token": world["token"],
        "slug": [world["group"].slug, world["campaign"].slug],
        "event_id": [world["event"].id],
        "shift_id": [world["shift"].id, second.id],
        "signup_id": [result.signup.id],
        "volunteer_id": [volunteer_id],
        "thread_id": [thread.id],
        "strike_id": [strike.id],
        "duty_id": [entry.id],
        "dispute_id": [dispute.id],
    }


def config(seeded: dict[str, Any]) -> str:
    """schemathesis.toml: the organizer's token, and the seeded ids and slugs offered for path parameters (half
    the time; the other half, whatever schemathesis generates)."""
    lines = [
        "[auth.openapi.bearer]",
        f'bearer = "{seeded["token"]}"',
        "",
        "[dictionaries]",
    ]
    names = [key for key in seeded if key != "token"]
    for name in names:
        lines.append(f"{name} = {{ values = {json.dumps(seeded[name])} }}")
    lines += ["", "[parameters]"]
    for name in names:
        lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    lines.append('"body.volunteer" = { dictionary = "volunteer_id", probability = 0.5 }')
    return "\n".join(lines) + "\n"


def client_env() -> dict[str, str]:
    """Schemathesis's environment: the suite's without libfaketime. The server under test keeps the suite's
    clock; the client's does not matter, and under libfaketime 0.9.10 a thread's timed wait (`Queue.get(timeout=)`,
    which schemathesis's stateful phase loops on) never returns with the clock moved ahead, or spins with it
    moved back."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


async def test_schemathesis_finds_no_server_error_and_no_undocumented_status(migrated: str, tmp_path: Path) -> None:
    seeded = await seed()
    (tmp_path / "schemathesis.toml").write_text(config(seeded))
    server = Server(migrated, tmp_path, 0)
    try:
        await server.wait_healthy()
        started = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            str(SCHEMATHESIS),
            "--config-file", str(tmp_path / "schemathesis.toml"),
            "run", f"{server.base_url}/api/v1/openapi.json",
            "--url", f"{server.base_url}/api/v1",
            "--checks", CHECKS,
            "--max-examples", str(MAX_EXAMPLES),
            "--workers", "2",
            "--seed", os.environ.get("MOBILIZE_SCHEMATHESIS_SEED", "1"),
            "--generation-database", "none",
            "--request-timeout", "10",
            "--no-color",
            "--report", "junit", "--report-dir", str(tmp_path / "report"),
            cwd=tmp_path,
            env=client_env(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        chunks: list[bytes] = []  # read as it comes, so that a run cut short still says where it was

        async def read() -> None:
            assert proc.stdout is not None
            while chunk := await proc.stdout.read(65536):
                chunks.append(chunk)

        try:
            await asyncio.wait_for(asyncio.gather(read(), proc.wait()), RUN_TIMEOUT)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            said = b"".join(chunks).decode(errors="replace")[-5000:]
            log = server.output()[-5000:]
            pytest.fail(f"schemathesis did not finish in {RUN_TIMEOUT} s:\n{said}\n--- server log ---\n{log}")
        elapsed = time.monotonic() - started
        text = b"".join(chunks).decode(errors="replace")
        figures = re.findall(r"(?m)^\s*(?:Operations:.*|\d+ generated.*)$", text)
        print(f"schemathesis: {elapsed:.0f} s; " + "; ".join(line.strip() for line in figures))
        assert proc.returncode == 0, text[-20000:] + "\n--- server log ---\n" + server.output()[-10000:]
    finally:
        server.stop()
