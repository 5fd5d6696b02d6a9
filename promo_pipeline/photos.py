"""Lot photos: download, validate and cache them, one at a time, never twice.

Settings read: ``source.api_base``/``file_base``/``site_base`` (the only hosts photos may come
from; ``site_base`` is also the ``Referer``), ``source.max_photo_bytes``,
``source.max_photo_pixels``, ``source.max_photo_side``, ``source.max_photos_per_lot``,
``storage.media_dir``.

- A URL that is not on a configured host (another host, an IP literal such as 127.0.0.1 or
  169.254.169.254 that is not the configured host, ``file://``, ``..`` segments, credentials) is
  recorded ``refused`` and never fetched.
- Downloads send ``Referer: {site_base}/`` (``file.lelang.go.id`` refuses hotlinks), are capped at
  ``max_photo_bytes`` while streaming, and are checked with :func:`imagesafe.probe` (JPEG/PNG/WebP
  only, decompression-bomb and size limits, truncated or corrupt files rejected).
- Good photos are stored content-addressed under ``media_dir/photos/ab/<sha256>.<ext>``
  (atomic write), then their ``photos`` row is committed (crash point ``after_photo_write`` sits
  between the two, so a crash leaves at most an unreferenced file that the next run reuses).

Caching rule, one ``photos`` row per URL:

- ``ok``: never downloaded again while its file exists;
- ``bad`` (not an image, corrupt, too big, 4xx): not retried on later runs, except when its lot is
  new or changed (the office may have fixed the photo);
- ``failed`` (connection error, timeout, 5xx after the client's retries): retried next run;
- ``refused``: never fetched.

A bad photo never stops its lot: it is recorded and the lot carries on without it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from promo_pipeline import clock, crash, fsutil
from promo_pipeline.errors import PermanentFetchError, PhotoError, RetryableFetchError
from promo_pipeline.store import write_tx

if TYPE_CHECKING:
    from promo_pipeline.config import Config
    from promo_pipeline.http import HttpClient

logger = logging.getLogger(__name__)

OK, BAD, FAILED, REFUSED = "ok", "bad", "failed", "refused"
#: Outcome of one URL in one run: a status above, or ``cached`` for an ``ok`` row reused.
DOWNLOADED, CACHED = "downloaded", "cached"

_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_IMAGE_ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8,*/*;q=0.5"


migrations = Migrations("photos")


@migrations()
def m001_photos(db: Database) -> None:
    # Photo cache: one row per source URL; files are content-addressed under media_dir.
    # if_not_exists: databases from before the tables had owners already hold it.
    db.table("photos").create(
        {
            "url": str,
            "status": str,             # ok | bad | failed | refused
            "sha256": str,
            "path": str,               # relative to media_dir
            "format": str,
            "width": int,
            "height": int,
            "bytes": int,
            "error": str,
            "fetched_at": str,
        },
        pk="url",
        if_not_exists=True,
    )


@dataclass(frozen=True)
class PhotoResult:
    url: str
    outcome: str  # downloaded | cached | bad | failed | refused
    path: str | None = None  # relative to media_dir, for ok photos
    error: str | None = None


def cache_path(sha256: str, fmt: str) -> str:
    """Where a photo with this content lives, relative to ``media_dir``."""
    return f"photos/{sha256[:2]}/{sha256}.{_EXTENSIONS[fmt]}"


class PhotoCache:
    """Downloads and caches photos for one run (remembers each URL's outcome within the run)."""

    def __init__(self, cfg: Config, db: Database, client: HttpClient):
        self.cfg = cfg
        self.db = db
        self.client = client
        self.media_dir = cfg.media_dir
        self._seen: dict[str, PhotoResult] = {}
        site = cfg.source.site_base.rstrip("/")
        # An <img> request: no Origin, the site as Referer (the file host checks it).
        self._headers: dict[str, Any] = {"Referer": site + "/", "Origin": None,
                                         "Accept": _IMAGE_ACCEPT}

    def ensure_lot(self, urls: Iterable[str], *, retry_bad: bool) -> list[PhotoResult]:
        """Make sure the first ``max_photos_per_lot`` photos of a lot are settled."""
        limit = self.cfg.source.max_photos_per_lot
        return [self.ensure(url, retry_bad=retry_bad) for url in list(urls)[:limit]]

    def ensure(self, url: str, *, retry_bad: bool = False) -> PhotoResult:
        """Settle one URL: reuse its cached state or download it now."""
        if url in self._seen:
            seen = self._seen[url]
            # Another lot sharing the URL: it is in the cache now, not downloaded a second time
            # (the run's summary would otherwise count one download per lot).
            return replace(seen, outcome=CACHED) if seen.outcome == DOWNLOADED else seen
        result = self._ensure(url, retry_bad)
        self._seen[url] = result
        return result

    def _ensure(self, url: str, retry_bad: bool) -> PhotoResult:
        from promo_pipeline.http import refuse_reason

        row = self.db.execute("select status, path, error from photos where url = ?",
                              [url]).fetchone()
        if row is not None:
            status, path, error = row
            if status == OK and path and (self.media_dir / path).is_file():
                return PhotoResult(url, CACHED, path=path)
            if status == REFUSED:
                return PhotoResult(url, REFUSED, error=error)
            if status == BAD and not retry_bad:
                return PhotoResult(url, BAD, error=error)
        reason = refuse_reason(url, self.cfg.source)
        if reason is not None:
            logger.warning("photo %s refused: %s", url, reason)
            self._record(url, REFUSED, error=reason)
            return PhotoResult(url, REFUSED, error=reason)
        return self._download(url)

    def _download(self, url: str) -> PhotoResult:
        from promo_pipeline import imagesafe  # Pillow, only when a photo is really fetched

        try:
            fetched = self.client.get(url, headers=self._headers,
                                      max_bytes=self.cfg.source.max_photo_bytes)
            fmt, width, height = imagesafe.probe(
                fetched.body, max_pixels=self.cfg.source.max_photo_pixels,
                max_side=self.cfg.source.max_photo_side)
        except RetryableFetchError as exc:
            logger.warning("photo %s not downloaded (will retry next run): %s", url, exc)
            self._record(url, FAILED, error=str(exc))
            return PhotoResult(url, FAILED, error=str(exc))
        except (PermanentFetchError, PhotoError) as exc:
            logger.warning("photo %s is bad: %s", url, exc)
            self._record(url, BAD, error=str(exc))
            return PhotoResult(url, BAD, error=str(exc))
        sha = fsutil.sha256_bytes(fetched.body)
        rel = cache_path(sha, fmt)
        target = self.media_dir / rel
        if not fsutil.is_within(target, self.media_dir):  # pragma: no cover - sha is hex
            raise PhotoError(f"photo path escapes media_dir: {target}")
        if not target.is_file():
            fsutil.atomic_write_bytes(target, fetched.body, crash_point=None)
        crash.point("after_photo_write")
        self._record(url, OK, sha256=sha, path=rel, format=fmt, width=width, height=height,
                     bytes=len(fetched.body))
        logger.info("photo %s cached as %s (%s %d×%d)", url, rel, fmt, width, height)
        return PhotoResult(url, DOWNLOADED, path=rel)

    def _record(self, url: str, status: str, **values: Any) -> None:
        row = {"url": url, "status": status, "sha256": None, "path": None, "format": None,
               "width": None, "height": None, "bytes": None, "error": None,
               "fetched_at": clock.iso()}
        row.update(values)
        with write_tx(self.db):
            self.db.table("photos").upsert(row, pk="url")


def usable_paths(db: Database, media_dir: Path, urls: Sequence[str]) -> list[Path]:
    """The cached, validated files of *urls*, in their order (cover first for a lot's photos);
    bad, refused or missing photos are left out."""
    if not urls:
        return []
    marks = ", ".join("?" * len(urls))  # placeholders only; values are bound
    found = dict(db.execute(f"select url, path from photos where url in ({marks}) "  # noqa: S608
                            "and status = 'ok'", list(urls)).fetchall())
    paths = [media_dir / found[u] for u in urls if found.get(u)]
    return [p for p in paths if p.is_file()]


def urls_at(db: Database, path: str) -> list[str]:
    """The source URLs whose cached file is *path* (relative to ``media_dir``; files are
    content-addressed, so one file may serve several URLs)."""
    return [r[0] for r in db.execute("select url from photos where path = ? order by url",
                                     [path])]


def count_ok(db: Database) -> int:
    """How many photos are cached and valid."""
    return int(db.execute("select count(*) from photos where status = 'ok'").fetchone()[0])

