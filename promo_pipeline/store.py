"""The SQLite store (sqlite-utils): connection, schema migrations, lots, photos and runs.

Settings read: ``storage.database``.

One database file holds everything. It is opened in WAL mode with ``synchronous=FULL`` (a lost
"published" mark would mean a double post) and a generous busy timeout. Writes that must not
interleave use :func:`write_tx` (``BEGIN IMMEDIATE``), because a deferred transaction that upgrades
to a write fails at once with "database is locked" instead of waiting.

Schema changes go through migrations. Each stage that owns tables registers its own
:class:`sqlite_utils.migrations.Migrations` set and lists its module in :data:`MIGRATION_MODULES`;
:func:`connect` applies every pending migration, in that order.
"""

from __future__ import annotations

import importlib
import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from promo_pipeline import crash
from promo_pipeline.models import LOT_ACTIVE, Item, Lot

logger = logging.getLogger(__name__)

#: Modules that define a module-level ``migrations`` (a :class:`Migrations`), applied in order.
MIGRATION_MODULES = [
    "promo_pipeline.store",
    "promo_pipeline.queue",
    "promo_pipeline.review.auth",
    "promo_pipeline.publish.deliveries",
    "promo_pipeline.render",
]

migrations = Migrations("store")


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso_now() -> str:
    return now_utc().isoformat(timespec="seconds")


@migrations()
def m001_lots_photos_runs(db: Database) -> None:
    db["lots"].create(
        {
            "id": str,                 # lotLelangId
            "office_id": str,          # unitKerjaId
            "office_name": str,
            "title": str,
            "category": str,
            "location": str,
            "province": str,
            "limit_value": int,
            "deposit": int,
            "bid_increment": int,
            "starts_at": str,          # ISO-8601 with offset, as the source gives it
            "ends_at": str,
            "deposit_deadline": str,
            "source_status": str,      # e.g. TAYANG
            "bidding_method": str,     # e.g. OPEN_BIDDING
            "code": str,               # kodeLot
            "url": str,
            "status": str,             # active | withdrawn | ended (this tool's lifecycle)
            "photos": str,             # JSON list of source URLs, cover first
            "seller": str,             # JSON object
            "organizer": str,          # JSON object
            "content_hash": str,       # sha256 of the post-relevant facts (Lot.content_hash)
            "listing_hash": str,       # sha256 of the raw listing item (decides detail refetch)
            "raw_listing": str,        # raw JSON of the listing item, for audit
            "raw_detail": str,         # raw JSON of the detail `data`, for audit
            "detail_fetched_at": str,
            "first_seen_at": str,
            "last_seen_at": str,
            "changed_at": str,
            "withdrawn_at": str,
        },
        pk="id",
        not_null={"office_id", "title", "limit_value", "deposit", "ends_at", "url", "status"},
    )
    db["lots"].create_index(["office_id", "status"])
    db["lots"].create_index(["ends_at"])
    db["items"].create(
        {"lot_id": str, "position": int, "name": str, "data": str},
        pk=("lot_id", "position"),
        foreign_keys=[("lot_id", "lots", "id")],
    )
    # Photo cache: one row per source URL; files are content-addressed under media_dir.
    db["photos"].create(
        {
            "url": str,
            "status": str,             # ok | bad | refused
            "sha256": str,
            "path": str,               # relative to media_dir
            "format": str,
            "width": int,
            "height": int,
            "bytes": int,
            "error": str,
            "fetched_at": str,
        },
        pk="url",
    )
    db["lot_photos"].create(
        {"lot_id": str, "position": int, "url": str, "is_cover": int},
        pk=("lot_id", "position"),
        foreign_keys=[("lot_id", "lots", "id")],
    )
    db["runs"].create(
        {
            "id": int,
            "kind": str,               # scrape | run | render | publish | daemon ...
            "started_at": str,
            "finished_at": str,
            "status": str,             # running | ok | partial | failed
            "counts": str,             # JSON object of counters
            "errors": str,             # JSON list of error strings
            "duration_s": float,
        },
        pk="id",
    )
    db["runs"].create_index(["kind", "started_at"])


# --- connection --------------------------------------------------------------------------------


