"""The states of a post and the allowed moves between them: data, plus the one check.

Settings read: none.

:data:`TRANSITIONS` is the whole state table (see :mod:`promo_pipeline.queue`); a move it does not
list is refused by :func:`check_transition` with a sentence for staff.
"""

from __future__ import annotations

from promo_pipeline.errors import TransitionError

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
PUBLISHED = "published"
FAILED = "failed"
UNCONFIRMED = "unconfirmed"
EXPIRED = "expired"
OUTDATED = "outdated"
WITHDRAWN = "withdrawn"

STATUSES = (PENDING, APPROVED, REJECTED, PUBLISHED, FAILED, UNCONFIRMED, EXPIRED, OUTDATED,
            WITHDRAWN)

#: Allowed state changes: from → the states it may move to. Anything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({APPROVED, REJECTED, EXPIRED, OUTDATED, WITHDRAWN}),
    APPROVED: frozenset({PUBLISHED, FAILED, UNCONFIRMED, PENDING, EXPIRED, OUTDATED, WITHDRAWN}),
    FAILED: frozenset({APPROVED, EXPIRED, OUTDATED, WITHDRAWN}),
    UNCONFIRMED: frozenset({PUBLISHED, APPROVED}),
    REJECTED: frozenset({PENDING}),
    PUBLISHED: frozenset(),
    EXPIRED: frozenset(),
    OUTDATED: frozenset(),
    WITHDRAWN: frozenset(),
}
TERMINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
#: Posts that the system itself moves when their lot ends, changes or is withdrawn.
OPEN = (PENDING, APPROVED, FAILED)
#: Posts whose captions and images a reviewer may still change.
EDITABLE = (PENDING, APPROVED, FAILED)
#: Posts a reviewer may send back to review.
REOPENABLE = (APPROVED, REJECTED)
#: The order the queue lists posts in: those needing attention first.
ATTENTION_ORDER = (PENDING, FAILED, UNCONFIRMED, APPROVED, REJECTED, PUBLISHED, EXPIRED,
                   OUTDATED, WITHDRAWN)

LOT, DIGEST, REMINDER = "lot", "digest", "reminder"
KINDS = (LOT, DIGEST, REMINDER)

#: The actor of moves the tool makes itself.
SYSTEM = "system"


def check_transition(post_id: int, frm: str, to: str) -> None:
    """Raise :class:`TransitionError` in plain words unless *frm* → *to* is allowed."""
    if to in TRANSITIONS.get(frm, frozenset()):
        return
    from promo_pipeline.present import post_status  # words for staff, only when refusing

    if frm == to:
        raise TransitionError(f"unggahan #{post_id} sudah berstatus {post_status(frm)}")
    if frm in TERMINAL:
        raise TransitionError(f"unggahan #{post_id} berstatus {post_status(frm)} dan tidak "
                              f"dapat diubah lagi (ke {post_status(to)})")
    allowed = ", ".join(post_status(s) for s in sorted(TRANSITIONS.get(frm, ()))) or "-"
    raise TransitionError(f"unggahan #{post_id} tidak dapat diubah dari {post_status(frm)} ke "
                          f"{post_status(to)}; dari {post_status(frm)} hanya bisa ke: {allowed}")


def check_status(status: str) -> str:
    if status not in TRANSITIONS:
        raise TransitionError(f"status tidak dikenal: {status!r} (pilihan: "
                              f"{', '.join(STATUSES)})")
    return status
