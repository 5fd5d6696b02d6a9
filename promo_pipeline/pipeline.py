"""The whole pipeline, once: collect → render → caption → queue.

Settings read: everything the stages read (``offices``, ``source``, ``storage``, ...); nothing of
its own.

:func:`run` is the one function that ``promo run``, ``promo run --lot``, the offline demo
(``promo run --demo``) and the daily service call. It records every run in the ``runs`` table
(kind ``"run"``): start, end, status (``ok`` | ``partial`` | ``failed``), per-stage counts, errors
and duration.

Stages run in order over a shared :class:`RunState`. Each stage is a small function returning its
counts. Only *collect* exists yet; ``_render``, ``_caption`` and ``_queue`` are the marked places
where the later stages are called (they return ``None`` = "not built yet" and are not reported).

- A stage that raises an expected failure (:class:`~promo_pipeline.errors.PromoError`, e.g. an
  unknown lot for ``--lot``, no office configured) ends the run: it is recorded as ``failed`` and
  the exception is re-raised, so the CLI prints its one-line message with the right exit status.
- A collect run where some office failed (but others worked) goes on to the later stages with
  what was stored, and ends ``partial``; the CLI then exits 1.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from promo_pipeline import collect, formats, store
from promo_pipeline.collect import CollectStats
from promo_pipeline.config import Config
from promo_pipeline.errors import PromoError
from promo_pipeline.models import Lot

logger = logging.getLogger(__name__)

RUN_KIND = "run"
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
            return (f"{head}: lot {self.lot.id} ({formats.shorten(self.lot.title, 60)}) {state}, "
                    f"berakhir {formats.datetime_medium(self.lot.ends_at, self.timezone)}; "
                    f"foto diunduh {c.photos_downloaded}, rusak {c.photos_bad}; "
                    f"galat {len(self.errors)}")
        return f"{head}: {self.collect.summary_line()}"


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
# Each takes the run state and returns its counts (a flat dict of numbers), or None when the
# stage does nothing yet. Errors that should not stop the run go into state.errors.


def _collect(state: RunState) -> dict[str, Any]:
    """Collect every configured office, or the one lot of ``--lot``."""
    if state.lot_ref is not None:
        state.lot = collect.collect_lot(state.cfg, state.db, state.lot_ref, stats=state.collect)
    else:
        state.collect = collect.collect_all(state.cfg, state.db, progress=state.progress)
    state.errors.extend(state.collect.errors)
    return state.collect.counts()


def _render(state: RunState) -> dict[str, Any] | None:
    """RENDER STAGE — not wired yet (issue 3).

    Will render the images that are missing or stale for the active lots (only ``state.lot``
    for ``--lot``) and return counts such as ``{"rendered": n, "unchanged": m}``.
    """
    return None


def _caption(state: RunState) -> dict[str, Any] | None:
    """CAPTION STAGE — not wired yet (issue 4).

    Will write the captions of new or changed lots for every configured channel.
    """
    return None


def _queue(state: RunState) -> dict[str, Any] | None:
    """QUEUE STAGE — not wired yet (issue 4).

    Will queue a post (pending review) per new or changed lot, mark outdated/withdrawn/expired
    posts, and tell the reviewers.
    """
    return None


#: The pipeline, in order. Later work replaces the bodies of the marked stages above.
STAGES: list[tuple[str, Callable[[RunState], dict[str, Any] | None]]] = [
    ("collect", _collect),
    ("render", _render),
    ("caption", _caption),
    ("queue", _queue),
]
