"""A lot's photos for the renderer: decoded at most once each (JPEG draft mode at the largest
size any design needs), colour-managed to sRGB, fitted to layer boxes and shared between boxes
that need the same scale. An unusable photo is None, and the caller draws the illustration.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms

from promo_pipeline import imagesafe
from promo_pipeline.errors import PhotoError
from promo_pipeline.render import draw
from promo_pipeline.render import template as tmpl

logger = logging.getLogger(__name__)


@functools.cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@functools.cache
def srgb_icc() -> bytes:
    return _srgb().tobytes()


@functools.lru_cache(maxsize=16)
def _icc_transform(icc: bytes) -> ImageCms.ImageCmsTransform | None:
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(src).lower():
            return None
        return ImageCms.buildTransform(src, _srgb(), "RGB", "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None


class PhotoSet:
    """A lot's photos, each decoded at most once (at the largest size any design needs)."""

    def __init__(self, paths: list[Path | bytes],
                 needs: Mapping[int, tuple[int, int]] | None = None):
        self.paths = list(paths)
        self.needs = dict(needs or {})
        self._decoded: dict[int, Image.Image | None] = {}
        self._icc: dict[int, bytes | None] = {}
        self._fitted: dict[tuple, Image.Image | None] = {}

    def __len__(self) -> int:
        return len(self.paths)

    def decoded(self, index: int) -> Image.Image | None:
        if index in self._decoded:
            return self._decoded[index]
        im = None
        if 0 <= index < len(self.paths):
            path = self.paths[index]
            try:
                # Bytes, not a path: a file Pillow fails on is then never left open.
                data = path.read_bytes() if isinstance(path, Path) else path
                im = imagesafe.open_image(data, draft_size=self.needs.get(index))
                self._icc[index] = im.info.get("icc_profile")
                im = imagesafe.to_rgb(im)
            except (PhotoError, OSError) as exc:
                label = path if isinstance(path, Path) else f"#{index + 1}"
                logger.warning("photo %s is unusable (%s); using the illustration", label, exc)
                im = None
        self._decoded[index] = im
        return im

    def fitted(self, index: int, w: int, h: int, fit: str, focus: tuple[float, float],
               background: tuple[int, int, int]) -> Image.Image | None:
        key = (index, w, h, fit, focus, background if fit == "contain" else None)
        if key in self._fitted:
            return self._fitted[key]
        im = self.decoded(index)
        out = None
        if im is not None:
            if fit == "cover":
                out = self._cover(index, im, w, h, focus)
            else:
                small = draw.contain(im, w, h)
                out = Image.new("RGB", (w, h), background)
                out.paste(small, ((w - small.width) // 2, (h - small.height) // 2))
            icc = self._icc.get(index)
            transform = _icc_transform(icc) if icc else None
            if transform is not None:
                out = ImageCms.applyTransform(out, transform)
        self._fitted[key] = out
        return out


    def _cover(self, index: int, im: Image.Image, w: int, h: int,
               focus: tuple[float, float]) -> Image.Image:
        """Cover-fit, sharing one resampled copy between boxes that need the same scale.

        Designs whose photo boxes have the same width (feed, square, story: 1000 px) usually
        need the same scale, so the photo is resampled once and each box is a crop of it.
        """
        scale = max(w / im.width, h / im.height)
        if scale >= 0.999:
            return draw.cover(im, w, h, focus)
        size = (max(w, round(im.width * scale)), max(h, round(im.height * scale)))
        key = ("scaled", index, size)
        scaled = self._fitted.get(key)
        if scaled is None:
            scaled = self._fitted[key] = im.resize(size, draw.RESAMPLE, reducing_gap=2.0)
        return draw.cover(scaled, w, h, focus)


def photo_needs(slides: list[tuple[tmpl.Slide, Mapping[str, Any], int | None]]
                ) -> dict[int, tuple[int, int]]:
    """For each photo index, the largest box any of these slides draws it into."""
    needs: dict[int, tuple[int, int]] = {}
    for slide, values, slide_photo in slides:
        for layer in slide.layers:
            if layer.type != "image" or layer.props["source"] != "photo":
                continue
            if layer.when and not layer.when.evaluate(values):
                continue
            idx = slide_photo if layer.props["photo"] == "slide" else layer.props["photo"]
            if idx is None:
                continue
            w, h = needs.get(idx, (0, 0))
            needs[idx] = (max(w, layer.w), max(h, layer.h))
    return needs
