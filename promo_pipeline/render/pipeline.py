"""The render stage: which images a lot needs, whether they exist already, rendering them (in
parallel processes for a batch) and recording them in the ``images`` table.

Settings read: ``render.formats``, ``render.urgent_days``, ``render.jpeg_quality``,
``render.workers``, ``render.templates_dir``, ``[brand]``, ``storage.output_dir``,
``storage.media_dir``, the office time zone of each lot.

An image's name is the hash of everything that affects its pixels: the renderer version, the
font packages, the template file's content, the brand kit (colours, names, logo bytes), the
format and slide, the JPEG quality, the values of the fields the slide shows, the outcome of each
layer condition and the bytes of each photo it draws. So an unchanged lot is never re-rendered
and a changed one always is. Files go to ``output_dir/images/<lot_id>/`` with atomic writes;
the ``images`` row is committed after the file exists.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import PIL
from sqlite_utils import Database

from promo_pipeline import crash, formats, photos
from promo_pipeline.config import Config
from promo_pipeline.errors import RenderError, TemplateError
from promo_pipeline.fsutil import atomic_write_bytes
from promo_pipeline.lots import Lot
from promo_pipeline.render import brand, designs, engine, fonts, photoset, video
from promo_pipeline.render import template as tmpl
from promo_pipeline.render.fields import lot_fields
from promo_pipeline.render.images import (
    ImageRecord,
    images_of_lot,
    record_images,
    recorded_paths,
)

logger = logging.getLogger(__name__)

#: Bump when a code change alters the pixels of existing designs (forces a re-render).
RENDERER_VERSION = "2"  # 2: wider word spacing (templates: word_spacing)
URGENT_DESIGN = "urgent"
CRASH_AFTER_WRITE = "after_image_write"
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


# --- planning ------------------------------------------------------------------------------------


@dataclass
class _Planned:
    id: str
    lot_id: str
    format: str
    slide: int
    template: str  # file path (for the row)
    relpath: str
    slide_index: int
    slide_photo: int | None
    values: dict[str, Any]


@dataclass
class _LotPlan:
    lot_id: str
    photos: list[str]
    images: list[_Planned]


_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
_HASH_CACHE: dict[tuple, str] = {}


def _safe_dir(lot_id: str) -> str:
    safe = _SAFE.sub("_", lot_id).strip("._") or "lot"
    if safe != lot_id or len(safe) > 80:
        safe = f"{safe[:40]}-{hashlib.sha256(lot_id.encode()).hexdigest()[:10]}"
    return safe


def file_hash(path: Path) -> str:
    """sha256 of a photo file, cached by (path, mtime, size)."""
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    digest = _HASH_CACHE.get(key)
    if digest is None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        _HASH_CACHE[key] = digest
    return digest


def office_zone(cfg: Config, office_id: str) -> str:
    office = cfg.office(office_id)
    return office.timezone if office else cfg.default_timezone


def lot_values(cfg: Config, lot: Lot, *, now: datetime, photo_count: int,
               kit: brand.BrandKit) -> dict[str, Any]:
    values = lot_fields(lot, cfg.brand, tz=office_zone(cfg, lot.office_id), now=now,
                        photo_count=photo_count, urgent_days=cfg.render.urgent_days)
    values.update(kit.values)
    if not values.get("brand_name"):
        values["brand_name"] = lot.office_name
    return values


def _layers_digest(layers: Iterable[tmpl.Layer], values: dict[str, Any],
                   slide_photo: int | None, photo_hashes: Sequence[str | None]) -> dict:
    used: dict[str, Any] = {}
    outcomes: list[bool] = []
    photos: dict[str, str | None] = {}
    for layer in layers:
        ok = layer.when.evaluate(values) if layer.when else True
        outcomes.append(ok)
        if not ok:
            continue
        for name in layer.fields_used:
            used[name] = values.get(name)
        if layer.type == "image" and layer.props["source"] in ("photo", "illustration"):
            used["category_key"] = values.get("category_key")
            if layer.props["source"] == "photo":
                idx = slide_photo if layer.props["photo"] == "slide" else layer.props["photo"]
                if idx is not None:
                    photos[str(idx)] = photo_hashes[idx] if idx < len(photo_hashes) else None
    return {"fields": used, "when": outcomes, "photos": photos}


def _image_id(template: tmpl.Template, design: str, slide_no: int, kit: brand.BrandKit,
              quality: int, content: Any) -> str:
    blob = json.dumps({
        "renderer": RENDERER_VERSION,
        "pillow": PIL.__version__,
        "fonts": fonts.versions(),
        "template": template.source_hash,
        "design": design,
        "slide": slide_no,
        "brand": kit.key,
        "quality": quality,
        "content": content,
    }, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def expand_slides(template: tmpl.Template, values: dict[str, Any], photo_count: int
                  ) -> list[tuple[int, tmpl.Slide, dict[str, Any], int | None]]:
    """The slides a lot gets from *template*: (slide index, slide, values, slide photo)."""
    out: list[tuple[int, tmpl.Slide, dict[str, Any], int | None]] = []
    for si, slide in enumerate(template.slides):
        if slide.when is not None and not slide.when.evaluate(values):
            continue
        if slide.repeat == "photos":
            last = min(photo_count, slide.start + slide.max)
            for k in range(slide.start, last):
                out.append((si, slide, {**values, "photo_number": k + 1,
                                        "photo_label": f"Foto {k + 1} dari {photo_count}"}, k))
        else:
            out.append((si, slide, dict(values), None))
    total = len(out)
    for n, (_, _, v, _) in enumerate(out, 1):
        v.setdefault("photo_number", 0)
        v.setdefault("photo_label", "")
        v["slide_number"] = n
        v["slide_count"] = total
    return out


def default_formats(cfg: Config, values: dict[str, Any]) -> list[str]:
    """``render.formats``, plus the urgent design when the lot ends soon."""
    names = list(dict.fromkeys(cfg.render.formats))
    if values.get("is_urgent") and URGENT_DESIGN not in names:
        if URGENT_DESIGN in designs.available_designs(cfg):
            names.append(URGENT_DESIGN)
    return names


def _plan_lot(cfg: Config, db: Database, lot: Lot, formats_: list[str] | None, now: datetime,
              kit: brand.BrandKit) -> _LotPlan:
    paths = photos.usable_paths(db, cfg.media_dir, lot.photos)
    hashes: list[str | None] = []
    for p in paths:
        try:
            hashes.append(file_hash(p))
        except OSError:
            hashes.append(None)
    values = lot_values(cfg, lot, now=now, photo_count=len(paths), kit=kit)
    names = list(dict.fromkeys(formats_)) if formats_ else default_formats(cfg, values)
    planned: list[_Planned] = []
    lot_dir = _safe_dir(lot.id)
    quality = cfg.render.jpeg_quality
    for design in names:
        template = designs.get_template(cfg, design)
        if template.kind == "digest":
            raise TemplateError(f"design {design!r} is a digest of many lots; "
                                f"it is made by the weekly digest, not per lot")
        if template.is_video:
            content = video.content(template, values, hashes)
            image_id = _image_id(template, design, 0, kit, 0, content)
            planned.append(_Planned(
                id=image_id, lot_id=lot.id, format=design, slide=0, template=str(template.path),
                relpath=f"images/{lot_dir}/{design}-{image_id[:16]}{video.SUFFIX}",
                slide_index=-1, slide_photo=None, values=values))
            continue
        slides = expand_slides(template, values, len(paths))
        multi = template.kind == "carousel"
        for n, (si, slide, svalues, photo) in enumerate(slides):
            content = _layers_digest(slide.layers, svalues, photo, hashes)
            image_id = _image_id(template, design, n, kit, quality, content)
            stem = f"{design}-{n + 1}" if multi else design
            planned.append(_Planned(
                id=image_id, lot_id=lot.id, format=design, slide=n,
                template=str(template.path), relpath=f"images/{lot_dir}/{stem}-{image_id[:16]}.jpg",
                slide_index=si, slide_photo=photo, values=svalues))
    return _LotPlan(lot_id=lot.id, photos=[str(p) for p in paths], images=planned)


def _existing(cfg: Config, db: Database, planned: list[_Planned]) -> set[str]:
    """Ids of planned images whose row and file both exist."""
    recorded = recorded_paths(db, (p.id for p in planned))
    return {image_id for image_id, rel in recorded.items() if (cfg.output_dir / rel).is_file()}


# --- rendering (runs in worker processes too) ---------------------------------------------------


def _render_plan(cfg: Config, plan: _LotPlan, progress: video.Progress | None = None
                 ) -> list[str]:
    """Render and write every image and clip of *plan*; returns their ids. Pure of the database.

    *progress* is told (frames done, total) while a clip is encoded.
    """
    kit = brand.brand_kit(cfg)
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


def _worker(cfg: Config, plan: _LotPlan, progress: video.Progress | None = None
            ) -> tuple[str, list[str], str | None]:
    try:
        return plan.lot_id, _render_plan(cfg, plan, progress), None
    except Exception as exc:  # one bad lot must not stop the batch; reported to the parent
        logger.exception("rendering lot %s failed", plan.lot_id)
        return plan.lot_id, [], f"{type(exc).__name__}: {exc}"


def _record(db: Database, plan: _LotPlan, ids: Iterable[str]) -> None:
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


def _parent_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed parent not yet reaped by its own parent is a zombie: gone for us
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _watch_parent(pid: int) -> None:
    while _parent_alive(pid):
        time.sleep(0.5)
    os._exit(1)


def _init_worker(parent_pid: int) -> None:
    # A pool worker never notices on its own that the run which started it was killed (kill -9,
    # a crash point): it keeps its end of the task queue open and waits forever, holding the
    # run's stdout/stderr and the forkserver alive. Leave as soon as the parent is gone.
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                     name="watch-parent").start()


BatchProgress = Callable[[str, str, int, int], None]


def _clip_progress(progress: BatchProgress, plan: _LotPlan) -> video.Progress:
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
    now = now or datetime.now(UTC)
    kit = brand.brand_kit(cfg)
    batch = RenderBatch()

    def work() -> Iterator[_LotPlan]:
        # Planned lazily, one lot at a time, so a 10,000-lot catalogue never holds every lot's
        # field values in memory at once; images that already exist are reported on the way.
        for lot in lots:
            plan = _plan_lot(cfg, db, lot, formats, now, kit)
            existing = set() if force else _existing(cfg, db, plan.images)
            for p in plan.images:
                if p.id in existing:
                    batch.images.append(RenderedImage(p.lot_id, p.format, p.slide,
                                                      cfg.output_dir / p.relpath, False))
            todo = [p for p in plan.images if p.id not in existing]
            if todo:
                yield _LotPlan(plan.lot_id, plan.photos, todo)

    def done(plan: _LotPlan, ids: list[str], error: str | None) -> None:
        _record(db, plan, ids)
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
                                 initializer=_init_worker, initargs=(os.getpid(),),
                                 max_tasks_per_child=WORKER_TASKS) as pool:
            pending: dict[Future, _LotPlan] = {}
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


# --- digest --------------------------------------------------------------------------------------


def period(lots: Sequence[Lot], tz: str) -> str:
    """The range of the lots' end dates, e.g. ``11–18 Maret 2026`` (a digest's ``period``)."""
    ends = sorted(formats.local(lot.ends_at, tz) for lot in lots)
    if not ends:
        return ""
    a, b = ends[0], ends[-1]
    if a.date() == b.date():
        return formats.date_medium(a, tz)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{formats.date_medium(b, tz)}"
    return f"{formats.date_medium(a, tz)} – {formats.date_medium(b, tz)}"


def render_digest(cfg: Config, db: Database, lots: Sequence[Lot], *, title: str,
                  design: str = "digest", force: bool = False,
                  now: datetime | None = None) -> list[RenderedImage]:
    """The digest images of *lots* (up to ``grid.per_page`` lots per image, in order).

    The images are recorded under the lot id ``digest-<hash of title and lot ids>``.
    """
    if not lots:
        return []
    now = now or datetime.now(UTC)
    kit = brand.brand_kit(cfg)
    template = designs.get_template(cfg, design)
    if template.kind != "digest" or template.grid is None:
        raise TemplateError(f"design {design!r} is not a digest template")
    key = hashlib.sha256(json.dumps([title, [lot.id for lot in lots]]).encode()).hexdigest()
    digest_id = f"digest-{key[:12]}"
    per = template.grid.per_page
    pages = [list(lots[i:i + per]) for i in range(0, len(lots), per)]
    tz = office_zone(cfg, lots[0].office_id)
    cells_by_page = []
    planned: list[_Planned] = []
    for n, page_lots in enumerate(pages):
        page_values = {**kit.values, "digest_title": title, "page": n + 1, "pages": len(pages),
                       "page_label": f"{n + 1}/{len(pages)}" if len(pages) > 1 else "",
                       "lot_count": len(lots), "period": period(lots, tz)}
        if not page_values.get("brand_name"):
            page_values["brand_name"] = lots[0].office_name
        cells, contents = [], []
        for lot in page_lots:
            paths = photos.usable_paths(db, cfg.media_dir, lot.photos)[:1]
            hashes = [file_hash(p) for p in paths]
            values = lot_values(cfg, lot, now=now, photo_count=len(paths), kit=kit)
            needs = photoset.photo_needs([(tmpl.Slide("cell", template.cell_layers), values, None)])
            cells.append(engine.RenderInput(values, photoset.PhotoSet(paths, needs)))
            contents.append(_layers_digest(template.cell_layers, values, None, hashes))
        page = template.slides[0]
        content = {"page": _layers_digest(page.layers, page_values, None, []), "cells": contents}
        image_id = _image_id(template, design, n, kit, cfg.render.jpeg_quality, content)
        planned.append(_Planned(id=image_id, lot_id=digest_id, format=design, slide=n,
                                template=str(template.path),
                                relpath=f"images/{digest_id}/{design}-{n + 1}-{image_id[:16]}.jpg",
                                slide_index=0, slide_photo=None, values=page_values))
        cells_by_page.append(cells)
    existing = set() if force else _existing(cfg, db, planned)
    out: list[RenderedImage] = []
    drawn: list[str] = []
    for item, cells in zip(planned, cells_by_page, strict=True):
        path = cfg.output_dir / item.relpath
        if item.id not in existing:
            canvas, _ = engine.compose_digest(template, kit, item.values, cells)
            atomic_write_bytes(path, engine.encode_jpeg(canvas, cfg.render.jpeg_quality))
            drawn.append(item.id)
        out.append(RenderedImage(digest_id, design, item.slide, path, item.id not in existing))
    _record(db, _LotPlan(digest_id, [], planned), drawn)
    return out
