"""Links to other organizations when an archive loads (kinds.Peer): an archived public name (a slug, or
ORG_SLUG/CAMPAIGN_SLUG) is looked up on this instance. A name that finds nothing leaves the row without the
link (or, for a required link, the row out) and a line in the import's report; loading the archive again
once that organization is here makes the links that were missing, and changes nothing else."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tortoise.models import Model

from mobilize.models import Campaign, Organization, Partnership, PartnershipStatus
from mobilize.services.transfer.kinds import Kind, Peer


@dataclass
class PeerLinks:
    """The public names of one import, resolved once each. `archive_slug` is the slug the archive's own
    organization had (its own rows name it so); it is `organization_id` here, whatever its new slug."""

    organization_id: int
    archive_slug: str
    found: dict[tuple[str, str], int | None] = field(default_factory=dict)  # (of, name) -> id here
    joined: dict[int, bool] = field(default_factory=dict)  # campaign id -> the organization is a partner
    missing: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)  # (kind, column, name, effect)

    async def resolve(self, peer: Peer, names: set[str]) -> dict[str, int]:
        """Name -> id on this instance, for the names that name something here."""
        wanted = {n for n in names if (peer.of, n) not in self.found}
        if peer.of == "organization":
            await self._organizations(wanted)
        else:
            await self._campaigns(wanted)
        out = {n: i for n in names if (i := self.found[(peer.of, n)]) is not None}
        if peer.joined:
            out = {n: i for n, i in out.items() if await self._is_partner(i)}
        return out

    async def _organizations(self, names: set[str]) -> None:
        others = names - {self.archive_slug}
        rows = dict(await Organization.filter(slug__in=list(others)).values_list("slug", "id")) if others else {}
        for name in names:
            if name == self.archive_slug:
                self.found[("organization", name)] = self.organization_id
            else:  # another organization; the importing one under its new slug is not the one the archive meant
                found = rows.get(name)
                self.found[("organization", name)] = None if found == self.organization_id else found

    async def _campaigns(self, names: set[str]) -> None:
        for name in names:
            org_slug, _, slug = name.partition("/")
            campaign = (
                await Campaign.filter(organization__slug=org_slug, slug=slug)
                .exclude(organization_id=self.organization_id)
                .first()
            )
            self.found[("campaign", name)] = campaign.id if campaign else None

    async def _is_partner(self, campaign_id: int) -> bool:
        if campaign_id not in self.joined:
            self.joined[campaign_id] = await Partnership.exists(
                campaign_id=campaign_id, organization_id=self.organization_id, status=PartnershipStatus.ACCEPTED
            )
        return self.joined[campaign_id]

    def note(self, kind: Kind, peer: Peer, name: str, effect: str) -> None:
        self.missing[(kind.name, peer.name, name, effect)] += 1

    def report(self) -> list[str]:
        """One line per missing link: which rows, which name, what was done."""
        lines = []
        for (kind, column, name, effect), n in sorted(self.missing.items()):
            what = "not loaded" if effect == "skipped" else f"loaded without {column}"
            lines.append(
                f"{kind}: {n} {'row names' if n == 1 else 'rows name'} {column} {name!r}, which is not on this instance"
                f"{' (or not as a partner of this organization)' if column == 'partner_campaign' else ''}: {what};"
                " load this archive again once it is, to make the link"
            )
        return lines


async def link_values(
    kind: Kind, rows: list[dict[str, Any]], values: list[dict[str, Any]], links: PeerLinks
) -> list[bool]:
    """Set each Peer column of the rows about to be written (`values`, beside the archived `rows`) to the row
    it names here. Returns, per row, whether it is written (a required link that finds nothing: not)."""
    keep = [True] * len(rows)
    for peer in kind.peers():
        names = {row[peer.name] for row in rows if row[peer.name] is not None}
        found = await links.resolve(peer, names) if names else {}
        for i, (row, written) in enumerate(zip(rows, values, strict=True)):
            name = row[peer.name]
            if name is None:
                continue
            if name in found:
                written[peer.db_column] = found[name]
            elif peer.required:
                keep[i] = False
                links.note(kind, peer, name, "skipped")
            else:
                written[peer.db_column] = None
                links.note(kind, peer, name, "unlinked")
    return keep


async def relink(
    kind: Kind, rows: list[dict[str, Any]], ids: dict[str, int], links: PeerLinks, refs: dict[str, dict[str, int]]
) -> int:
    """Rows already here (`ids`: archived UUID -> id) that are missing a link the archive gives, because the
    other organization was not on this instance when they were loaded: the link is made now. Only the links
    that can cross organizations: Peers, and the optional Refs beside them to rows of other kinds that may be
    another organization's (`refs`: Ref name -> archived UUID -> id here). Returns how many rows changed."""
    peers = [p for p in kind.peers() if not p.required]
    if not rows or not (peers or refs):
        return 0
    columns = [p.db_column for p in peers] + [f"{name}_id" for name in refs]
    model: type[Model] = kind.model
    current = {r["id"]: r for r in await model.filter(id__in=list(ids.values())).values("id", *columns)}
    found = {p.name: await links.resolve(p, {r[p.name] for r in rows if r[p.name]}) for p in peers}
    changed = 0
    for row in rows:
        here = current.get(ids[row["uuid"]])
        if here is None:
            continue
        update: dict[str, int] = {}
        for peer in peers:
            name = row[peer.name]
            if name is not None and here[peer.db_column] is None and name in found[peer.name]:
                update[peer.db_column] = found[peer.name][name]
        for ref_name, known in refs.items():
            uuid = row[ref_name]
            if uuid is not None and here[f"{ref_name}_id"] is None and uuid in known:
                update[f"{ref_name}_id"] = known[uuid]
        if update:
            await model.filter(id=here["id"]).update(**update)
            changed += 1
    return changed
