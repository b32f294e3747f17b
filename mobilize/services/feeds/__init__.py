"""Calendar feeds: what each feed shows (scopes), a cheap version of it, and the cache of built feeds."""

from mobilize.services.feeds.scopes import (
    CACHE,
    AmbiguousSlug,
    EventUrl,
    FeedKind,
    FeedScope,
    FeedVersion,
    campaign_scope,
    event_scope,
    feed_body,
    feed_version,
    group_scope,
    organization_scope,
    volunteer_scope,
)

__all__ = [
    "AmbiguousSlug",
    "CACHE",
    "EventUrl",
    "FeedKind",
    "FeedScope",
    "FeedVersion",
    "campaign_scope",
    "event_scope",
    "feed_body",
    "feed_version",
    "group_scope",
    "organization_scope",
    "volunteer_scope",
]
