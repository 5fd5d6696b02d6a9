"""Painting one layer of each type onto a canvas: rectangles, images (photo, logo or the
category illustration), fitted text, QR codes, icons and patterns.

Everything that does not depend on the lot (shapes, patterns, chips, the logo) is drawn once per
process and kept as a sprite. :mod:`.engine` decides the order, the stacking and what is cached
in the base canvas.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image

from promo_pipeline.render import draw, fonts, icons, illustrations
from promo_pipeline.render.brand import BrandKit
from promo_pipeline.render.checks import Color
from promo_pipeline.render.fields import BRAND_FIELDS
from promo_pipeline.render.layers import Layer, fill_text
from promo_pipeline.render.photoset import PhotoSet


@dataclass
class Placed:
    """Where a layer ended up (for stacking, tests and debugging)."""

    path: str
    type: str
    box: tuple[int, int, int, int]
    drawn: bool
    block: draw.TextBlock | None = None
    text: str = ""
    size: int = 0

    @property
    def ink(self) -> list[tuple[float, float, float, float]]:
        """Where the glyphs landed (text layers; computed on demand, it is not free)."""
        return self.block.ink_boxes() if self.block is not None else []


@dataclass
class RenderInput:
    """What a lot (or a digest cell) brings to a template."""

    values: Mapping[str, Any]
    photos: PhotoSet
    slide_photo: int | None = None



_SPRITES: dict[tuple, draw.Sprite] = {}


def is_static(layer: Layer) -> bool:
    """True when the layer's pixels and position never depend on the lot."""
    if layer.when is not None or layer.below is not None:
        return False
    if layer.type in ("rect", "icon", "pattern"):
        return True
    if layer.type == "text":
        return layer.fields_used <= set(BRAND_FIELDS)
    return layer.type == "image" and layer.props["source"] == "logo"


def rect_sprite(kit: BrandKit, layer: Layer, w: int, h: int) -> draw.Sprite:
    key = ("rect", kit.key, layer.uid, w, h)
    sprite = _SPRITES.get(key)
    if sprite is None:
        p = layer.props
        grad = None
        if "gradient" in p:
            c1, c2, angle = p["gradient"]
            grad = (kit.rgba(c1), kit.rgba(c2), angle)
        shadow = None
        if "shadow" in p:
            c, blur, dx, dy = p["shadow"]
            shadow = (kit.rgba(c), blur, dx, dy)
        border = (kit.rgba(p["border"][0]), p["border"][1]) if "border" in p else None
        sprite = draw.rect_sprite(w, h, radius=p["radius"],
                                  fill=kit.rgba(p["fill"]) if "fill" in p else None,
                                  grad=grad, border=border, shadow=shadow,
                                  opacity=layer.opacity)
        _SPRITES[key] = sprite
    return sprite


def chip_sprite(kit: BrandKit, color: Color, w: int, h: int, radius: int,
                 opacity: float) -> draw.Sprite:
    key = ("chip", kit.key, color, w, h, radius, opacity)
    sprite = _SPRITES.get(key)
    if sprite is None:
        sprite = draw.rect_sprite(w, h, radius=radius, fill=kit.rgba(color), opacity=opacity)
        _SPRITES[key] = sprite
    return sprite


