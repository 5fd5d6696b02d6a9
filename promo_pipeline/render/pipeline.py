"""The render stage: whether a lot's images exist already, rendering them (in parallel
processes for a batch) and recording them in the ``images`` table. What a lot needs and what
each image is named is planned in :mod:`.plan`; the weekly digest is in :mod:`.digest`.

Settings read: ``render.formats``, ``render.urgent_days``, ``render.jpeg_quality``,
``render.workers``, ``render.templates_dir``, ``[brand]``, ``storage.output_dir``,
``storage.media_dir``, the office time zone of each lot.

Unchanged lots are never re-rendered (see :mod:`.plan` for the naming). Files go to
``output_dir/images/<lot_id>/`` with atomic writes; the ``images`` row is committed after the
file exists.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from promo_pipeline import clock, crash, fsutil
from promo_pipeline.config import Config
from promo_pipeline.errors import RenderError
from promo_pipeline.fsutil import atomic_write_bytes
from promo_pipeline.lots import Lot
from promo_pipeline.render import brand, designs, encode, engine, photoset, video
from promo_pipeline.render.images import (
    ImageRecord,
    images_of_lot,
    record_images,
    recorded_paths,
)
from promo_pipeline.render.plan import LotPlan, Planned, plan_lot

logger = logging.getLogger(__name__)

CRASH_AFTER_WRITE = "after_image_write"
#: Temporary files older than this (seconds) belong to no running write.
STALE_TEMP_SECONDS = 3600
#: Lots a pool worker renders before it is replaced by a fresh one (bounds cache growth).
WORKER_TASKS = 200
#: Lots queued per worker at any time (the rest are planned only when a worker frees up).
IN_FLIGHT_PER_WORKER = 2

@dataclass(frozen=True)
class RenderedImage:
    """One image of a lot (or digest): where it is and whether this call drew it."""

    lot_id: str
    format: str
    slide: int
    path: Path  # absolute
    rendered: bool  # False when it was already there

    def to_json(self, cfg: Config | None = None) -> dict[str, Any]:
        return {"lot_id": self.lot_id, "format": self.format, "slide": self.slide,
                "path": cfg.display(self.path) if cfg else str(self.path),
                "rendered": self.rendered}


@dataclass
class RenderBatch:
    """The result of rendering many lots: images, and the lots that failed with why."""

    images: list[RenderedImage] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def rendered(self) -> int:
        return sum(1 for i in self.images if i.rendered)

    @property
    def reused(self) -> int:
        return sum(1 for i in self.images if not i.rendered)



def existing_ids(cfg: Config, db: Database, planned: list[Planned]) -> set[str]:
    """Ids of planned images whose row and file both exist."""
    recorded = recorded_paths(db, (p.id for p in planned))
    return {image_id for image_id, rel in recorded.items() if (cfg.output_dir / rel).is_file()}


# --- rendering (runs in worker processes too) ---------------------------------------------------


def _render_plan(cfg: Config, plan: LotPlan, progress: video.Progress | None = None
                 ) -> list[str]:
    """Render and write every image and clip of *plan*; returns their ids. Pure of the database.

    *progress* is told (frames done, total) while a clip is encoded.
    """
    kit = brand.brand_kit(cfg, plan.office_id)
    entries, clips = [], []
    for item in plan.images:
        template = designs.get_template(cfg, item.format)
        if template.is_video:
            clips.append((template, item))
            continue
        slide = template.slides[item.slide_index]
        entries.append((template, slide, item))
    needs = photoset.photo_needs([(s, i.values, i.slide_photo) for _, s, i in entries])
    for template, _ in clips:
        for idx, (w, h) in video.photo_needs(template, len(plan.photos)).items():
            have = needs.get(idx, (0, 0))
            needs[idx] = (max(w, have[0]), max(h, have[1]))
    photo_set = photoset.PhotoSet([Path(p) for p in plan.photos], needs)
    done = []
    for template, item in clips:
        video.render_clip(template, kit, item.values, photo_set, cfg.output_dir / item.relpath,
                          progress=progress)
        done.append(item.id)
    for template, slide, item in entries:
        canvas, _ = engine.compose(template, slide, kit,
                                   engine.RenderInput(item.values, photo_set, item.slide_photo))
        data = engine.encode_jpeg(canvas, cfg.render.jpeg_quality)
        atomic_write_bytes(cfg.output_dir / item.relpath, data)
        done.append(item.id)
    return done


def _worker(cfg: Config, plan: LotPlan, progress: video.Progress | None = None
            ) -> tuple[str, list[str], str | None]:
    try:
        return plan.lot_id, _render_plan(cfg, plan, progress), None
    except Exception as exc:  # one bad lot must not stop the batch; reported to the parent
        logger.exception("rendering lot %s failed", plan.lot_id)
        return plan.lot_id, [], f"{type(exc).__name__}: {exc}"


def record(db: Database, plan: LotPlan, ids: Iterable[str]) -> None:
    done = set(ids)
    drawn = [ImageRecord(id=p.id, lot_id=p.lot_id, format=p.format, slide=p.slide,
                         path=p.relpath, template=p.template)
             for p in plan.images if p.id in done]
    if not drawn:
        return
    crash.point(CRASH_AFTER_WRITE)  # files are on disk, their rows not yet committed
    record_images(db, drawn)


def _pool_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _watch_parent() -> None:
    # multiprocessing hands every worker a sentinel of the process that started it (a pipe on
    # POSIX, a process handle on Windows) that becomes ready when that process is gone, however
    # it ended; the operating system closes it, so this works for kill -9 and on every platform
    # (os.kill(pid, 0) would send CTRL_C_EVENT on Windows, and /proc is Linux-only).
    parent = multiprocessing.parent_process()
    if parent is None:  # not a worker (called in-process by a test)
        return
    parent.join()
    # The image or clip being written now would stay behind as a temporary file.
    fsutil.abandon_temp_files()
    os._exit(1)


def _init_worker() -> None:
    # A pool worker never notices on its own that the run which started it was killed (kill -9,
    # a crash point): it keeps its end of the task queue open and waits forever, holding the
    # run's stdout/stderr and the forkserver alive. Leave as soon as the parent is gone.
    threading.Thread(target=_watch_parent, daemon=True, name="watch-parent").start()


BatchProgress = Callable[[str, str, int, int], None]


def _clip_progress(progress: BatchProgress, plan: LotPlan) -> video.Progress:
    clips = iter([p.format for p in plan.images if p.relpath.endswith(video.SUFFIX)])
    current = {"design": next(clips, "")}

    def report(done: int, total: int) -> None:
        progress(plan.lot_id, current["design"], done, total)
        if done >= total:
            current["design"] = next(clips, "")

    return report


def render_batch(cfg: Config, db: Database, lots: Sequence[Lot], *,
                 formats: list[str] | None = None, force: bool = False,
                 workers: int | None = None, now: datetime | None = None,
                 progress: BatchProgress | None = None) -> RenderBatch:
    """Render what is missing or stale for *lots*; failures per lot are collected, not raised.

    *progress*, when given, is told ``(lot id, design, done, total)``: frames of each clip
    encoded in this process, or lots finished (design ``""``) when a process pool renders.

    Template errors (a broken design file, an unknown design) are raised before anything is
    rendered, since every lot would fail the same way.
    """
    now = now or clock.now()
    batch = RenderBatch()
    # A worker killed on its own (out of memory) leaves its temporary file; the review page may
    # be rendering at this moment, so only files no write could still be busy with go.
    fsutil.sweep_temp(cfg.output_dir / "images", older_than=STALE_TEMP_SECONDS,
                      patterns=(f"*{fsutil.TMP_SUFFIX}", f"*{encode.PART_SUFFIX}"))

    def work() -> Iterator[LotPlan]:
        # Planned lazily, one lot at a time, so a 10,000-lot catalogue never holds every lot's
        # field values in memory at once; images that already exist are reported on the way.
        for lot in lots:
            plan = plan_lot(cfg, db, lot, formats, now, brand.brand_kit(cfg, lot.office_id))
            existing = set() if force else existing_ids(cfg, db, plan.images)
            for p in plan.images:
                if p.id in existing:
                    batch.images.append(RenderedImage(p.lot_id, p.format, p.slide,
                                                      cfg.output_dir / p.relpath, False))
            todo = [p for p in plan.images if p.id not in existing]
            if todo:
                yield LotPlan(plan.lot_id, plan.photos, todo, plan.office_id)

    def done(plan: LotPlan, ids: list[str], error: str | None) -> None:
        record(db, plan, ids)
        finished = set(ids)
        batch.images.extend(RenderedImage(p.lot_id, p.format, p.slide,
                                          cfg.output_dir / p.relpath, True)
                            for p in plan.images if p.id in finished)
        if error:
            batch.errors[plan.lot_id] = error

    n_workers = workers if workers is not None else (cfg.render.workers or os.cpu_count() or 1)
    n_workers = max(1, min(n_workers, len(lots)))
    plans = work()
    first = next(plans, None)
    if first is not None and n_workers <= 1:
        for plan in itertools.chain([first], plans):
            clip_progress = None
            if progress is not None:
                clip_progress = _clip_progress(progress, plan)
            done(plan, *_worker(cfg, plan, clip_progress)[1:])
    elif first is not None:
        todo = itertools.chain([first], plans)
        # Workers are recycled now and then so per-lot caches cannot grow without bound, and only
        # a few lots are in flight at a time (bounded memory in the parent too).
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=_pool_context(),
                                 initializer=_init_worker,
                                 max_tasks_per_child=WORKER_TASKS) as pool:
            pending: dict[Future, LotPlan] = {}
            finished_lots = 0
            for plan in itertools.islice(todo, n_workers * IN_FLIGHT_PER_WORKER):
                pending[pool.submit(_worker, cfg, plan)] = plan
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    plan = pending.pop(fut)
                    done(plan, *fut.result()[1:])
                    finished_lots += 1
                    if progress is not None:
                        progress(plan.lot_id, "", finished_lots, len(lots))
                    nxt = next(todo, None)
                    if nxt is not None:
                        pending[pool.submit(_worker, cfg, nxt)] = nxt
    order = {lot.id: i for i, lot in enumerate(lots)}
    batch.images.sort(key=lambda i: (order.get(i.lot_id, 0), i.format, i.slide))
    logger.info("render: %d image(s) drawn, %d unchanged, %d lot(s) failed",
                batch.rendered, batch.reused, len(batch.errors))
    return batch


def render_lots(cfg: Config, db: Database, lots: Sequence[Lot], *,
                formats: list[str] | None = None, force: bool = False,
                workers: int | None = None, now: datetime | None = None
                ) -> list[RenderedImage]:
    """Render every lot's designs (see :func:`render_batch`; failed lots are logged)."""
    batch = render_batch(cfg, db, lots, formats=formats, force=force, workers=workers, now=now)
    for lot_id, error in batch.errors.items():
        logger.error("lot %s was not rendered: %s", lot_id, error)
    return batch.images


def render_lot(cfg: Config, db: Database, lot: Lot, *, formats: list[str] | None = None,
               force: bool = False, now: datetime | None = None) -> list[RenderedImage]:
    """Render one lot's designs in this process; raises RenderError if it fails."""
    batch = render_batch(cfg, db, [lot], formats=formats, force=force, workers=1, now=now)
    if batch.errors:
        raise RenderError(f"lot {lot.id}: {batch.errors[lot.id]}")
    return batch.images


def images_for_lot(cfg: Config, db: Database, lot_id: str) -> list[RenderedImage]:
    """Every recorded image of a lot whose file still exists (newest last)."""
    return [RenderedImage(r.lot_id, r.format, r.slide, cfg.output_dir / r.path, False)
            for r in images_of_lot(db, lot_id) if (cfg.output_dir / r.path).is_file()]
