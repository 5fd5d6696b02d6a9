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

The ``images`` table belongs to this stage: :mod:`promo_pipeline.render.images` owns it.
"""

from __future__ import annotations

from promo_pipeline import lazy

# The renderer (Pillow, fonts, templates) loads on first use, so opening the database or running
# an unrelated command does not pay for it.
_LAZY = {
    "available_designs": "promo_pipeline.render.designs",
    "RenderBatch": "promo_pipeline.render.pipeline",
    "RenderedImage": "promo_pipeline.render.pipeline",
    "images_for_lot": "promo_pipeline.render.pipeline",
    "render_batch": "promo_pipeline.render.pipeline",
    "render_digest": "promo_pipeline.render.digest",
    "render_lot": "promo_pipeline.render.pipeline",
    "render_lots": "promo_pipeline.render.pipeline",
    "contact_sheet": "promo_pipeline.render.preview",
}


__getattr__ = lazy.exports(__name__, _LAZY)


__all__ = [
    "RenderBatch",
    "RenderedImage",
    "available_designs",
    "contact_sheet",
    "images_for_lot",
    "render_batch",
    "render_digest",
    "render_lot",
    "render_lots",
]
