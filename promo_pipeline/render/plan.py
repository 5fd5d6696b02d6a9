"""Planning a lot's images: which designs, slides and clips it gets, their field values, and
the name of each (a hash of everything that affects its pixels). Pure apart from reading photo
files for their hashes and the photo rows of the lot.

Settings read: ``render.formats``, ``render.urgent_days``, ``render.jpeg_quality``, ``[brand]``,
the office time zone of each lot.

An image's name is the hash of everything that affects its pixels: the renderer version, the
font packages, the template file's content, the brand kit (colours, names, logo bytes), the
format and slide, the JPEG quality (for a clip: the encoder settings), the values of the fields
the slide shows, the outcome of each layer condition and the bytes of each photo it draws. So an
unchanged lot is never re-rendered and a changed one always is.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import PIL
from sqlite_utils import Database

from promo_pipeline import photos
from promo_pipeline.config import Config
from promo_pipeline.errors import TemplateError
from promo_pipeline.lots import Lot
from promo_pipeline.render import brand, designs, fonts, video
from promo_pipeline.render import template as tmpl
from promo_pipeline.render.fields import lot_fields
from promo_pipeline.render.layers import layers_digest

#: Bump when a code change alters the pixels of existing designs (forces a re-render).
RENDERER_VERSION = "2"  # 2: wider word spacing (templates: word_spacing)
URGENT_DESIGN = "urgent"

@dataclass
class Planned:
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
class LotPlan:
    lot_id: str
    photos: list[str]
    images: list[Planned]
    office_id: str | None = None  # whose brand kit the images carry


_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
_HASH_CACHE: dict[tuple, str] = {}


def safe_dir(lot_id: str) -> str:
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


def lot_values(cfg: Config, lot: Lot, *, now: datetime, photo_count: int,
               kit: brand.BrandKit) -> dict[str, Any]:
    values = lot_fields(lot, cfg.brand_for(lot.office_id), tz=cfg.timezone_of(lot.office_id),
                        now=now, photo_count=photo_count, urgent_days=cfg.render.urgent_days)
    values.update(kit.values)
    if not values.get("brand_name"):
        values["brand_name"] = lot.office_name
    return values


def name_hash(template: tmpl.Template, design: str, slide_no: int, kit: brand.BrandKit,
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


def plan_lot(cfg: Config, db: Database, lot: Lot, formats_: list[str] | None, now: datetime,
              kit: brand.BrandKit) -> LotPlan:
    paths = photos.usable_paths(db, cfg.media_dir, lot.photos)
    hashes: list[str | None] = []
    for p in paths:
        try:
            hashes.append(file_hash(p))
        except OSError:
            hashes.append(None)
    values = lot_values(cfg, lot, now=now, photo_count=len(paths), kit=kit)
    names = list(dict.fromkeys(formats_)) if formats_ else default_formats(cfg, values)
    planned: list[Planned] = []
    lot_dir = safe_dir(lot.id)
    quality = cfg.render.jpeg_quality
    for design in names:
        template = designs.get_template(cfg, design)
        if template.kind == "digest":
            raise TemplateError(f"design {design!r} is a digest of many lots; "
                                f"it is made by the weekly digest, not per lot")
        if template.is_video:
            content = video.content(template, values, hashes)
            image_id = name_hash(template, design, 0, kit, 0, content)
            planned.append(Planned(
                id=image_id, lot_id=lot.id, format=design, slide=0, template=str(template.path),
                relpath=f"images/{lot_dir}/{design}-{image_id[:16]}{video.SUFFIX}",
                slide_index=-1, slide_photo=None, values=values))
            continue
        slides = expand_slides(template, values, len(paths))
        multi = template.kind == "carousel"
        for n, (si, slide, svalues, photo) in enumerate(slides):
            content = layers_digest(slide.layers, svalues, photo, hashes)
            image_id = name_hash(template, design, n, kit, quality, content)
            stem = f"{design}-{n + 1}" if multi else design
            planned.append(Planned(
                id=image_id, lot_id=lot.id, format=design, slide=n,
                template=str(template.path), relpath=f"images/{lot_dir}/{stem}-{image_id[:16]}.jpg",
                slide_index=si, slide_photo=photo, values=svalues))
    return LotPlan(lot_id=lot.id, photos=[str(p) for p in paths], images=planned,
                   office_id=lot.office_id)
