"""Organizers joining and getting back in: invitations by email link with a role (hosts: of chosen groups),
and password resets by email link. Both emails go through the outbox like every other message.

An invitation's token is stored as its SHA-256 only and works once, for INVITATION_DAYS. A reset link is
signed with SECRET_KEY, lasts RESET_MAX_AGE, and names a fingerprint of the current password hash, so it
stops working as soon as the password changes (it is single-use without a table)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from tortoise.transactions import in_transaction

from mobilize.models import (
    ActionGroup,
    Channel,
    Membership,
    Message,
    MessageKind,
    Organization,
    Organizer,
    OrganizerInvitation,
    Role,
)
from mobilize.services.access import Actor
from mobilize.services.accounts import sessions
from mobilize.services.accounts.organizers import check_password, hash_password, hash_token
from mobilize.services.errors import Conflict, Forbidden, Invalid, NotFound
from mobilize.services.people import normalize_email

INVITATION_DAYS = 7
RESET_MAX_AGE = 3600  # seconds
RESET_SALT = "password-reset"
INVITERS = frozenset({Role.OWNER, Role.ADMIN})


def _email(raw: str) -> str:
    try:
        return normalize_email(raw)
    except ValueError as exc:
        raise Invalid.field("email", str(exc)) from exc


async def _outbox(organization_id: int | None, kind: MessageKind, to: str, subject: str, body: str, key: str) -> int:
    now = datetime.now(UTC)
    message = await Message.create(
        organization_id=organization_id, channel=Channel.EMAIL, kind=kind, to_address=to, subject=subject,
        body=body, due_at=now, dedupe_key=key,
    )  # fmt: skip
    return message.id


# ---- invitations -------------------------------------------------------------------------------------


async def invite(
    actor: Actor, email: str, role: Role, group_slugs: list[str], can_export: bool, link: str
) -> tuple[OrganizerInvitation, int]:
    """Invite someone into the actor's organization; returns the invitation and the outbox message to send.
    `link` is the accept page's address with `{token}` in it. Owners and admins invite; only owners
    invite owners; hosts need at least one group."""
    if actor.role not in INVITERS:
        raise Forbidden("only owners and admins invite people", code="role_not_allowed")
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise Forbidden("only an owner can invite another owner", code="role_not_allowed")
    address = _email(email)
    groups = await ActionGroup.filter(organization_id=actor.organization_id, slug__in=group_slugs)
    if role == Role.HOST and not groups:
        raise Invalid.field("groups", "choose the groups this host runs")
    token = secrets.token_urlsafe(32)
    org = await Organization.get(id=actor.organization_id)
    async with in_transaction():
        invitation = await OrganizerInvitation.create(
            organization_id=actor.organization_id, email=address, role=role,
            group_ids=[g.id for g in groups] if role == Role.HOST else [], can_export=can_export,
            token_hash=hash_token(token), invited_by_id=actor.organizer_id,
            expires_at=datetime.now(UTC) + timedelta(days=INVITATION_DAYS),
        )  # fmt: skip
        body = (
            f"You are invited to organize with {org.name} on mobilize, as {role.value}.\n\n"
            f"Accept within {INVITATION_DAYS} days: {link.format(token=token)}\n\n"
            "If you did not expect this, ignore this email."
        )
        message_id = await _outbox(
            actor.organization_id, MessageKind.ORGANIZER_INVITATION, address,
            f"Join {org.name} on mobilize", body, f"invitation:{invitation.id}",
        )  # fmt: skip
    return invitation, message_id


async def open_invitation(token: str) -> OrganizerInvitation:
    invitation = await OrganizerInvitation.get_or_none(token_hash=hash_token(token)).prefetch_related("organization")
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= datetime.now(UTC):
        raise NotFound("this invitation is unknown, used already or expired; ask for a new one")
    return invitation


async def accept(token: str, name: str, password: str) -> Membership:
    """Create (or reuse, by email) the organizer, set their password, and give them the membership."""
    invitation = await open_invitation(token)
    check_password(password)
    name = name.strip()[:200]
    if not name:
        raise Invalid.field("name", "tell the other organizers your name")
    async with in_transaction():
        taken = await OrganizerInvitation.filter(id=invitation.id, accepted_at=None).update(
            accepted_at=datetime.now(UTC)
        )
        if not taken:
            raise Conflict("this invitation was used a moment ago", code="used")
        organizer, new_organizer = await Organizer.get_or_create(email=invitation.email, defaults={"name": name})
        organizer.name = name
        organizer.password_hash = hash_password(password)
        await organizer.save(update_fields=["name", "password_hash"])
        if not new_organizer:  # their password was just replaced: no session of the old one lives on
            await sessions.end_all(organizer.id)
        membership, created = await Membership.get_or_create(
            organizer=organizer,
            organization_id=invitation.organization_id,
            defaults={"role": invitation.role, "can_export": invitation.can_export},
        )
        if not created:
            membership.role, membership.can_export = invitation.role, invitation.can_export
            await membership.save(update_fields=["role", "can_export"])
        if invitation.group_ids:
            await membership.groups.add(*await ActionGroup.filter(id__in=invitation.group_ids))
    return membership


async def pending_invitations(actor: Actor) -> list[OrganizerInvitation]:
    return await OrganizerInvitation.filter(
        organization_id=actor.organization_id, accepted_at=None, expires_at__gt=datetime.now(UTC)
    ).order_by("-id")


async def invitation_emails(actor: Actor, invitations: list[OrganizerInvitation]) -> dict[int, Message]:
    """Invitation id -> its email in the outbox (its state shows whether it went; its link is gone once sent)."""
    keys = {f"invitation:{i.id}": i.id for i in invitations}
    rows = await Message.filter(organization_id=actor.organization_id, dedupe_key__in=list(keys))
    return {keys[m.dedupe_key]: m for m in rows}


# ---- password resets ----------------------------------------------------------------------------------


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=RESET_SALT)


def _fingerprint(organizer: Organizer) -> str:
    return hashlib.sha256((organizer.password_hash or "").encode()).hexdigest()[:16]


async def request_reset(secret: str, email: str, link: str) -> int | None:
    """Plan a reset email for a known organizer; returns the outbox message id, or None when the email is
    unknown (the caller says the same thing either way)."""
    try:
        address = normalize_email(email)
    except ValueError:
        return None
    organizer = await Organizer.get_or_none(email=address)
    if organizer is None:
        return None
    token = _serializer(secret).dumps({"o": organizer.id, "f": _fingerprint(organizer)})
    body = (
        "Someone (we hope you) asked to reset your mobilize password.\n\n"
        f"Choose a new one within an hour: {link.format(token=token)}\n\n"
        "If it was not you, ignore this email: your password stays as it is."
    )
    key = f"password_reset:{organizer.id}:{secrets.token_hex(8)}"
    return await _outbox(None, MessageKind.PASSWORD_RESET, address, "Reset your mobilize password", body, key)


async def organizer_for_reset(secret: str, token: str) -> Organizer:
    try:
        data = _serializer(secret).loads(token, max_age=RESET_MAX_AGE)
    except BadSignature as exc:
        raise NotFound("this link is not valid or has expired; ask for a new one") from exc
    organizer = await Organizer.get_or_none(id=data.get("o")) if isinstance(data, dict) else None
    if organizer is None or data.get("f") != _fingerprint(organizer):
        raise NotFound("this link was used already or has expired; ask for a new one")
    return organizer


async def reset_password(secret: str, token: str, password: str) -> Organizer:
    """Set the new password and end every session of the organizer, in one transaction: whoever made the
    reset necessary (a stolen session, a shared computer) is logged out with the old password."""
    organizer = await organizer_for_reset(secret, token)
    check_password(password)
    async with in_transaction():
        organizer.password_hash = hash_password(password)
        await organizer.save(update_fields=["password_hash"])
        await sessions.end_all(organizer.id)
    return organizer


async def set_password_email(secret: str, organizer: Organizer, organization: Organization, link: str) -> int:
    """Plan the email asking an account that has no password yet (made by loading an archive) to choose one:
    the reset link, as `request_reset` signs it. Once per account and organization (its outbox key)."""
    token = _serializer(secret).dumps({"o": organizer.id, "f": _fingerprint(organizer)})
    body = (
        f"{organization.name} now runs on this mobilize, and you have an organizer account here.\n\n"
        f"Choose your password within an hour: {link.format(token=token)}\n\n"
        'If the link has expired, ask for a new one from the login page ("forgot your password").'
    )
    key = f"set_password:{organizer.id}:{organization.id}"
    existing = await Message.get_or_none(dedupe_key=key)
    if existing is not None:
        return existing.id
    return await _outbox(None, MessageKind.PASSWORD_RESET, organizer.email, "Set your mobilize password", body, key)
