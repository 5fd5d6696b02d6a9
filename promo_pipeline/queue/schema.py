"""The queue's schema: the ``"queue"`` migration set of ``posts`` and ``post_events`` (owned by
:mod:`promo_pipeline.queue.posts`, which alone reads and writes them).

Settings read: none. sqlite-utils only, so opening the database imports nothing else of the queue.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("queue")


@migrations()
def m001_posts(db: Database) -> None:
    db.table("posts").create(
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
            "changes": str,           # JSON list of {field, label, old, new} against the previous
            "previous_post_id": int,
            "approved_by": str,
            "approved_at": str,
            "reason": str,            # last rejection / state reason
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
    )
    db.table("posts").create_index(["dedupe_key"], unique=True)
    db.table("posts").create_index(["status"])
    db.table("posts").create_index(["lot_id"])
    db.table("post_events").create(
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
    db.table("post_events").create_index(["post_id"])


@migrations()
def m002_facts_deadline_event_action(db: Database) -> None:
    # The lot facts a post was made from (to show "what changed" and to audit), the earliest
    # deadline among its lots (to sort the queue by urgency), and what kind of event a
    # post_events row records (a transition, a caption edit, an image change).
    db.table("posts").add_column("facts", str)
    db.table("posts").add_column("deadline_at", str)
    db.table("posts").create_index(["status", "deadline_at"])
    db.table("post_events").add_column("action", str)
    db.table("post_events").add_column("detail", str)
    db.table("post_events").create_index(["actor"])


@migrations()
def m003_who_did_what(db: Database) -> None:
    # Who rejected a post and who last changed its captions or images (and when), beside
    # approved_by/approved_at, so `queue --json` and the review page show them without
    # reading the audit log; filled in from post_events for the posts already there.
    posts = db.table("posts")
    for column in ("rejected_by", "rejected_at", "edited_by", "edited_at"):
        posts.add_column(column, str)
    last = ("(select {col} from post_events e where e.post_id = posts.id and {cond} "
            "order by e.id desc limit 1)")
    rejected = "e.to_status = 'rejected' and e.action = 'transition'"
    edited = "e.action in ('edit', 'images')"
    # Fixed SQL text only (no values): the two subqueries differ in the column and the filter.
    db.execute(f"update posts set rejected_by = {last.format(col='actor', cond=rejected)}, "  # noqa: S608
               f"rejected_at = {last.format(col='at', cond=rejected)} "
               "where status = 'rejected'")
    db.execute(f"update posts set edited_by = {last.format(col='actor', cond=edited)}, "  # noqa: S608
               f"edited_at = {last.format(col='at', cond=edited)}")
