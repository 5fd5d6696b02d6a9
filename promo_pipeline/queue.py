"""The review queue: posts, their states, and the audit log of every transition.

Settings read: ``captions.*`` (channels, primary), ``render.formats``.

A post is one or more images plus a caption per channel, for one lot (``kind = "lot"``), a weekly
digest of many lots (``"digest"``) or an H-1 reminder (``"reminder"``).

States (see :data:`TRANSITIONS`)::

    pending → approved | rejected
    approved → published | failed | unconfirmed
    any unpublished → expired (auction or deposit deadline passed)
                    | outdated (its lot changed; a new version is queued)
                    | withdrawn (its lot vanished from the listing)

Every transition is stored in ``post_events`` (who, when, from, to, why).
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

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

migrations = Migrations("queue")


@migrations()
def m001_posts(db: Database) -> None:
    db["posts"].create(
        {
            "id": int,
            "kind": str,              # lot | digest | reminder
            "dedupe_key": str,        # UNIQUE: one post per (kind, lot, lot version) / digest week
            "lot_id": str,            # the lot (null for digests)
            "lot_ids": str,           # JSON list of lot ids (one for lot/reminder posts)
            "office_id": str,
            "version": int,           # 1, 2, ... per lot: a new version when the lot changed
            "content_hash": str,      # the lot's content_hash this post was made from
            "status": str,
            "template": str,          # design chosen by the reviewer (null = configured formats)
            "images": str,            # JSON list of image paths, relative to storage.output_dir
            "captions": str,          # JSON object: channel -> caption text
            "lint": str,              # JSON list of {channel, level, code, message}
            "blocking": int,          # 1 when a lint finding blocks approval (missing/wrong figure)
            "changes": str,           # JSON list of {field, old, new} against the previous version
            "previous_post_id": int,
            "approved_by": str,
            "approved_at": str,
            "reason": str,            # last rejection / state reason
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
    )
    db["posts"].create_index(["dedupe_key"], unique=True)
    db["posts"].create_index(["status"])
    db["posts"].create_index(["lot_id"])
    db["post_events"].create(
        {
            "id": int,
            "post_id": int,
            "at": str,
            "actor": str,             # reviewer name, or "system"
            "from_status": str,
            "to_status": str,
            "reason": str,
        },
        pk="id",
        foreign_keys=[("post_id", "posts", "id")],
    )
    db["post_events"].create_index(["post_id"])
