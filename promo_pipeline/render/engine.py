"""Composing one image from a template: the brand kit, the lot's photos and the layer stack.

Settings read: ``[brand]`` (colours, logo), ``render.templates_dir``.

This module knows nothing about the database or files on disk other than templates, photos
and the logo; :mod:`.pipeline` decides what to render and where it goes.

Speed (see ``benchmarks/render.py``): each photo is decoded once per lot, with JPEG draft mode
at the largest size any requested design needs, and each resized photo is shared by designs with
the same photo box; layers that do not depend on the lot (shapes, patterns, icons, brand text,
logo) are drawn once per process — the leading ones into a cached base canvas, the others as
cached sprites.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms

from promo_pipeline import imagesafe
from promo_pipeline.config import Brand, Config
from promo_pipeline.errors import PhotoError, TemplateError
from promo_pipeline.render import draw, fonts, illustrations
from promo_pipeline.render import template as tmpl
from promo_pipeline.render.fields import BRAND_FIELDS, brand_fields
from promo_pipeline.resources import builtin_templates_dir

logger = logging.getLogger(__name__)

# --- templates -----------------------------------------------------------------------------------

_TEMPLATE_CACHE: dict[Path, tuple[int, int, tmpl.Template]] = {}


def template_dirs(cfg: Config) -> list[Path]:
    """The office's folder first (overrides file by file), then the built-in designs."""
    dirs = []
    office = cfg.resolve(cfg.render.templates_dir)
    if office.is_dir():
        dirs.append(office)
    builtin = builtin_templates_dir()
    if not dirs or office.resolve() != builtin.resolve():
        dirs.append(builtin)
    return dirs


def available_designs(cfg: Config) -> list[str]:
    """Names of every design (``*.toml``) in the office folder and the built-ins."""
    names = set()
    for d in template_dirs(cfg):
        names.update(p.stem for p in d.glob("*.toml"))
    return sorted(names)


def template_path(cfg: Config, name: str) -> Path:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise TemplateError(f"invalid design name {name!r}")
    for d in template_dirs(cfg):
        p = d / f"{name}.toml"
        if p.is_file():
            return p
    raise TemplateError(f"unknown design {name!r} (available: "
                        f"{', '.join(available_designs(cfg)) or 'none'})")


def get_template(cfg: Config, name: str) -> tmpl.Template:
    """The validated template for design *name*, cached until its file changes."""
    path = template_path(cfg, name)
    st = path.stat()
    cached = _TEMPLATE_CACHE.get(path)
    if cached and cached[0] == st.st_mtime_ns and cached[1] == st.st_size:
        return cached[2]
    template = tmpl.load(path, name)
    _TEMPLATE_CACHE[path] = (st.st_mtime_ns, st.st_size, template)
    return template


# --- brand kit -----------------------------------------------------------------------------------

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class BrandKit:
    """Resolved brand: colours, the logo image and a key that changes when any of it changes."""

    colors: Mapping[str, RGB]
    logo: Image.Image
    key: str
    values: Mapping[str, Any]

    def rgba(self, color: tmpl.Color, opacity: float = 1.0) -> tuple[int, int, int, int]:
        rgb = self.colors[color.ref] if not color.ref.startswith("#") else draw.hex_rgb(color.ref)
        return (*rgb, max(0, min(255, round(255 * color.alpha * opacity))))

    def rgb(self, name: str) -> RGB:
        return self.colors[name]


_BRAND_CACHE: dict[tuple, BrandKit] = {}


def _load_logo(cfg: Config) -> tuple[Image.Image | None, str]:
    if not cfg.brand.logo:
        return None, "default"
    path = cfg.resolve(cfg.brand.logo)
    try:
        data = path.read_bytes()
        im = imagesafe.open_image(data, draft_size=(600, 600))
    except (OSError, PhotoError) as exc:
        logger.warning("brand logo %s cannot be used (%s); using the built-in logo", path, exc)
        return None, "default"
    if im.mode not in ("RGBA", "RGB"):
        im = im.convert("RGBA")
    return im.convert("RGBA"), hashlib.sha256(data).hexdigest()


