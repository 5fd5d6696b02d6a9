"""Each lot's lelang.go.id category, learned from the source: the listing has no category field,
but its ``namakategori[]`` filter does (``reference/lelang-api.md`` §4.2).

Settings read: ``source.category_refresh_hours`` (how often an office's categories are learned
again; 0 = never learn); the rest through :mod:`promo_pipeline.fetch`.

How (:func:`learn`): the category names come from the ``landing-page/kategori`` endpoint; the
office's catalogue is listed once per name that maps to an art family
(:func:`promo_pipeline.titles.family_for_category`: a name that maps to none would not change a
picture, so it costs no request). A lot listed under names of *different* families gets none
(the title then decides, cautiously). The scan is bounded: one category list request plus, per
useful category, the pages of that category's lots, so about the plain listing's pages plus one
request per category; and it runs only when the office's last scan is older than
``category_refresh_hours``, never on every run. A scan that fails part-way keeps the previous
mapping and is tried again on the next run.

Offices with a configured ``categories`` filter learn nothing here: their listing passes already
say each lot's category.

This module owns the tables (migration set ``"categories"``):

- ``lot_categories``: lot id → the category name it was listed under, per office;
- ``category_scans``: per office, when the last complete scan ran and what it cost.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from promo_pipeline import clock
from promo_pipeline.errors import FetchError
from promo_pipeline.store import write_tx
from promo_pipeline.titles.families import family_for_category

if TYPE_CHECKING:  # the network stack loads only when a scan runs (opening the database is light)
    from promo_pipeline.config import Source
    from promo_pipeline.http import HttpClient

logger = logging.getLogger(__name__)

migrations = Migrations("categories")


@migrations()
def m001_categories(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE lot_categories (
            lot_id TEXT PRIMARY KEY,
            office_id TEXT NOT NULL,
            category TEXT NOT NULL,
            learned_at TEXT NOT NULL
        )
        """
    )
    db.table("lot_categories").create_index(["office_id"])
    db.execute(
        """
        CREATE TABLE category_scans (
            office_id TEXT PRIMARY KEY,
            scanned_at TEXT NOT NULL,
            categories TEXT NOT NULL,
            lots INTEGER NOT NULL,
            requests INTEGER NOT NULL
        )
        """
    )


@dataclass(frozen=True)
class Scan:
    """What one scan of an office's categories found."""

    office_id: str
    #: lot id → category name (only lots listed under one family's names).
    found: dict[str, str] = field(default_factory=dict)
    #: The category names listed.
    categories: tuple[str, ...] = ()
    requests: int = 0
    #: Why the scan is not usable (a request failed), or None.
    error: str | None = None


def due(db: Database, office_id: str, *, every_hours: float, now: datetime) -> bool:
    """Whether the office's categories should be learned now (never when *every_hours* ≤ 0)."""
    if every_hours <= 0:
        return False
    row = db.execute("select scanned_at from category_scans where office_id = ?",
                     [office_id]).fetchone()
    last = clock.parse(row[0]) if row else None
    return last is None or now - last >= timedelta(hours=every_hours)


def learned(db: Database, office_id: str) -> dict[str, str]:
    """lot id → category name, as the office's last complete scan found them."""
    rows = db.execute("select lot_id, category from lot_categories where office_id = ?",
                      [office_id]).fetchall()
    return {r[0]: r[1] for r in rows}


def record(db: Database, scan: Scan, *, now: datetime) -> None:
    """Replace the office's learned categories by those of a complete *scan*."""
    at = clock.iso(now)
    with write_tx(db):
        db.execute("delete from lot_categories where office_id = ?", [scan.office_id])
        db.conn.executemany(
            "insert or replace into lot_categories (lot_id, office_id, category, learned_at) "
            "values (?, ?, ?, ?)",
            [(lot_id, scan.office_id, name, at) for lot_id, name in scan.found.items()])
        db.execute(
            "insert into category_scans (office_id, scanned_at, categories, lots, requests) "
            "values (?, ?, ?, ?, ?) on conflict (office_id) do update set "
            "scanned_at = excluded.scanned_at, categories = excluded.categories, "
            "lots = excluded.lots, requests = excluded.requests",
            [scan.office_id, at, json.dumps(list(scan.categories), ensure_ascii=False),
             len(scan.found), scan.requests])


def useful(names: Iterable[str]) -> list[str]:
    """The category names worth a listing: those that map to an art family (no repeats)."""
    out: list[str] = []
    for name in names:
        if family_for_category(name) is not None and name not in out:
            out.append(name)
    return out


def learn(client: HttpClient, source: Source, office_id: str) -> Scan:
    """List the office once per useful category; never raises for a fetch failure."""
    from promo_pipeline import fetch

    before = client.stats.requests
    try:
        names = useful(fetch.fetch_categories(client, source))
    except FetchError as exc:
        return Scan(office_id, requests=client.stats.requests - before,
                    error=f"category list: {exc}")
    seen: dict[str, list[str]] = {}
    for name in names:
        listing = fetch.fetch_listing(client, source, office_id, [name])
        if listing.error is not None or not listing.complete:
            why = listing.error or "; ".join(listing.warnings) or "incomplete"
            return Scan(office_id, categories=tuple(names),
                        requests=client.stats.requests - before,
                        error=f"category {name!r}: {why}")
        for item in listing.items:
            lot_id = fetch.item_id(item)
            if lot_id is not None and name not in seen.setdefault(lot_id, []):
                seen[lot_id].append(name)
    found = {}
    for lot_id, listed in seen.items():
        if len({family_for_category(n) for n in listed}) == 1:
            found[lot_id] = listed[0]
        else:
            logger.info("lot %s is listed under categories of different kinds (%s): none "
                        "recorded", lot_id, ", ".join(listed))
    return Scan(office_id, found=found, categories=tuple(names),
                requests=client.stats.requests - before)
