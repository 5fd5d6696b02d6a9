"""The weekly digest's images: many lots on one page (``grid.per_page`` per image), named and
recorded like every other image.

Settings read: ``render.jpeg_quality``, ``[brand]``, ``storage.output_dir``,
``storage.media_dir``, the office time zone of the first lot.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from promo_pipeline import clock, formats, photos
from promo_pipeline.config import Config
from promo_pipeline.errors import TemplateError
from promo_pipeline.fsutil import atomic_write_bytes
from promo_pipeline.lots import Lot
from promo_pipeline.render import brand, designs, engine, photoset
from promo_pipeline.render import template as tmpl
from promo_pipeline.render.layers import layers_digest
from promo_pipeline.render.pipeline import RenderedImage, existing_ids, record
from promo_pipeline.render.plan import LotPlan, Planned, file_hash, lot_values, name_hash


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
    now = now or clock.now()
    kit = brand.brand_kit(cfg, lots[0].office_id)
    template = designs.get_template(cfg, design)
    if template.kind != "digest" or template.grid is None:
        raise TemplateError(f"design {design!r} is not a digest template")
    key = hashlib.sha256(json.dumps([title, [lot.id for lot in lots]]).encode()).hexdigest()
    digest_id = f"digest-{key[:12]}"
    per = template.grid.per_page
    pages = [list(lots[i:i + per]) for i in range(0, len(lots), per)]
    tz = cfg.timezone_of(lots[0].office_id)
    cells_by_page = []
    planned: list[Planned] = []
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
            contents.append(layers_digest(template.cell_layers, values, None, hashes))
        page = template.slides[0]
        content = {"page": layers_digest(page.layers, page_values, None, []), "cells": contents}
        image_id = name_hash(template, design, n, kit, cfg.render.jpeg_quality, content)
        planned.append(Planned(id=image_id, lot_id=digest_id, format=design, slide=n,
                                template=str(template.path),
                                relpath=f"images/{digest_id}/{design}-{n + 1}-{image_id[:16]}.jpg",
                                slide_index=0, slide_photo=None, values=page_values))
        cells_by_page.append(cells)
    existing = set() if force else existing_ids(cfg, db, planned)
    out: list[RenderedImage] = []
    drawn: list[str] = []
    for item, cells in zip(planned, cells_by_page, strict=True):
        path = cfg.output_dir / item.relpath
        if item.id not in existing:
            canvas, _ = engine.compose_digest(template, kit, item.values, cells)
            atomic_write_bytes(path, engine.encode_jpeg(canvas, cfg.render.jpeg_quality))
            drawn.append(item.id)
        out.append(RenderedImage(digest_id, design, item.slide, path, item.id not in existing))
    record(db, LotPlan(digest_id, [], planned, lots[0].office_id), drawn)
    return out
