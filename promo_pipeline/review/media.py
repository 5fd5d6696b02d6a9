"""Safe access to the project's media for the review page: path checks, cached thumbnails and
the two routes that serve them (``/media/…``, ``/thumb/…``).

Settings read: ``storage.output_dir`` (rendered images, the thumbnail cache) and
``storage.media_dir`` (cached source photos).

Only image files (and the renderer's MP4 clips) inside those two folders are ever served. A
requested path is refused when it is absolute, contains ``..`` or a NUL byte or a backslash,
resolves (symlinks followed) outside its root, or is not a ``.jpg``/``.jpeg``/``.png``/``.webp``/
``.mp4`` file. Thumbnails are small JPEGs made once with Pillow (through
:mod:`promo_pipeline.imagesafe`) into ``<output_dir>/.thumbs/`` and named by the source path,
size and modification time, so a re-rendered image gets a fresh thumbnail.

Office scope (:meth:`promo_pipeline.accounts.User.may_review`, the one rule): an account scoped
to some offices is served a file only when it belongs to a post or lot of one of them — a
post's image or clip (a clip's poster frame with it), an image the renderer recorded for a lot
(the ``images`` table), a cached source photo of a lot (``photos`` and ``lot_photos``). Any
other file, or one of another office, is answered 404 exactly like a missing file (so its
existence is not disclosed); the attempt is logged and recorded in the owning post's history
as a refused action, the way a refused approval is. Files are served ``no-cache`` so the
browser asks again (a cheap 304) and the check is never skipped by a cached copy on a PC that
several accounts share.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from flask import abort, g, request, send_file
from PIL import Image

from promo_pipeline import fsutil, imagesafe
from promo_pipeline import queue as q
from promo_pipeline.accounts import User
from promo_pipeline.config import Config
from promo_pipeline.errors import NotFoundError, OfficeScopeError, PhotoError
from promo_pipeline.lots import get_lots, lots_with_photos
from promo_pipeline.photos import urls_at
from promo_pipeline.queue.posts import posts_of_lots, posts_with_images
from promo_pipeline.render.images import images_at
from promo_pipeline.review.app import cfg_of, get_db
from promo_pipeline.review.blueprint import bp
from promo_pipeline.review.view import POSTER_SUFFIX

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp"})
#: Clips the renderer writes (``reel``/``clip`` designs); served whole or by byte ranges.
VIDEO_SUFFIXES = frozenset({".mp4"})
THUMB_DIR = ".thumbs"
THUMB_SIZE = 360  # px, longest side: sharp on a 2x phone screen at the ~180 px it is shown
THUMB_QUALITY = 72

ROOTS = ("out", "src")  # URL names of output_dir and media_dir


def root_dir(cfg: Config, root: str) -> Path:
    if root == "out":
        return cfg.output_dir
    if root == "src":
        return cfg.media_dir
    raise NotFoundError(f"unknown media root {root!r}")


def safe_path(cfg: Config, root: str, rel: str) -> Path:
    """The file *rel* inside media root *root*; raises NotFoundError for anything unsafe."""
    base = root_dir(cfg, root)
    if not rel or "\x00" in rel or "\\" in rel:
        raise NotFoundError("invalid media path")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or rel.startswith("~"):
        raise NotFoundError("invalid media path")
    if pure.suffix.lower() not in IMAGE_SUFFIXES | VIDEO_SUFFIXES:
        raise NotFoundError("not an image")
    path = base / pure
    if not fsutil.is_within(path, base) or not path.resolve().is_file():
        raise NotFoundError("media file not found")
    # A thumbnail request for the cache itself is pointless; keep the cache out of reach.
    if root == "out" and pure.parts[0] == THUMB_DIR:
        raise NotFoundError("invalid media path")
    return path.resolve()


def thumbnail(cfg: Config, root: str, rel: str) -> Path:
    """A small JPEG of the image *rel*, made once and cached; raises NotFoundError/PhotoError."""
    source = safe_path(cfg, root, rel)
    if source.suffix.lower() in VIDEO_SUFFIXES:
        raise NotFoundError("a clip has no thumbnail (its poster frame has)")
    st = source.stat()
    key = hashlib.sha256(
        f"{root}\x00{rel}\x00{st.st_size}\x00{st.st_mtime_ns}\x00{THUMB_SIZE}".encode()
    ).hexdigest()
    cache = cfg.output_dir / THUMB_DIR / key[:2] / f"{key}.jpg"
    if cache.is_file():
        return cache
    im = imagesafe.open_image(source, draft_size=(THUMB_SIZE, THUMB_SIZE))
    im.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    if im.mode != "RGB":
        background = Image.new("RGB", im.size, (255, 255, 255))
        rgba = im.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        im = background
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=THUMB_QUALITY, optimize=True, progressive=True)
    fsutil.atomic_write_bytes(cache, buf.getvalue())
    logger.debug("thumbnail %s for %s/%s", cache.name, root, rel)
    return cache


def try_thumbnail(cfg: Config, root: str, rel: str) -> Path | None:
    try:
        return thumbnail(cfg, root, rel)
    except (NotFoundError, PhotoError) as exc:
        logger.warning("no thumbnail for %s/%s: %s", root, rel, exc)
        return None


# --- office scope -------------------------------------------------------------------------


def owners(db: Any, root: str, rel: str) -> tuple[list[q.Post], set[str | None]]:
    """What the file *rel* of media root *root* belongs to: the posts that show it (newest
    first) and the offices of those posts and of the lots it was drawn or fetched for."""
    lot_ids: list[str] = []
    posts: list[q.Post] = []
    if root == "out":
        rels = [rel]
        if rel.endswith(POSTER_SUFFIX):  # a clip's poster frame goes with the clip
            rels.append(rel.removesuffix(POSTER_SUFFIX) + ".mp4")
        posts = posts_with_images(db, rels)
        lot_ids = [r.lot_id for r in images_at(db, rels)]
    elif root == "src":
        lot_ids = lots_with_photos(db, urls_at(db, rel))
    offices: set[str | None] = {p.office_id for p in posts}
    offices |= {lot.office_id for lot in get_lots(db, lot_ids)}
    if lot_ids and not posts:
        found = posts_of_lots(db, lot_ids, kinds=q.KINDS)
        posts = sorted((p for ps in found.values() for p in ps), key=lambda p: -p.id)
    return posts, offices


def check_scope(user: User | None, root: str, rel: str) -> None:
    """Raise NotFoundError (answered 404) when the signed-in *user* may not see the file;
    the refusal is logged and recorded in the history of the newest post it belongs to."""
    if user is None or user.every_office:
        return
    db = get_db()
    posts, offices = owners(db, root, rel)
    if any(user.may_review(o) for o in offices):
        return
    logger.warning("review: %s refused %s/%s (belongs to offices %s)", user.name, root, rel,
                   sorted(o or "-" for o in offices) or "none")
    if posts:
        try:
            q.check_office(db, posts[0].id, user, action=f"berkas {root}/{rel}")
        except OfficeScopeError:
            pass
    raise NotFoundError("media file not found")


def _scoped_path(root: str, rel: str,
                 make: Callable[[Config, str, str], Path] | None = None) -> Path:
    """The file to send for *root*/*rel*, after the path and office-scope checks; 404
    otherwise (*make*: a function of (cfg, root, rel) that returns the file to send)."""
    if root not in ROOTS:
        abort(404)
    cfg = cfg_of()
    try:
        source = safe_path(cfg, root, rel)
        check_scope(g.get("user"), root, PurePosixPath(rel).as_posix())
        return make(cfg, root, rel) if make else source
    except NotFoundError:
        abort(404)
    except PhotoError as exc:
        logger.warning("review: no thumbnail for %s/%s: %s", root, rel, exc)
        abort(404)


# --- routes --------------------------------------------------------------------------------


@bp.route("/media/<root>/<path:rel>")
def media_file(root: str, rel: str) -> Any:
    path = _scoped_path(root, rel)
    resp = send_file(path, as_attachment=bool(request.args.get("download")),
                     download_name=path.name, max_age=3600, conditional=True)
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp


@bp.route("/thumb/<root>/<path:rel>")
def thumb(root: str, rel: str) -> Any:
    path = _scoped_path(root, rel, thumbnail)
    resp = send_file(path, mimetype="image/jpeg", max_age=86400, conditional=True)
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp
