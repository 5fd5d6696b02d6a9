"""Background renders for the review page: a video design (reel, clip) picked for a post takes
seconds and hundreds of megabytes to encode, so it is made outside the HTTP request.

One worker thread per server renders one job at a time (memory matters more than speed); a
second request for the same post and design joins the job already queued or running, and at
most :data:`MAX_PENDING` jobs wait. Each job opens its own database connection in the worker
thread (SQLite connections are not shared across threads) and, when the encode is done, checks
the post again: the images are set only if its status is still the one it had when the reviewer
asked (not approved, rejected or published meanwhile), exactly as the synchronous path does
(:func:`.view.merge_design` and :func:`promo_pipeline.queue.set_images` under the reviewer who
asked).

Settings read: ``storage.output_dir``, ``storage.database`` (the job's own connection).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from promo_pipeline import database, present
from promo_pipeline import queue as q
from promo_pipeline.config import Config
from promo_pipeline.errors import PromoError
from promo_pipeline.lots import get_lot
from promo_pipeline.review import view
from promo_pipeline.review.blueprint import designs_of
from promo_pipeline.store import write_tx

logger = logging.getLogger(__name__)

#: Jobs that may wait or run at once per server; one more is refused (try again later).
MAX_PENDING = 4
#: Finished jobs kept for their status (oldest dropped first).
MAX_FINISHED = 50

QUEUED, RUNNING, DONE, FAILED, SKIPPED = "queued", "running", "done", "failed", "skipped"
ACTIVE = frozenset({QUEUED, RUNNING})


@dataclass(frozen=True)
class RenderJob:
    """One background render: what was asked, by whom, and how it went (Indonesian message)."""

    post_id: int
    design: str
    actor: str
    #: The post's status when the reviewer asked; a decision taken meanwhile wins.
    status: str
    state: str = QUEUED
    message: str = ""
    #: The index of the first new image in the post's images (when done).
    shown: int | None = None
    #: The finished job's message was shown to the reviewer who asked.
    seen: bool = False

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def to_json(self) -> dict[str, Any]:
        return {"post_id": self.post_id, "design": self.design, "state": self.state,
                "message": self.message or self.waiting_text(), "shown": self.shown}

    def waiting_text(self) -> str:
        return (f"Sedang membuat video… (desain {present.design(self.design)}, diminta "
                f"{self.actor})" if self.active else "")


class QueueFull(PromoError):
    """Too many background renders are waiting; the reviewer tries again later."""


def render_lot(cfg: Config, db: database.Database, lot: Any, design: str) -> list[Path]:
    """The renderer's files for one design of *lot* (the same call the synchronous path makes)."""
    from promo_pipeline import render  # lazily: Pillow, PyAV and fonts only in the worker

    return [Path(r.path) for r in render.render_lot(cfg, db, lot, formats=[design], force=False)]


def post_images(cfg: Config, paths: list[Path], post_id: int) -> list[str]:
    """Rendered *paths* as a post's images (relative to the output folder), for the request
    and the background alike; :class:`PromoError` when there are none or one lies outside
    the output folder (only files inside it may become a post's images)."""
    out = cfg.output_dir.resolve()
    try:
        made = [str(p.resolve().relative_to(out)) for p in paths]
    except ValueError:
        logger.error("review: renderer wrote outside output_dir for post %s", post_id)
        raise PromoError("berkas di luar folder keluaran") from None
    if not made:
        raise PromoError("tidak ada gambar yang dihasilkan")
    return made


def is_video_design(cfg: Config, design: str) -> bool:
    """True when *design* makes a video (rendered in the background)."""
    from promo_pipeline.render.designs import get_template

    try:
        return get_template(cfg, design).is_video
    except PromoError:
        return False


_APP_LOCK = threading.Lock()


def of_app(app: Any) -> RenderJobs:
    """The review app's background renders (made on first use, one per app)."""
    with _APP_LOCK:
        found = app.extensions.get("promo_render_jobs")
        if found is None:
            found = app.extensions["promo_render_jobs"] = RenderJobs(
                app.extensions["promo_cfg"])
        return found


