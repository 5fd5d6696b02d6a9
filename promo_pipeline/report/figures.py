"""The report's figures, computed from a :class:`~promo_pipeline.report.data.Dataset` (pure).

Settings read: none.

Definitions (the README's *Monthly report* says the same in words for staff):

- **listed**: a lot active at any time in the month (first seen before its end, auction not over
  before its start, not withdrawn before its start);
- **promoted**: a listed lot that a published post (a lot post, a reminder or a digest naming
  it) carried on at least one channel before the month's end;
- **posts published**: posts whose first publication on any channel falls in the month;
  **by channel**: deliveries sent in the month per channel, with the platforms' newest numbers
  summed (``null`` when no post of that channel has numbers, e.g. Telegram and the export
  folder); engagement rate = interactions ÷ reach over the posts that have both;
- **missed**: listed lots not promoted, with why (:data:`MISSED_REASONS`);
- **timeliness**: days from a promoted lot's first publication to its auction's end, in
  :data:`BUCKETS`, and the lots first published after their deposit deadline;
- **outcomes**: listed lots whose auction ended in the month, promoted or not, re-listed (the
  sign they did not sell) or not — a comparison, not proof of cause;
- **reviewers**: approvals and rejections made in the month (the audit log; the tool's own
  moves left out), the median hours from queueing to the decision, the rejection reasons.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from promo_pipeline.queue.states import APPROVED, EXPIRED, REJECTED, SYSTEM
from promo_pipeline.report.data import Dataset, PostFacts, Sent

#: Why a listed lot was not promoted: code → Indonesian label (in the order they are checked).
MISSED_REASONS = {
    "not_published": "disetujui tetapi tidak terbit",
    "rejected": "ditolak peninjau",
    "expired": "kedaluwarsa sebelum ditinjau",
    "never_approved": "tidak pernah disetujui",
    "no_post": "tidak ada unggahan",
}
#: Days between first publication and the auction's end: label → [low, high) in days.
BUCKETS: dict[str, tuple[float, float]] = {
    "< 1 hari": (float("-inf"), 1),
    "1–3 hari": (1, 4),
    "4–7 hari": (4, 8),
    "8–14 hari": (8, 15),
    "≥ 15 hari": (15, float("inf")),
}
#: The numbers summed per channel, in the order the report shows them.
NUMBERS = ("reach", "views", "reactions", "comments", "shares", "saves", "clicks",
           "interactions")
TOP_N = 5
NO_CATEGORY = "Tanpa kategori"


@dataclass(frozen=True)
class Missed:
    lot_id: str
    title: str
    category: str
    reason: str

    @property
    def label(self) -> str:
        return MISSED_REASONS[self.reason]


@dataclass(frozen=True)
class TopPost:
    channel: str
    rank: int
    post_id: int
    lot_id: str | None
    title: str
    reach: int | None
    interactions: int | None
    image: str | None  # the post's first image (a path; the HTML embeds a thumbnail)


@dataclass(frozen=True)
class Figures:
    """Every figure of one month's report."""

    month: str
    month_label: str
    office_id: str | None
    timezone: str
    lots_listed: int
    lots_promoted: int
    posts_published: int
    by_category: dict[str, dict[str, int]]
    missed: tuple[Missed, ...]
    timeliness: dict[str, int]
    median_days_before_end: float | None
    after_deposit_deadline: tuple[str, ...]
    by_channel: dict[str, dict[str, Any]]
    top_posts: dict[str, tuple[TopPost, ...]]
    outcomes: dict[str, dict[str, int]]
    reviewers: dict[str, dict[str, Any]]
    rejection_reasons: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        """The ``promo report --json`` object (its keys are the public contract)."""
        return {
            "month": self.month,
            "office_id": self.office_id,
            "timezone": self.timezone,
            "lots_listed": self.lots_listed,
            "lots_promoted": self.lots_promoted,
            "posts_published": self.posts_published,
            "by_channel": {k: dict(v) for k, v in self.by_channel.items()},
            "reviewers": {k: dict(v) for k, v in self.reviewers.items()},
            "coverage": {
                "by_category": {k: dict(v) for k, v in self.by_category.items()},
                "missed": [{"lot_id": m.lot_id, "title": m.title, "category": m.category,
                            "reason": m.reason, "reason_label": m.label}
                           for m in self.missed],
            },
            "timeliness": {
                "days_before_end": dict(self.timeliness),
                "median_days_before_end": self.median_days_before_end,
                "after_deposit_deadline": list(self.after_deposit_deadline),
            },
            "top_posts": {ch: [{"rank": t.rank, "post_id": t.post_id, "lot_id": t.lot_id,
                                "title": t.title, "reach": t.reach,
                                "interactions": t.interactions} for t in tops]
                          for ch, tops in self.top_posts.items()},
            "outcomes": {k: dict(v) for k, v in self.outcomes.items()},
            "rejection_reasons": dict(self.rejection_reasons),
        }


