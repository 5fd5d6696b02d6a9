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
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path, PurePosixPath
from typing import Any

from flask import abort, request, send_file
from PIL import Image

from promo_pipeline import fsutil, imagesafe
from promo_pipeline.config import Config
from promo_pipeline.errors import NotFoundError, PhotoError
from promo_pipeline.review.app import cfg_of
from promo_pipeline.review.blueprint import bp

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


# --- routes --------------------------------------------------------------------------------


@bp.route("/media/<root>/<path:rel>")
def media_file(root: str, rel: str) -> Any:
    if root not in ROOTS:
        abort(404)
    try:
        path = safe_path(cfg_of(), root, rel)
    except NotFoundError:
        abort(404)
    resp = send_file(path, as_attachment=bool(request.args.get("download")),
                     download_name=path.name, max_age=3600, conditional=True)
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


@bp.route("/thumb/<root>/<path:rel>")
def thumb(root: str, rel: str) -> Any:
    if root not in ROOTS:
        abort(404)
    try:
        path = thumbnail(cfg_of(), root, rel)
    except NotFoundError:
        abort(404)
    except PhotoError as exc:
        logger.warning("review: no thumbnail for %s/%s: %s", root, rel, exc)
        abort(404)
    resp = send_file(path, mimetype="image/jpeg", max_age=86400, conditional=True)
    resp.headers["Cache-Control"] = "private, max-age=86400"
    return resp
