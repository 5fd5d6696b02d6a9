"""Composing one image from a template: the layer stack in order, with ``when`` conditions,
stacking (``below``) and a cached base canvas.

Settings read: none directly; the brand kit, templates and photos come from :mod:`.brand`,
:mod:`.designs` and :mod:`.photoset`. This module knows nothing about the database or files;
:mod:`.pipeline` decides what to render and where it goes.

Speed (see ``benchmarks/render.py``): each photo is decoded once per lot, with JPEG draft mode
at the largest size any requested design needs, and each resized photo is shared by designs with
the same photo box; layers that do not depend on the lot (shapes, patterns, icons, brand text,
logo) are drawn once per process — the leading ones into a cached base canvas, the others as
cached sprites.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image

from promo_pipeline.errors import TemplateError
from promo_pipeline.render import fonts, paint
from promo_pipeline.render import template as tmpl
from promo_pipeline.render.brand import BrandKit
from promo_pipeline.render.checks import Color
from promo_pipeline.render.layers import Layer
from promo_pipeline.render.paint import Placed, RenderInput
from promo_pipeline.render.photoset import PhotoSet, srgb_icc

_BASES: dict[tuple, Image.Image] = {}


def draw_layers(canvas: Image.Image, kit: BrandKit, layers: list[Layer],
                inp: RenderInput, *, origin: tuple[int, int] = (0, 0),
                plan: BasePlan | None = None, only: frozenset[int] | None = None,
                bottom: int | None = None) -> list[Placed]:
    """Draw *layers* onto *canvas*, resolving ``when`` and ``below``.

    With a *plan*, the layers (and image shadows) it baked into the base canvas are skipped.
    With *only*, the other layers are laid out (so that stacking is right) but not drawn.
    A text or QR code pushed down by stacking stays above *bottom* (default: the canvas edge).
    """
    ox, oy = origin
    placed: list[Placed] = []
    by_id: dict[str, Placed] = {}
    ch = canvas.size[1] if bottom is None else bottom
    baked = plan.layers if plan else frozenset()
    shadows_done = plan.shadows if plan else frozenset()
    for i, layer in enumerate(layers):
        x, y, h = ox + layer.x, oy + layer.y, layer.h
        if i in baked:
            result = Placed(layer.path, layer.type, (x, y, x + layer.w, y + layer.h), True)
            placed.append(result)
            if layer.id:
                by_id[layer.id] = result
            continue
        if layer.below is not None:
            ref = by_id.get(layer.below)
            if ref is not None:
                y = (ref.box[3] + layer.gap) if ref.drawn else ref.box[1]
        if layer.type in ("text", "qr") and y + h > ch:
            # A stacked block pushed to the bottom edge: shrink the box, else move it up.
            room = ch - y
            h = room if layer.type == "text" and room >= _min_line(layer) else h
            y = min(y, ch - h)
        painted = only is None or i in only
        box = (x, y, x + layer.w, y + layer.h)
        if layer.when is not None and not layer.when.evaluate(inp.values):
            result = Placed(layer.path, layer.type, (x, y, x + layer.w, y), drawn=False)
        elif layer.type == "text":
            result = paint.draw_text(canvas, kit, layer, x, y, h, inp.values, paint=painted)
        elif layer.type == "qr":
            drawn = paint.draw_qr(canvas, kit, layer, x, y, inp.values, paint=painted)
            result = Placed(layer.path, "qr", (x, y, x + layer.w, y + (layer.h if drawn else 0)),
                            drawn)
        elif not painted:
            result = Placed(layer.path, layer.type, box, True)
        elif layer.type == "image":
            paint.draw_image(canvas, kit, layer, x, y, inp, shadow=i not in shadows_done)
            result = Placed(layer.path, "image", box, True)
        else:
            result = paint.draw_static(canvas, kit, layer, x, y, inp.values)
            assert result is not None
        placed.append(result)
        if layer.id:
            by_id[layer.id] = result
    return placed


def _min_line(layer: Layer) -> int:
    ascent, descent = fonts.metrics(layer.props["min_size"], layer.props["weight"])
    pad = layer.props["box"][1][0] * 2 if "box" in layer.props else 0
    return ascent + descent + pad


@dataclass(frozen=True)
class BasePlan:
    """Which layers of a slide are drawn once into the cached base canvas.

    A static layer (its pixels and position never depend on the lot) is baked when no earlier
    layer that is drawn per image can overlap it: drawing it first then changes nothing. The
    shadow of a fixed image layer is baked by the same rule.
    """

    layers: frozenset[int]
    shadows: frozenset[int]


def _extent(layer: Layer, height: int,
            extents: dict[str, tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    """The area a layer may touch (shadow included).

    A stacked layer starts somewhere between the top of the layer it follows and that layer's
    bottom plus the gap, so it may touch that whole range plus its own height.
    """
    x0, y0, x1, y1 = layer.x, layer.y, layer.x + layer.w, layer.y + layer.h
    if layer.below is not None:
        ref = extents.get(layer.below)
        if ref is None:
            y0, y1 = 0, height
        else:
            y0, y1 = ref[1], min(height, ref[3] + layer.gap + layer.h)
    shadow = layer.props.get("shadow")
    if shadow:
        _, blur, dx, dy = shadow
        m = blur * 2 + 2
        x0, y0 = min(x0, x0 + dx - m), min(y0, y0 + dy - m)
        x1, y1 = max(x1, x1 + dx + m), max(y1, y1 + dy + m)
    return x0, y0, x1, y1


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


_PLANS: dict[tuple, BasePlan] = {}


def base_plan(layers: list[Layer], height: int) -> BasePlan:
    """The :class:`BasePlan` of a layer list (cached)."""
    key = tuple(layer.uid for layer in layers)
    plan = _PLANS.get(key)
    if plan is not None:
        return plan
    referenced = {layer.below for layer in layers if layer.below}
    live: list[tuple[int, int, int, int]] = []  # extents of layers drawn per image so far
    baked, shadows = set(), set()
    extents: dict[str, tuple[int, int, int, int]] = {}
    for i, layer in enumerate(layers):
        extent = _extent(layer, height, extents)
        if layer.id:
            extents[layer.id] = extent
        free = not any(_overlaps(extent, other) for other in live)
        if paint.is_static(layer) and layer.id not in referenced and free:
            baked.add(i)
            continue
        if (layer.type == "image" and "shadow" in layer.props and layer.when is None
                and layer.below is None and free):
            shadows.add(i)
        live.append(extent)
    plan = _PLANS[key] = BasePlan(frozenset(baked), frozenset(shadows))
    return plan


def _base(kit: BrandKit, template: tmpl.Template, key: str, layers: list[Layer],
          background: Color) -> tuple[Image.Image, BasePlan]:
    """A copy of the cached base canvas for these layers, and its plan."""
    plan = base_plan(layers, template.height)
    cache_key = (template.source_hash, str(template.path), key, kit.key)
    canvas = _BASES.get(cache_key)
    if canvas is None:
        canvas = Image.new("RGB", (template.width, template.height), kit.rgba(background)[:3])
        empty = RenderInput(values=kit.values, photos=PhotoSet([]))
        for i, layer in enumerate(layers):
            if i in plan.layers:
                draw_layers(canvas, kit, [layer], empty)
            elif i in plan.shadows:
                paint.draw_image(canvas, kit, layer, layer.x, layer.y, empty, body=False)
        _BASES[cache_key] = canvas
    return canvas.copy(), plan


def compose(template: tmpl.Template, slide: tmpl.Slide, kit: BrandKit, inp: RenderInput
            ) -> tuple[Image.Image, list[Placed]]:
    """Render one slide of *template* for *inp*; returns the RGB image and layer placements."""
    canvas, plan = _base(kit, template, slide.name, slide.layers,
                         slide.background or template.background)
    placed = draw_layers(canvas, kit, slide.layers, inp, plan=plan, bottom=safe_bottom(template))
    return canvas, placed


def safe_bottom(template: tmpl.Template) -> int | None:
    """How far down stacked text may be pushed: the safe zone's bottom, if the design has one."""
    return template.safe_zone[1] if template.safe_zone else None


def compose_digest(template: tmpl.Template, kit: BrandKit, page_values: Mapping[str, Any],
                   cells: list[RenderInput]) -> tuple[Image.Image, list[Placed]]:
    """One digest page: the page layers, then the cell layers once per lot."""
    if template.grid is None:
        raise TemplateError(f"{template.path}: not a digest template")
    slide = template.slides[0]
    canvas, plan = _base(kit, template, slide.name, slide.layers, template.background)
    placed = draw_layers(canvas, kit, slide.layers,
                         RenderInput(values=page_values, photos=PhotoSet([])), plan=plan)
    for i, cell in enumerate(cells[: template.grid.per_page]):
        origin = template.grid.cell_origin(i)
        placed += draw_layers(canvas, kit, template.cell_layers, cell, origin=origin)
    return canvas, placed


def encode_jpeg(im: Image.Image, quality: int) -> bytes:
    """JPEG for social media: sRGB profile, no EXIF, 4:4:4 chroma so small text stays crisp."""
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, optimize=True, subsampling=0, icc_profile=srgb_icc())
    return buf.getvalue()
