"""The outbox's tables: ``deliveries``, ``delivery_events``, ``publish_slots`` (migration set
``publish``).

Settings read: none.

Light on purpose (sqlite-utils only), so opening the database does not import the channels.
The SQL on these tables still lives in :mod:`promo_pipeline.publish.outbox` while the publish
stage moves it here (the owner returns ``Delivery`` records).
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("publish")


@migrations()
def m001_deliveries(db: Database) -> None:
    db.table("deliveries").create(
        {
            "id": int,
            "post_id": int,
            "channel": str,            # export | telegram | facebook | instagram
            "idem_key": str,           # sha256(post id | channel | content), UNIQUE
            "status": str,             # see DELIVERY_STATUSES
            "attempts": int,           # claims so far
            "next_attempt_at": str,    # UTC ISO; null = as soon as due
            "remote_id": str,          # platform id of the post, or the export folder
            "remote_url": str,
            "last_error": str,         # plain words, shown to reviewers
            "payload": str,            # JSON snapshot of what is sent (caption, images, lot facts)
            "checkpoint": str,         # JSON progress of multi-step sends (container ids ...)
            "created_at": str,
            "updated_at": str,
            "claimed_at": str,
            "sent_at": str,
            "resolved_by": str,        # the human who marked it sent or asked to send again
            "resolved_at": str,
        },
        pk="id",
        not_null={"post_id", "channel", "idem_key", "status"},
        defaults={"attempts": 0},
        foreign_keys=[("post_id", "posts", "id")],
    )
    db.table("deliveries").create_index(["idem_key"], unique=True)
    db.table("deliveries").create_index(["post_id", "channel"], unique=True)
    db.table("deliveries").create_index(["status"])
    db.table("delivery_events").create(
        {"id": int, "delivery_id": int, "at": str, "actor": str, "from_status": str,
         "to_status": str, "note": str},
        pk="id",
        foreign_keys=[("delivery_id", "deliveries", "id")],
    )
    db.table("delivery_events").create_index(["delivery_id"])
    # Publishing slots already served, per office (slot_at: the slot instant in UTC).
    db.table("publish_slots").create(
        {"office_id": str, "slot_at": str, "served_at": str}, pk=("office_id", "slot_at"))
