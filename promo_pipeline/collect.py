"""The collect stage: lelang.go.id listings → lots, items and photos in the SQLite store.

Settings read: ``offices`` (id, name, categories), ``source.*`` (see :mod:`promo_pipeline.http`,
:mod:`promo_pipeline.fetch`, :mod:`promo_pipeline.photos`; ``detail_max_age_hours`` here),
``storage.database``/``media_dir``.

For every configured office (one listing pass per configured category, or one unfiltered pass,
with each lot's category learned from the source on a schedule, :mod:`promo_pipeline.categories`):

1. page the listing (:func:`fetch.fetch_listing`);
2. for each item: fetch the detail when the lot is new, its listing item changed
   (``listing_hash``) or its stored detail is older than ``detail_max_age_hours``; otherwise the
   stored lot is only marked as seen (so an unchanged scrape makes listing requests only);
3. parse (:func:`parse.parse_lot`); a malformed item is skipped with a warning naming the lot,
   the rest of the page is stored;
4. store it (:func:`lots.save_lot`: one transaction per lot covering lots + items + lot_photos;
   ``changed_at`` moves when the content hash does);
5. photos: :class:`photos.PhotoCache` (new or changed lots retry earlier bad photos).

Then, only when the office's listing was seen *whole* (no fetch failure, no page cap, no
repeating page): active lots of that office that are missing from it and still in the future
become ``withdrawn``; a withdrawn lot that shows up again is active again. Finally every active
lot whose end has passed becomes ``ended``.

An office whose listing cannot be fetched after retries is reported (``office_failures``), what
was already stored stays, the other offices still run, and the result is a failure (the CLI exits
non-zero). So is a collect that stored nothing while the source listed lots, or skipped more than
half of the listed lots (:meth:`CollectStats.health`, in :mod:`promo_pipeline.collect_stats`
with the counts, re-exported here): typically an API change that left every
item without a required key; its one Indonesian line names the commonest cause
("semua 145 lot dilewati: uangJaminan tidak ada — format API berubah?"). Progress is shown on a
terminal (rich) and nowhere else (cron).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from promo_pipeline import categories as lot_categories
from promo_pipeline import clock, fetch, fsutil
from promo_pipeline.collect_stats import CollectStats as CollectStats
from promo_pipeline.collect_stats import skip_cause
from promo_pipeline.config import Config, Office
from promo_pipeline.errors import (
    ConfigError,
    NotFoundError,
    ParseError,
    PermanentFetchError,
    RetryableFetchError,
)
from promo_pipeline.http import HttpClient
from promo_pipeline.lots import (
    LOT_ACTIVE,
    LOT_ENDED,
    LOT_UNCHANGED,
    LOT_WITHDRAWN,
    CollectState,
    Lot,
    collect_state,
    get_lot,
    mark_ended,
    mark_seen,
    photo_urls,
    save_lot,
    stored_listing,
    withdraw_missing,
)
from promo_pipeline.parse import parse_lot
from promo_pipeline.photos import PhotoCache
from promo_pipeline.progress import Bar
from promo_pipeline.progress import progress as progress_display
from promo_pipeline.refs import parse_lot_ref

logger = logging.getLogger(__name__)

#: After this many detail requests in a row fail even after retries, an office is given up.
MAX_DETAIL_FAILURES = 3

#: The id in the shipped example config.toml, to be replaced by the office's real one.
PLACEHOLDER_OFFICE_ID = "00000000-0000-0000-0000-000000000000"


def check_offices(cfg: Config) -> None:
    """Raise :class:`ConfigError` unless at least one real office is configured."""
    if not cfg.offices:
        raise ConfigError("no office configured: add an [[offices]] table with its id "
                          "(find it with `promo offices --search NAME`)")
    for i, office in enumerate(cfg.offices):
        if office.id == PLACEHOLDER_OFFICE_ID:
            raise ConfigError(f"config key 'offices[{i}].id' is still the placeholder of the "
                              f"example config; find the real unitKerjaId of {office.name} with "
                              "`promo offices --search NAME`")


def collect_all(
    cfg: Config,
    db: Database,
    *,
    client: HttpClient | None = None,
    progress: bool | None = None,
) -> CollectStats:
    """Collect every configured office; see the module docstring.

    *progress*: show a progress display (None: only when stderr is a terminal). Recording the
    run is the caller's (``promo scrape`` and ``promo run`` are runs; see
    :mod:`promo_pipeline.pipeline`).
    """
    check_offices(cfg)
    # A photo write killed before its rename leaves a *.tmp; nothing else can be writing now
    # (runs hold the project lock), so clear them.
    fsutil.sweep_temp(cfg.media_dir / "photos")
    own_client = client is None
    client = client or HttpClient(cfg.source)
    started = time.monotonic()
    requests_before, retries_before = client.stats.requests, client.stats.retries
    collector = _Collector(cfg, db, client, clock.now())
    try:
        with progress_display(progress) as bar:
            for office in cfg.offices:
                collector.office(office, bar)
        collector.mark_ended()
        problem = collector.stats.health()
        if problem is not None:
            logger.error("collect failed: %s", problem)
            collector.stats.errors.insert(0, problem)
    finally:
        stats = collector.stats
        stats.requests = client.stats.requests - requests_before
        stats.retries = client.stats.retries - retries_before
        stats.duration_s = round(time.monotonic() - started, 3)
        if own_client:
            client.close()
    logger.info("collect done: %s", stats.counts())
    return stats


class _Collector:
    def __init__(self, cfg: Config, db: Database, client: HttpClient, now: datetime):
        self.cfg = cfg
        self.db = db
        self.client = client
        self.now = now
        self.seen_at = clock.iso(now)
        self.stats = CollectStats()
        self.photos = PhotoCache(cfg, db, client)
        self.max_age = timedelta(hours=cfg.source.detail_max_age_hours)

    # --- one office -------------------------------------------------------------------------
    def office(self, office: Office, bar: Bar) -> None:
        self.stats.offices += 1
        found: dict[str, tuple[Any, str | None]] = {}
        complete = True
        failure: str | None = None
        for categories in [[c] for c in office.categories] or [[]]:
            label = f"{office.name}" + (f" ({categories[0]})" if categories else "")
            bar.start(label)
            listing = fetch.fetch_listing(
                self.client, self.cfg.source, office.id, categories,
                on_page=lambda page, total, label=label: bar.page(label, page, total))
            self.stats.pages += listing.pages
            self.stats.warnings.extend(listing.warnings)
            complete = complete and listing.complete
            if listing.error is not None and failure is None:
                failure = f"kantor {office.name} ({office.id}): daftar lot gagal diambil: " \
                          f"{listing.error}"
            for position, item in enumerate(listing.items, 1):
                lot_id = fetch.item_id(item)
                if lot_id is None:
                    self._skip(f"office {office.id}: listing item #{position} has no "
                               f"lotLelangId; skipped", "lotLelangId tidak ada")
                    self.stats.lots_listed += 1
                    continue
                found.setdefault(lot_id, (item, categories[0] if categories else None))
        if not office.categories and found:
            learned = self._categories(office)
            found = {k: (item, learned.get(k)) for k, (item, _) in found.items()}

        self.stats.lots_listed += len(found)
        detail_failures = 0
        touched: list[tuple[str, str]] = []
        bar.lots(office.name, len(found))
        for lot_id, (item, category) in found.items():
            bar.advance()
            fetch_details = detail_failures < MAX_DETAIL_FAILURES
            result = self._lot(office, lot_id, item, category, fetch_details, touched)
            if result == "detail_failed":
                detail_failures += 1
                if detail_failures == MAX_DETAIL_FAILURES and failure is None:
                    failure = (f"kantor {office.name} ({office.id}): detail lot gagal diambil "
                               f"{MAX_DETAIL_FAILURES}× berturut-turut; sisa detail dilewati")
            elif result != "skipped":
                detail_failures = 0 if fetch_details else detail_failures
        self._touch(touched)

        if failure is not None:
            logger.error("%s", failure)
            self.stats.errors.append(failure)
            self.stats.office_failures.append(office.id)
        elif complete:
            self._withdraw_missing(office, set(found))
        else:
            logger.warning("office %s: listing incomplete; no lot is marked withdrawn", office.id)

    def _categories(self, office: Office) -> dict[str, str]:
        """The office's lots' categories: learned again when due, else as last learned."""
        every = self.cfg.source.category_refresh_hours
        if lot_categories.due(self.db, office.id, every_hours=every, now=self.now):
            scan = lot_categories.learn(self.client, self.cfg.source, office.id)
            self.stats.category_scans += 1
            self.stats.category_requests += scan.requests
            if scan.error is None:
                lot_categories.record(self.db, scan, now=self.now)
                logger.info("office %s: categories learned for %d lot(s) from %d categories "
                            "(%d requests)", office.id, len(scan.found), len(scan.categories),
                            scan.requests)
            else:
                msg = (f"office {office.id}: categories not learned ({scan.error}); the last "
                       "ones learned are used")
                logger.warning("%s", msg)
                self.stats.warnings.append(msg)
        return lot_categories.learned(self.db, office.id)

    # --- one lot ------------------------------------------------------------------------------
    def _lot(
        self, office: Office, lot_id: str, item: Any, category: str | None, fetch_details: bool,
        touched: list[tuple[str, str]],
    ) -> str:
        # A category learned (or changed) since the lot was stored makes it "changed" once.
        listing_hash = _hash(item) if category is None else _hash([item, category])
        row = collect_state(self.db, lot_id)
        if row is not None and row.listing_hash == listing_hash and self._fresh(row):
            # Unchanged listing and a fresh detail: nothing to parse or write but "seen".
            self.stats.lots_unchanged += 1
            if row.status == LOT_WITHDRAWN:
                self.stats.lots_reappeared += 1
            touched.append((lot_id, row.status))
            self._photos(photo_urls(self.db, lot_id), retry_bad=False)
            return "unchanged"

        detail: dict[str, Any] | None = None
        detail_fetched_at: str | None = None
        detail_problem: str | None = None
        if not fetch_details:
            if row is not None:
                touched.append((lot_id, row.status))
            return "detail_failed"
        try:
            detail = fetch.fetch_detail(self.client, self.cfg.source, lot_id)
            self.stats.details += 1
            detail_fetched_at = self.seen_at
        except RetryableFetchError as exc:
            # Keep what is stored; the unchanged listing_hash makes the next run try again.
            msg = f"lot {lot_id}: detail not fetched: {exc}"
            logger.error("%s", msg)
            self.stats.errors.append(msg)
            if row is not None:
                touched.append((lot_id, row.status))
            return "detail_failed"
        except PermanentFetchError as exc:
            # Gone or malformed on the detail endpoint: the listing alone may still be a lot
            # (said below, once we know whether it parses).
            detail_problem = str(exc)
            detail_fetched_at = self.seen_at

        try:
            lot = parse_lot(item, detail, site_base=self.cfg.source.site_base,
                            file_base=self.cfg.source.file_base, category=category,
                            office_id=office.id, office_name=office.name)
        except ParseError as exc:
            also = f" (detail unusable: {detail_problem})" if detail_problem else ""
            self._skip(f"office {office.id}: {exc}{also}; skipped", skip_cause(exc))
            if row is not None:
                touched.append((lot_id, row.status))
            return "skipped"
        if detail_problem is not None:
            msg = f"lot {lot_id}: detail unusable ({detail_problem}); stored from the listing only"
            logger.warning("%s", msg)
            self.stats.warnings.append(msg)
        outcome = save_lot(
            self.db, dataclasses.replace(lot, status=LOT_ACTIVE), seen_at=self.seen_at,
            raw_listing=item, raw_detail=detail, listing_hash=listing_hash,
            detail_fetched_at=detail_fetched_at)
        if row is not None and row.status == LOT_WITHDRAWN:
            self.stats.lots_reappeared += 1
            logger.info("lot %s is listed again: active", lot_id)
        self.stats.count(outcome)
        self._photos(list(lot.photos), retry_bad=outcome != LOT_UNCHANGED)
        return outcome

    def _fresh(self, state: CollectState) -> bool:
        fetched = state.detail_fetched_at
        return fetched is not None and self.now - fetched < self.max_age

    def _photos(self, urls: list[str], *, retry_bad: bool) -> None:
        results = self.photos.ensure_lot(urls, retry_bad=retry_bad)
        for result in results:
            self.stats.count(result.outcome)

    def _skip(self, message: str, cause: str) -> None:
        logger.warning("%s", message)
        self.stats.warnings.append(message)
        self.stats.lots_skipped += 1
        self.stats.skip_causes.append(cause)

    # --- lifecycle --------------------------------------------------------------------------
    def _touch(self, touched: list[tuple[str, str]]) -> None:
        """Mark stored lots as seen in this listing (withdrawn ones become active again)."""
        mark_seen(self.db, touched, seen_at=self.seen_at)

    def _withdraw_missing(self, office: Office, listed: set[str]) -> None:
        gone = withdraw_missing(self.db, office.id, listed, now=self.now,
                                categories=office.categories)
        if gone:
            self.stats.lots_withdrawn += len(gone)
            logger.info("office %s: %d lot(s) withdrawn: %s", office.id, len(gone),
                        ", ".join(gone))

    def mark_ended(self) -> None:
        self.stats.lots_ended += len(mark_ended(self.db, self.now))


# --- one lot, on demand -------------------------------------------------------------------------


def collect_lot(
    cfg: Config,
    db: Database,
    ref: str,
    *,
    client: HttpClient | None = None,
    stats: CollectStats | None = None,
) -> Lot:
    """Collect one lot by id or URL straight from the detail endpoint (urgent auctions).

    The lot need not be in any listing. It is stored like any other (its stored listing item, if
    any, is merged), its photos are downloaded (earlier bad photos are retried), and the stored
    lot is returned. An unknown lot raises :class:`NotFoundError`.
    """
    office_hint, lot_id = parse_lot_ref(ref, site_base=cfg.source.site_base)
    now = clock.now()
    seen_at = clock.iso(now)
    stats = stats if stats is not None else CollectStats()
    own_client = client is None
    client = client or HttpClient(cfg.source)
    requests_before, retries_before = client.stats.requests, client.stats.retries
    try:
        try:
            detail = fetch.fetch_detail(client, cfg.source, lot_id)
        except PermanentFetchError as exc:
            if exc.status == 404:
                raise NotFoundError(f"lot {lot_id} tidak ditemukan di lelang.go.id") from None
            raise
        stats.details += 1
        stored_office, category, item = stored_listing(db, lot_id) or (None, None, None)
        office_id = office_hint or stored_office or (
            cfg.offices[0].id if len(cfg.offices) == 1 else None)
        office = cfg.office(office_id) if office_id else None
        lot = parse_lot(item, detail, site_base=cfg.source.site_base,
                        file_base=cfg.source.file_base, category=category,
                        office_id=office_id, office_name=office.name if office else None)
        status = LOT_ENDED if lot.ends_at <= now else LOT_ACTIVE
        outcome = save_lot(db, dataclasses.replace(lot, status=status), seen_at=seen_at,
                                 raw_detail=detail, detail_fetched_at=seen_at)
        stats.count(outcome)
        for result in PhotoCache(cfg, db, client).ensure_lot(lot.photos, retry_bad=True):
            stats.count(result.outcome)
    finally:
        stats.requests += client.stats.requests - requests_before
        stats.retries += client.stats.retries - retries_before
        if own_client:
            client.close()
    stored = get_lot(db, lot_id)
    assert stored is not None
    return stored


def _hash(item: Any) -> str:
    blob = json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
