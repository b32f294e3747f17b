"""Inbound SMS on PostgreSQL's statements (services/inbound/postgres.py) and on the ORM rule they mirror: the
same conversation, run once each way, gives the same answers, the same records of the messages, the same
sign-ups and the same inbox threads. On SQLite only the ORM way exists, and the conversation runs once."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mobilize import db
from mobilize.models import (
    InboundMessage,
    InboxThread,
    Message,
    MessageKind,
    MessageState,
    Organization,
    Signup,
    Volunteer,
)
from mobilize.services.inbound import postgres
from tests.conftest import BACKEND
from tests.factories import make_shift
from tests.sms_helpers import make_place, phone, reply_of, text, volunteer_on

PATHS = ["orm", "postgres"] if BACKEND == "postgres" else ["orm"]
URL = re.compile(r"https?://\S+")


@pytest.fixture
def client(sms: tuple[Any, httpx.AsyncClient]) -> httpx.AsyncClient:
    return sms[1]


async def conversation(client: httpx.AsyncClient, run: str, base: int) -> dict[str, Any]:
    """Two organizations of one run (slugs `{run}-a`, `{run}-b`, both named as in every run) on the shared
    sender, people known to one or both, and a dozen texts: what came back and what was written, with ids,
    phones and links replaced by names, so that two runs compare equal."""
    a = await make_place(f"{run}-a", capacity=1)
    b = await make_place(f"{run}-b")
    await Organization.filter(slug=f"{run}-a").update(name="Teachers")
    await Organization.filter(slug=f"{run}-b").update(name="Nurses")
    now = datetime.now(UTC)
    under_way = await make_shift(a["event"], starts_at=now - timedelta(minutes=30), hours=3)
    seated = await volunteer_on(a["shift"], base + 1, name="Ana")
    waiting = await volunteer_on(a["shift"], base + 2, name="Bo")
    walker = await volunteer_on(under_way, base + 3, name="Cy")
    both = await volunteer_on(b["shift"], base + 1, name="Ana B")  # the nurses know Ana's number too
    asked = await Signup.get(volunteer_id=seated.id, shift_id=a["shift"].id)
    await Message.create(  # the teachers texted Ana last: her replies on the shared sender are theirs
        organization_id=a["organization"].id,
        volunteer=seated,
        signup=asked,
        channel="sms",
        kind=MessageKind.REMINDER_DAY_BEFORE,
        to_address=seated.phone,
        body="reminder... Reply YES to confirm, NO if you can't make it.",
        due_at=now - timedelta(hours=1),
        sent_at=now - timedelta(hours=1),
        state=MessageState.DELIVERED,
        dedupe_key=f"{run}-reminder",
    )
    people = {seated.phone: "ana", waiting.phone: "bo", walker.phone: "cy", phone(base + 9): "stranger"}
    names = {v.id: label for v, label in ((seated, "ana@a"), (waiting, "bo@a"), (walker, "cy@a"), (both, "ana@b"))}
    texts = [
        (waiting.phone, "Can I bring my kid?"),
        (seated.phone, "HELP"),
        (waiting.phone, "HERE"),
        (walker.phone, "here"),
        (seated.phone, "yes"),
        (seated.phone, "Running late, sorry"),
        (seated.phone, "NO"),
        (waiting.phone, "Y"),
        (phone(base + 9), "hello?"),
        (walker.phone, "HELP"),
    ]
    answers = []
    for sender, body in texts:
        answers.append((people[sender], body, URL.sub("<link>", reply_of(await text(client, body, sender)))))
    org_ids = {a["organization"].id: "a", b["organization"].id: "b"}
    inbound = [
        (people[m.from_number], m.body, m.outcome, org_ids.get(m.organization_id), names.get(m.volunteer_id))
        for m in await InboundMessage.filter(organization_id__in=list(org_ids)).order_by("id")
    ] + [
        (people.get(m.from_number), m.body, m.outcome, None, None)
        for m in await InboundMessage.filter(organization_id=None, from_number__in=list(people)).order_by("id")
    ]
    signups = sorted(
        (names[s.volunteer_id], str(s.status), s.checked_in_at is not None)
        for s in await Signup.filter(volunteer_id__in=list(names))
    )
    threads = sorted(
        (org_ids[t.organization_id], names.get(t.volunteer_id), str(t.status))
        for t in await InboxThread.filter(organization_id__in=list(org_ids))
    )
    sent = sorted(
        (names.get(m.volunteer_id), str(m.kind), URL.sub("<link>", m.body))
        for m in await Message.filter(volunteer_id__in=list(names)).exclude(dedupe_key=f"{run}-reminder")
    )
    statuses = sorted((names[v.id], str(v.sms_status)) for v in await Volunteer.filter(id__in=list(names)))
    return {
        "answers": answers,
        "inbound": inbound,
        "signups": signups,
        "threads": threads,
        "sent": sent,
        "statuses": statuses,
    }


async def test_a_conversation_is_the_same_on_both_paths(client: httpx.AsyncClient, monkeypatch: Any) -> None:
    looked_up: list[str] = []  # which way each run went (a spy: the statements still run)
    original = postgres.look_up

    async def spy(*args: Any) -> Any:
        looked_up.append(path)
        return await original(*args)

    monkeypatch.setattr(postgres, "look_up", spy)
    seen = {}
    for n, path in enumerate(PATHS):
        with db.orm_path() if path == "orm" else contextlib.nullcontext():
            seen[path] = await conversation(client, f"p{n}", base=100 * (n + 1))
    assert "orm" not in looked_up and ("postgres" in looked_up) == (BACKEND == "postgres")
    orm = seen["orm"]
    # The conversation itself, once: what each text did.
    outcomes = [outcome for _, _, outcome, _, _ in orm["inbound"]]
    assert outcomes == [
        "inbox", "help", "here_nothing", "checked_in", "confirmed", "inbox", "dropped", "confirmed", "help",
        "unknown_sender",  # the number nobody knows, recorded under no organization
    ]  # fmt: skip
    assert ("bo@a", "confirmed", False) in orm["signups"]  # promoted when Ana dropped, then confirmed by text
    assert ("cy@a", "attended", True) in orm["signups"]
    assert ("ana@b", "signed_up", False) in orm["signups"]  # the nurses' sign-up: nothing Ana texted was theirs
    assert {org for org, _, _ in orm["threads"]} == {"a"}
    for path in PATHS[1:]:
        assert seen[path] == orm, path
