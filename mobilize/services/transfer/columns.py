"""The vocabulary the archive's kinds are declared in (services.transfer.kinds): a column copied as it is, a
reference to another row of the archive (by UUID), a reference to another organization's row (by its public
name), and the kind itself. Each carries the format version that added it, so an older archive still loads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model

FORMAT_VERSION = 2
# The versions this mobilize loads. Version 2 added partnerships, hosting, strikes and duty (their kinds),
# events' strike and partner campaign, and sign-ups' recruiter; a version-1 archive has none of them.
READS = (1, 2)


@dataclass(frozen=True)
class Col:
    """A column copied as it is."""

    name: str
    meaning: str
    since: int = 1


@dataclass(frozen=True)
class Ref:
    """A reference (`<name>_id` in the table), written as the UUID of the row of `kind` it points to."""

    name: str
    kind: str
    meaning: str
    optional: bool = False
    since: int = 1

    @property
    def column(self) -> str:
        return f"{self.name}_id"


@dataclass(frozen=True)
class Peer:
    """A reference to a row another organization may own (a coalition's other side), written as its public
    name so that none of that organization's data comes along: an organization as its slug (the archive's
    own organization as its own slug), another organization's campaign as `ORG_SLUG/CAMPAIGN_SLUG` (the
    organization's own campaigns are in the Ref named `beside`, by UUID, and the Peer is then null).

    The import looks the name up on the instance. Found: the link is made. Not found (that organization is
    not on this instance, or has no such campaign): a `required` row is not loaded, any other row is loaded
    without the link; either way the import's report says so, and loading the archive again once that
    organization is here makes the link. `joined`: the campaign must also count the importing organization as
    an accepted partner (only such a partner's events join a campaign)."""

    name: str
    of: str  # "organization" or "campaign"
    meaning: str
    column: str = ""  # the table's column (`<name>_id` by default)
    beside: str | None = None
    required: bool = False
    joined: bool = False
    since: int = 1

    @property
    def db_column(self) -> str:
        return self.column or f"{self.name}_id"


Field = Col | Ref | Peer


@dataclass(frozen=True)
class Kind:
    name: str  # the file's name: <name>.jsonl and <name>.csv
    model: type[Model]
    scope: Callable[[int], Q]  # the organization's rows of this kind
    fields: tuple[Field, ...]
    meaning: str
    org_column: str | None = "organization_id"  # set to the importing organization
    # Columns not in the archive, given on import: name -> a function of the imported row.
    fresh: dict[str, Callable[[dict[str, Any]], Any]] = field(default_factory=dict)
    match_on: str | None = None  # a column that finds the same row already on the instance (organizers: email)
    many: tuple[tuple[str, str], ...] = ()  # (name, kind): a many-to-many relation, as a list of UUIDs
    # Columns that name one row on the instance, whoever wrote it (a partnership: its campaign and partner):
    # a new row whose columns match a row already here is that row, and is not written again.
    natural: tuple[str, ...] = ()
    # Rows another organization's import may write (an organizer of two organizations, a partnership): their
    # order of creation on an instance is not the archive's, so the archive lists them by UUID.
    by_uuid: bool = False
    since: int = 1

    def columns(self, version: int = FORMAT_VERSION) -> list[str]:
        """The archive's columns in the order of the files (of an archive of `version`)."""
        names = [f.name for f in self.fields if f.since <= version]
        return ["uuid", *names, *(name for name, _ in self.many)]

    def peers(self) -> list[Peer]:
        return [f for f in self.fields if isinstance(f, Peer)]


def org_scope(path: str) -> Callable[[int], Q]:
    return lambda org_id: Q(**{path: org_id})  # type: ignore[arg-type]
