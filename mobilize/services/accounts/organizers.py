"""Organizer accounts: creation, passwords (argon2), browser sessions, API tokens (shown once, stored as
SHA-256)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from tortoise.transactions import in_transaction

from mobilize.models import ActionGroup, ApiToken, Membership, Organization, Organizer, Role
from mobilize.services.access import Actor
from mobilize.services.accounts import sessions
from mobilize.services.errors import Invalid, NotFound

TOKEN_PREFIX = "mob_"
_hasher = PasswordHasher()
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
MIN_PASSWORD = 10


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except VerificationError:
        return False


def check_password(password: str) -> None:
    """A new password is long enough (and not absurdly long: argon2 hashes all of it)."""
    if len(password) < MIN_PASSWORD:
        raise Invalid.field("password", f"use at least {MIN_PASSWORD} characters")
    if len(password) > 1000:
        raise Invalid.field("password", "use at most 1000 characters")


async def ensure_organization(slug: str, name: str | None = None) -> Organization:
    if not SLUG_RE.match(slug):
        raise Invalid.field("org", "use lower-case letters, digits and dashes")
    org, _ = await Organization.get_or_create(slug=slug, defaults={"name": name or slug})
    return org


async def create_organizer(
    *,
    email: str,
    name: str,
    org_slug: str,
    role: Role = Role.OWNER,
    password: str | None = None,
    group_slugs: list[str] | None = None,
) -> tuple[Membership, str]:
    """Create (or reuse) the organization, the organizer and the membership; returns a new API token."""
    from mobilize.services.people import normalize_email

    try:
        email = normalize_email(email)
    except ValueError as exc:
        raise Invalid.field("email", str(exc)) from exc
    async with in_transaction():
        org = await ensure_organization(org_slug)
        organizer, created = await Organizer.get_or_create(email=email, defaults={"name": name})
        if password:
            organizer.password_hash = hash_password(password)
            await organizer.save(update_fields=["password_hash"])
        membership, _ = await Membership.get_or_create(
            organizer=organizer,
            organization=org,
            defaults={"role": role, "can_export": role in (Role.OWNER, Role.ADMIN)},
        )
        if membership.role != role:
            membership.role = role
            await membership.save(update_fields=["role"])
        if group_slugs:
            groups = await ActionGroup.filter(organization=org, slug__in=group_slugs)
            missing = set(group_slugs) - {g.slug for g in groups}
            if missing:
                raise Invalid.field("groups", f"unknown group(s): {', '.join(sorted(missing))}")
            await membership.groups.add(*groups)
        token = await issue_token(membership, name="cli")
    return membership, token


async def issue_token(membership: Membership, name: str = "") -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await ApiToken.create(membership=membership, name=name, token_hash=hash_token(token), prefix=token[:10])
    return token


async def actor_for_membership(membership: Membership) -> Actor:
    await membership.fetch_related("organization")
    group_ids: frozenset[int] = frozenset()
    if membership.role == Role.HOST:
        group_ids = frozenset(g.id for g in await membership.groups.all().only("id"))
    return Actor(
        organizer_id=membership.organizer_id,
        organization_id=membership.organization_id,
        organization_slug=membership.organization.slug,
        role=Role(membership.role),
        group_ids=group_ids,
        can_export=membership.can_export,
        timezone=membership.organization.timezone,
    )


async def authenticate_token(token: str) -> Actor | None:
    """The actor behind a bearer token, or None for an unknown or revoked one."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = await ApiToken.get_or_none(token_hash=hash_token(token), revoked_at=None).prefetch_related("membership")
    if row is None:
        return None
    now = datetime.now(UTC)
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
        await ApiToken.filter(id=row.id).update(last_used_at=now)  # coarse, to keep the hot path read-only
    return await actor_for_membership(row.membership)


_DUMMY_HASH = _hasher.hash("no such account")  # verified against for unknown emails, so timing says nothing


async def authenticate_password(email: str, password: str) -> Membership | None:
    """The membership an organizer logs in as (their first organization), or None for a wrong email or
    password. Always runs one argon2 verification, whether the email is known or not."""
    from mobilize.services.people import normalize_email

    try:
        email = normalize_email(email)
    except ValueError:
        email = ""
    organizer = await Organizer.get_or_none(email=email) if email else None
    if organizer is None or not organizer.password_hash:
        verify_password(_DUMMY_HASH, password + "x")
        return None
    if not verify_password(organizer.password_hash, password):
        return None
    if _hasher.check_needs_rehash(organizer.password_hash):
        organizer.password_hash = hash_password(password)
        await organizer.save(update_fields=["password_hash"])
    return await Membership.filter(organizer=organizer).order_by("id").first()


async def actor_for_session(session_token: object, membership_id: object) -> Actor | None:
    """The actor a browser session stands for, or None when the session was ended (logged out, password
    changed or reset) or the membership is gone."""
    if not isinstance(membership_id, int):
        return None
    organizer_id = await sessions.organizer_for(session_token)
    if organizer_id is None:
        return None
    membership = await Membership.get_or_none(id=membership_id, organizer_id=organizer_id)
    return await actor_for_membership(membership) if membership else None


async def change_password(organizer_id: int, current: str, new: str, keep_session: object) -> int:
    """Replace the organizer's password, given the current one; every other session ends in the same
    transaction (the one `keep_session` names stays). Returns how many sessions ended."""
    organizer = await Organizer.get(id=organizer_id)
    if not verify_password(organizer.password_hash, current):
        raise Invalid.field("current_password", "this is not your current password")
    check_password(new)
    async with in_transaction():
        await Organizer.filter(id=organizer_id).update(password_hash=hash_password(new))
        return await sessions.end_all(organizer_id, keep=keep_session)


async def organizer_of(actor: Actor) -> Organizer:
    """The acting organizer's own account row."""
    return await Organizer.get(id=actor.organizer_id)


async def _membership(actor: Actor) -> Membership:
    return await Membership.get(organizer_id=actor.organizer_id, organization_id=actor.organization_id)


async def list_tokens(actor: Actor) -> list[ApiToken]:
    """The acting organizer's own API tokens in this organization, newest first (revoked ones too)."""
    membership = await _membership(actor)
    return await ApiToken.filter(membership=membership).order_by("-id")


async def create_token(actor: Actor, name: str) -> str:
    """A new API token acting as this membership; the token itself is returned once and never stored."""
    name = name.strip()[:100]
    if not name:
        raise Invalid.field("name", "give the token a name, like the script or service that will use it")
    return await issue_token(await _membership(actor), name=name)


async def revoke_token(actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the organizer's own tokens at once (idempotent); someone else's is NotFound."""
    membership = await _membership(actor)
    token = await ApiToken.get_or_none(id=token_id, membership=membership)
    if token is None:
        raise NotFound(f"token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        await token.save(update_fields=["revoked_at"])
    return token
