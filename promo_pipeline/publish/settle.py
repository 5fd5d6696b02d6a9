"""The post side of publishing: which posts are approved, and each post's status kept in line
with its deliveries.

Settings read: none. Posts are read and moved through the queue stage (the review workflow
decides which moves are allowed); this module is the publish stage's only door to them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

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

logger = logging.getLogger(__name__)

#: Post statuses whose queued deliveries must not go out any more.
CLOSED = ("expired", "outdated", "withdrawn", "rejected", "published")
#: Post statuses that follow their deliveries (see :func:`settle_post`).
_SETTLING = ("approved", "failed", "unconfirmed")


def approved_posts(db: Database) -> list[dict[str, Any]]:
    """The approved posts (rows), oldest first."""
    return list(db.table("posts").rows_where("status = 'approved'", order_by="id"))


def approved_ids(db: Database) -> set[int]:
    """The ids of the approved posts."""
    return {int(r[0]) for r in db.execute("select id from posts where status = 'approved'")}


def approved_office_ids(db: Database) -> list[str]:
    """The offices that have approved posts."""
    return [str(r[0]) for r in db.execute(
        "select distinct office_id from posts where status = 'approved'") if r[0]]


def post_ids_in(db: Database, statuses: Sequence[str]) -> list[tuple[int, str]]:
    """``(id, status)`` of the posts in *statuses*, by id."""
    marks = ", ".join("?" for _ in statuses)
    return [(int(r[0]), str(r[1])) for r in db.execute(
        f"select id, status from posts where status in ({marks}) order by id",  # noqa: S608
        list(statuses))]


def get_post(db: Database, post_id: int) -> dict[str, Any]:
    """One post (row)."""
    return dict(db.table("posts").get(post_id))


def move_post(db: Database, post_id: int, to: str, *, actor: str, reason: str | None) -> bool:
    """Move a post through the review workflow; False (logged) when the workflow refuses."""
    try:
        queue.transition(db, post_id, to, actor=actor, reason=reason)
    except TransitionError as exc:
        logger.warning("post %s: cannot move to %s: %s", post_id, to, exc)
        return False
    return True


def post_outcome(statuses: list[str]) -> str | None:
    """The post status its deliveries imply, or None while some are still on their way."""
    live = [s for s in statuses if s != CANCELLED]
    if not live or any(s in (QUEUED, SENDING) for s in live):
        return None
    if all(s == SENT for s in live):
        return "published"
    if FAILED in live:
        return "failed"
    return "unconfirmed"


def settle_post(db: Database, post_id: int, *, actor: str = SYSTEM) -> str | None:
    """Bring the post's status in line with its deliveries; returns the new status if moved."""
    found = deliveries.of_post(db, post_id)
    target = post_outcome([d.status for d in found])
    post = get_post(db, post_id)
    if target is None or post["status"] == target or post["status"] not in _SETTLING:
        return None
    problems = [f"{d.channel}: {d.last_error}" for d in found
                if d.status in (FAILED, UNCONFIRMED) and d.last_error]
    reason = "; ".join(problems) if target != "published" else None
    with store.write_tx(db):
        if move_post(db, post_id, target, actor=actor, reason=reason):
            return target
    return None
