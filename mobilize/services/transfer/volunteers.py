"""Moving an organization's data in and out: volunteer CSV imports and the full export."""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobilize.models import (
    ConsentRecord,
    Organization,
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

IMPORT_COLUMNS = ("name", "phone", "email", "postal_code", "sms_opt_in", "sms_consent_words")
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