# --- pieces ----------------------------------------------------------------------------------


def _decisions(p: PostFacts) -> list[tuple[str, str, datetime, str | None]]:
    """(actor, to_status, at, reason) of every human approval or rejection of a post."""
    return [(e.actor, str(e.to_status), datetime.fromisoformat(e.at), e.reason)
            for e in p.events
            if e.action == "transition" and e.to_status in (APPROVED, REJECTED)
            and e.actor != SYSTEM]


def _missed_reason(posts: list[PostFacts]) -> str:
    if not posts:
        return "no_post"
    decided = [d for p in posts for d in _decisions(p)]
    if any(to == APPROVED for _, to, _, _ in decided):
        return "not_published"
    if any(to == REJECTED for _, to, _, _ in decided) or any(
            p.post.status == REJECTED for p in posts):
        return "rejected"
    if any(p.post.status == EXPIRED for p in posts):
        return "expired"
    return "never_approved"


def _bucket(days: float) -> str:
    return next(label for label, (lo, hi) in BUCKETS.items() if lo <= days < hi)


def _channel_numbers(sends: list[Sent]) -> dict[str, Any]:
    out: dict[str, Any] = {"posts": len(sends)}
    with_numbers = [s.sample for s in sends if s.sample is not None]
    for name in NUMBERS:
        values = [v for smp in with_numbers if (v := smp.get(name)) is not None]
        out[name] = sum(values) if values else None
    both = [smp for smp in with_numbers
            if smp.get("reach") and smp.get("interactions") is not None]
    reach = sum(smp.get("reach") or 0 for smp in both)
    out["engagement_rate"] = (round(sum(smp.get("interactions") or 0 for smp in both) / reach, 4)
                              if reach else None)
    out["with_numbers"] = len(with_numbers)
    return out


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


# --- the whole --------------------------------------------------------------------------------


