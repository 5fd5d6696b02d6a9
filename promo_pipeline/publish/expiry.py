"""Nothing goes out after its auction: posts that must not be published any more are stopped.

Settings read: none.

A lot post expires once its auction ended or its deposit deadline passed and is withdrawn with
its lot; a digest is outdated when one of its lots was withdrawn and expires when none of its
lots can still be joined (the same rules as the review queue,
:func:`promo_pipeline.queue.apply_lot_states`). Checked when a publish starts and again right
before each claim.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlite_utils import Database

from promo_pipeline import store
from promo_pipeline.lots import get_lots
from promo_pipeline.publish import deliveries, settle
from promo_pipeline.publish.deliveries import QUEUED, SYSTEM
from promo_pipeline.queue import Post, closed_target

logger = logging.getLogger(__name__)


def closed_reason(db: Database, post: Post, now: datetime) -> tuple[str, str] | None:
    """``(new post status, reason)`` when the post must not go out any more, else None: the
    queue's own rule (:func:`promo_pipeline.queue.closed_target`)."""
    return closed_target(post.kind, get_lots(db, post.lot_ids), now)


def stop_post(db: Database, post_id: int, target: str, reason: str, now: datetime) -> None:
    """Cancel the post's queued deliveries and move it to *target* ("tidak diterbitkan: …").
    Run it in the caller's write transaction."""
    why = f"tidak diterbitkan: {reason}"
    deliveries.cancel_queued(db, post_id, why, now)
    settle.move_post(db, post_id, target, actor=SYSTEM, reason=why)


def expire_ended(db: Database, now: datetime) -> list[int]:
    """Stop posts that must not go out any more; returns the ids of posts moved.

    Approved posts whose auction has ended are expired (withdrawn, outdated: see
    :func:`closed_reason`), and queued deliveries of posts that left the approved state
    (expired, withdrawn, outdated by the collector) are cancelled.
    """
    moved = []
    for post in settle.approved_posts(db):
        found = closed_reason(db, post, now)
        if found:
            target, reason = found
            with store.write_tx(db):
                stop_post(db, post.id, target, reason, now)
            moved.append(post.id)
            logger.info("post %s not published: %s", post.id, reason)
    closed = settle.closed_posts(db)
    stale = {d.post_id for d in deliveries.with_status(db, QUEUED, post_ids=list(closed))}
    for post_id in sorted(stale):
        with store.write_tx(db):
            deliveries.cancel_queued(db, post_id, f"unggahan berstatus {closed[post_id]}", now)
    return moved
