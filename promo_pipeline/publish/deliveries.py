"""The outbox's tables and their one owner: deliveries, their events, the publishing slots served.

Settings read: none. Light on purpose (sqlite-utils only), so opening the database applies this
schema without importing a channel or an HTTP library.

``deliveries`` holds one row per (post, channel), keyed by ``idem_key`` = sha256(post id |
channel | content), both UNIQUE; its status moves as :mod:`promo_pipeline.publish.outbox`
describes (``queued`` → ``sending`` → ``sent`` | ``failed`` | ``unconfirmed``; ``queued`` →
``cancelled``). ``delivery_events`` records every move with who, when and why.
``publish_slots`` remembers which office slot was served. Only this module issues SQL on these
tables; everyone else gets :class:`Delivery` / :class:`DeliveryEvent` records (defined in
:mod:`.delivery_records`, re-exported here). Functions that write expect the caller's write
transaction (``store.write_tx``) wherever the write must be atomic with a decision.

Instants are stored as UTC ISO strings; ``next_attempt_at`` keeps microseconds (a retry due in
half a second must not be due at once) and is always compared with :func:`iso_us` values.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from promo_pipeline.errors import NotFoundError
from promo_pipeline.publish.delivery_records import CANCELLED as CANCELLED
from promo_pipeline.publish.delivery_records import DELIVERY_STATUSES as DELIVERY_STATUSES
from promo_pipeline.publish.delivery_records import FAILED as FAILED
from promo_pipeline.publish.delivery_records import NEEDS_A_HUMAN as NEEDS_A_HUMAN
from promo_pipeline.publish.delivery_records import QUEUED as QUEUED
from promo_pipeline.publish.delivery_records import SENDING as SENDING
from promo_pipeline.publish.delivery_records import SENT as SENT
from promo_pipeline.publish.delivery_records import SYSTEM as SYSTEM
from promo_pipeline.publish.delivery_records import UNCONFIRMED as UNCONFIRMED
from promo_pipeline.publish.delivery_records import Delivery as Delivery
from promo_pipeline.publish.delivery_records import DeliveryEvent as DeliveryEvent

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


@migrations()
def m002_failures(db: Database) -> None:
    # Attempts that failed in a way that uses the retry budget. A claim that ends waiting for a
    # platform's window (a throttle, a daily quota, a container still processing) is an
    # attempt but not a failure.
    db.table("deliveries").add_column("failures", int, not_null_default=0)


# --- rows -----------------------------------------------------------------------------------------


_COLUMNS = frozenset(f for f in Delivery.__dataclass_fields__ if f != "id")


def iso(when: datetime) -> str:
    """An instant as stored: UTC, whole seconds."""
    return when.astimezone(UTC).isoformat(timespec="seconds")


def iso_us(when: datetime) -> str:
    """An instant as ``next_attempt_at`` stores it and is compared with: UTC, microseconds."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def _loads(text: Any) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _delivery(row: Mapping[str, Any]) -> Delivery:
    values = {k: row[k] for k in Delivery.__dataclass_fields__ if k in row.keys()}
    values["payload"] = _loads(row["payload"])
    values["checkpoint"] = _loads(row["checkpoint"])
    values["attempts"] = row["attempts"] or 0
    values["failures"] = (row["failures"] if "failures" in row.keys() else 0) or 0
    return Delivery(**values)


def _ids(values: Collection[int]) -> str:
    """A list of ids as one JSON parameter (``in (select value from json_each(?))``): any
    number of posts in one query, whatever SQLite's limit on parameters."""
    return json.dumps(sorted(values))


# --- reading --------------------------------------------------------------------------------------


def get(db: Database, delivery_id: int) -> Delivery:
    """The delivery *delivery_id*; :class:`NotFoundError` in plain words otherwise."""
    rows = list(db.query("select * from deliveries where id = ?", [delivery_id]))
    if not rows:
        raise NotFoundError(f"pengiriman #{delivery_id} tidak ditemukan")
    return _delivery(rows[0])


def find(db: Database, post_id: int, channel: str) -> Delivery | None:
    """The delivery of *post_id* to *channel*, if there is one."""
    rows = list(db.query("select * from deliveries where post_id = ? and channel = ?",
                         [post_id, channel]))
    return _delivery(rows[0]) if rows else None


def of_post(db: Database, post_id: int, *,
            statuses: Collection[str] | None = None) -> list[Delivery]:
    """The deliveries of one post (optionally only those in *statuses*), oldest first."""
    found = [_delivery(r) for r in db.query(
        "select * from deliveries where post_id = ? order by id", [post_id])]
    return [d for d in found if statuses is None or d.status in statuses]


def listing(db: Database, *, status: str | None = None) -> list[Delivery]:
    """All deliveries (optionally of one status), newest first."""
    if status is None:
        return [_delivery(r) for r in db.query("select * from deliveries order by id desc")]
    return [_delivery(r) for r in db.query(
        "select * from deliveries where status = ? order by id desc", [status])]


