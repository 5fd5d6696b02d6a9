"""Lots: the tables ``lots``, ``items`` and ``lot_photos``; only this module speaks SQL to them.

Settings read: none (callers pass what they need).

The migration set is ``"lots"``. Readers get :class:`Lot` records (their items as
:class:`Item` records), never a raw row. The records and the rule every stage asks of a lot
(:meth:`Lot.closed_reason`), with their row form (:func:`lot_from_row`, :func:`lot_to_row`) and
what the collector is told (:class:`CollectState`, ``LOT_NEW``/``LOT_CHANGED``/``LOT_UNCHANGED``),
are defined in the pure :mod:`promo_pipeline.lot_records` and re-exported here; callers import
them from here (the parser, which needs no database, from there). This module is the SQL.

Lifecycle writes (:func:`mark_seen`, :func:`withdraw_missing`, :func:`mark_ended`) move a lot's
``status``: ``active`` → ``withdrawn`` (vanished from a complete listing before its end; active
again when listed again) or ``ended`` (its end has passed).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from promo_pipeline import clock, crash
from promo_pipeline.lot_records import LOT_ACTIVE as LOT_ACTIVE
from promo_pipeline.lot_records import LOT_CHANGED as LOT_CHANGED
from promo_pipeline.lot_records import LOT_ENDED as LOT_ENDED
from promo_pipeline.lot_records import LOT_NEW as LOT_NEW
from promo_pipeline.lot_records import LOT_STATUSES as LOT_STATUSES
from promo_pipeline.lot_records import LOT_UNCHANGED as LOT_UNCHANGED
from promo_pipeline.lot_records import LOT_WITHDRAWN as LOT_WITHDRAWN
from promo_pipeline.lot_records import CollectState as CollectState
from promo_pipeline.lot_records import Item as Item
from promo_pipeline.lot_records import Lot as Lot
from promo_pipeline.lot_records import lot_from_row as lot_from_row
from promo_pipeline.lot_records import lot_to_row as lot_to_row
from promo_pipeline.lot_records import lot_url as lot_url
from promo_pipeline.store import write_tx

# --- schema --------------------------------------------------------------------------------------

migrations = Migrations("lots")


@migrations()
def m001_lots(db: Database) -> None:
    # Databases made before the tables had owners already hold these tables (created by the
    # retired "store" migration set), hence if_not_exists.
    db.table("lots").create(
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
        if_not_exists=True,
    )
    db.table("lots").create_index(["office_id", "status"], if_not_exists=True)
    db.table("lots").create_index(["ends_at"], if_not_exists=True)
    db.table("items").create(
        {"lot_id": str, "position": int, "name": str, "data": str},
        pk=("lot_id", "position"),
        foreign_keys=[("lot_id", "lots", "id")],
        if_not_exists=True,
    )
    db.table("lot_photos").create(
        {"lot_id": str, "position": int, "url": str, "is_cover": int},
        pk=("lot_id", "position"),
        foreign_keys=[("lot_id", "lots", "id")],
        if_not_exists=True,
    )


#: The columns a Lot is built from (the raw JSON kept for audit is left in the database).
_LOT_COLUMNS = (
    "id, office_id, office_name, title, category, location, province, limit_value, deposit, "
    "bid_increment, starts_at, ends_at, deposit_deadline, source_status, bidding_method, code, "
    "url, status, photos, seller, organizer"
)


# --- reading -------------------------------------------------------------------------------------


def get_lots(db: Database, lot_ids: Iterable[str]) -> list[Lot]:
    """The stored lots with these ids, in the order asked (unknown ids are left out)."""
    wanted = list(dict.fromkeys(lot_ids))
    found: dict[str, Lot] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ", ".join("?" * len(chunk))  # placeholders only; values are bound
        rows = list(db.query(
            f"select {_LOT_COLUMNS} from lots where id in ({marks})", chunk))  # noqa: S608
        items: dict[str, list[str]] = {}
        for lot_id, data in db.execute(
                f"select lot_id, data from items where lot_id in ({marks}) "  # noqa: S608
                "order by lot_id, position", chunk):
            items.setdefault(lot_id, []).append(data)
        for row in rows:
            found[row["id"]] = lot_from_row(row, items.get(row["id"], []))
    return [found[i] for i in wanted if i in found]


def get_lot(db: Database, lot_id: str) -> Lot | None:
    """One stored lot, or None."""
    found = get_lots(db, [lot_id])
    return found[0] if found else None


#: The shortest id prefix accepted for ``--lot`` (tables show the first eight characters).
MIN_PREFIX = 4


def resolve_lot_ref(db: Database, text: str, *, site_base: str | None = None) -> str:
    """The full lot id that *text* names, for ``--lot`` everywhere: a lot id or lelang.go.id lot
    URL (returned as given: ``promo run --lot`` may fetch a lot not stored yet), an unambiguous
    prefix of a stored lot's id (as tables show it, ``76470b46``), or a stored lot code
    (``CMZXPR``, any case). Raises :class:`UsageError` naming the candidates when a prefix fits
    several lots, :class:`NotFoundError` when nothing stored fits.
    """
    from promo_pipeline.errors import NotFoundError, UsageError
    from promo_pipeline.refs import parse_lot_ref

    raw = (text or "").strip()
    with contextlib.suppress(UsageError):
        parse_lot_ref(raw, site_base=site_base)
        return raw
    candidates: list[tuple[str, str | None, str]] = []
    if len(raw) >= MIN_PREFIX and all(c in "0123456789abcdefABCDEF-" for c in raw):
        candidates = [(r[0], r[1], r[2]) for r in db.execute(
            # hex digits and hyphens only: no LIKE wildcard can be in the prefix
            "select id, code, title from lots where id like ? order by ends_at, id limit 11",
            [raw.lower() + "%"])]
    if not candidates and raw:
        candidates = [(r[0], r[1], r[2]) for r in db.execute(
            "select id, code, title from lots where upper(code) = ? order by ends_at, id "
            "limit 11", [raw.upper()])]
    if len(candidates) == 1:
        return candidates[0][0]
    if candidates:
        shown = "; ".join(f"{lot_id} ({code or '-'}, {title[:40]})"
                          for lot_id, code, title in candidates[:10])
        more = "+" if len(candidates) > 10 else ""
        raise UsageError(f"{raw!r} cocok dengan {min(len(candidates), 10)}{more} lot: {shown}; "
                         "ketik lebih banyak karakter ID")
    accepted = (f"ID lot, awal ID minimal {MIN_PREFIX} karakter, kode lot, atau URL lot "
                "lelang.go.id")
    if not raw or not raw.replace("-", "").isalnum():
        raise UsageError(f"bukan ID lot atau URL lot lelang.go.id: {raw[:120]!r} ({accepted})")
    raise NotFoundError(f"tidak ada lot {raw!r} di basis data ({accepted}; jalankan promo "
                        "scrape dulu)")


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
        yield get_lots(db, ids[start:start + batch])


def list_lots(
    db: Database, *, office_id: str | None = None, status: str | None = None
) -> list[Lot]:
    """Stored lots ordered by auction end, optionally filtered."""
    return [lot for page in iter_lots(db, office_id=office_id, status=status) for lot in page]


def iter_postable(db: Database, now: datetime, *, office_id: str | None = None,
                  batch: int = 500) -> Iterator[list[Lot]]:
    """The lots that may be promoted at *now* (:meth:`Lot.closed_reason` is None), ordered by
    auction end, in pages. What ``promo render`` and ``promo run`` both work on."""
    for page in iter_lots(db, office_id=office_id, status=LOT_ACTIVE, batch=batch):
        lots = [lot for lot in page if lot.promotable(now)]
        if lots:
            yield lots


def active_between(db: Database, start: datetime, end: datetime, *,
                   office_id: str | None = None) -> list[Lot]:
    """Lots active at any time in [*start*, *end*): first seen before *end*, auction not over
    before *start*, not withdrawn before *start* (the report's "lots listed in a month")."""
    where, args = "1 = 1", []
    if office_id:
        where, args = "office_id = ?", [office_id]
    ids = []
    for lot_id, first_seen, ends_at, withdrawn in db.execute(
            f"select id, first_seen_at, ends_at, withdrawn_at from lots where {where}",  # noqa: S608
            args).fetchall():
        seen = clock.parse(first_seen)
        gone = clock.parse(withdrawn)
        if (seen is None or seen < end) and datetime.fromisoformat(ends_at) >= start and (
                gone is None or gone >= start):
            ids.append(lot_id)
    return sorted(get_lots(db, ids), key=lambda lot: (lot.ends_at, lot.id))


def collect_state(db: Database, lot_id: str) -> CollectState | None:
    """The stored lot's status, listing hash and detail age, or None for a new lot."""
    row = db.execute("select status, listing_hash, detail_fetched_at from lots where id = ?",
                     [lot_id]).fetchone()
    if row is None:
        return None
    fetched: datetime | None
    try:
        fetched = clock.parse(row[2])
    except ValueError:
        fetched = None
    return CollectState(status=row[0], listing_hash=row[1], detail_fetched_at=fetched)


def stored_listing(db: Database, lot_id: str) -> tuple[str, str | None, Any] | None:
    """``(office_id, category, raw listing item or None)`` of a stored lot, or None."""
    row = db.execute("select office_id, category, raw_listing from lots where id = ?",
                     [lot_id]).fetchone()
    if row is None:
        return None
    return row[0], row[1], json.loads(row[2]) if row[2] else None


def photo_urls(db: Database, lot_id: str) -> list[str]:
    """A stored lot's photo URLs, cover first."""
    return [r[0] for r in db.execute(
        "select url from lot_photos where lot_id = ? order by position", [lot_id])]


def lots_with_photos(db: Database, urls: Iterable[str]) -> list[str]:
    """Ids of the stored lots that show any of these photo URLs."""
    return [r[0] for r in db.execute(
        "select distinct lot_id from lot_photos where url in (select value from json_each(?)) "
        "order by lot_id", [json.dumps(list(urls))])]


# --- writing -------------------------------------------------------------------------------------


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
        found = list(db.query(
            "select content_hash, first_seen_at, changed_at, withdrawn_at, raw_listing, "
            "raw_detail, listing_hash, detail_fetched_at from lots where id = ?", [lot.id]))
        old = found[0] if found else None
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
        db.table("lots").upsert(row, pk="id")
        crash.point("mid_lot_upsert")
        db.execute("delete from items where lot_id = ?", [lot.id])
        db.table("items").insert_all(
            {"lot_id": lot.id, "position": i, "name": item.name,
             "data": json.dumps(item.to_dict(), ensure_ascii=False, sort_keys=True)}
            for i, item in enumerate(lot.items)
        )
        db.execute("delete from lot_photos where lot_id = ?", [lot.id])
        db.table("lot_photos").insert_all(
            {"lot_id": lot.id, "position": i, "url": url, "is_cover": int(i == 0)}
            for i, url in enumerate(lot.photos)
        )
    return outcome


# --- lifecycle -----------------------------------------------------------------------------------


def mark_seen(db: Database, lot_statuses: Iterable[tuple[str, str]], *, seen_at: str) -> None:
    """Lots seen in a listing, given as ``(lot id, stored status)``: ``last_seen_at`` moves, and
    a withdrawn lot listed again is active again."""
    rows = [(seen_at, LOT_ACTIVE if status == LOT_WITHDRAWN else status, lot_id)
            for lot_id, status in lot_statuses]
    if not rows:
        return
    with write_tx(db):
        db.conn.executemany(
            "update lots set last_seen_at = ?, status = ?, withdrawn_at = null where id = ?", rows)


def withdraw_missing(db: Database, office_id: str, listed: set[str], *, now: datetime,
                     categories: Iterable[str] = ()) -> list[str]:
    """Active lots of *office_id* that a complete listing no longer shows and whose auction is
    still ahead become ``withdrawn``; lots outside the office's category filter (which its
    listing never shows) are left alone. Returns the ids withdrawn."""
    wanted = {c.casefold() for c in categories}
    gone = []
    for lot_id, ends_at, category in db.execute(
            "select id, ends_at, category from lots where office_id = ? and status = ?",
            [office_id, LOT_ACTIVE]).fetchall():
        if lot_id in listed or datetime.fromisoformat(ends_at) <= now:
            continue
        if wanted and (category or "").casefold() not in wanted:
            continue
        gone.append(lot_id)
    if gone:
        at = clock.iso(now)
        with write_tx(db):
            db.conn.executemany("update lots set status = ?, withdrawn_at = ? where id = ?",
                                [(LOT_WITHDRAWN, at, lot_id) for lot_id in gone])
    return gone


def mark_ended(db: Database, now: datetime) -> list[str]:
    """Active lots whose auction end has passed become ``ended``; returns their ids."""
    ended = [lot_id for lot_id, ends_at in db.execute(
        "select id, ends_at from lots where status = ?", [LOT_ACTIVE]).fetchall()
        if datetime.fromisoformat(ends_at) <= now]
    if ended:
        with write_tx(db):
            db.conn.executemany("update lots set status = ? where id = ?",
                                [(LOT_ENDED, lot_id) for lot_id in ended])
    return ended
