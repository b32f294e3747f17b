"""Volunteer CSV imports: our own columns, and the export files of the tools people leave (Mobilize, Action
Network), read by their column names. Every column the import did not use is reported; a row is imported
whole (person, tags, consent, in one transaction) or rejected with its reason; re-running a file changes
nothing."""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from mobilize.models import (
    ConsentAction,
    ConsentChannel,
    ConsentRecord,
    Organization,
    SmsStatus,
    Volunteer,
    VolunteerTag,
)
from mobilize.services.errors import Invalid, NotFound
from mobilize.services.people import (
    ConsentContext,
    Contact,
    find_or_create_volunteer,
    grant_sms_consent,
    normalize_email,
    normalize_phone,
    record_consent,
)

TRUE = {"1", "true", "yes", "y", "x"}
SMS_IN = {"opt_in", "opted_in", "optin", "subscribed", "yes", "true", "1"}
SMS_OUT = {"opt_out", "opted_out", "optout", "unsubscribed", "no", "false", "0"}


@dataclass(frozen=True)
class Format:
    """One tool's export: our field -> the column names it has gone by (normalized: lower case, `_`)."""

    name: str
    title: str
    columns: dict[str, tuple[str, ...]]


FORMATS = {
    "plain": Format("plain", "mobilize", {
        "name": ("name",), "first_name": ("first_name",), "last_name": ("last_name",), "phone": ("phone",),
        "email": ("email",), "postal_code": ("postal_code", "zip", "zip_code"), "sms_opt_in": ("sms_opt_in",),
        "sms_consent_words": ("sms_consent_words",), "tags": ("tags",), "member_id": ("member_id",),
    }),
    "mobilize": Format("mobilize", "Mobilize", {
        "first_name": ("first_name", "given_name", "first"), "last_name": ("last_name", "family_name", "last"),
        "email": ("email", "email_address"), "phone": ("phone", "phone_number", "mobile_number", "mobile_phone"),
        "postal_code": ("zip", "zip_code", "zipcode", "postal_code"),
        "sms_status": ("sms_opt_in_status", "sms_opt_in", "sms_status", "sms_opt_in_status_at_signup"),
        "tags": ("tags",),
    }),
    "actionnetwork": Format("actionnetwork", "Action Network", {
        "first_name": ("first_name",), "last_name": ("last_name",), "email": ("email", "can2_email"),
        "phone": ("can2_phone", "phone_number", "mobile_number", "phone"), "postal_code": ("zip_code", "zip"),
        "sms_status": ("can2_sms_status", "sms_status", "mobile_subscription_status"),
        "tags": ("can2_user_tags", "tags"),
    }),
}  # fmt: skip


def header_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def detect_format(headers: list[str]) -> Format:
    """`auto`: Action Network names its own columns can2_*; Mobilize's API and exports say given_name,
    email_address or sms_opt_in_status; anything else is our plain format."""
    keys = {header_key(h) for h in headers}
    if any(k.startswith("can2_") for k in keys):
        return FORMATS["actionnetwork"]
    if keys & {"given_name", "family_name", "email_address", "sms_opt_in_status", "timeslot_start"}:
        return FORMATS["mobilize"]
    return FORMATS["plain"]


@dataclass
class ImportPlan:
    """How a file's columns are read: the format, our field -> its column, and the columns left unused."""

    format: Format
    used: dict[str, str]
    unused: list[str]


def plan_columns(headers: list[str], format_name: str = "auto", extra: tuple[str, ...] = ()) -> ImportPlan:
    """Which column feeds which field (`extra`: columns another importer reads, not reported unused)."""
    fmt = detect_format(headers) if format_name == "auto" else FORMATS[format_name]
    by_key = {header_key(h): h for h in headers}
    used: dict[str, str] = {}
    for name, aliases in fmt.columns.items():
        for alias in aliases:
            if alias in by_key and by_key[alias] not in used.values():
                used[name] = by_key[alias]
                break
    if "phone" not in used and "email" not in used:
        raise Invalid.field("file", f"needs a phone or an email column (read as {fmt.title} columns)")
    taken = set(used.values()) | {by_key[k] for k in extra if k in by_key}
    return ImportPlan(fmt, used, [h for h in headers if h not in taken])


@dataclass
class ImportReport:
    imported: int = 0
    created: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    unused: list[str] = field(default_factory=list)
    format: str = ""


async def organization(slug: str) -> Organization:
    org = await Organization.get_or_none(slug=slug)
    if org is None:
        raise NotFound(f"no organization {slug!r}")
    return org


