"""Making posts: one pending post per lot version, per office and week (digest), per reminder.

Settings read: ``captions.*``, ``brand.*``, ``offices[].timezone``, ``source.site_base``,
``storage.output_dir``.

Each ``sync_*`` function returns ``(post id, created)``: the post for this content, made now
(``True``) or found (``False``), so running twice never makes a second post. Captions and their
lint are written before the write transaction; inside it the check is repeated (another process
may have queued the same post meanwhile).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from promo_pipeline import captions as cap
from promo_pipeline import clock, crash, outcomes
from promo_pipeline.config import Config
from promo_pipeline.errors import NotQueueableError, PromoError, UsageError
from promo_pipeline.lots import Lot
from promo_pipeline.queue import posts
from promo_pipeline.queue.changes import digest_changes, lot_changes
from promo_pipeline.queue.records import Change, NewPost, Post
from promo_pipeline.queue.states import (
    DIGEST,
    LOT,
    OPEN,
    OUTDATED,
    PENDING,
    REMINDER,
    SYSTEM,
    TRANSITIONS,
)
from promo_pipeline.store import write_tx

logger = logging.getLogger(__name__)


def stored_image(output_dir: Path, image: str | Path) -> str:
    """An image path as stored: relative to ``storage.output_dir`` when inside it."""
    path = Path(image)
    if not path.is_absolute():
        return path.as_posix()
    if ".." not in path.parts:
        with contextlib.suppress(ValueError):  # the renderer's own paths: no file system call
            return path.relative_to(output_dir).as_posix()
    try:
        return path.resolve().relative_to(output_dir.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _captions(cfg: Config, kind: str, lots: Sequence[Lot], *, office_id: str,
              week: str | None = None, relisted: bool = False,
              ) -> tuple[dict[str, str], tuple[dict[str, str], ...]]:
    if kind == DIGEST:
        made = cap.captions_for_digest(cfg, office_id, lots, week=week or "")
    else:
        made = cap.captions_for_lot(cfg, lots[0], kind=kind, relisted=relisted)
    texts = {ch: c.text for ch, c in made.items()}
    findings = cap.lint_for(cfg, texts, lots=lots, kind=kind, office_id=office_id)
    return texts, tuple(findings)


def _deadline(lots: Iterable[Lot]) -> str | None:
    times = [lot.deadline for lot in lots]
    return clock.iso(min(times)) if times else None


def _unique_key(db: Database, key: str, version: int) -> str:
    """The dedupe key; a lot that changed back to an earlier version gets a suffixed key."""
    return f"{key}:v{version}" if posts.dedupe_key_taken(db, key) else key


def _new_post(db: Database, cfg: Config, *, kind: str, key: str, lots: Sequence[Lot],
              office_id: str, version: int, content_hash: str, images: Sequence[str | Path],
              texts: dict[str, str], findings: tuple[dict[str, str], ...],
              changes: tuple[Change, ...], previous: Post | None,
              facts: dict[str, Any], reason: str) -> int:
    return posts.insert_post(db, NewPost(
        kind=kind, dedupe_key=_unique_key(db, key, version),
        lot_ids=tuple(lot.id for lot in lots), office_id=office_id, version=version,
        content_hash=content_hash,
        images=tuple(stored_image(cfg.output_dir, p) for p in images), captions=texts,
        lint=findings, blocking=cap.is_blocking(findings), changes=changes, facts=facts,
        deadline_at=_deadline(lots), previous_post_id=previous.id if previous else None),
        reason=reason)


def _stale(post: Post, stored: tuple[str, ...]) -> bool:
    """Should *post* point at these freshly rendered images (the design or brand changed, the
    lot did not)? Only while pending: approved posts keep what the reviewer approved, and a
    design the reviewer picked (``template``) is kept too."""
    return bool(stored) and post.status == PENDING and not post.template and \
        post.images != stored


def _refresh(db: Database, post: Post, stored: tuple[str, ...]) -> None:
    """Point a stale post (:func:`_stale`) at *stored*, inside the caller's transaction."""
    if not _stale(post, stored):
        return
    at = clock.iso()
    posts.update_content(db, post.id, at=at, images=stored)
    posts.add_event(db, post.id, actor=SYSTEM, from_status=PENDING, to_status=PENDING,
                    reason="gambar dirender ulang", action="images",
                    detail={"old": list(post.images), "new": list(stored)}, at=at)


def refresh_images(db: Database, cfg: Config, post_id: int,
                   images: Sequence[str | Path]) -> None:
    """:func:`_refresh` in a transaction of its own."""
    stored = tuple(stored_image(cfg.output_dir, p) for p in images)
    if stored:
        with write_tx(db):
            _refresh(db, posts.get_post(db, post_id), stored)


