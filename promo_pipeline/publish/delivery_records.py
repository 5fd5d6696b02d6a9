"""The outbox's records: :class:`Delivery` and :class:`DeliveryEvent`, and the delivery statuses.

Settings read: none. Pure; :mod:`promo_pipeline.publish.deliveries`, the owner of the tables
that hold these records, re-exports them, and callers import them from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNCONFIRMED = "unconfirmed"
CANCELLED = "cancelled"
DELIVERY_STATUSES = (QUEUED, SENDING, SENT, FAILED, UNCONFIRMED, CANCELLED)
#: Statuses a human resolves: may have gone out, or refused.
NEEDS_A_HUMAN = (UNCONFIRMED, FAILED)
#: The actor of every move the tool makes by itself.
SYSTEM = "system"


@dataclass(frozen=True)
class Delivery:
    """One (post, channel) delivery."""

    id: int
    post_id: int
    channel: str
    idem_key: str
    status: str
    attempts: int = 0
    failures: int = 0
    next_attempt_at: str | None = None
    remote_id: str | None = None
    remote_url: str | None = None
    last_error: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    checkpoint: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None
    updated_at: str | None = None
    claimed_at: str | None = None
    sent_at: str | None = None
    resolved_by: str | None = None
    resolved_at: str | None = None

    @property
    def started(self) -> bool:
        """True once a send has made progress on the platform (a checkpoint exists)."""
        return bool(self.checkpoint)

    def to_json(self) -> dict[str, Any]:
        """The delivery as commands print it (no payload or checkpoint; ``error`` = the last
        error in plain words)."""
        out = {k: getattr(self, k) for k in _PUBLIC}
        out["error"] = self.last_error
        return out


_PUBLIC = ("id", "post_id", "channel", "status", "attempts", "failures", "next_attempt_at",
           "remote_id",
           "remote_url", "last_error", "created_at", "updated_at", "claimed_at", "sent_at",
           "resolved_by", "resolved_at")


@dataclass(frozen=True)
class DeliveryEvent:
    """One move of a delivery: who, when, from which status to which, why."""

    id: int
    delivery_id: int
    at: str
    actor: str
    from_status: str | None
    to_status: str
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "delivery_id": self.delivery_id, "at": self.at,
                "actor": self.actor, "from_status": self.from_status,
                "to_status": self.to_status, "note": self.note}
