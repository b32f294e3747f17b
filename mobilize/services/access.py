"""Who may do what: the acting membership (organization, role, hosted groups) and its checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from mobilize.models import Role
from mobilize.models.accounts import DEFAULT_ZONE
from mobilize.services.errors import Forbidden, NotFound

WRITER_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.ORGANIZER, Role.HOST})
MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.ORGANIZER})


@dataclass(frozen=True)
class Actor:
    """An authenticated organizer acting inside one organization."""

    organizer_id: int
    organization_id: int
    organization_slug: str
    role: Role
    group_ids: frozenset[int] = field(default_factory=frozenset)  # hosts only
    can_export: bool = False
    timezone: str = DEFAULT_ZONE  # the organization's zone: times not about one event are shown in it

    @property
    def is_host(self) -> bool:
        return self.role == Role.HOST

    def sees_group(self, group_id: int) -> bool:
        return not self.is_host or group_id in self.group_ids

    def require_manager(self) -> None:
        """Organization-wide writes: groups, campaigns."""
        if self.role not in MANAGER_ROLES:
            raise Forbidden(f"the {self.role.value} role cannot do this", code="role_not_allowed")

    def require_writer(self, group_id: int | None = None) -> None:
        """Writes on events, shifts and sign-ups, within the groups a host runs."""
        if self.role not in WRITER_ROLES:
            raise Forbidden(f"the {self.role.value} role cannot change anything", code="role_not_allowed")
        if group_id is not None and not self.sees_group(group_id):
            raise NotFound("not found")

    def group_filter(self) -> dict[str, object]:
        """Tortoise filter kwargs limiting events to what this actor sees."""
        if self.is_host:
            return {"organization_id": self.organization_id, "group_id__in": list(self.group_ids)}
        return {"organization_id": self.organization_id}