@dataclass
class RenderJobs:
    """The server's background renders (one per app, in ``app.extensions``)."""

    cfg: Config
    _jobs: dict[tuple[int, str], RenderJob] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="review-render"))

    def start(self, post_id: int, design: str, actor: str, status: str
              ) -> tuple[RenderJob, bool]:
        """Queue a render of *design* for the post, or join the one already queued or running.
        Returns the job and whether it was joined; raises :class:`QueueFull`."""
        key = (post_id, design)
        with self._lock:
            current = self._jobs.get(key)
            if current is not None and current.active:
                return current, True
            if sum(j.active for j in self._jobs.values()) >= MAX_PENDING:
                raise QueueFull("terlalu banyak video sedang dibuat; coba lagi beberapa menit "
                                "lagi")
            job = RenderJob(post_id, design, actor, status)
            self._jobs.pop(key, None)
            self._jobs[key] = job
            self._prune()
            self._pool.submit(self._run, key)
        return job, False

    def for_post(self, post_id: int) -> list[RenderJob]:
        with self._lock:
            return [j for (pid, _), j in self._jobs.items() if pid == post_id]

    def take_result(self, post_id: int, actor: str) -> list[RenderJob]:
        """The post's finished jobs asked by *actor* not yet shown to them (now marked shown)."""
        with self._lock:
            done = [(k, j) for k, j in self._jobs.items()
                    if k[0] == post_id and not j.active and not j.seen and j.actor == actor]
            for k, j in done:
                self._jobs[k] = replace(j, seen=True)
            return [j for _, j in done]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _set(self, key: tuple[int, str], **changes: Any) -> None:
        with self._lock:
            self._jobs[key] = replace(self._jobs[key], **changes)

    def _prune(self) -> None:
        finished = [k for k, j in self._jobs.items() if not j.active]
        for k in finished[:max(0, len(finished) - MAX_FINISHED)]:
            del self._jobs[k]

    def _run(self, key: tuple[int, str]) -> None:
        self._set(key, state=RUNNING)
        job = self._jobs[key]
        label = present.design(job.design)
        db = None
        try:
            db = database.connect(self.cfg.database_path, migrate=False)
            state, message, shown = self._render(db, job)
        except PromoError as exc:
            state, message, shown = FAILED, f"Desain {label} tidak dibuat: {exc}", None
        except Exception:  # a worker must survive anything; the reviewer gets one line
            logger.exception("review: background render of post %s (%s) failed", *key)
            state, message, shown = (FAILED, f"Desain {label} tidak dibuat: terjadi "
                                     "kesalahan di server.", None)
        finally:
            if db is not None:
                db.conn.close()
        self._set(key, state=state, message=message, shown=shown)

    def _render(self, db: database.Database, job: RenderJob) -> tuple[str, str, int | None]:
        cfg = self.cfg
        label = present.design(job.design)
        post = q.get_post(db, job.post_id)
        if not post.editable or post.status != job.status or not post.lot_ids:
            return SKIPPED, _not_editable(post, label), None
        lot = get_lot(db, post.lot_ids[0])
        if lot is None:
            raise PromoError("lot unggahan ini tidak ditemukan")
        made = post_images(cfg, render_lot(cfg, db, lot, job.design), job.post_id)
        known = designs_of(cfg)
        with write_tx(db):
            # Checked again, inside the write: the post may have been approved, rejected or
            # published during the encode. A decision taken after the reviewer asked is not
            # undone by the video arriving (the synchronous path cannot race with one).
            post = q.get_post(db, job.post_id)
            if not post.editable or post.status != job.status:
                return SKIPPED, _not_editable(post, label), None
            images, shown = view.merge_design(post.images, made, job.design, known)
            q.set_images(db, cfg, job.post_id, images, actor=job.actor, template=job.design,
                         replaces=post.images)
        return DONE, (f"Desain {label} selesai dibuat; gambar lain tetap ada. Tekan "
                      "“Urungkan” untuk kembali ke gambar sebelumnya."), shown


def _not_editable(post: q.Post, label: str) -> str:
    return (f"Desain {label} tidak dipasang: status unggahan #{post.id} kini "
            f"{present.post_status(post.status)}, jadi gambarnya tidak diubah. Pilih desainnya "
            "lagi bila video itu tetap diperlukan.")