def paste_logo(canvas: Image.Image, kit: BrandKit, layer: Layer, x: int, y: int) -> None:
    key = ("logo", kit.key, layer.w, layer.h, layer.opacity)
    sprite = _SPRITES.get(key)
    if sprite is None:
        im = draw.contain(kit.logo, layer.w, layer.h)
        if layer.opacity < 0.999:
            im = im.copy()
            im.putalpha(draw.scale_mask(im.getchannel("A"), layer.opacity))
        sprite = draw.Sprite(im, (layer.w - im.width) // 2, (layer.h - im.height) // 2)
        _SPRITES[key] = sprite
    sprite.paste(canvas, x, y)


def draw_image(canvas: Image.Image, kit: BrandKit, layer: Layer, x: int, y: int,
                inp: RenderInput, *, shadow: bool = True, body: bool = True) -> None:
    p = layer.props
    if p["source"] == "logo":
        paste_logo(canvas, kit, layer, x, y)
        return
    if shadow and "shadow" in p:
        key = ("imgshadow", kit.key, layer.uid)
        sprite = _SPRITES.get(key)
        if sprite is None:
            c, blur, dx, dy = p["shadow"]
            img, ox, oy = draw.shadow_image(draw.rounded_mask(layer.w, layer.h, p["radius"]),
                                            kit.rgba(c), blur, dx, dy)
            sprite = _SPRITES[key] = draw.Sprite(img, ox, oy)
        sprite.paste(canvas, x, y)
    if not body:
        return
    im = None
    if p["source"] == "photo":
        idx = inp.slide_photo if p["photo"] == "slide" else p["photo"]
        if idx is not None:
            bg = kit.rgba(p["background"])[:3] if "background" in p else kit.rgb("primary")
            im = inp.photos.fitted(idx, layer.w, layer.h, p["fit"], p["focus"], bg)
    if im is None:
        im = illustrations.illustration(
            str(inp.values.get("category_key", "generic")), layer.w, layer.h,
            kit.rgb("primary"), kit.rgb("secondary"), kit.rgb("accent"))
    if p["radius"] or layer.opacity < 0.999:
        mask = draw.scale_mask(draw.rounded_mask(layer.w, layer.h, p["radius"]), layer.opacity)
        canvas.paste(im, (x, y), mask)
    else:
        canvas.paste(im, (x, y))


def draw_text(canvas: Image.Image, kit: BrandKit, layer: Layer, x: int, y: int, h: int,
              values: Mapping[str, Any], *, paint: bool = True) -> Placed:
    """Fit and draw a text layer; with ``paint=False`` only where it would go."""
    p = layer.props
    text, all_empty = fill_text(layer.text or "", dict(values))
    text = fonts.clean(text)
    if p["uppercase"]:
        text = text.upper()
    if all_empty or not text.strip():
        return Placed(layer.path, "text", (x, y, x + layer.w, y), drawn=False)
    color = kit.rgba(p["color"], layer.opacity)
    pv, ph = p["box"][1] if "box" in p else (0, 0)
    block = draw.fit_block(
        text, x=x + ph, y=y + pv, w=layer.w - 2 * ph, h=h - 2 * pv, size=p["size"],
        min_size=p["min_size"], max_lines=p["max_lines"], weight=p["weight"],
        spacing=p["line_spacing"], align=p["align"], valign=p["valign"], tabular=p["tabular"],
        space=p["word_spacing"])
    top, bottom = block.y, block.bottom
    if "box" in p:
        fill, _, radius = p["box"]
        content_w = math.ceil(block.fit.width) + 2 * draw.TEXT_INSET
        chip_w, chip_h = min(layer.w, content_w + 2 * ph), block.fit.height + 2 * pv
        if p["align"] == "center":
            cx = x + (layer.w - chip_w) // 2
        elif p["align"] == "right":
            cx = x + layer.w - chip_w
        else:
            cx = x
        top = block.y - pv
        if paint:
            chip_sprite(kit, fill, chip_w, chip_h, radius, layer.opacity).paste(canvas, cx, top)
        block = draw.TextBlock(fit=block.fit, x=cx + ph, y=block.y, w=chip_w - 2 * ph,
                               align=p["align"], weight=block.weight, tabular=block.tabular,
                               space=block.space)
        bottom = top + chip_h
    if paint:
        draw.draw_block(canvas, block, color)
    return Placed(layer.path, "text", (x, top, x + layer.w, bottom), drawn=True,
                  block=block, text=" / ".join(block.fit.lines), size=block.fit.size)


def draw_qr(canvas: Image.Image, kit: BrandKit, layer: Layer, x: int, y: int,
            values: Mapping[str, Any], *, paint: bool = True) -> bool:
    """Draw a QR layer; False when its data is empty (nothing is drawn)."""
    data, all_empty = fill_text(layer.text or "", dict(values))
    if all_empty or not data.strip():
        return False
    if not paint:
        return True
    p = layer.props
    chip_sprite(kit, p["background"], layer.w, layer.h, p["radius"], layer.opacity
                ).paste(canvas, x, y)
    mask, _ = draw.qr_mask(data.strip(), min(layer.w, layer.h), p["border"])
    qx, qy = x + (layer.w - mask.width) // 2, y + (layer.h - mask.height) // 2
    canvas.paste(kit.rgba(p["color"])[:3], (qx, qy), mask)
    return True


def draw_static(canvas: Image.Image, kit: BrandKit, layer: Layer, x: int, y: int,
                values: Mapping[str, Any]) -> Placed | None:
    """Draw a rect, icon or pattern layer; None when the layer type is not one of them."""
    p = layer.props
    if layer.type == "rect":
        simple = (p["radius"] == 0 and "shadow" not in p and "border" not in p
                  and "fill" in p and layer.opacity >= 0.999 and p["fill"].alpha >= 0.999)
        if simple:
            canvas.paste(kit.rgba(p["fill"])[:3], (x, y, x + layer.w, y + layer.h))
        else:
            rect_sprite(kit, layer, layer.w, layer.h).paste(canvas, x, y)
    elif layer.type == "icon":
        size = min(layer.w, layer.h)
        mask = draw.scale_mask(icons.icon_mask(p["name"], size), p["color"].alpha * layer.opacity)
        canvas.paste(kit.rgba(p["color"])[:3],
                     (x + (layer.w - size) // 2, y + (layer.h - size) // 2), mask)
    elif layer.type == "pattern":
        key = ("pattern", kit.key, layer.uid)
        sprite = _SPRITES.get(key)
        if sprite is None:
            sprite = _SPRITES[key] = draw.pattern_sprite(
                layer.w, layer.h, p["style"], kit.rgba(p["color"], layer.opacity),
                p["spacing"], p["size"])
        sprite.paste(canvas, x, y)
    else:
        return None
    return Placed(layer.path, layer.type, (x, y, x + layer.w, y + layer.h), drawn=True)