def brand_kit(cfg: Config) -> BrandKit:
    b: Brand = cfg.brand
    logo_stat: tuple = ()
    if b.logo:
        p = cfg.resolve(b.logo)
        try:
            st = p.stat()
            logo_stat = (str(p), st.st_mtime_ns, st.st_size)
        except OSError:
            logo_stat = (str(p),)
    cache_key = (repr(b), logo_stat, cfg.offices[0].name if cfg.offices else "")
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
    logo, logo_hash = _load_logo(cfg)
    if logo is None:
        logo = illustrations.default_logo(256, colors["primary"], colors["accent"])
    values = brand_fields(b, cfg.offices[0].name if cfg.offices else "")
    blob = repr((sorted(colors.items()), logo_hash, sorted(values.items())))
    kit = BrandKit(colors=colors, logo=logo, key=hashlib.sha256(blob.encode()).hexdigest()[:16],
                   values=values)
    _BRAND_CACHE[cache_key] = kit
    return kit


# --- photos --------------------------------------------------------------------------------------


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


# --- composing -----------------------------------------------------------------------------------


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
_BASES: dict[tuple, Image.Image] = {}


def _static(layer: tmpl.Layer) -> bool:
    """True when the layer's pixels and position never depend on the lot."""
    if layer.when is not None or layer.below is not None:
        return False
    if layer.type in ("rect", "icon", "pattern"):
        return True
    if layer.type == "text":
        return layer.fields_used <= set(BRAND_FIELDS)
    return layer.type == "image" and layer.props["source"] == "logo"


def _rect_sprite(kit: BrandKit, layer: tmpl.Layer, w: int, h: int) -> draw.Sprite:
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


def _chip_sprite(kit: BrandKit, color: tmpl.Color, w: int, h: int, radius: int,
                 opacity: float) -> draw.Sprite:
    key = ("chip", kit.key, color, w, h, radius, opacity)
    sprite = _SPRITES.get(key)
    if sprite is None:
        sprite = draw.rect_sprite(w, h, radius=radius, fill=kit.rgba(color), opacity=opacity)
        _SPRITES[key] = sprite
    return sprite


def _paste_logo(canvas: Image.Image, kit: BrandKit, layer: tmpl.Layer, x: int, y: int) -> None:
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


def _draw_image(canvas: Image.Image, kit: BrandKit, layer: tmpl.Layer, x: int, y: int,
                inp: RenderInput, *, shadow: bool = True, body: bool = True) -> None:
    p = layer.props
    if p["source"] == "logo":
        _paste_logo(canvas, kit, layer, x, y)
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


def _draw_text(canvas: Image.Image, kit: BrandKit, layer: tmpl.Layer, x: int, y: int, h: int,
               values: Mapping[str, Any]) -> Placed:
    p = layer.props
    text, all_empty = tmpl.fill_text(layer.text or "", dict(values))
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
        spacing=p["line_spacing"], align=p["align"], valign=p["valign"], tabular=p["tabular"])
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
        _chip_sprite(kit, fill, chip_w, chip_h, radius, layer.opacity).paste(canvas, cx, top)
        block = draw.TextBlock(fit=block.fit, x=cx + ph, y=block.y, w=chip_w - 2 * ph,
                               align=p["align"], weight=block.weight, tabular=block.tabular)
        bottom = top + chip_h
    draw.draw_block(canvas, block, color)
    return Placed(layer.path, "text", (x, top, x + layer.w, bottom), drawn=True,
                  block=block, text=" / ".join(block.fit.lines), size=block.fit.size)


def _draw_qr(canvas: Image.Image, kit: BrandKit, layer: tmpl.Layer, x: int, y: int,
             values: Mapping[str, Any]) -> bool:
    data, all_empty = tmpl.fill_text(layer.text or "", dict(values))
    if all_empty or not data.strip():
        return False
    p = layer.props
    _chip_sprite(kit, p["background"], layer.w, layer.h, p["radius"], layer.opacity
                 ).paste(canvas, x, y)
    mask, _ = draw.qr_mask(data.strip(), min(layer.w, layer.h), p["border"])
    qx, qy = x + (layer.w - mask.width) // 2, y + (layer.h - mask.height) // 2
    canvas.paste(kit.rgba(p["color"])[:3], (qx, qy), mask)
    return True