def read_csv(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header and the rows (line number, column -> stripped value) of a UTF-8 CSV."""
    handle = path.open(newline="", encoding="utf-8-sig")
    reader = csv.DictReader(handle)
    headers = [h for h in (reader.fieldnames or []) if h]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        with handle:
            for row in reader:
                yield reader.line_num, {(k or ""): (v or "").strip() for k, v in row.items() if isinstance(v, str)}

    return headers, rows()


@dataclass(frozen=True)
class PersonRow:
    contact: Contact
    consent_words: str | None  # SMS consent to record, with these words
    opted_out: bool
    tags: tuple[str, ...]
    member_id: str = ""  # a union's member list: the card or badge number


def parse_person(row: dict[str, str], plan: ImportPlan, region: str, tool_words: str | None) -> PersonRow:
    """One row as a person; ValueError naming the column when it cannot be imported whole."""
    get = {name: row.get(column, "") for name, column in plan.used.items()}
    phone = email = None
    if get.get("phone"):
        try:
            phone = normalize_phone(get["phone"], region)
        except ValueError as exc:
            raise ValueError(f"{plan.used['phone']}: {exc}") from exc
    if get.get("email"):
        try:
            email = normalize_email(get["email"])
        except ValueError as exc:
            raise ValueError(f"{plan.used['email']}: {exc}") from exc
    if not phone and not email:
        raise ValueError("needs a phone or an email")
    name = get.get("name") or " ".join(p for p in (get.get("first_name"), get.get("last_name")) if p)
    words, out = None, False
    if get.get("sms_opt_in", "").lower() in TRUE:  # our plain format: the exact words are in the row
        words = get.get("sms_consent_words", "")
        if not words:
            raise ValueError("sms_opt_in needs sms_consent_words: the exact words the person agreed to")
    status = header_key(get.get("sms_status", ""))
    if status in SMS_IN and tool_words:
        words = tool_words
    out = status in SMS_OUT
    if (words or out) and not phone:
        raise ValueError(f"{plan.used.get('sms_status') or 'sms_opt_in'} needs a phone")
    tags = tuple(dict.fromkeys(t.strip()[:64] for t in re.split(r"[,;]", get.get("tags", "")) if t.strip()))
    contact = Contact(name=name[:200], phone=phone, email=email, postal_code=get.get("postal_code", "")[:16])
    return PersonRow(contact, words, out, tags, get.get("member_id", "").strip()[:64])


class MemberIdTaken(ValueError):
    """The member id of a row is another person's in this organization."""


async def import_person(org: Organization, person: PersonRow, source: str) -> bool:
    """Write one person whole (record, member id, tags, consent) in one transaction; True if the record is
    new. A second run finds everything there and writes nothing. MemberIdTaken (nothing written) when the
    row's member id is another person's."""
    async with in_transaction():
        volunteer, created = await find_or_create_volunteer(org.id, person.contact, trusted=True, source="import")
        if person.member_id and volunteer.member_id != person.member_id:
            holder = await Volunteer.get_or_none(organization_id=org.id, member_id=person.member_id)
            if holder is not None and holder.id != volunteer.id:
                raise MemberIdTaken(f"member_id: {person.member_id} is another person's in this organization")
            volunteer.member_id = person.member_id
            await volunteer.save(update_fields=["member_id", "updated_at"])
        for tag in person.tags:
            await VolunteerTag.get_or_create(volunteer=volunteer, name=tag)
        if person.consent_words and not await ConsentRecord.exists(
            volunteer=volunteer, source=source, words=person.consent_words, action=ConsentAction.GRANTED
        ):
            await grant_sms_consent(volunteer, ConsentContext(source=source, words=person.consent_words))
        if person.opted_out and volunteer.sms_status != SmsStatus.OPTED_OUT:
            words = "opted out of texts (as the imported file says)"
            await record_consent(volunteer, ConsentChannel.SMS, ConsentAction.REVOKED, ConsentContext(source, words))
            await Volunteer.filter(id=volunteer.id).update(sms_status=SmsStatus.OPTED_OUT)
    return created


async def import_volunteers(
    org: Organization,
    rows: Iterator[tuple[int, dict[str, str]]],
    plan: ImportPlan,
    region: str,
    source_name: str,
    tool_words: str | None = None,
) -> AsyncIterator[tuple[int, str | None]]:
    """Import rows one by one (re-running the same file changes nothing); yields (line, error or None)."""
    source = f"import:{source_name}"[:32]
    for line, row in rows:
        try:
            person = parse_person(row, plan, region, tool_words)
        except ValueError as exc:
            yield line, str(exc)
            continue
        try:
            await import_person(org, person, source)
        except MemberIdTaken as exc:
            yield line, str(exc)
            continue
        yield line, None


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")  # an E.164 phone, a count: no formula in it


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: one starting like a formula gets a leading apostrophe (OWASP's CSV
    injection advice), unless it is a plain number such as a phone; the JSON Lines beside it keep the value."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value