def with_status(db: Database, status: str, *,
                post_ids: Collection[int] | None = None) -> list[Delivery]:
    """Deliveries in *status* (optionally only of *post_ids*), oldest first."""
    if post_ids is None:
        return [_delivery(r) for r in db.query(
            "select * from deliveries where status = ? order by id", [status])]
    return [_delivery(r) for r in db.query(
        "select * from deliveries where status = ? and post_id in "
        "(select value from json_each(?)) order by id", [status, _ids(post_ids)])]


def due(db: Database, now: datetime, post_ids: Collection[int]) -> list[Delivery]:
    """Queued deliveries of *post_ids* whose next attempt is due at *now*, by post then id."""
    return [_delivery(r) for r in db.query(
        "select * from deliveries where status = 'queued' "
        "and (next_attempt_at is null or next_attempt_at <= ?) "
        "and post_id in (select value from json_each(?)) order by post_id, id",
        [iso_us(now), _ids(post_ids)])]


def next_retry(db: Database, post_ids: Collection[int]) -> datetime | None:
    """When the earliest queued delivery of *post_ids* that waits for a retry is due."""
    row = db.execute(
        "select min(next_attempt_at) from deliveries where status = 'queued' "
        "and post_id in (select value from json_each(?))", [_ids(post_ids)]).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def to_look(db: Database, now: datetime) -> list[Delivery]:
    """Unconfirmed deliveries whose next automatic look at the platform is due, oldest first
    (``next_attempt_at`` of an unconfirmed delivery: when to look; null: a human decides)."""
    return [_delivery(r) for r in db.query(
        "select * from deliveries where status = 'unconfirmed' and next_attempt_at is not null "
        "and next_attempt_at <= ? order by id", [iso_us(now)])]


def next_look(db: Database) -> datetime | None:
    """When the earliest automatic look at an unconfirmed delivery is due."""
    row = db.execute("select min(next_attempt_at) from deliveries "
                     "where status = 'unconfirmed'").fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def sent_since(db: Database, channel: str, since: datetime, *,
               offices: Collection[str] | None = None,
               other_than: Collection[str] = ()) -> list[datetime]:
    """When *channel*'s deliveries were sent since *since* (for rolling-window quotas), only
    of posts of *offices* when given, never of *other_than* (an office's own account counts
    its own posts; the install's account every other office's)."""
    sql = ("select sent_at from deliveries where channel = ? and status = 'sent' "
           "and sent_at >= ?")
    args: list[Any] = [channel, iso(since)]
    if offices is not None:
        sql += (" and coalesce(json_extract(payload, '$.office_id'), '') in "
                "(select value from json_each(?))")
        args.append(json.dumps(list(offices)))
    if other_than:
        sql += (" and coalesce(json_extract(payload, '$.office_id'), '') not in "
                "(select value from json_each(?))")
        args.append(json.dumps(list(other_than)))
    return [datetime.fromisoformat(r[0]) for r in db.execute(sql + " order by sent_at", args)]


def count_queued(db: Database, post_ids: Collection[int]) -> int:
    """How many deliveries of *post_ids* wait in the outbox."""
    row = db.execute(
        "select count(*) from deliveries where status = 'queued' "
        "and post_id in (select value from json_each(?))", [_ids(post_ids)]).fetchone()
    return int(row[0])


def posts_with_deliveries(db: Database, post_ids: Collection[int]) -> list[int]:
    """Those of *post_ids* that have at least one delivery, ascending."""
    return [int(r[0]) for r in db.execute(
        "select distinct post_id from deliveries where post_id in "
        "(select value from json_each(?)) order by post_id", [_ids(post_ids)])]


def events(db: Database, delivery_id: int) -> list[DeliveryEvent]:
    """Every move of one delivery, oldest first."""
    return [DeliveryEvent(**dict(r)) for r in db.query(
        "select id, delivery_id, at, actor, from_status, to_status, note "
        "from delivery_events where delivery_id = ? order by id", [delivery_id])]


# --- writing --------------------------------------------------------------------------------------


def _event(db: Database, delivery_id: int, frm: str | None, to: str, actor: str,
           note: str | None, now: datetime) -> None:
    db.execute("insert into delivery_events (delivery_id, at, actor, from_status, to_status, "
               "note) values (?, ?, ?, ?, ?, ?)",
               [delivery_id, iso(now), actor, frm, to, note])


def insert_queued(db: Database, post_id: int, channel: str, idem_key: str,
                  payload: Mapping[str, Any], now: datetime) -> int:
    """A new ``queued`` delivery; returns its id."""
    cur = db.execute(
        "insert into deliveries (post_id, channel, idem_key, status, attempts, payload, "
        "checkpoint, created_at, updated_at) values (?, ?, ?, 'queued', 0, ?, '{}', ?, ?)",
        [post_id, channel, idem_key, json.dumps(payload, ensure_ascii=False), iso(now),
         iso(now)])
    delivery_id = int(cur.lastrowid or 0)
    _event(db, delivery_id, None, QUEUED, SYSTEM, None, now)
    return delivery_id


