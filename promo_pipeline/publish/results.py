"""What one publish run did: an outcome per delivery and the run's summary.

Settings read: none.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from promo_pipeline.publish.deliveries import FAILED, SENT, UNCONFIRMED


@dataclass
class DeliveryOutcome:
    """The state a delivery reached in this run (``queued``: retried later, at ``retry_at``)."""

    delivery_id: int
    post_id: int
    channel: str
    status: str
    remote_id: str | None = None
    remote_url: str | None = None
    error: str | None = None
    retry_at: str | None = None


@dataclass
class PublishSummary:
    """What one publish did; :meth:`line` is the one-line report the CLI prints."""

    now: bool = False
    due_offices: list[str] = field(default_factory=list)
    next_slot: str | None = None
    enqueued: int = 0
    recovered: list[DeliveryOutcome] = field(default_factory=list)
    outcomes: list[DeliveryOutcome] = field(default_factory=list)
    expired_posts: list[int] = field(default_factory=list)
    published_posts: list[int] = field(default_factory=list)
    waiting: int = 0
    duration_s: float = 0.0
    run_id: int | None = None

    def count(self, status: str) -> int:
        final: dict[int, str] = {}
        for o in self.outcomes:
            final[o.delivery_id] = o.status
        return sum(1 for s in final.values() if s == status)

    @property
    def sent(self) -> int:
        return self.count(SENT)

    @property
    def failed(self) -> int:
        return self.count(FAILED)

    @property
    def unconfirmed(self) -> int:
        return self.count(UNCONFIRMED) + sum(1 for r in self.recovered
                                             if r.status == UNCONFIRMED)

    @property
    def problems(self) -> list[DeliveryOutcome]:
        final: dict[int, DeliveryOutcome] = {}
        for o in [*self.recovered, *self.outcomes]:
            final[o.delivery_id] = o
        return [o for o in final.values() if o.status in (FAILED, UNCONFIRMED)]

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        parts = [f"terkirim {self.sent}", f"gagal {self.failed}",
                 f"belum pasti {self.unconfirmed}", f"menunggu {self.waiting}"]
        if self.expired_posts:
            parts.append(f"kedaluwarsa {len(self.expired_posts)}")
        text = f"Publikasi: {', '.join(parts)} ({self.duration_s:.1f} dtk)."
        if not self.due_offices and not self.outcomes and self.next_slot:
            text += (f" Belum waktunya: slot berikutnya {self.next_slot}; "
                     "pakai --now untuk mengirim sekarang.")
        return text

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(sent=self.sent, failed=self.failed, unconfirmed=self.unconfirmed)
        return data