def _outdate(db: Database, earlier: Iterable[Post], reason: str) -> None:
    for post in earlier:
        if post.status in OPEN and OUTDATED in TRANSITIONS.get(post.status, ()):
            posts.move(db, post.id, post.status, OUTDATED, actor=SYSTEM, reason=reason)


@dataclass(frozen=True)
class Synced:
    """What :func:`sync_lot_posts` did for one lot: its post (made now or found), or why
    none (:class:`NotQueueableError`: the lot cannot be promoted; any other error: reported)."""

    lot_id: str
    post_id: int | None = None
    created: bool = False
    error: PromoError | None = None


def _current(found: Sequence[Post], chash: str) -> Post | None:
    """The live lot post (anything but outdated) for this lot version."""
    live = [p for p in found if p.kind == LOT and p.content_hash == chash and p.status != OUTDATED]
    return max(live, key=lambda p: (p.version, p.id), default=None)


def sync_lot_posts(db: Database, cfg: Config,
                   batch: Sequence[tuple[Lot, Sequence[str | Path]]]) -> list[Synced]:
    """The post of the current version of every lot in *batch* (lot, its images), in order.

    ``dedupe_key = f"lot:{lot.id}:{lot.content_hash()}"``, so running twice never makes a second
    post for the same lot version. When a lot changed since an earlier post, the earlier
    unpublished posts (pending, approved, failed; its reminders too) become ``outdated`` and the
    new post gets ``version = previous + 1``, ``previous_post_id`` and ``changes``. A lot that
    cannot be promoted any more (:meth:`Lot.closed_reason`) and has no post for this version
    gets none. Captions are written first; the whole batch is then stored in one write
    transaction (a page of the run: one commit, not one per lot).
    """
    now = clock.now()
    known = posts.posts_of_lots(db, (lot.id for lot, _ in batch), kinds=(LOT, REMINDER))
    results: dict[str, Synced] = {}
    refresh: list[tuple[Post, tuple[str, ...]]] = []
    make: list[tuple[Lot, str, tuple[str, ...], dict[str, str], tuple[dict[str, str], ...]]] = []
    relisted = outcomes.relisted_from_each(db, (lot.id for lot, _ in batch))  # "dilelang ulang"
    for lot, images in batch:
        chash = lot.content_hash()
        stored = tuple(stored_image(cfg.output_dir, p) for p in images)
        current = _current(known.get(lot.id, []), chash)
        if current is not None:
            results[lot.id] = Synced(lot.id, current.id)
            if _stale(current, stored):
                refresh.append((current, stored))
            continue
        closed = lot.closed_reason(now)
        if closed:
            results[lot.id] = Synced(lot.id, error=NotQueueableError(
                f"tidak dibuatkan unggahan: {closed}"))
            continue
        try:
            texts, findings = _captions(cfg, LOT, [lot], office_id=lot.office_id,
                                        relisted=lot.id in relisted)
        except PromoError as exc:
            results[lot.id] = Synced(lot.id, error=exc)
            continue
        make.append((lot, chash, stored, texts, findings))
    if not make and not refresh:
        return [results[lot.id] for lot, _ in batch]
    with write_tx(db):
        for post, stored in refresh:
            _refresh(db, post, stored)
        # Read again under the write lock: another process may have queued some meanwhile.
        known = posts.posts_of_lots(db, (lot.id for lot, *_ in make), kinds=(LOT, REMINDER))
        for lot, chash, stored, texts, findings in make:
            found = known.get(lot.id, [])
            current = _current(found, chash)
            if current is not None:
                results[lot.id] = Synced(lot.id, current.id)
                continue
            lot_posts = [p for p in found if p.kind == LOT]
            previous = max(lot_posts, key=lambda p: (p.version, p.id), default=None)
            version = previous.version + 1 if previous else 1
            facts = lot.to_json()
            changes = (lot_changes(previous.facts, facts, cfg.timezone_of(lot.office_id))
                       if previous else ())
            post_id = _new_post(
                db, cfg, kind=LOT, key=f"lot:{lot.id}:{chash}", lots=[lot],
                office_id=lot.office_id, version=version, content_hash=chash, images=stored,
                texts=texts, findings=findings, changes=changes, previous=previous, facts=facts,
                reason=f"dibuat dari lot (versi {version})")
            _outdate(db, found, f"lot berubah; diganti unggahan #{post_id} (versi {version})")
            results[lot.id] = Synced(lot.id, post_id, created=True)
            logger.info("queued post %s for lot %s (version %s)", post_id, lot.id, version)
    if any(r.created for r in results.values()):
        crash.point("after_post_queued")
    return [results[lot.id] for lot, _ in batch]


