"""Insight samples: what a platform reported about one published post, fetched again and again.

Settings read: none.

This module owns the table ``insight_samples`` (migration set ``"insights"``): one row per fetch
of one delivery (a post on one channel), so the numbers form a time series. Only this module
speaks SQL to it; it returns :class:`Sample` records. Metric names are the tool's own, the same
for every platform (:data:`METRICS`); :mod:`promo_pipeline.insights.fetch` maps each platform's
names onto them. A metric the platform did not give is absent, never 0.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from promo_pipeline import clock
from promo_pipeline.store import write_tx

#: The tool's metric names: people reached, views, likes or reactions, comments, shares,
#: saves, link clicks, and the platform's own total of interactions.
METRICS = ("reach", "views", "reactions", "comments", "shares", "saves", "clicks",
           "interactions")
#: Sample statuses: numbers came (``ok``), the platform has none yet or for this post
#: (``unavailable``), or the call failed (``error``: the note says why).
OK, UNAVAILABLE, ERROR = "ok", "unavailable", "error"

migrations = Migrations("insights")


@migrations()
def m001_insight_samples(db: Database) -> None:
    db.table("insight_samples").create(
        {
            "id": int,
            "delivery_id": int,        # deliveries.id (one post on one channel)
            "post_id": int,
            "channel": str,
            "fetched_at": str,         # clock.iso
            "status": str,             # ok | unavailable | error
            "metrics": str,            # JSON: metric -> int (only what the platform gave)
            "note": str,               # why unavailable / the error, in Indonesian
        },
        pk="id",
        not_null={"delivery_id", "channel", "fetched_at", "status"},
        if_not_exists=True,
    )
    db.table("insight_samples").create_index(["delivery_id", "fetched_at"], if_not_exists=True)


@dataclass(frozen=True)
class Sample:
    """One fetch of one delivery's numbers."""

    id: int
    delivery_id: int
    post_id: int
    channel: str
    fetched_at: datetime
    status: str
    metrics: dict[str, int] = field(default_factory=dict)
    note: str | None = None

    def get(self, metric: str) -> int | None:
        return self.metrics.get(metric)


def _sample(row: Sequence[Any]) -> Sample:
    try:
        metrics = json.loads(row[6]) if row[6] else {}
    except ValueError:
        metrics = {}
    fetched = clock.parse(row[4])
    assert fetched is not None
    return Sample(id=row[0], delivery_id=row[1], post_id=row[2], channel=row[3],
                  fetched_at=fetched, status=row[5],
                  metrics={k: int(v) for k, v in dict(metrics).items() if k in METRICS},
                  note=row[7])


_COLUMNS = "id, delivery_id, post_id, channel, fetched_at, status, metrics, note"


def record(db: Database, *, delivery_id: int, post_id: int, channel: str, at: datetime,
           status: str, metrics: Mapping[str, int] | None = None,
           note: str | None = None) -> int:
    """Store one sample; returns its id."""
    clean = {k: int(v) for k, v in (metrics or {}).items() if k in METRICS}
    with write_tx(db):
        cur = db.execute(
            "insert into insight_samples (delivery_id, post_id, channel, fetched_at, status, "
            "metrics, note) values (?, ?, ?, ?, ?, ?, ?)",
            [delivery_id, post_id, channel, clock.iso(at), status,
             json.dumps(clean, sort_keys=True), note])
        return int(cur.lastrowid or 0)


def series(db: Database, delivery_id: int) -> list[Sample]:
    """Every sample of one delivery, oldest first."""
    return [_sample(r) for r in db.execute(
        f"select {_COLUMNS} from insight_samples where delivery_id = ? "  # noqa: S608
        "order by fetched_at, id", [delivery_id]).fetchall()]


def latest(db: Database, delivery_ids: Collection[int], *,
           until: datetime | None = None) -> dict[int, Sample]:
    """The newest sample with numbers (status ``ok``) per delivery, fetched at or before
    *until* (default: any time). Deliveries without one are left out."""
    wanted = sorted(set(delivery_ids))
    out: dict[int, Sample] = {}
    bound = clock.iso(until) if until is not None else "9999"
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ", ".join("?" * len(chunk))  # placeholders only
        for row in db.execute(
                f"select {_COLUMNS} from insight_samples where status = ? and fetched_at <= ? "  # noqa: S608
                f"and delivery_id in ({marks}) order by fetched_at, id",
                [OK, bound, *chunk]).fetchall():
            out[row[1]] = _sample(row)  # ordered: the newest wins
    return out


def last_fetched(db: Database, delivery_ids: Collection[int]) -> dict[int, datetime]:
    """When each delivery was last asked about (whatever the answer)."""
    wanted = sorted(set(delivery_ids))
    out: dict[int, datetime] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        sql = ("select delivery_id, max(fetched_at) from insight_samples "  # noqa: S608
               f"where delivery_id in ({marks}) group by delivery_id")
        for delivery_id, at in db.execute(sql, chunk).fetchall():
            when = clock.parse(at)
            if when is not None:
                out[int(delivery_id)] = when
    return out
