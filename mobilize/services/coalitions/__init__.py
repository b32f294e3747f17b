"""Coalitions: one campaign, many organizations. A convener invites partners into its campaign, they accept
or decline and either side ends it (`partners`); an accepted partner's events join the campaign and stay its
own. A sign-up names its recruiter and whom the person shares their details with (`recruiting`). Below
`events` (which asks here whether an event may join a campaign), above `people` and `accounts`."""

from mobilize.services.coalitions.partners import (
    accepted_partner,
    answer,
    campaign_for_event,
    campaign_partners,
    invite_partner,
    partnerships,
    remove_partner,
)
from mobilize.services.coalitions.recruiting import campaign_organizations, chosen, recruiter, sharing_choices

__all__ = [
    "accepted_partner",
    "answer",
    "campaign_for_event",
    "campaign_organizations",
    "chosen",
    "recruiter",
    "sharing_choices",
    "campaign_partners",
    "invite_partner",
    "partnerships",
    "remove_partner",
]