def sync_lot_post(db: Database, cfg: Config, lot: Lot, images: Sequence[str | Path]
                  ) -> tuple[int, bool]:
    """:func:`sync_lot_posts` for one lot: ``(post id, created)``, or the reason there is no
    post raised (:class:`NotQueueableError` for a lot that cannot be promoted any more)."""
    (synced,) = sync_lot_posts(db, cfg, [(lot, images)])
    if synced.error is not None:
        raise synced.error
    assert synced.post_id is not None
    return synced.post_id, synced.created


def digest_hash(lots: Iterable[Lot]) -> str:
    """Identifies a digest's content: its lots and each lot's version."""
    blob = json.dumps(sorted((lot.id, lot.content_hash()) for lot in lots))
    return hashlib.sha256(blob.encode()).hexdigest()


def sync_digest_post(db: Database, cfg: Config, office_id: str, lots: Sequence[Lot],
                     images: Sequence[str | Path], *, week: str) -> tuple[int, bool]:
    """The weekly digest post of *office_id* for ISO *week* (``2026-W11``) over *lots*.

    Lots that can no longer be promoted are left out. The same lots at the same versions give
    the same post; a different set (or a changed lot) makes a new version and outdates the
    week's earlier unpublished digest.
    """
    try:
        cap.week_monday(week)
    except ValueError as exc:
        raise UsageError(f"pekan tidak sah: {exc}") from None
    now = clock.now()
    usable = sorted((lot for lot in lots if lot.office_id == office_id and lot.promotable(now)),
                    key=lambda lt: (lt.deadline, lt.id))
    if not usable:
        raise NotQueueableError(
            f"tidak ada lot yang masih bisa dipromosikan untuk rangkuman {week}")
    dhash = digest_hash(usable)
    prefix = f"digest:{office_id}:{week}:"
    existing = posts.current_digest_id(db, prefix, dhash)
    if existing is not None:
        refresh_images(db, cfg, existing, images)
        return existing, False
    texts, findings = _captions(cfg, DIGEST, usable, office_id=office_id, week=week)
    facts = {"week": week, "lots": [lot.to_json() for lot in usable]}
    with write_tx(db):
        existing = posts.current_digest_id(db, prefix, dhash)
        if existing is not None:
            return existing, False
        earlier = posts.digests_with_prefix(db, prefix)
        previous = earlier[0] if earlier else None
        version = previous.version + 1 if previous else 1
        post_id = _new_post(
            db, cfg, kind=DIGEST, key=f"{prefix}{dhash[:16]}", lots=usable, office_id=office_id,
            version=version, content_hash=dhash, images=images, texts=texts, findings=findings,
            changes=digest_changes(previous.facts, facts) if previous else (),
            previous=previous, facts=facts, reason=f"rangkuman {week} (versi {version})")
        _outdate(db, earlier, f"daftar lot pekan ini berubah; diganti unggahan #{post_id}")
    crash.point("after_post_queued")
    return post_id, True


def sync_reminder_post(db: Database, cfg: Config, lot: Lot, images: Sequence[str | Path]
                       ) -> tuple[int, bool]:
    """The optional H-1 reminder for *lot*, only when its current lot post is approved or
    published and the lot can still be joined; one reminder per lot version."""
    chash = lot.content_hash()
    existing = posts.current_post_id(db, REMINDER, lot.id, chash)
    if existing is not None:
        refresh_images(db, cfg, existing, images)
        return existing, False
    closed = lot.closed_reason(clock.now())
    if closed:
        raise NotQueueableError(f"tidak dibuatkan pengingat: {closed}")
    main = posts.approved_lot_post(db, lot.id, chash)
    if main is None:
        raise NotQueueableError(
            f"pengingat hanya dibuat untuk lot yang unggahannya sudah disetujui (lot {lot.id})")
    texts, findings = _captions(cfg, REMINDER, [lot], office_id=lot.office_id)
    with write_tx(db):
        existing = posts.current_post_id(db, REMINDER, lot.id, chash)
        if existing is not None:
            return existing, False
        post_id = _new_post(
            db, cfg, kind=REMINDER, key=f"reminder:{lot.id}:{chash}", lots=[lot],
            office_id=lot.office_id, version=main.version, content_hash=chash, images=images,
            texts=texts, findings=findings, changes=(), previous=main, facts=lot.to_json(),
            reason=f"pengingat H-1 untuk unggahan #{main.id}")
    crash.point("after_post_queued")
    return post_id, True
