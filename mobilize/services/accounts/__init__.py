"""Accounts: organizers, their passwords, sessions and API tokens, invitations into an organization and
password resets, and the organization's own SMS sender."""

from mobilize.services.accounts.organizers import (
    actor_for_membership,
    actor_for_session,
    authenticate_password,
    authenticate_token,
    change_password,
    check_password,
    create_organizer,
    create_token,
    ensure_organization,
    hash_password,
    hash_token,
    issue_token,
    list_tokens,
    organizer_of,
    revoke_token,
    verify_password,
)
from mobilize.services.accounts.senders import set_sms_sender

__all__ = [
    "set_sms_sender",
    "actor_for_membership",
    "actor_for_session",
    "authenticate_password",
    "authenticate_token",
    "change_password",
    "check_password",
    "create_organizer",
    "create_token",
    "ensure_organization",
    "hash_password",
    "hash_token",
    "issue_token",
    "list_tokens",
    "organizer_of",
    "revoke_token",
    "verify_password",
]