def compute(ds: Dataset) -> Figures:
    """Every figure of the report (module docstring for the definitions)."""
    posts_of: dict[str, list[PostFacts]] = defaultdict(list)
    for p in ds.posts:
        for lot_id in p.post.lot_ids:
            posts_of[lot_id].append(p)

    first_pub: dict[str, datetime] = {}
    for lot in ds.lots:
        # Published before the month's end: a past month's report does not change later.
        times = [t for p in posts_of[lot.id]
                 if (t := p.published_at) is not None and t < ds.end]
        if times:
            first_pub[lot.id] = min(times)

    by_category: dict[str, dict[str, int]] = {}
    missed: list[Missed] = []
    for lot in ds.lots:
        cat = lot.category or NO_CATEGORY
        row = by_category.setdefault(cat, {"listed": 0, "promoted": 0})
        row["listed"] += 1
        if lot.id in first_pub:
            row["promoted"] += 1
        else:
            missed.append(Missed(lot.id, lot.title, cat, _missed_reason(posts_of[lot.id])))

    timeliness = dict.fromkeys(BUCKETS, 0)
    days_before: list[float] = []
    late: list[str] = []
    for lot in ds.lots:
        first = first_pub.get(lot.id)
        if first is None:
            continue
        days = (lot.ends_at - first).total_seconds() / 86400
        days_before.append(days)
        timeliness[_bucket(days)] += 1
        if lot.deposit_deadline is not None and first > lot.deposit_deadline:
            late.append(lot.id)

    sends_of: dict[str, list[Sent]] = defaultdict(list)
    pub_of: dict[int, Sent] = {}
    posts_published = 0
    for p in ds.posts:
        first = p.published_at
        if first is not None and ds.start <= first < ds.end:
            posts_published += 1
        for s in p.sends:
            if s.sent and s.sent_at is not None and ds.start <= s.sent_at < ds.end:
                sends_of[s.delivery.channel].append(s)
                pub_of[s.delivery.id] = s
    by_channel = {ch: _channel_numbers(sends_of[ch]) for ch in sorted(sends_of)}

    post_by_id = {p.post.id: p for p in ds.posts}
    top_posts: dict[str, tuple[TopPost, ...]] = {}
    for ch in sorted(sends_of):
        ranked = sorted((s for s in sends_of[ch] if s.sample is not None
                         and s.sample.get("reach") is not None),
                        key=lambda s: (-(s.sample.get("reach") or 0) if s.sample else 0,
                                       -(s.sample.get("interactions") or 0) if s.sample else 0,
                                       s.delivery.post_id))[:TOP_N]
        tops = []
        for rank, s in enumerate(ranked, 1):
            facts = post_by_id[s.delivery.post_id]
            top_lot_id = facts.post.lot_ids[0] if facts.post.lot_ids else None
            top_lot = ds.lot(top_lot_id) if top_lot_id else None
            assert s.sample is not None
            tops.append(TopPost(ch, rank, facts.post.id, top_lot_id,
                                top_lot.title if top_lot else f"Unggahan #{facts.post.id}",
                                s.sample.get("reach"), s.sample.get("interactions"),
                                str(facts.image) if facts.image else None))
        if tops:
            top_posts[ch] = tuple(tops)

    outcomes = {"promoted": {"ended": 0, "relisted": 0, "not_relisted": 0},
                "not_promoted": {"ended": 0, "relisted": 0, "not_relisted": 0}}
    for lot in ds.lots:
        if not ds.start <= lot.ends_at < ds.end:
            continue
        group = outcomes["promoted" if lot.id in first_pub else "not_promoted"]
        group["ended"] += 1
        known = ds.outcomes.get(lot.id)
        group["relisted" if known is not None and known.relisted else "not_relisted"] += 1

    reviewers: dict[str, dict[str, Any]] = {}
    waits: dict[str, list[float]] = defaultdict(list)
    reasons: Counter[str] = Counter()
    for p in ds.posts:
        queued = datetime.fromisoformat(p.post.created_at) if p.post.created_at else None
        for actor, to, at, reason in _decisions(p):
            if not ds.start <= at < ds.end:
                continue
            work = reviewers.setdefault(actor, {"approved": 0, "rejected": 0})
            work["approved" if to == APPROVED else "rejected"] += 1
            if queued is not None:
                waits[actor].append((at - queued).total_seconds() / 3600)
            if to == REJECTED:
                reasons[(reason or "").strip() or "(tanpa alasan)"] += 1
    for actor, work in reviewers.items():
        work["median_hours_to_decision"] = _median(waits[actor])

    return Figures(
        month=ds.month.key, month_label=ds.month.label(), office_id=ds.office_id,
        timezone=ds.timezone, lots_listed=len(ds.lots), lots_promoted=len(first_pub),
        posts_published=posts_published, by_category=dict(sorted(by_category.items())),
        missed=tuple(sorted(missed, key=lambda m: (list(MISSED_REASONS).index(m.reason),
                                                   m.lot_id))),
        timeliness=timeliness, median_days_before_end=_median(days_before),
        after_deposit_deadline=tuple(sorted(late)), by_channel=by_channel,
        top_posts=top_posts, outcomes=outcomes, reviewers=dict(sorted(reviewers.items())),
        rejection_reasons=dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))))
