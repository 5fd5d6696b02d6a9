"""The review queue: posts, their states, and the audit log of every transition.

Settings read: ``captions.channels``, ``captions.primary``, ``captions.templates_dir``,
``brand.*``, ``offices[].timezone``, ``source.site_base``, ``storage.output_dir``.

A post is one or more images plus a caption per channel, for one lot (``kind = "lot"``), a weekly
digest of many lots (``"digest"``) or an H-1 reminder (``"reminder"``). Each post stores its
captions, their lint findings (:func:`promo_pipeline.captions.lint`) and the lot facts it was
made from, so a reviewer sees exactly what will go out and what changed since the last version.

States (:data:`TRANSITIONS` is the whole table)::

    pending     → approved | rejected | expired | outdated | withdrawn
    approved    → published | failed | unconfirmed | pending (un-approve) | expired | outdated
                  | withdrawn
    failed      → approved (send again, by a human) | expired | outdated | withdrawn
    unconfirmed → published (a human confirmed it went out) | approved (it did not; send again)
    rejected    → pending (reopen)
    published, expired, outdated, withdrawn: terminal

Every transition, caption edit and image change is stored in ``post_events`` (who, when, from,
to, why) in the same transaction as the change itself. Image paths are stored relative to
``storage.output_dir`` when they are inside it.

The parts, each one job:

- :mod:`.states` — the statuses and the state table (data) and the one transition check;
- :mod:`.posts` — the tables ``posts`` and ``post_events``: :class:`Post`, :class:`PostEvent`;
- :mod:`.changes` — what changed between two versions, in readable Indonesian;
- :mod:`.create` — making posts for lots, digests and reminders (``sync_*``);
- :mod:`.lifecycle` — posts follow their lots (expired, withdrawn, outdated);
- :mod:`.personal` — personal data removed from a post's lots and what reviewers restored;
- :mod:`.actions` — what reviewers do (approve, reject, edit, pick images, restore).

Making posts and reviewer actions need the caption writer (Jinja2, Babel); they load on first
use, so reading posts (or opening the database) does not import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from promo_pipeline import lazy
from promo_pipeline.queue.lifecycle import apply_lot_states, closed_target
from promo_pipeline.queue.personal import RemovedItem, removed_items, restored_redactions
from promo_pipeline.queue.posts import (
    count_by_status,
    events,
    find_post,
    get_post,
    list_posts,
)
from promo_pipeline.queue.records import Change, Post, PostEvent
from promo_pipeline.queue.states import (
    APPROVED,
    DIGEST,
    EDITABLE,
    EXPIRED,
    FAILED,
    KINDS,
    LOT,
    OPEN,
    OUTDATED,
    PENDING,
    PUBLISHED,
    REJECTED,
    REMINDER,
    REOPENABLE,
    STATUSES,
    SYSTEM,
    TERMINAL,
    TRANSITIONS,
    UNCONFIRMED,
    WITHDRAWN,
)

if TYPE_CHECKING:
    from promo_pipeline.queue.actions import (
        approve,
        check_office,
        edit_caption,
        reject,
        restore_redaction,
        reviewer,
        set_images,
        transition,
    )
    from promo_pipeline.queue.create import (
        Synced,
        sync_digest_post,
        sync_lot_post,
        sync_lot_posts,
        sync_reminder_post,
    )

_LAZY = {
    "approve": "promo_pipeline.queue.actions",
    "check_office": "promo_pipeline.queue.actions",
    "edit_caption": "promo_pipeline.queue.actions",
    "reject": "promo_pipeline.queue.actions",
    "restore_redaction": "promo_pipeline.queue.actions",
    "reviewer": "promo_pipeline.queue.actions",
    "set_images": "promo_pipeline.queue.actions",
    "transition": "promo_pipeline.queue.actions",
    "sync_digest_post": "promo_pipeline.queue.create",
    "sync_lot_post": "promo_pipeline.queue.create",
    "sync_lot_posts": "promo_pipeline.queue.create",
    "Synced": "promo_pipeline.queue.create",
    "sync_reminder_post": "promo_pipeline.queue.create",
}


__getattr__ = lazy.exports(__name__, _LAZY)


__all__ = [
    "APPROVED",
    "DIGEST",
    "EDITABLE",
    "EXPIRED",
    "FAILED",
    "KINDS",
    "LOT",
    "OPEN",
    "OUTDATED",
    "PENDING",
    "PUBLISHED",
    "REJECTED",
    "REMINDER",
    "REOPENABLE",
    "STATUSES",
    "SYSTEM",
    "TERMINAL",
    "TRANSITIONS",
    "UNCONFIRMED",
    "WITHDRAWN",
    "Change",
    "Post",
    "PostEvent",
    "RemovedItem",
    "Synced",
    "apply_lot_states",
    "approve",
    "check_office",
    "closed_target",
    "count_by_status",
    "edit_caption",
    "events",
    "find_post",
    "get_post",
    "list_posts",
    "reject",
    "removed_items",
    "restore_redaction",
    "restored_redactions",
    "reviewer",
    "set_images",
    "sync_digest_post",
    "sync_lot_post",
    "sync_lot_posts",
    "sync_reminder_post",
    "transition",
]
