"""The brand kit: the office's colours, logo and names, resolved once per process.

Settings read: ``[brand]`` and each office's ``[offices.brand]`` (``Config.brand_for``), the
office's name (the first office's without one).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image

from promo_pipeline import imagesafe
from promo_pipeline.config import Brand, Config
from promo_pipeline.errors import PhotoError
from promo_pipeline.render import draw, illustrations
from promo_pipeline.render.checks import Color
from promo_pipeline.render.fields import brand_fields

logger = logging.getLogger(__name__)

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class BrandKit:
    """Resolved brand: colours, the logo image and a key that changes when any of it changes."""

    colors: Mapping[str, RGB]
    logo: Image.Image
    key: str
    values: Mapping[str, Any]

    def rgba(self, color: Color, opacity: float = 1.0) -> tuple[int, int, int, int]:
        rgb = self.colors[color.ref] if not color.ref.startswith("#") else draw.hex_rgb(color.ref)
        return (*rgb, max(0, min(255, round(255 * color.alpha * opacity))))

    def rgb(self, name: str) -> RGB:
        return self.colors[name]


_BRAND_CACHE: dict[tuple, BrandKit] = {}


def _load_logo(cfg: Config, b: Brand) -> tuple[Image.Image | None, str]:
    if not b.logo:
        return None, "default"
    path = cfg.resolve(b.logo)
    try:
        data = path.read_bytes()
        im = imagesafe.open_image(data, draft_size=(600, 600))
    except (OSError, PhotoError) as exc:
        logger.warning("brand logo %s cannot be used (%s); using the built-in logo", path, exc)
        return None, "default"
    if im.mode not in ("RGBA", "RGB"):
        im = im.convert("RGBA")
    return im.convert("RGBA"), hashlib.sha256(data).hexdigest()


def brand_kit(cfg: Config, office_id: str | None = None) -> BrandKit:
    """The brand kit of *office_id*'s images (``Config.brand_for``: its own ``[offices.brand]``
    merged over ``[brand]``); without an office, the install's ``[brand]`` and first office."""
    b: Brand = cfg.brand_for(office_id)
    office = cfg.office(office_id) if office_id else None
    if office is None:
        office = cfg.offices[0] if cfg.offices else None
    office_name = office.name if office is not None else ""
    logo_stat: tuple = ()
    if b.logo:
        p = cfg.resolve(b.logo)
        try:
            st = p.stat()
            logo_stat = (str(p), st.st_mtime_ns, st.st_size)
        except OSError:
            logo_stat = (str(p),)
    cache_key = (repr(b), logo_stat, office_name)
    kit = _BRAND_CACHE.get(cache_key)
    if kit is not None:
        return kit
    colors = {
        "primary": draw.hex_rgb(b.primary_color),
        "secondary": draw.hex_rgb(b.secondary_color),
        "accent": draw.hex_rgb(b.accent_color),
        "text": draw.hex_rgb(b.text_color),
        "background": draw.hex_rgb(b.background_color),
        "white": (255, 255, 255),
        "black": (0, 0, 0),
    }
    logo, logo_hash = _load_logo(cfg, b)
    if logo is None:
        logo = illustrations.default_logo(256, colors["primary"], colors["accent"])
    values = brand_fields(b, office_name)
    blob = repr((sorted(colors.items()), logo_hash, sorted(values.items())))
    kit = BrandKit(colors=colors, logo=logo, key=hashlib.sha256(blob.encode()).hexdigest()[:16],
                   values=values)
    _BRAND_CACHE[cache_key] = kit
    return kit
