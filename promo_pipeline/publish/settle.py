"""The post side of publishing: which posts are approved, and each post's status kept in line
with its deliveries.

Settings read: none. Posts are read (:class:`~promo_pipeline.queue.Post` records) and moved
through the queue stage, whose workflow decides which moves are allowed; this module is the
publish stage's one door to them.
"""

from __future__ import annotations

import logging

from sqlite_utils import Database

from promo_pipeline import queue, store
from promo_pipeline.errors import TransitionError
from promo_pipeline.publish import deliveries
from promo_pipeline.publish.deliveries import (
    CANCELLED,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    SYSTEM,
    UNCONFIRMED,
)
from promo_pipeline.queue import APPROVED, Post
from promo_pipeline.queue import posts as queue_posts

logger = logging.getLogger(__name__)

#: Post statuses whose queued deliveries must not go out any more.
CLOSED = (queue.EXPIRED, queue.OUTDATED, queue.WITHDRAWN, queue.REJECTED, queue.PUBLISHED)
#: Post statuses that follow their deliveries (see :func:`settle_post`).
_SETTLING = (queue.APPROVED, queue.FAILED, queue.UNCONFIRMED)


def approved_posts(db: Database) -> list[Post]:
    """The approved posts, oldest first."""
    return sorted(queue.list_posts(db, status=APPROVED), key=lambda post: post.id)


def approved_ids(db: Database) -> set[int]:
    """The ids of the approved posts."""
    return set(queue_posts.post_ids(db, status=APPROVED))


def approved_office_ids(db: Database) -> list[str]:
    """The offices that have approved posts."""
    return [o for o in queue_posts.office_ids(db, status=APPROVED) if o]


def closed_posts(db: Database) -> dict[int, str]:
    """Post id → status of the posts whose queued deliveries must not go out (:data:`CLOSED`)."""
    return {pid: status for status in CLOSED for pid in queue_posts.post_ids(db, status=status)}


def get_post(db: Database, post_id: int) -> Post:
    """One post (:class:`NotFoundError` when there is none)."""
    return queue.get_post(db, post_id)


def move_post(db: Database, post_id: int, to: str, *, actor: str, reason: str | None) -> bool:
    """Move a post through the review workflow; False (logged) when the workflow refuses."""
    try:
        queue.transition(db, post_id, to, actor=actor, reason=reason)
    except TransitionError as exc:
        logger.warning("post %s: cannot move to %s: %s", post_id, to, exc)
        return False
    return True


def reopen(db: Database, post_id: int, *, actor: str, reason: str) -> bool:
    """A post whose delivery goes out again returns to ``approved`` (from unconfirmed or
    failed); True when it is approved now. Run it in the caller's write transaction."""
    post = get_post(db, post_id)
    if post.status == APPROVED:
        return True
    if post.status not in (queue.UNCONFIRMED, queue.FAILED):
        return False
    return move_post(db, post_id, APPROVED, actor=actor, reason=reason)


def post_outcome(statuses: list[str]) -> str | None:
    """The post status its deliveries imply, or None while some are still on their way."""
    live = [s for s in statuses if s != CANCELLED]
    if not live or any(s in (QUEUED, SENDING) for s in live):
        return None
    if all(s == SENT for s in live):
        return queue.PUBLISHED
    if FAILED in live:
        return queue.FAILED
    return queue.UNCONFIRMED


def settle_post(db: Database, post_id: int, *, actor: str = SYSTEM) -> str | None:
    """Bring the post's status in line with its deliveries; returns the new status if moved."""
    found = deliveries.of_post(db, post_id)
    target = post_outcome([d.status for d in found])
    post = get_post(db, post_id)
    if target is None or post.status == target or post.status not in _SETTLING:
        return None
    problems = [f"{d.channel}: {d.last_error}" for d in found
                if d.status in (FAILED, UNCONFIRMED) and d.last_error]
    reason = "; ".join(problems) if target != queue.PUBLISHED else None
    with store.write_tx(db):
        if move_post(db, post_id, target, actor=actor, reason=reason):
            return target
    return None
