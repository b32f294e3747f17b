"""Paper sign-in sheets typed into a CSV after the shift: each line adds a person to the shift with whether
they came (services.signups.attendance.add_with_attendance), or is rejected with its reason."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from mobilize.models import Membership, Organization, Role, SignupSource, SignupStatus
from mobilize.services.access import Actor
from mobilize.services.accounts.organizers import actor_for_membership
from mobilize.services.errors import DomainError, NotFound
from mobilize.services.signups.attendance import add_with_attendance
from mobilize.services.transfer.volunteers import ImportPlan, header_key, parse_person

STATUS_COLUMNS = ("status", "attended", "came", "attendance")
CAME = {"", "attended", "yes", "y", "x", "1", "true", "here", "present"}
DID_NOT = {"no_show", "no", "n", "0", "false", "absent"}


async def owner_actor(org: Organization) -> Actor:
    """Who a command-line entry acts as: the organization's first owner (named in the audit log)."""
    membership = await Membership.filter(organization_id=org.id, role=Role.OWNER).order_by("id").first()
    if membership is None:
        raise NotFound(f"{org.slug} has no owner to enter attendance as")
    return await actor_for_membership(membership)


def status_of(row: dict[str, str], headers: list[str]) -> SignupStatus:
    by_key = {header_key(h): h for h in headers}
    column = next((by_key[c] for c in STATUS_COLUMNS if c in by_key), None)
    value = header_key(row.get(column, "")) if column else ""
    if value in CAME:
        return SignupStatus.ATTENDED
    if value in DID_NOT:
        return SignupStatus.NO_SHOW
    raise ValueError(f"{column}: say attended or no_show, not {value!r}")


async def enter_sheet(
    actor: Actor,
    shift_id: int,
    headers: list[str],
    rows: Iterator[tuple[int, dict[str, str]]],
    plan: ImportPlan,
    region: str,
) -> AsyncIterator[tuple[int, str | None]]:
    """Enter each line (name, phone and/or email, and a status column: empty means they came); yields
    (line, reason it was rejected or None). A second run changes nothing."""
    for line, row in rows:
        try:
            person = parse_person(row, plan, region, None)
            status = status_of(row, headers)
        except ValueError as exc:
            yield line, str(exc)
            continue
        try:
            await add_with_attendance(actor, shift_id, person.contact, status, source=SignupSource.IMPORT)
        except DomainError as exc:
            if exc.code in ("too_early", "shift_cancelled", "not_found") or isinstance(exc, NotFound):
                raise
            yield line, exc.message
            continue
        yield line, None
