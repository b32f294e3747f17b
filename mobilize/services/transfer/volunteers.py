"""Moving an organization's data in and out: volunteer CSV imports and the full export."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from mobilize.models import (
    ActionGroup,
    Campaign,
    ConsentRecord,
    Event,
    GapRequest,
    Organization,
    Shift,
    Signup,
    SmsStatus,
    Standby,
    Volunteer,
)
from mobilize.services.errors import Invalid, NotFound
from mobilize.services.people import (
    ConsentContext,
    Contact,
    find_or_create_volunteer,
    grant_sms_consent,
    normalize_email,
    normalize_phone,
)

IMPORT_COLUMNS = ("name", "phone", "email", "postal_code", "member_id", "sms_opt_in", "sms_consent_words")
TRUE = {"1", "true", "yes", "y", "x"}


@dataclass
class ImportReport:
    imported: int = 0
    created: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


async def organization(slug: str) -> Organization:
    org = await Organization.get_or_none(slug=slug)
    if org is None:
        raise NotFound(f"no organization {slug!r}")
    return org


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV with a header; yields (line number, row). Unknown columns are ignored."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = {h.strip().lower() for h in reader.fieldnames or []}
        if not header & {"phone", "email"}:
            raise Invalid.field("file", "needs a header row with a phone or an email column")
        for row in reader:
            yield reader.line_num, {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}


def parse_row(row: dict[str, str], region: str) -> tuple[Contact, str | None]:
    """A contact and, when the row records SMS consent, the words the person agreed to; ValueError if bad."""
    phone = email = None
    if row.get("phone"):
        try:
            phone = normalize_phone(row["phone"], region)
        except ValueError as exc:
            raise ValueError(f"phone: {exc}") from exc
    if row.get("email"):
        try:
            email = normalize_email(row["email"])
        except ValueError as exc:
            raise ValueError(f"email: {exc}") from exc
    if not phone and not email:
        raise ValueError("needs a phone or an email")
    words = None
    if row.get("sms_opt_in", "").lower() in TRUE:
        if not phone:
            raise ValueError("sms_opt_in needs a phone")
        words = row.get("sms_consent_words", "")
        if not words:
            raise ValueError("sms_opt_in needs sms_consent_words: the exact words the person agreed to")
    return Contact(
        name=row.get("name", "")[:200], phone=phone, email=email, postal_code=row.get("postal_code", "")[:16]
    ), words


async def import_volunteers(
    org: Organization, rows: Iterable[tuple[int, dict[str, str]]], region: str, source_name: str
) -> AsyncIterator[tuple[int, str | None]]:
    """Import rows one by one (re-running the same file changes nothing); yields (line, error or None)."""
    for line, row in rows:
        try:
            contact, words = parse_row(row, region)
        except ValueError as exc:
            yield line, str(exc)
            continue
        volunteer, _ = await find_or_create_volunteer(org.id, contact, trusted=True, source="import")
        member_id = row.get("member_id", "")[:64]  # a union's member list: the card or badge number
        if member_id and volunteer.member_id != member_id:
            holder = await Volunteer.get_or_none(organization_id=org.id, member_id=member_id)
            if holder is not None:
                yield line, f"member_id: {member_id} is another person's in this organization"
                continue
            volunteer.member_id = member_id
            await volunteer.save(update_fields=["member_id", "updated_at"])
        if words and not await ConsentRecord.exists(volunteer=volunteer, source=f"import:{source_name}", words=words):
            await grant_sms_consent(volunteer, ConsentContext(source=f"import:{source_name}", words=words))
        yield line, None


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")  # an E.164 phone, a count: no formula in it


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: one starting like a formula gets a leading apostrophe (OWASP's CSV
    injection advice), unless it is a plain number such as a phone; the JSON Lines beside it keep the value."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


EXPORT_TABLES: dict[str, tuple[Any, str, tuple[str, ...]]] = {
    # name: (model, filter on organization, columns)
    "groups": (
        ActionGroup,
        "organization_id",
        ("id", "slug", "name", "description", "postal_code", "lat", "lon", "created_at"),
    ),
    "campaigns": (
        Campaign,
        "organization_id",
        ("id", "slug", "name", "description", "starts_on", "ends_on", "created_at"),
    ),
    "events": (
        Event,
        "organization_id",
        (
            "id",
            "group_id",
            "campaign_id",
            "title",
            "description",
            "instructions",
            "event_type",
            "timezone",
            "venue",
            "address",
            "city",
            "region",
            "postal_code",
            "country",
            "lat",
            "lon",
            "virtual_url",
            "visibility",
            "status",
            "sequence",
            "created_at",
            "updated_at",
        ),
    ),
    "shifts": (
        Shift,
        "event__organization_id",
        ("id", "event_id", "starts_at", "ends_at", "capacity", "target", "code", "status", "created_at"),
    ),
    "signups": (
        Signup,
        "shift__event__organization_id",
        ("id", "shift_id", "volunteer_id", "status", "source", "referrer", "created_at", "updated_at"),
    ),
    "volunteers": (
        Volunteer,
        "organization_id",
        (
            "id",
            "name",
            "phone",
            "email",
            "postal_code",
            "notes",
            "member_id",
            "sms_status",
            "email_status",
            "created_at",
        ),
    ),
    "consent_records": (
        ConsentRecord,
        "volunteer__organization_id",
        (
            "id",
            "volunteer_id",
            "organization_id",
            "channel",
            "action",
            "source",
            "words",
            "ip",
            "user_agent",
            "created_at",
        ),
    ),
    "standby": (Standby, "group__organization_id", ("id", "group_id", "volunteer_id", "added_by_id", "created_at")),
    "gap_requests": (
        GapRequest,
        "shift__event__organization_id",
        ("id", "shift_id", "volunteer_id", "message_id", "asked_at", "answer", "answered_at", "signup_id"),
    ),
}


async def _batches(
    model: Any, org_filter: str, org_id: int, columns: tuple[str, ...], size: int = 2000
) -> AsyncIterator[list[dict[str, Any]]]:
    last = 0
    while True:
        rows = await model.filter(**{org_filter: org_id, "id__gt": last}).order_by("id").limit(size).values(*columns)
        if not rows:
            return
        last = rows[-1]["id"]
        yield [{k: _plain(v) for k, v in row.items()} for row in rows]


async def export_organization(org: Organization, out: Path) -> dict[str, int]:
    """Write everything the organization owns: one CSV per table and one JSON Lines file per table."""
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a CLI writing local files; nothing else runs
    counts: dict[str, int] = {}
    for name, (model, org_filter, columns) in EXPORT_TABLES.items():
        counts[name] = 0
        with (
            (out / f"{name}.csv").open("w", newline="", encoding="utf-8") as csv_file,
            (out / f"{name}.jsonl").open("w", encoding="utf-8") as json_file,
        ):
            writer = csv.DictWriter(csv_file, fieldnames=list(columns))
            writer.writeheader()
            read = (*columns, "sms_blocked") if model is Volunteer else columns
            async for batch in _batches(model, org_filter, org.id, read):
                if model is Volunteer:  # what the organization sees: a blocked number cannot be texted, not why
                    for row in batch:
                        if row.pop("sms_blocked"):
                            row["sms_status"] = SmsStatus.OPTED_OUT.value
                writer.writerows([{k: csv_cell(v) for k, v in row.items()} for row in batch])
                for row in batch:
                    json_file.write(json.dumps(row, ensure_ascii=False) + "\n")
                counts[name] += len(batch)
    manifest = {
        "organization": {"slug": org.slug, "name": org.name},
        "exported_at": datetime.now().astimezone().isoformat(),
        "counts": counts,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return counts
