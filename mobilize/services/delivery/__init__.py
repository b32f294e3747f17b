"""Delivering the outbox exactly once: claims (`claims`), sending a batch (`sending`), retries and quiet hours
for retried texts (`retries`), the provider's status callbacks (`status`), the sweep of due rows (`sweep`), the
registry of delivering workers (`registry`) and the send rate per sender (`send_rate`).

A one-time link (a password reset, an organizer invitation) is readable in the outbox only until its message
is settled: the statement recording a final outcome also takes the link out of the body.
"""

from mobilize.services.delivery.claims import BATCH_SIZE, STALE_CLAIM, batch_job_id, batch_of, claim
from mobilize.services.delivery.registry import forget_worker, heartbeat, register_worker
from mobilize.services.delivery.retries import MAX_ATTEMPTS, backoff
from mobilize.services.delivery.sending import BatchResult, Courier, Pace, Sender, deliver, deliver_batch
from mobilize.services.delivery.status import record_delivery_status, record_provider_opt_out
from mobilize.services.delivery.sweep import due_batches, due_messages, take_back_stale_claims, workers_epoch

__all__ = [
    "BATCH_SIZE",
    "MAX_ATTEMPTS",
    "STALE_CLAIM",
    "BatchResult",
    "Courier",
    "Pace",
    "Sender",
    "backoff",
    "batch_job_id",
    "batch_of",
    "claim",
    "deliver",
    "deliver_batch",
    "due_batches",
    "due_messages",
    "forget_worker",
    "heartbeat",
    "record_delivery_status",
    "record_provider_opt_out",
    "register_worker",
    "take_back_stale_claims",
    "workers_epoch",
]
