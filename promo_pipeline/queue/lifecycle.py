"""Posts follow their lots: withdrawn, expired or outdated when the lot moves on.

Settings read: none.

:func:`closed_target` is the rule (a post whose lots can no longer be promoted must not go out);
:func:`apply_lot_states` applies it to every open post. The publisher asks the same rule before
it sends anything.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from promo_pipeline import clock
from promo_pipeline.lots import LOT_WITHDRAWN, Lot, get_lots
from promo_pipeline.queue import posts
from promo_pipeline.queue.states import DIGEST, EXPIRED, OPEN, OUTDATED, SYSTEM, WITHDRAWN
from promo_pipeline.store import write_tx

logger = logging.getLogger(__name__)


def closed_target(kind: str, lots: Sequence[Lot], now: datetime) -> tuple[str, str] | None:
    """``(new post status, reason)`` for a post over *lots* that must not go out any more, or
    None while it may.

    A lot or reminder post is withdrawn with its lot and expires once its lot cannot be joined
    (:meth:`Lot.closed_reason`). A digest is outdated when one of its lots was withdrawn (the
    next digest run makes a version without it) and expires when none can still be joined.
    """
    if not lots:
        return None
    withdrawn = [lot for lot in lots if lot.status == LOT_WITHDRAWN]
    if kind == DIGEST:
        if withdrawn:
            return OUTDATED, f"lot {withdrawn[0].id} ditarik dari lelang.go.id"
        if all(not lot.promotable(now) for lot in lots):
            return EXPIRED, "semua lot dalam rangkuman sudah lewat batas waktu"
        return None
    if withdrawn:
        return WITHDRAWN, f"lot {lots[0].id} ditarik dari lelang.go.id"
    reason = lots[0].closed_reason(now)
    return (EXPIRED, reason) if reason else None


def apply_lot_states(db: Database, *, now: datetime | None = None) -> dict[str, int]:
    """Move open posts (pending, approved, failed) whose lots moved on; returns counts per new
    status. *now* defaults to :func:`clock.now`."""
    moment = now or clock.now()
    counts = {EXPIRED: 0, WITHDRAWN: 0, OUTDATED: 0}
    with write_tx(db):
        for post_id, kind, status, lot_ids in posts.open_posts(db, OPEN):
            found = closed_target(kind, get_lots(db, lot_ids), moment)
            if found:
                target, reason = found
                posts.move(db, post_id, status, target, actor=SYSTEM, reason=reason)
                counts[target] += 1
    if any(counts.values()):
        logger.info("lot states applied: %s", counts)
    return counts
