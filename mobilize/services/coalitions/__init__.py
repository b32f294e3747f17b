"""Coalitions: one campaign, many organizations. A convener invites partners into its campaign, they accept
or decline and either side ends it (`partners`); an accepted partner's events join the campaign and stay its
own. Below `events` (which asks here whether an event may join a campaign), above `accounts`."""

from mobilize.services.coalitions.partners import (
    accepted_partner,
    answer,
    campaign_for_event,
    campaign_partners,
    invite_partner,
    partnerships,
    remove_partner,
)

__all__ = [
    "accepted_partner",
    "answer",
    "campaign_for_event",
    "campaign_partners",
    "invite_partner",
    "partnerships",
    "remove_partner",
]
