"""The whole pipeline, once: collect → render → caption → queue; and the other recorded runs.

Settings read: everything the stages read (``offices``, ``source``, ``storage``, ...); nothing of
its own.

:func:`run` is the one function that ``promo run``, ``promo run --lot``, the offline demo
(``promo run --demo``) and the daily service call; :func:`scrape` collects only
(``promo scrape``); :func:`run_digest` and :func:`run_reminders` are the daemon's weekly digest and
H-1 reminder jobs. Each records itself in the ``runs`` table (:class:`runs.Recorder`) and returns
the one :class:`~promo_pipeline.runs.RunSummary`.

Stages run in order over a shared :class:`RunState`; each is a small function returning its
counts. *render* draws what is missing or stale for every postable lot
(:func:`lots.iter_postable`: :meth:`Lot.closed_reason` is None — the same lots ``promo render``
draws); *queue* expires/withdraws posts whose lots moved on, links re-listed lots to their older
lot (:func:`outcomes.refresh`, so captions can say "dilelang ulang"), then captions (with lint)
and queues one pending post per new lot version (:func:`queue.sync_lot_post`).

- A stage that raises an expected failure (:class:`~promo_pipeline.errors.PromoError`, e.g. an
  unknown lot for ``--lot``, no office configured) ends the run: it is recorded as ``failed`` and
  the exception is re-raised, so the CLI prints its one-line message with the right exit status.
- A collect run where some office failed (but others worked) goes on to the later stages with
  what was stored, and ends ``partial``; the CLI then exits 1.

The caller holds the project lock (the CLI command or the daemon job).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from promo_pipeline import captions, clock, collect, formats, outcomes, present, queue, refs, render
from promo_pipeline.collect import CollectStats
from promo_pipeline.config import Config
from promo_pipeline.errors import NotQueueableError, PromoError, UsageError
from promo_pipeline.lots import LOT_ACTIVE, Lot, iter_postable, list_lots
from promo_pipeline.runs import Counts, Recorder, RunSummary, status_of

logger = logging.getLogger(__name__)

RUN_KIND = "run"
#: Lots rendered and queued per page (bounds memory on a national catalogue).
PAGE_SIZE = 500


@dataclass
class RunState:
    """What flows between the stages of one run."""

    cfg: Config
    db: Database
    now: datetime
    lot_ref: str | None = None
    progress: bool | None = None
    #: Only these offices (the daemon's per-office daily run); None: every office.
    office_ids: tuple[str, ...] | None = None
    collect: CollectStats = field(default_factory=CollectStats)
    #: The lot fetched for ``--lot`` (None for a full run).
    lot: Lot | None = None
    errors: list[str] = field(default_factory=list)
    #: Rendered image paths per lot id (render → queue).
    images: dict[str, list[Path]] = field(default_factory=dict)
    #: The post queued (or found) for ``--lot``.
    post_id: int | None = None


def run(
    cfg: Config,
    db: Database,
    *,
    lot_ref: str | None = None,
    progress: bool | None = None,
    office_ids: Sequence[str] | None = None,
) -> RunSummary:
    """Run the pipeline once (all configured offices, only *office_ids*, or only the lot
    *lot_ref*: id or URL). A run of some offices collects, renders and queues only their lots;
    the daemon runs each office at its own local time this way, so one office's failure never
    stops another's run.

    *progress*: show progress on a terminal (None: only when stderr is one). Returns the summary;
    re-raises an expected failure after recording the run as failed (see the module docstring).
    """
    if lot_ref is not None:
        # Bad usage is not a run: check the reference before anything is recorded.
        refs.parse_lot_ref(lot_ref, site_base=cfg.source.site_base)
    ids = None if office_ids is None else tuple(office_ids)
    if ids is not None:
        unknown = [i for i in ids if cfg.office(i) is None]
        if unknown:
            raise UsageError(f"kantor {', '.join(unknown)} tidak ada di konfigurasi")
    state = RunState(cfg=cfg, db=db, now=clock.now(), lot_ref=lot_ref, progress=progress,
                     office_ids=ids)
    recorder = Recorder(db, RUN_KIND, lot_ref=lot_ref, offices=ids)
    counts: dict[str, Counts] = {}
    logger.info("run %d started%s", recorder.run_id, f" for lot {lot_ref}" if lot_ref else "")
    try:
        for name, stage in STAGES:
            counts[name] = stage(state)
    except BaseException as exc:
        # Record what happened, then let the caller (CLI, daemon) handle it as usual.
        state.errors.append(_describe(exc))
        counts.setdefault("collect", state.collect.counts())
        recorder.fail(counts, state.errors)
        logger.error("run %d failed: %s", recorder.run_id, state.errors[-1])
        raise
    lot = state.lot
    summary = recorder.finish(
        counts, state.errors, warnings=state.collect.warnings,
        status=status_of(state.errors,
                         nothing_done=lot_ref is None and state.collect.nothing_collected),
        lot=lot, timezone=cfg.timezone_of(lot.office_id) if lot is not None else None,
        post_id=state.post_id, images=state.images.get(lot.id, []) if lot is not None else [])
    logger.info("%s", present.run_line(summary))
    return summary


def scrape(cfg: Config, db: Database, *, progress: bool | None = None) -> RunSummary:
    """Collect every configured office, recorded as a run of kind ``scrape``."""
    collect.check_offices(cfg)
    recorder = Recorder(db, "scrape")
    try:
        stats = collect.collect_all(cfg, db, progress=progress)
    except BaseException as exc:
        recorder.fail({}, [f"run aborted: {_describe(exc)}"])
        raise
    summary = recorder.finish(
        {"collect": stats.counts()}, stats.errors, warnings=stats.warnings,
        status=status_of(stats.errors, nothing_done=stats.nothing_collected))
    logger.info("%s", present.run_line(summary))
    return summary


def _describe(exc: BaseException) -> str:
    if isinstance(exc, PromoError):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# --- the stages --------------------------------------------------------------------------------
# Each takes the run state and returns its counts (a flat dict of numbers). Errors that should
# not stop the run (one lot failing) go into state.errors.


def _collect(state: RunState) -> Counts:
    """Collect every configured office, or the one lot of ``--lot``."""
    if state.lot_ref is not None:
        state.lot = collect.collect_lot(state.cfg, state.db, state.lot_ref, stats=state.collect)
    else:
        cfg = state.cfg
        if state.office_ids is not None:  # only those offices are collected (and withdrawn)
            cfg = replace(cfg, offices=[o for o in cfg.offices if o.id in state.office_ids])
        state.collect = collect.collect_all(cfg, state.db, progress=state.progress)
    state.errors.extend(state.collect.errors)
    return state.collect.counts()


def _postable(state: RunState) -> Iterator[list[Lot]]:
    """The lots that should have a post now, in pages (a national catalogue is never held in
    memory at once): the same rule as ``promo render``."""
    if state.lot_ref is None and state.office_ids is not None:
        for office_id in state.office_ids:
            yield from iter_postable(state.db, state.now, batch=PAGE_SIZE, office_id=office_id)
    elif state.lot_ref is None:
        yield from iter_postable(state.db, state.now, batch=PAGE_SIZE)
    elif state.lot is not None and state.lot.promotable(state.now):
        yield [state.lot]


def _render(state: RunState) -> Counts:
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


def _queue(state: RunState) -> Counts:
    """Caption and queue a post (pending review) per new or changed lot version.

    First moves posts whose lots ended, were withdrawn or whose deposit deadline passed; then
    :func:`queue.sync_lot_post` writes the captions (with lint) and queues the post, or finds the
    one already queued for this lot version, so a second run makes no second post.
    """
    moved = queue.apply_lot_states(state.db)
    _link_relistings(state)
    counts: Counts = {"queued": 0, "existing": 0, "skipped": 0,
                      **{f"posts_{k}": v for k, v in moved.items()}}
    for lots in _postable(state):
        # Lots whose render failed get no post (already reported).
        batch = [(lot, state.images[lot.id]) for lot in lots if state.images.get(lot.id)]
        for synced in queue.sync_lot_posts(state.db, state.cfg, batch):
            post_id = _count(counts, state.errors, f"queue lot {synced.lot_id}", synced)
            if post_id is not None and state.lot is not None and synced.lot_id == state.lot.id:
                state.post_id = post_id
    counts["pending"] = queue.count_by_status(state.db).get(queue.PENDING, 0)
    return counts


def _link_relistings(state: RunState) -> None:
    """Link re-listed lots to their older lot before captions are written, so a new lot's
    captions can say "dilelang ulang" (:mod:`promo_pipeline.outcomes`), office by office."""
    if state.lot_ref is not None:
        offices = [state.lot.office_id] if state.lot is not None else []
    else:
        offices = list(state.office_ids or (o.id for o in state.cfg.offices))
    for office_id in offices:
        outcomes.refresh(state.db, state.now, office_id=office_id)


#: The pipeline, in order.
STAGES: list[tuple[str, Callable[[RunState], Counts]]] = [
    ("collect", _collect),
    ("render", _render),
    ("queue", _queue),
]


# --- weekly digest and H-1 reminders (called by the daemon) ------------------------------------


def _job(db: Database, kind: str, body: Callable[[Counts, list[str]], None]) -> RunSummary:
    recorder = Recorder(db, kind)
    counts: Counts = {"queued": 0, "existing": 0, "skipped": 0}
    errors: list[str] = []
    try:
        body(counts, errors)
    except BaseException as exc:
        errors.append(_describe(exc))
        recorder.fail({kind: counts}, errors)
        raise
    summary = recorder.finish({kind: counts}, errors)
    logger.info("%s", present.run_line(summary))
    return summary


def _count(counts: Counts, errors: list[str], label: str, synced: queue.Synced) -> int | None:
    """Count one queueing outcome as queued / existing / skipped, or record its error.

    A lot that can no longer get a post (ended, withdrawn, not approved) is skipped, not an
    error; any other expected failure is reported and the caller goes on with the next one.
    """
    if isinstance(synced.error, NotQueueableError):
        counts["skipped"] += 1
        logger.info("%s not queued: %s", label, synced.error)
    elif synced.error is not None:
        errors.append(f"{label}: {synced.error}")
    else:
        counts["queued" if synced.created else "existing"] += 1
    return synced.post_id


def _tally(counts: Counts, errors: list[str], label: str,
           make: Callable[[], tuple[int, bool]]) -> int | None:
    """Run one queueing step (a digest, a reminder) and :func:`_count` it."""
    try:
        post_id, created = make()
    except PromoError as exc:
        return _count(counts, errors, label, queue.Synced("", error=exc))
    return _count(counts, errors, label, queue.Synced("", post_id, created))


def run_digest(cfg: Config, db: Database, *,
               office_ids: Sequence[str] | None = None) -> RunSummary:
    """Per office (every office, or *office_ids*: the daemon's per-office job in the office's
    zone): one digest post over the lots whose deposit deadline falls in the next 7 days.

    The digest images are rendered from the stored lots (up to six lots per image); the post is
    keyed by the office and ISO week, so running twice in a week makes no second post unless the
    set of lots changed.
    """
    moment = clock.now()
    horizon = moment + timedelta(days=7)

    def body(counts: Counts, errors: list[str]) -> None:
        for office in cfg.offices:
            if office_ids is not None and office.id not in office_ids:
                continue
            lots = [lot for page in iter_postable(db, moment, office_id=office.id)
                    for lot in page if lot.deadline <= horizon]
            if not lots:
                counts["skipped"] += 1
                continue
            lots.sort(key=lambda lot: (lot.deadline, lot.id))
            week = captions.iso_week(formats.local(moment, office.timezone))
            title = f"Lelang pekan ini · {captions.week_label(week)}"

            def make(lots: list[Lot] = lots, week: str = week, title: str = title,
                     office_id: str = office.id) -> tuple[int, bool]:
                images = render.render_digest(cfg, db, lots, title=title, now=moment)
                return queue.sync_digest_post(db, cfg, office_id, lots,
                                              [i.path for i in images], week=week)

            _tally(counts, errors, f"digest {office.name}", make)

    return _job(db, "digest", body)


def run_reminders(cfg: Config, db: Database) -> RunSummary:
    """An H-1 reminder for every lot whose auction ends tomorrow (office-local) and whose post
    was approved or published; one reminder per lot version."""
    moment = clock.now()

    def body(counts: Counts, errors: list[str]) -> None:
        for lot in list_lots(db, status=LOT_ACTIVE):
            tz = cfg.timezone_of(lot.office_id)
            tomorrow = formats.local(moment, tz).date() + timedelta(days=1)
            if formats.local(lot.ends_at, tz).date() != tomorrow:
                continue

            def make(lot: Lot = lot) -> tuple[int, bool]:
                images = render.render_lot(cfg, db, lot, now=moment)
                return queue.sync_reminder_post(db, cfg, lot, [i.path for i in images])

            _tally(counts, errors, f"reminder lot {lot.id}", make)

    return _job(db, "reminders", body)
