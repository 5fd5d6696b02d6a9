"""The whole pipeline, once: collect → render → caption → queue.

Settings read: everything the stages read (``offices``, ``source``, ``storage``, ...); nothing of
its own.

:func:`run` is the one function that ``promo run``, ``promo run --lot``, the offline demo
(``promo run --demo``) and the daily service call. It records every run in the ``runs`` table
(kind ``"run"``): start, end, status (``ok`` | ``partial`` | ``failed``), per-stage counts, errors
and duration.

Stages run in order over a shared :class:`RunState`; each is a small function returning its
counts. *render* draws what is missing or stale for every postable lot (active, auction and deposit
deadline still ahead); *queue* expires/withdraws posts whose lots moved on, then captions (with
lint) and queues one pending post per new lot version (:func:`queue.sync_lot_post`).

- A stage that raises an expected failure (:class:`~promo_pipeline.errors.PromoError`, e.g. an
  unknown lot for ``--lot``, no office configured) ends the run: it is recorded as ``failed`` and
  the exception is re-raised, so the CLI prints its one-line message with the right exit status.
- A collect run where some office failed (but others worked) goes on to the later stages with
  what was stored, and ends ``partial``; the CLI then exits 1.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from promo_pipeline import captions, collect, formats, queue, render, store
from promo_pipeline.collect import CollectStats
from promo_pipeline.config import Config
from promo_pipeline.errors import NotQueueableError, PromoError
from promo_pipeline.models import LOT_ACTIVE, Lot

logger = logging.getLogger(__name__)

RUN_KIND = "run"
#: Lots rendered and queued per page (bounds memory on a national catalogue).
PAGE_SIZE = 500
STATUS_OK, STATUS_PARTIAL, STATUS_FAILED = "ok", "partial", "failed"


@dataclass
class RunState:
    """What flows between the stages of one run."""

    cfg: Config
    db: Database
    lot_ref: str | None = None
    progress: bool | None = None
    collect: CollectStats = field(default_factory=CollectStats)
    #: The lot fetched for ``--lot`` (None for a full run).
    lot: Lot | None = None
    errors: list[str] = field(default_factory=list)
    #: Rendered image paths per lot id (render → queue).
    images: dict[str, list[Path]] = field(default_factory=dict)
    #: The post queued (or found) for ``--lot``.
    post_id: int | None = None


@dataclass
class RunSummary:
    """What :func:`run` did; ``text`` is the one line the CLI prints."""

    run_id: int
    status: str
    counts: dict[str, dict[str, Any]]
    errors: list[str]
    duration_s: float
    collect: CollectStats
    lot: Lot | None = None
    #: The office's zone, for times shown to staff (``--lot``).
    timezone: str = "Asia/Jakarta"
    #: For ``--lot``: the post queued (or already there) and its image paths.
    post_id: int | None = None
    images: list[Path] = field(default_factory=list)

    def _later_stages(self) -> str:
        r, q = self.counts.get("render", {}), self.counts.get("queue", {})
        expired = q.get("posts_expired", 0)
        return (f"gambar dibuat {r.get('rendered', 0)}, tetap {r.get('unchanged', 0)}; "
                f"unggahan baru {q.get('queued', 0)}, kedaluwarsa {expired}, "
                f"menunggu tinjauan {q.get('pending', 0)}")

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK

    @property
    def text(self) -> str:
        """One line in Bahasa Indonesia, for staff."""
        word = {STATUS_OK: "selesai", STATUS_PARTIAL: "selesai sebagian",
                STATUS_FAILED: "gagal"}[self.status]
        head = f"Run #{self.run_id} {word} ({self.duration_s:.1f} dtk)"
        if self.lot is not None:
            c = self.collect
            state = ("baru" if c.lots_new else "berubah" if c.lots_changed else "tidak berubah")
            post = f"unggahan #{self.post_id}" if self.post_id else "tanpa unggahan"
            return (f"{head}: lot {self.lot.id} ({formats.shorten(self.lot.title, 60)}) {state}, "
                    f"berakhir {formats.datetime_medium(self.lot.ends_at, self.timezone)}; "
                    f"foto diunduh {c.photos_downloaded}, rusak {c.photos_bad}; "
                    f"{self._later_stages()}; {post}; galat {len(self.errors)}")
        return f"{head}: {self.collect.summary_line()}; {self._later_stages()}"


def run(
    cfg: Config,
    db: Database,
    *,
    lot_ref: str | None = None,
    progress: bool | None = None,
) -> RunSummary:
    """Run the pipeline once (all configured offices, or only the lot *lot_ref*: id or URL).

    *progress*: show progress on a terminal (None: only when stderr is one). Returns the summary;
    re-raises an expected failure after recording the run as failed (see the module docstring).
    """
    if lot_ref is not None:
        # Bad usage is not a run: check the reference before anything is recorded.
        collect.parse_lot_ref(lot_ref, site_base=cfg.source.site_base)
    state = RunState(cfg=cfg, db=db, lot_ref=lot_ref, progress=progress)
    run_id = store.start_run(db, RUN_KIND)
    started = time.monotonic()
    counts: dict[str, dict[str, Any]] = {}
    logger.info("run %d started%s", run_id, f" for lot {lot_ref}" if lot_ref else "")
    try:
        for name, stage in STAGES:
            result = stage(state)
            if result is not None:
                counts[name] = result
    except BaseException as exc:
        # Record what happened, then let the caller (CLI, daemon) handle it as usual.
        state.errors.append(_describe(exc))
        counts.setdefault("collect", state.collect.counts())
        store.finish_run(db, run_id, counts=_with_ref(counts, lot_ref), errors=state.errors,
                         status=STATUS_FAILED)
        logger.error("run %d failed: %s", run_id, state.errors[-1])
        raise
    status = _status(state)
    store.finish_run(db, run_id, counts=_with_ref(counts, lot_ref), errors=state.errors,
                     status=status)
    summary = RunSummary(
        run_id=run_id,
        status=status,
        counts=counts,
        errors=list(state.errors),
        duration_s=round(time.monotonic() - started, 3),
        collect=state.collect,
        lot=state.lot,
        timezone=_timezone(cfg, state.lot),
        post_id=state.post_id,
        images=list(state.images.get(state.lot.id, [])) if state.lot is not None else [],
    )
    logger.info("%s", summary.text)
    return summary


def _status(state: RunState) -> str:
    if not state.errors:
        return STATUS_OK
    offices = len(state.cfg.offices)
    if state.lot_ref is None and offices and len(state.collect.office_failures) >= offices:
        return STATUS_FAILED  # nothing could be collected at all
    return STATUS_PARTIAL


def _timezone(cfg: Config, lot: Lot | None) -> str:
    office = cfg.office(lot.office_id) if lot is not None else None
    return office.timezone if office is not None else cfg.default_timezone


def _describe(exc: BaseException) -> str:
    if isinstance(exc, PromoError):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _with_ref(counts: dict[str, Any], lot_ref: str | None) -> dict[str, Any]:
    return {**counts, "lot_ref": lot_ref} if lot_ref else counts


# --- the stages --------------------------------------------------------------------------------
# Each takes the run state and returns its counts (a flat dict of numbers). Errors that should
# not stop the run (one lot failing) go into state.errors.


def _collect(state: RunState) -> dict[str, Any]:
    """Collect every configured office, or the one lot of ``--lot``."""
    if state.lot_ref is not None:
        state.lot = collect.collect_lot(state.cfg, state.db, state.lot_ref, stats=state.collect)
    else:
        state.collect = collect.collect_all(state.cfg, state.db, progress=state.progress)
    state.errors.extend(state.collect.errors)
    return state.collect.counts()


def _postable(state: RunState) -> Iterator[list[Lot]]:
    """The lots that should have a post now (active, auction not ended, deposit still open),
    in pages, so a national catalogue is never held in memory at once."""
    if state.lot_ref is not None:
        pages: Iterable[list[Lot]] = [[state.lot]] if state.lot is not None else []
    else:
        pages = store.iter_lots(state.db, status=LOT_ACTIVE, batch=PAGE_SIZE)
    now = datetime.now(UTC)
    for page in pages:
        lots = [lot for lot in page
                if lot.status == LOT_ACTIVE and lot.ends_at > now
                and (lot.deposit_deadline is None or lot.deposit_deadline > now)]
        if lots:
            yield lots


def _render(state: RunState) -> dict[str, Any]:
    """Render the images that are missing or stale for every postable lot.

    Unchanged lots cost a hash comparison, not a render. A lot that fails to render is reported
    and gets no post this run; the others carry on.
    """
    workers = 1 if state.lot_ref is not None else None
    counts = {"lots": 0, "rendered": 0, "unchanged": 0, "failed": 0}
    for lots in _postable(state):
        batch = render.render_batch(state.cfg, state.db, lots, workers=workers)
        for image in batch.images:
            state.images.setdefault(image.lot_id, []).append(image.path)
        for lot_id, error in batch.errors.items():
            state.errors.append(f"render lot {lot_id}: {error}")
            state.images.pop(lot_id, None)
        counts["lots"] += len(lots)
        counts["rendered"] += batch.rendered
        counts["unchanged"] += batch.reused
        counts["failed"] += len(batch.errors)
    return counts


def _queue(state: RunState) -> dict[str, Any]:
    """Caption and queue a post (pending review) per new or changed lot version.

    First moves posts whose lots ended, were withdrawn or whose deposit deadline passed; then
    :func:`queue.sync_lot_post` writes the captions (with lint) and queues the post, or finds the
    one already queued for this lot version, so a second run makes no second post.
    """
    moved = queue.apply_lot_states(state.db, state.cfg)
    counts: dict[str, Any] = {"queued": 0, "existing": 0, "skipped": 0,
                              **{f"posts_{k}": v for k, v in moved.items()}}
    for lots in _postable(state):
        for lot in lots:
            images = state.images.get(lot.id)
            if not images:
                continue  # render failed (already reported)
            post_id = _tally(counts, state.errors, f"queue lot {lot.id}",
                             partial(queue.sync_lot_post, state.db, state.cfg, lot, images))
            if post_id is not None and state.lot is not None and lot.id == state.lot.id:
                state.post_id = post_id
    counts["pending"] = queue.count_by_status(state.db).get(queue.PENDING, 0)
    return counts


#: The pipeline, in order.
STAGES: list[tuple[str, Callable[[RunState], dict[str, Any] | None]]] = [
    ("collect", _collect),
    ("render", _render),
    ("queue", _queue),
]


# --- weekly digest and H-1 reminders (called by the daemon) ------------------------------------


@dataclass
class JobSummary:
    """What a digest or reminder job did (recorded in ``runs`` like a run)."""

    run_id: int
    kind: str
    status: str
    counts: dict[str, Any]
    errors: list[str]

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK

    @property
    def text(self) -> str:
        word = {"digest": "Rangkuman pekanan", "reminders": "Pengingat H-1"}[self.kind]
        return (f"{word} #{self.run_id}: unggahan baru {self.counts.get('queued', 0)}, "
                f"sudah ada {self.counts.get('existing', 0)}; galat {len(self.errors)}")


def _job(cfg: Config, db: Database, kind: str,
         body: Callable[[dict[str, Any], list[str]], None]) -> JobSummary:
    run_id = store.start_run(db, kind)
    counts: dict[str, Any] = {"queued": 0, "existing": 0, "skipped": 0}
    errors: list[str] = []
    try:
        body(counts, errors)
    except BaseException as exc:
        errors.append(_describe(exc))
        store.finish_run(db, run_id, counts=counts, errors=errors, status=STATUS_FAILED)
        raise
    status = STATUS_PARTIAL if errors else STATUS_OK
    store.finish_run(db, run_id, counts=counts, errors=errors, status=status)
    summary = JobSummary(run_id, kind, status, counts, errors)
    logger.info("%s", summary.text)
    return summary


def _tally(counts: dict[str, Any], errors: list[str], label: str,
           make: Callable[[], tuple[int, bool]]) -> int | None:
    """Run one queueing step; count it as queued / existing / skipped, or record its error.

    A lot that can no longer get a post (ended, withdrawn, not approved) is skipped, not an
    error; any other expected failure is reported and the caller goes on with the next one.
    """
    try:
        post_id, created = make()
    except NotQueueableError as exc:
        counts["skipped"] += 1
        logger.info("%s not queued: %s", label, exc)
        return None
    except PromoError as exc:
        errors.append(f"{label}: {exc}")
        return None
    counts["queued" if created else "existing"] += 1
    return post_id


def run_digest(cfg: Config, db: Database, *, now: datetime | None = None) -> JobSummary:
    """Per office: one digest post over the lots whose deposit deadline falls in the next 7 days.

    The digest images are rendered from the stored lots (up to six lots per image); the post is
    keyed by the office and ISO week, so running twice in a week makes no second post unless the
    set of lots changed.
    """
    moment = now or datetime.now(UTC)
    horizon = moment + timedelta(days=7)

    def body(counts: dict[str, Any], errors: list[str]) -> None:
        for office in cfg.offices:
            lots = [lot for lot in store.list_lots(db, office_id=office.id, status=LOT_ACTIVE)
                    if lot.ends_at > moment
                    and moment < (lot.deposit_deadline or lot.ends_at) <= horizon]
            if not lots:
                counts["skipped"] += 1
                continue
            lots.sort(key=lambda lot: (lot.deposit_deadline or lot.ends_at, lot.id))
            week = captions.iso_week(formats.local(moment, office.timezone))
            title = f"Lelang pekan ini · {captions.week_label(week)}"
            def make(lots: list[Lot] = lots, week: str = week, title: str = title,
                     office_id: str = office.id) -> tuple[int, bool]:
                images = render.render_digest(cfg, db, lots, title=title, now=moment)
                return queue.sync_digest_post(db, cfg, office_id, lots,
                                              [i.path for i in images], week=week)

            _tally(counts, errors, f"digest {office.name}", make)

    return _job(cfg, db, "digest", body)


def run_reminders(cfg: Config, db: Database, *, now: datetime | None = None) -> JobSummary:
    """An H-1 reminder for every lot whose auction ends tomorrow (office-local) and whose post
    was approved or published; one reminder per lot version."""
    moment = now or datetime.now(UTC)

    def body(counts: dict[str, Any], errors: list[str]) -> None:
        for lot in store.list_lots(db, status=LOT_ACTIVE):
            tz = _timezone(cfg, lot)
            tomorrow = formats.local(moment, tz).date() + timedelta(days=1)
            if formats.local(lot.ends_at, tz).date() != tomorrow:
                continue
            def make(lot: Lot = lot) -> tuple[int, bool]:
                images = render.render_lot(cfg, db, lot, now=moment)
                return queue.sync_reminder_post(db, cfg, lot, [i.path for i in images])

            _tally(counts, errors, f"reminder lot {lot.id}", make)

    return _job(cfg, db, "reminders", body)
