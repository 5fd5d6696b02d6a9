"""Render stage: branded infographics (JPEG) for each lot from declarative TOML templates.

Settings read: ``[render]`` (formats, templates_dir, jpeg_quality, workers, urgent_days),
``[brand]``, ``storage.output_dir``, ``storage.media_dir``.

Public API (others call these)::

    render_lot(cfg, db, lot, *, formats=None, force=False) -> list[RenderedImage]
    render_lots(cfg, db, lots, *, formats=None, force=False, workers=None) -> list[RenderedImage]
    render_batch(...) -> RenderBatch            # same, with per-lot errors
    render_digest(cfg, db, lots, *, title) -> list[RenderedImage]
    available_designs(cfg) -> list[str]
    contact_sheet(cfg, out_path) -> Path
    images_for_lot(cfg, db, lot_id) -> list[RenderedImage]

The ``images`` table belongs to this stage (migration set ``render``, defined here).
"""

from __future__ import annotations

from promo_pipeline.render.engine import available_designs
from promo_pipeline.render.pipeline import (
    RenderBatch,
    RenderedImage,
    images_for_lot,
    migrations,
    render_batch,
    render_digest,
    render_lot,
    render_lots,
)
from promo_pipeline.render.preview import contact_sheet

__all__ = [
    "RenderBatch",
    "RenderedImage",
    "available_designs",
    "contact_sheet",
    "images_for_lot",
    "migrations",
    "render_batch",
    "render_digest",
    "render_lot",
    "render_lots",
]
