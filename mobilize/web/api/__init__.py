"""The organizer JSON API under /api/v1, and its public sign-up endpoints."""