def _draw_static(canvas: Image.Image, kit: BrandKit, layer: tmpl.Layer, x: int, y: int,
                 values: Mapping[str, Any]) -> Placed | None:
    """Draw a rect, icon or pattern layer; None when the layer type is not one of them."""
    p = layer.props
    if layer.type == "rect":
        simple = (p["radius"] == 0 and "shadow" not in p and "border" not in p
                  and "fill" in p and layer.opacity >= 0.999 and p["fill"].alpha >= 0.999)
        if simple:
            canvas.paste(kit.rgba(p["fill"])[:3], (x, y, x + layer.w, y + layer.h))
        else:
            _rect_sprite(kit, layer, layer.w, layer.h).paste(canvas, x, y)
    elif layer.type == "icon":
        size = min(layer.w, layer.h)
        mask = draw.scale_mask(draw.icon_mask(p["name"], size), p["color"].alpha * layer.opacity)
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


def draw_layers(canvas: Image.Image, kit: BrandKit, layers: list[tmpl.Layer],
                inp: RenderInput, *, origin: tuple[int, int] = (0, 0),
                plan: BasePlan | None = None) -> list[Placed]:
    """Draw *layers* onto *canvas*, resolving ``when`` and ``below``.

    With a *plan*, the layers (and image shadows) it baked into the base canvas are skipped.
    """
    ox, oy = origin
    placed: list[Placed] = []
    by_id: dict[str, Placed] = {}
    _cw, ch = canvas.size
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
        if layer.when is not None and not layer.when.evaluate(inp.values):
            result = Placed(layer.path, layer.type, (x, y, x + layer.w, y), drawn=False)
        elif layer.type == "text":
            result = _draw_text(canvas, kit, layer, x, y, h, inp.values)
        elif layer.type == "image":
            _draw_image(canvas, kit, layer, x, y, inp, shadow=i not in shadows_done)
            result = Placed(layer.path, "image", (x, y, x + layer.w, y + layer.h), True)
        elif layer.type == "qr":
            drawn = _draw_qr(canvas, kit, layer, x, y, inp.values)
            result = Placed(layer.path, "qr", (x, y, x + layer.w, y + (layer.h if drawn else 0)),
                            drawn)
        else:
            result = _draw_static(canvas, kit, layer, x, y, inp.values)
            assert result is not None
        placed.append(result)
        if layer.id:
            by_id[layer.id] = result
    return placed


def _min_line(layer: tmpl.Layer) -> int:
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


def _extent(layer: tmpl.Layer, height: int,
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


def base_plan(layers: list[tmpl.Layer], height: int) -> BasePlan:
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
        if _static(layer) and layer.id not in referenced and free:
            baked.add(i)
            continue
        if (layer.type == "image" and "shadow" in layer.props and layer.when is None
                and layer.below is None and free):
            shadows.add(i)
        live.append(extent)
    plan = _PLANS[key] = BasePlan(frozenset(baked), frozenset(shadows))
    return plan


def _base(kit: BrandKit, template: tmpl.Template, key: str, layers: list[tmpl.Layer],
          background: tmpl.Color) -> tuple[Image.Image, BasePlan]:
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
                _draw_image(canvas, kit, layer, layer.x, layer.y, empty, body=False)
        _BASES[cache_key] = canvas
    return canvas.copy(), plan


def compose(template: tmpl.Template, slide: tmpl.Slide, kit: BrandKit, inp: RenderInput
            ) -> tuple[Image.Image, list[Placed]]:
    """Render one slide of *template* for *inp*; returns the RGB image and layer placements."""
    canvas, plan = _base(kit, template, slide.name, slide.layers,
                         slide.background or template.background)
    placed = draw_layers(canvas, kit, slide.layers, inp, plan=plan)
    return canvas, placed


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