def connect(path: str | Path, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the database at *path* and apply pending migrations."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30.0, check_same_thread=False)
    db = Database(conn)
    db.enable_wal()
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    if migrate:
        apply_migrations(db)
    return db


def apply_migrations(db: Database) -> None:
    for name in MIGRATION_MODULES:
        module = importlib.import_module(name)
        module.migrations.apply(db)


@contextmanager
def write_tx(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock up front (``BEGIN IMMEDIATE``)."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise


def integrity_check(db: Database) -> str:
    return db.execute("PRAGMA integrity_check").fetchone()[0]


# --- lots --------------------------------------------------------------------------------------


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def lot_from_row(row: dict[str, Any], items: list[dict[str, Any]] | None = None) -> Lot:
    """Rebuild a :class:`Lot` from its ``lots`` row (and its ``items`` rows)."""
    item_objs = tuple(Item.from_dict(json.loads(i["data"])) for i in (items or []))
    return Lot(
        id=row["id"],
        office_id=row["office_id"],
        office_name=row["office_name"] or "",
        title=row["title"],
        limit_value=row["limit_value"],
        deposit=row["deposit"],
        ends_at=datetime.fromisoformat(row["ends_at"]),
        url=row["url"],
        category=row["category"],
        location=row["location"],
        province=row["province"],
        starts_at=_dt(row["starts_at"]),
        deposit_deadline=_dt(row["deposit_deadline"]),
        source_status=row["source_status"],
        bidding_method=row["bidding_method"],
        code=row["code"],
        bid_increment=row["bid_increment"],
        photos=tuple(json.loads(row["photos"] or "[]")),
        items=item_objs,
        seller=json.loads(row["seller"] or "{}"),
        organizer=json.loads(row["organizer"] or "{}"),
        status=row["status"],
    )


def lot_to_row(lot: Lot) -> dict[str, Any]:
    """The ``lots`` columns that come from a :class:`Lot` (bookkeeping columns excluded)."""
    return {
        "id": lot.id,
        "office_id": lot.office_id,
        "office_name": lot.office_name,
        "title": lot.title,
        "category": lot.category,
        "location": lot.location,
        "province": lot.province,
        "limit_value": lot.limit_value,
        "deposit": lot.deposit,
        "bid_increment": lot.bid_increment,
        "starts_at": lot.starts_at.isoformat() if lot.starts_at else None,
        "ends_at": lot.ends_at.isoformat(),
        "deposit_deadline": lot.deposit_deadline.isoformat() if lot.deposit_deadline else None,
        "source_status": lot.source_status,
        "bidding_method": lot.bidding_method,
        "code": lot.code,
        "url": lot.url,
        "status": lot.status,
        "photos": json.dumps(list(lot.photos), ensure_ascii=False),
        "seller": json.dumps(lot.seller, ensure_ascii=False),
        "organizer": json.dumps(lot.organizer, ensure_ascii=False),
        "content_hash": lot.content_hash(),
    }


def get_lot(db: Database, lot_id: str) -> Lot | None:
    rows = list(db["lots"].rows_where("id = ?", [lot_id]))
    if not rows:
        return None
    items = list(db["items"].rows_where("lot_id = ?", [lot_id], order_by="position"))
    return lot_from_row(rows[0], items)


#: The columns a Lot is built from (the raw JSON kept for audit is left in the database).
_LOT_COLUMNS = (
    "id, office_id, office_name, title, category, location, province, limit_value, deposit, "
    "bid_increment, starts_at, ends_at, deposit_deadline, source_status, bidding_method, code, "
    "url, status, photos, seller, organizer"
)


def iter_lots(
    db: Database, *, office_id: str | None = None, status: str | None = None, batch: int = 500
) -> Iterator[list[Lot]]:
    """Stored lots ordered by auction end, in pages of *batch*, so a national catalogue is
    never in memory at once."""
    where, args = ["1 = 1"], []
    if office_id:
        where.append("office_id = ?")
        args.append(office_id)
    if status:
        where.append("status = ?")
        args.append(status)
    # Only constant SQL and "?" placeholders are interpolated below (hence the noqa S608).
    # The ids are read up front, so no cursor stays open while the caller writes between pages.
    id_sql = f"select id from lots where {' and '.join(where)} order by ends_at, id"  # noqa: S608
    ids = [r[0] for r in db.execute(id_sql, args)]
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        marks = ", ".join("?" * len(chunk))
        lot_sql = f"select {_LOT_COLUMNS} from lots where id in ({marks})"  # noqa: S608
        cursor = db.execute(lot_sql, chunk)
        names = [d[0] for d in cursor.description]
        rows = {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}
        items: dict[str, list[dict[str, Any]]] = {}
        for lot_id, data in db.execute(
                f"select lot_id, data from items where lot_id in ({marks}) "  # noqa: S608
                "order by lot_id, position", chunk):
            items.setdefault(lot_id, []).append({"data": data})
        yield [lot_from_row(rows[i], items.get(i, [])) for i in chunk if i in rows]


def list_lots(
    db: Database, *, office_id: str | None = None, status: str | None = None
) -> list[Lot]:
    """Stored lots ordered by auction end, optionally filtered."""
    return [lot for page in iter_lots(db, office_id=office_id, status=status) for lot in page]


LOT_NEW, LOT_CHANGED, LOT_UNCHANGED = "new", "changed", "unchanged"


def _raw_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def save_lot(
    db: Database,
    lot: Lot,
    *,
    seen_at: str,
    raw_listing: Any = None,
    raw_detail: Any = None,
    listing_hash: str | None = None,
    detail_fetched_at: str | None = None,
) -> str:
    """Insert or update *lot* with its items and photo list in one write transaction.

    Returns ``"new"``, ``"changed"`` (its :meth:`Lot.content_hash` moved, so ``changed_at`` does
    too) or ``"unchanged"``. Raw JSON, ``listing_hash`` and ``detail_fetched_at`` left as None
    keep their stored values. ``last_seen_at`` becomes *seen_at*; an active lot loses its
    ``withdrawn_at``. Crash point ``mid_lot_upsert`` sits between the lots row and its items.
    """
    row = lot_to_row(lot)
    with write_tx(db):
        old = next(iter(db.query(
            "select content_hash, first_seen_at, changed_at, withdrawn_at, raw_listing, "
            "raw_detail, listing_hash, detail_fetched_at from lots where id = ?", [lot.id])), None)
        if old is None:
            outcome, first_seen, changed_at = LOT_NEW, seen_at, seen_at
        else:
            first_seen = old["first_seen_at"] or seen_at
            if old["content_hash"] != row["content_hash"]:
                outcome, changed_at = LOT_CHANGED, seen_at
            else:
                outcome, changed_at = LOT_UNCHANGED, old["changed_at"] or seen_at
        keep = old or {}
        row.update(
            raw_listing=_raw_json(raw_listing) if raw_listing is not None
            else keep.get("raw_listing"),
            raw_detail=_raw_json(raw_detail) if raw_detail is not None
            else keep.get("raw_detail"),
            listing_hash=listing_hash or keep.get("listing_hash"),
            detail_fetched_at=detail_fetched_at or keep.get("detail_fetched_at"),
            first_seen_at=first_seen,
            last_seen_at=seen_at,
            changed_at=changed_at,
            withdrawn_at=None if lot.status == LOT_ACTIVE else (keep.get("withdrawn_at") or None),
        )
        db["lots"].upsert(row, pk="id")
        crash.point("mid_lot_upsert")
        db.execute("delete from items where lot_id = ?", [lot.id])
        db["items"].insert_all(
            {"lot_id": lot.id, "position": i, "name": item.name,
             "data": json.dumps(item.to_dict(), ensure_ascii=False, sort_keys=True)}
            for i, item in enumerate(lot.items)
        )
        db.execute("delete from lot_photos where lot_id = ?", [lot.id])
        db["lot_photos"].insert_all(
            {"lot_id": lot.id, "position": i, "url": url, "is_cover": int(i == 0)}
            for i, url in enumerate(lot.photos)
        )
    return outcome


def usable_photo_paths(db: Database, media_dir: Path, lot_id: str) -> list[Path]:
    """Cached, validated photo files of a lot, cover first (bad or missing photos left out)."""
    rows = db.execute(
        "select p.path from lot_photos lp join photos p on p.url = lp.url "
        "where lp.lot_id = ? and p.status = 'ok' order by lp.position",
        [lot_id],
    ).fetchall()
    paths = [media_dir / r[0] for r in rows if r[0]]
    return [p for p in paths if p.is_file()]


# --- runs --------------------------------------------------------------------------------------


def start_run(db: Database, kind: str) -> int:
    with write_tx(db):
        db["runs"].insert(
            {"kind": kind, "started_at": now_utc().isoformat(), "status": "running",
             "counts": "{}", "errors": "[]"}
        )
        return db.execute("select last_insert_rowid()").fetchone()[0]


def finish_run(
    db: Database, run_id: int, *, counts: dict[str, Any], errors: list[str], status: str
) -> None:
    row = db["runs"].get(run_id)
    started = datetime.fromisoformat(row["started_at"])
    finished = now_utc()
    with write_tx(db):
        db["runs"].update(
            run_id,
            {
                "finished_at": finished.isoformat(timespec="seconds"),
                "status": status,
                "counts": json.dumps(counts, ensure_ascii=False, sort_keys=True),
                "errors": json.dumps(errors, ensure_ascii=False),
                "duration_s": round((finished - started).total_seconds(), 3),
            },
        )
