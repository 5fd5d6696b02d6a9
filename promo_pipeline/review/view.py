"""What the post page shows, built from a post and its lots: the media entries (images and
clips, each with its design and size) and the source facts with a check mark for each.

Settings read: ``storage.output_dir``, ``offices[].timezone``, ``source.site_base``.

Pure over its inputs apart from reading image sizes from the files' headers (Pillow reads
only the header). A fact is marked ✓ when every caption states it (no lint finding of its
codes in any channel: the lint is :mod:`promo_pipeline.captions`') and the images were drawn
from the lot's current facts (the post's content hash is the lot's).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from promo_pipeline import formats, present
from promo_pipeline import queue as q
from promo_pipeline.config import Config
from promo_pipeline.lots import Lot
from promo_pipeline.render import images

logger = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset({".mp4"})
#: The poster frame the renderer writes beside a clip (``render.video.poster_path``).
POSTER_SUFFIX = ".poster.jpg"

#: Lint codes that say a fact is missing or wrong in a caption.
FACT_CODES = {
    "limit": ("limit_missing",),
    "deposit": ("deposit_missing",),
    "deadline": ("deadline_missing", "zone_missing"),
    "link": ("link_missing", "link_wrong"),
}


@dataclass(frozen=True)
class Media:
    """One image or clip of a post, as the page shows it."""

    rel: str                    # relative to storage.output_dir
    design: str | None
    slide: int | None
    is_video: bool
    width: int | None
    height: int | None
    poster: str | None = None   # a clip's poster frame (relative), when it exists

    @property
    def label(self) -> str:
        if not self.design:
            return "Video" if self.is_video else "Gambar"
        name = present.design(self.design)
        return f"{name} {self.slide}" if self.slide else name

    @property
    def orientation(self) -> str:
        if not self.width or not self.height:
            return "unknown"
        ratio = self.width / self.height
        return "portrait" if ratio < 0.95 else ("landscape" if ratio > 1.05 else "square")


def design_of(rel: str, known: Sequence[str] = ()) -> tuple[str | None, int | None]:
    """The design (and carousel slide number) a rendered file was drawn with, from its name."""
    named = images.design_of(rel)
    if named is not None:
        return named
    # Files not named by the renderer (older rows, imports): the longest known design prefix.
    stem = PurePosixPath(rel).name.split(".", 1)[0]
    for name in sorted(known, key=len, reverse=True):
        if stem.lower().startswith(name):
            return name, None
    return None, None


def _size(path: Path) -> tuple[int | None, int | None]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return im.size
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        logger.warning("review: cannot read the size of %s: %s", path, exc)
        return None, None


def media_of(cfg: Config, post: q.Post, known: Sequence[str]) -> list[Media]:
    out = []
    for rel in map(str, post.images):
        design, slide = design_of(rel, known)
        path = cfg.output_dir / rel
        is_video = PurePosixPath(rel).suffix.lower() in VIDEO_SUFFIXES
        poster = None
        if is_video:
            poster_rel = str(PurePosixPath(rel).with_suffix("")) + POSTER_SUFFIX
            if (cfg.output_dir / poster_rel).is_file():
                poster = poster_rel
        size_of = cfg.output_dir / poster if poster else path
        width, height = _size(size_of) if size_of.is_file() and (poster or not is_video) else (
            None, None)
        out.append(Media(rel, design, slide, is_video, width, height, poster))
    return out


def _missing(findings: Sequence[Mapping[str, Any]], codes: Sequence[str]) -> list[str]:
    """The channels whose caption has a finding of *codes* (in the order found)."""
    return list(dict.fromkeys(str(f.get("channel") or "") for f in findings
                              if f.get("code") in codes))


def fact_rows(cfg: Config, post: q.Post, lot: Lot) -> list[dict[str, Any]]:
    """The facts a reviewer checks the image and captions against, each with its mark.

    ``caption``: None (not checked by the lint), or the channels missing it (empty: ✓);
    ``image``: whether the images were drawn from these facts (None: cannot tell).
    """
    tz = cfg.timezone_of(lot.office_id)
    fresh = _fresh(post, lot)
    lint = post.lint if post.kind != q.DIGEST else ()
    rows = [
        ("limit", "Nilai limit", formats.rupiah(lot.limit_value), True),
        ("deposit", "Uang jaminan", formats.rupiah(lot.deposit), True),
    ]
    if lot.deposit_deadline:
        rows.append(("deadline", "Batas setor jaminan",
                     formats.datetime_long(lot.deposit_deadline, tz), True))
        rows.append(("end", "Penawaran ditutup", formats.datetime_long(lot.ends_at, tz), False))
    else:
        rows.append(("deadline", "Penawaran ditutup", formats.datetime_long(lot.ends_at, tz),
                     True))
    out = []
    for key, label, value, checked in rows:
        missing = (_missing(lint, FACT_CODES[key])
                   if checked and key in FACT_CODES and post.kind != q.DIGEST else None)
        out.append({"key": key, "label": label, "value": value, "caption": missing,
                    "image": fresh, "ok": bool(fresh) and missing == []})
    return out


def _fresh(post: q.Post, lot: Lot) -> bool | None:
    """Whether the post's images were drawn from the lot's current facts (None: a digest,
    whose content hash covers all its lots, cannot tell per lot)."""
    if post.kind == q.DIGEST:
        return None
    return bool(post.content_hash) and post.content_hash == lot.content_hash()


def link_row(post: q.Post, lot: Lot, link: str | None) -> dict[str, Any]:
    missing = _missing(post.lint, FACT_CODES["link"]) if post.kind != q.DIGEST else None
    fresh = _fresh(post, lot)
    return {"key": "link", "label": "Tautan lot", "value": link, "caption": missing,
            "image": fresh, "ok": bool(link) and bool(fresh) and missing == []}


def merge_design(current: Sequence[str], made: Sequence[str], design: str,
                 known: Sequence[str]) -> tuple[list[str], int]:
    """The post's images with *made* (all of design *design*) put in: the images of that same
    design are replaced in place, other designs are kept; a new design goes last. Returns the
    list and the index of the first new image."""
    kept: list[str] = []
    at: int | None = None
    for rel in current:
        if design_of(rel, known)[0] == design:
            at = len(kept) if at is None else at
            continue
        kept.append(rel)
    at = len(kept) if at is None else at
    return [*kept[:at], *made, *kept[at:]], at


#: Lines of either side beyond which a caption edit is not compared line by line.
DIFF_MAX_LINES = 2000


def caption_diff(old: str, new: str, *, context: int = 1) -> list[tuple[str, str]] | None:
    """A caption edit as ``(kind, line)`` pairs — ``same``, ``del``, ``ins``, ``gap`` (unchanged
    lines left out) — or None when the texts are too long to compare."""
    a, b = old.splitlines(), new.splitlines()
    if len(a) > DIFF_MAX_LINES or len(b) > DIFF_MAX_LINES:
        return None
    out: list[tuple[str, str]] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if out:
            out.append(("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [("same", line) for line in a[i1:i2]]
                continue
            out += [("del", line) for line in a[i1:i2]]
            out += [("ins", line) for line in b[j1:j2]]
    return out
