"""API requests made with an Idempotency-Key, so that a client's retry creates nothing twice."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class IdempotentRequest(Model):
    # One per (organization, key): the request's fingerprint (method, path, body) and, once it has
    # succeeded, its answer, which a retry with the same key gets again. Status 0 while it runs.
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organization", related_name="idempotent_requests", on_delete=fields.CASCADE
    )
    organization_id: int
    key = fields.CharField(max_length=100)
    fingerprint = fields.CharField(max_length=64)
    status = fields.IntField(default=0)
    body = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotent_request"
        unique_together = (("organization", "key"),)