def take_content(db: Database, delivery: Delivery, idem_key: str,
                 payload: Mapping[str, Any], now: datetime, *, note: str) -> bool:
    """A delivery that has not started takes the post's current content and is ``queued``
    (a ``cancelled`` one again from its first attempt)."""
    fresh: dict[str, Any] = {} if delivery.status == QUEUED else {
        "attempts": 0, "failures": 0, "next_attempt_at": None, "last_error": None}
    return move(db, delivery.id, delivery.status, QUEUED, now, note=note, idem_key=idem_key,
                payload=json.dumps(payload, ensure_ascii=False), **fresh)


def claim(db: Database, delivery_id: int, now: datetime) -> bool:
    """Take a delivery for sending (``queued`` → ``sending``, one more attempt); False when it
    was not queued any more. Run it in the write transaction that checked the post."""
    cur = db.execute(
        "update deliveries set status = 'sending', claimed_at = ?, updated_at = ?, "
        "attempts = attempts + 1 where id = ? and status = 'queued'",
        [iso(now), iso(now), delivery_id])
    if cur.rowcount != 1:
        return False
    _event(db, delivery_id, QUEUED, SENDING, SYSTEM, None, now)
    return True


def move(db: Database, delivery_id: int, frm: str, to: str, now: datetime, *,
         actor: str = SYSTEM, note: str | None = None, **columns: Any) -> bool:
    """``frm`` → ``to`` (recorded with *actor* and *note*), setting *columns* too; False when
    the delivery was not in ``frm`` any more."""
    unknown = set(columns) - _COLUMNS
    if unknown:
        raise ValueError(f"not a deliveries column: {sorted(unknown)}")
    assigns = "".join(f", {k} = ?" for k in columns)
    sql = (f"update deliveries set status = ?, updated_at = ?{assigns} "  # noqa: S608 - names checked
           "where id = ? and status = ?")
    cur = db.execute(sql, [to, iso(now), *columns.values(), delivery_id, frm])
    if cur.rowcount != 1:
        return False
    _event(db, delivery_id, frm, to, actor, note, now)
    return True


def defer(db: Database, delivery_id: int, at: datetime, why: str, now: datetime) -> bool:
    """A queued delivery waits until *at* for a platform's window (no claim, no attempt)."""
    cur = db.execute("update deliveries set next_attempt_at = ?, last_error = ?, updated_at = ? "
                     "where id = ? and status = 'queued'",
                     [iso_us(at), why, iso(now), delivery_id])
    return cur.rowcount == 1


def schedule(db: Database, delivery_id: int, status: str, at: datetime | None,
             now: datetime) -> bool:
    """Set when a delivery in *status* is next taken up (a retry, or the next automatic look
    at an unconfirmed one; None: not by itself). Not a move: no event is recorded."""
    cur = db.execute("update deliveries set next_attempt_at = ?, updated_at = ? "
                     "where id = ? and status = ?",
                     [iso_us(at) if at else None, iso(now), delivery_id, status])
    return cur.rowcount == 1


def save_checkpoint(db: Database, delivery_id: int, checkpoint: Mapping[str, Any],
                    now: datetime) -> None:
    """Record a step that happened on the platform (container ids, message ids …)."""
    db.execute("update deliveries set checkpoint = ?, updated_at = ? where id = ?",
               [json.dumps(dict(checkpoint)), iso(now), delivery_id])


def cancel_queued(db: Database, post_id: int, reason: str, now: datetime) -> int:
    """Cancel the queued deliveries of one post (its auction ended …); returns how many."""
    rows = db.execute("select id from deliveries where post_id = ? and status = 'queued'",
                      [post_id]).fetchall()
    for (delivery_id,) in rows:
        move(db, delivery_id, QUEUED, CANCELLED, now, note=reason, last_error=reason)
    return len(rows)


# --- publishing slots -----------------------------------------------------------------------------


def slot_served(db: Database, office_id: str, slot_at: datetime) -> bool:
    """True when *office_id*'s slot at *slot_at* has been served already."""
    return db.execute("select 1 from publish_slots where office_id = ? and slot_at = ?",
                      [office_id, iso(slot_at)]).fetchone() is not None


def mark_slots_served(db: Database, slots: Iterable[tuple[str, datetime]],
                      now: datetime) -> None:
    """Remember that each (office id, slot instant) was served at *now*."""
    for office_id, slot_at in slots:
        db.execute("insert or ignore into publish_slots (office_id, slot_at, served_at) "
                   "values (?, ?, ?)", [office_id, iso(slot_at), iso(now)])
