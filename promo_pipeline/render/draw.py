"""Drawing primitives for the layer types: antialiased shapes, gradients, shadows, photo fit,
text blocks with per-character font fallback, QR codes, icons and patterns.

Pillow's own ``rounded_rectangle``/``ellipse`` masks are aliased (values 0 or 255 only), so
corners are supersampled 4× on their own (cheap) and shapes drawn by code (icons, illustrations)
are drawn at 4× and reduced. Everything that does not depend on the lot is returned as a sprite
(RGBA) and cached by the caller, so a batch pays for each constant layer once per process.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import segno
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from promo_pipeline.render import fonts, layout

RGBA = tuple[int, int, int, int]
#: One resampling filter for photos, shared with the benchmark's floor measurement.
RESAMPLE = Image.Resampling.BICUBIC
SS = 4  # supersampling factor for code-drawn shapes


def hex_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


# --- masks ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _corner(r: int) -> Image.Image:
    big = Image.new("L", (r * SS, r * SS), 0)
    ImageDraw.Draw(big).ellipse((0, 0, 2 * r * SS - 1, 2 * r * SS - 1), fill=255)
    return big.reduce(SS)


@functools.lru_cache(maxsize=256)
def rounded_mask(w: int, h: int, r: int) -> Image.Image:
    """An L mask of a ``w×h`` rectangle with antialiased corners of radius *r*."""
    mask = Image.new("L", (w, h), 255)
    r = min(r, w // 2, h // 2)
    if r <= 0:
        return mask
    c = _corner(r)
    mask.paste(c, (0, 0))
    mask.paste(c.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (w - r, 0))
    mask.paste(c.transpose(Image.Transpose.FLIP_TOP_BOTTOM), (0, h - r))
    mask.paste(c.transpose(Image.Transpose.ROTATE_180), (w - r, h - r))
    return mask


def scale_mask(mask: Image.Image, alpha: float) -> Image.Image:
    if alpha >= 0.999:
        return mask
    return mask.point(lambda v: round(v * alpha))


def gradient(w: int, h: int, c1: RGBA, c2: RGBA, angle: float) -> Image.Image:
    """RGBA linear gradient from *c1* to *c2*; angle 90 = top → bottom, 0 = left → right."""
    rad = math.radians(angle)
    ca, sa = math.cos(rad), math.sin(rad)
    wx, wy = abs(ca) * w, abs(sa) * h
    total = (wx + wy) or 1.0
    ramp = Image.linear_gradient("L")  # value = y, 256×256
    t = Image.new("L", (w, h), 0)
    if wx > 0.5:
        # ROTATE_90 turns the top→bottom ramp into left→right.
        hx = ramp.transpose(Image.Transpose.ROTATE_90).resize((w, h), Image.Resampling.BILINEAR)
        if ca < 0:
            hx = hx.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        t = ImageChops.add(t, hx.point(lambda v: round(v * wx / total)))
    if wy > 0.5:
        vy = ramp.resize((w, h), Image.Resampling.BILINEAR)
        if sa < 0:
            vy = vy.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        t = ImageChops.add(t, vy.point(lambda v: round(v * wy / total)))
    rgb = Image.composite(Image.new("RGB", (w, h), c2[:3]), Image.new("RGB", (w, h), c1[:3]), t)
    alpha = Image.composite(Image.new("L", (w, h), c2[3]), Image.new("L", (w, h), c1[3]), t)
    rgb.putalpha(alpha)
    return rgb


def multiply_alpha(im: Image.Image, mask: Image.Image) -> Image.Image:
    out = im.copy()
    out.putalpha(ImageChops.multiply(im.getchannel("A"), mask))
    return out


# --- rect sprites --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sprite:
    """A pre-drawn RGBA image and where it goes relative to the layer's (x, y)."""

    image: Image.Image
    dx: int = 0
    dy: int = 0

    def paste(self, canvas: Image.Image, x: int, y: int) -> None:
        canvas.paste(self.image, (x + self.dx, y + self.dy), self.image)


def shadow_image(mask: Image.Image, color: RGBA, blur: int, dx: int, dy: int
                 ) -> tuple[Image.Image, int, int]:
    """A blurred shadow of *mask* as RGBA, with its offset relative to the shape."""
    margin = blur * 2 + 2
    w, h = mask.size
    sm = Image.new("L", (w + 2 * margin, h + 2 * margin), 0)
    sm.paste(mask, (margin, margin))
    if blur:
        sm = sm.filter(ImageFilter.GaussianBlur(blur))
    sm = scale_mask(sm, color[3] / 255)
    img = Image.new("RGBA", sm.size, (*color[:3], 0))
    img.putalpha(sm)
    return img, dx - margin, dy - margin


def rect_sprite(w: int, h: int, *, radius: int = 0, fill: RGBA | None = None,
                grad: tuple[RGBA, RGBA, float] | None = None,
                border: tuple[RGBA, int] | None = None,
                shadow: tuple[RGBA, int, int, int] | None = None,
                opacity: float = 1.0) -> Sprite:
    mask = rounded_mask(w, h, radius)
    layers: list[tuple[Image.Image, int, int]] = []
    if shadow:
        layers.append(shadow_image(mask, *shadow))
    if grad:
        layers.append((multiply_alpha(gradient(w, h, grad[0], grad[1], grad[2]), mask), 0, 0))
    elif fill:
        body = Image.new("RGBA", (w, h), (*fill[:3], 0))
        body.putalpha(scale_mask(mask, fill[3] / 255))
        layers.append((body, 0, 0))
    if border:
        color, bw = border
        inner = Image.new("L", (w, h), 0)
        if w > 2 * bw and h > 2 * bw:
            inner.paste(rounded_mask(w - 2 * bw, h - 2 * bw, max(0, radius - bw)), (bw, bw))
        ring = ImageChops.subtract(mask, inner)
        img = Image.new("RGBA", (w, h), (*color[:3], 0))
        img.putalpha(scale_mask(ring, color[3] / 255))
        layers.append((img, 0, 0))
    x0 = min([0] + [dx for _, dx, _ in layers])
    y0 = min([0] + [dy for _, _, dy in layers])
    x1 = max([w] + [dx + im.width for im, dx, _ in layers])
    y1 = max([h] + [dy + im.height for im, _, dy in layers])
    out = Image.new("RGBA", (x1 - x0, y1 - y0), (0, 0, 0, 0))
    for im, dx, dy in layers:
        out.alpha_composite(im, (dx - x0, dy - y0))
    if opacity < 0.999:
        out.putalpha(scale_mask(out.getchannel("A"), opacity))
    return Sprite(out, x0, y0)


# --- photos --------------------------------------------------------------------------------------


def cover_box(src_w: int, src_h: int, w: int, h: int,
              focus: tuple[float, float] = (0.5, 0.5)) -> tuple[float, float, float, float]:
    """The source region that, scaled to ``w×h``, covers it (cropping around *focus*)."""
    scale = max(w / src_w, h / src_h)
    cw, ch = w / scale, h / scale
    cx = min(max(focus[0] * src_w - cw / 2, 0), src_w - cw)
    cy = min(max(focus[1] * src_h - ch / 2, 0), src_h - ch)
    return cx, cy, cx + cw, cy + ch


def cover(im: Image.Image, w: int, h: int, focus: tuple[float, float] = (0.5, 0.5)
          ) -> Image.Image:
    """Crop and resize *im* to exactly ``w×h`` (one resampling pass; a crop when 1:1)."""
    box = cover_box(im.width, im.height, w, h, focus)
    if abs((box[2] - box[0]) - w) < 0.5 and abs((box[3] - box[1]) - h) < 0.5:
        x, y = round(box[0]), round(box[1])
        return im.crop((x, y, x + w, y + h))
    return im.resize((w, h), RESAMPLE, box=box, reducing_gap=2.0)


def contain(im: Image.Image, w: int, h: int) -> Image.Image:
    """*im* scaled to fit inside ``w×h`` (aspect kept, never upscaled more than needed)."""
    scale = min(w / im.width, h / im.height)
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    if size == im.size:
        return im
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


# --- text ----------------------------------------------------------------------------------------

TEXT_INSET = 2  # px kept free on each side so glyph overhang stays inside the box


@dataclass(frozen=True)
class TextBlock:
    fit: layout.TextFit
    x: int  # box left
    y: int  # top of the text block (after vertical alignment)
    w: int  # box width
    align: str
    weight: int
    tabular: bool
    space: float = 0.0  # width of a space in em (0: the font's own)

    @property
    def bottom(self) -> int:
        return self.y + self.fit.height

    def line_x(self, i: int) -> float:
        """Where the pen starts on line *i* (ink overhang on the left included)."""
        over, lw = fonts.span(self.fit.lines[i], self.fit.size, self.weight, self.tabular,
                              self.space)
        if self.align == "center":
            return self.x + (self.w - lw) / 2 + over
        if self.align == "right":
            return self.x + self.w - TEXT_INSET - lw + over
        return self.x + TEXT_INSET + over

    def ink_boxes(self) -> list[tuple[float, float, float, float]]:
        """Where each line's glyphs land (for tests and debugging)."""
        out = []
        feats = fonts.features(self.tabular)
        for i, line in enumerate(self.fit.lines):
            base = self.y + self.fit.ascent + i * self.fit.line_height
            for dx, word in fonts.words(line, self.fit.size, self.weight, self.tabular,
                                        self.space):
                lx = self.line_x(i) + dx
                for fam, part in fonts.runs(word):
                    f = fonts.font(self.fit.size, self.weight, fam)
                    bb = f.getbbox(part, anchor="ls", features=feats)
                    if bb[2] > bb[0]:
                        out.append((lx + bb[0], base + bb[1], lx + bb[2], base + bb[3]))
                    lx += f.getlength(part, features=feats)
        return out


@functools.lru_cache(maxsize=16384)
def ink_extent(text: str, size: int, weight: int, tabular: bool) -> tuple[int, int]:
    """How far the glyphs of *text* reach above and below the baseline at *size*, in px.

    Accented capitals (Å, Ė) and some symbols reach past the font's ascent/descent, so the
    block height of a text uses whichever is larger (plus 1 px for antialiasing).
    """
    top = bottom = 0
    feats = fonts.features(tabular)
    for fam, part in fonts.runs(text.replace("\n", " ")):
        bb = fonts.font(size, weight, fam).getbbox(part, anchor="ls", features=feats)
        top, bottom = min(top, bb[1]), max(bottom, bb[3])
    return -top + 1, bottom + 1


def fit_block(text: str, *, x: int, y: int, w: int, h: int, size: int, min_size: int,
              max_lines: int, weight: int, spacing: float, align: str, valign: str,
              tabular: bool, space: float = 0.0) -> TextBlock:
    def metrics(px: int) -> tuple[int, int]:
        ascent, descent = fonts.metrics(px, weight)
        up, down = ink_extent(text, px, weight, tabular)
        return max(ascent, up), max(descent, down)

    fit = layout.fit_text(
        text, width=w - 2 * TEXT_INSET, height=h, max_size=size, min_size=min_size,
        max_lines=max_lines, spacing=spacing,
        measure=lambda s, px: fonts.span(s, px, weight, tabular, space)[1],
        metrics=metrics,
    )
    top = y
    if valign == "middle":
        top = y + (h - fit.height) // 2
    elif valign == "bottom":
        top = y + h - fit.height
    return TextBlock(fit=fit, x=x, y=top, w=w, align=align, weight=weight, tabular=tabular,
                     space=space)


def draw_block(canvas: Image.Image, block: TextBlock, color: RGBA) -> None:
    """Draw the lines of *block*; opaque colours draw straight, others through a mask."""
    if not block.fit.lines:
        return
    feats = fonts.features(block.tabular)
    if color[3] >= 255:
        target, fill, ox, oy = canvas, color[:3], 0, 0
    else:
        ox, oy = block.x, block.y
        target = Image.new("L", (block.w, block.fit.height + 2), 0)
        fill = 255
    draw = ImageDraw.Draw(target)
    for i, line in enumerate(block.fit.lines):
        base = block.y + block.fit.ascent + i * block.fit.line_height - oy
        for dx, word in fonts.words(line, block.fit.size, block.weight, block.tabular,
                                    block.space):
            lx = block.line_x(i) - ox + dx
            for fam, part in fonts.runs(word):
                f = fonts.font(block.fit.size, block.weight, fam)
                draw.text((lx, base), part, font=f, fill=fill, anchor="ls", features=feats)
                lx += f.getlength(part, features=feats)
    if target is not canvas:
        canvas.paste(color[:3], (ox, oy), scale_mask(target, color[3] / 255))


# --- QR ------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def qr_modules(data: str) -> tuple[int, bytes]:
    """(modules per side, L bytes with 255 for dark) of the QR code for *data* (level M)."""
    qr = segno.make(data, error="m", micro=False, boost_error=False)
    matrix = qr.matrix
    n = len(matrix)
    return n, b"".join(bytes(255 if v else 0 for v in row) for row in matrix)


def qr_mask(data: str, box: int, border: int) -> tuple[Image.Image, int]:
    """The QR mask at a whole number of pixels per module, and that module size."""
    n, raw = qr_modules(data)
    module = max(1, box // (n + 2 * border))
    im = Image.frombytes("L", (n, n), raw)
    return im.resize((n * module, n * module), Image.Resampling.NEAREST), module


# --- icons and patterns --------------------------------------------------------------------------


def _icon_calendar(d: ImageDraw.ImageDraw, s: float) -> None:
    d.rounded_rectangle((0.1 * s, 0.17 * s, 0.9 * s, 0.92 * s), radius=0.12 * s,
                        outline=255, width=round(0.08 * s))
    d.rectangle((0.1 * s, 0.2 * s, 0.9 * s, 0.38 * s), fill=255)
    for cx in (0.32, 0.68):
        d.rounded_rectangle((cx * s - 0.045 * s, 0.06 * s, cx * s + 0.045 * s, 0.28 * s),
                            radius=0.04 * s, fill=255)
    for row in (0.55, 0.75):
        for col in (0.3, 0.5, 0.7):
            d.rectangle(((col - 0.06) * s, (row - 0.06) * s, (col + 0.06) * s,
                         (row + 0.06) * s), fill=255)


def _icon_clock(d, s):
    w = round(0.09 * s)
    d.ellipse((0.08 * s, 0.08 * s, 0.92 * s, 0.92 * s), outline=255, width=w)
    d.line((0.5 * s, 0.5 * s, 0.5 * s, 0.26 * s), fill=255, width=w)
    d.line((0.5 * s, 0.5 * s, 0.68 * s, 0.6 * s), fill=255, width=w)
    d.ellipse((0.44 * s, 0.44 * s, 0.56 * s, 0.56 * s), fill=255)


def _icon_pin(d, s):
    d.ellipse((0.18 * s, 0.05 * s, 0.82 * s, 0.69 * s), fill=255)
    d.polygon([(0.23 * s, 0.5 * s), (0.77 * s, 0.5 * s), (0.5 * s, 0.96 * s)], fill=255)
    d.ellipse((0.38 * s, 0.25 * s, 0.62 * s, 0.49 * s), fill=0)


def _icon_wallet(d, s):
    d.rounded_rectangle((0.06 * s, 0.22 * s, 0.94 * s, 0.86 * s), radius=0.1 * s, fill=255)
    d.rounded_rectangle((0.58 * s, 0.44 * s, 0.98 * s, 0.66 * s), radius=0.06 * s, fill=0)
    d.ellipse((0.66 * s, 0.5 * s, 0.76 * s, 0.6 * s), fill=255)
    d.polygon([(0.14 * s, 0.22 * s), (0.7 * s, 0.06 * s), (0.78 * s, 0.22 * s)], fill=255)


def _poly_rot(points, cx, cy, deg):
    a = math.radians(deg)
    ca, sa = math.cos(a), math.sin(a)
    return [(cx + (x - cx) * ca - (y - cy) * sa, cy + (x - cx) * sa + (y - cy) * ca)
            for x, y in points]


def _icon_gavel(d, s):
    head = [(0.3 * s, 0.1 * s), (0.7 * s, 0.1 * s), (0.7 * s, 0.34 * s), (0.3 * s, 0.34 * s)]
    handle = [(0.46 * s, 0.34 * s), (0.54 * s, 0.34 * s), (0.54 * s, 0.8 * s),
              (0.46 * s, 0.8 * s)]
    d.polygon(_poly_rot(head, 0.5 * s, 0.45 * s, -40), fill=255)
    d.polygon(_poly_rot(handle, 0.5 * s, 0.45 * s, -40), fill=255)
    d.rounded_rectangle((0.08 * s, 0.82 * s, 0.62 * s, 0.94 * s), radius=0.04 * s, fill=255)


def _icon_link(d, s):  # a globe: the web address
    w = round(0.07 * s)
    d.ellipse((0.08 * s, 0.08 * s, 0.92 * s, 0.92 * s), outline=255, width=w)
    d.ellipse((0.3 * s, 0.08 * s, 0.7 * s, 0.92 * s), outline=255, width=w)
    d.line((0.08 * s, 0.5 * s, 0.92 * s, 0.5 * s), fill=255, width=w)
    d.line((0.16 * s, 0.3 * s, 0.84 * s, 0.3 * s), fill=255, width=w)
    d.line((0.16 * s, 0.7 * s, 0.84 * s, 0.7 * s), fill=255, width=w)


def _icon_shield(d, s):
    d.polygon([(0.5 * s, 0.04 * s), (0.9 * s, 0.18 * s), (0.86 * s, 0.55 * s),
               (0.5 * s, 0.96 * s), (0.14 * s, 0.55 * s), (0.1 * s, 0.18 * s)], fill=255)
    d.line([(0.3 * s, 0.5 * s), (0.45 * s, 0.65 * s), (0.72 * s, 0.36 * s)], fill=0,
           width=round(0.09 * s), joint="curve")


def _icon_building(d, s):
    d.polygon([(0.5 * s, 0.04 * s), (0.95 * s, 0.28 * s), (0.05 * s, 0.28 * s)], fill=255)
    d.rectangle((0.08 * s, 0.3 * s, 0.92 * s, 0.36 * s), fill=255)
    for cx in (0.2, 0.4, 0.6, 0.8):
        d.rectangle(((cx - 0.055) * s, 0.4 * s, (cx + 0.055) * s, 0.8 * s), fill=255)
    d.rectangle((0.05 * s, 0.84 * s, 0.95 * s, 0.94 * s), fill=255)


def _icon_info(d, s):
    d.ellipse((0.05 * s, 0.05 * s, 0.95 * s, 0.95 * s), fill=255)
    d.ellipse((0.44 * s, 0.2 * s, 0.56 * s, 0.32 * s), fill=0)
    d.rounded_rectangle((0.44 * s, 0.4 * s, 0.56 * s, 0.78 * s), radius=0.05 * s, fill=0)


def _icon_alert(d, s):
    d.polygon([(0.5 * s, 0.06 * s), (0.96 * s, 0.9 * s), (0.04 * s, 0.9 * s)], fill=255)
    d.rounded_rectangle((0.45 * s, 0.32 * s, 0.55 * s, 0.64 * s), radius=0.04 * s, fill=0)
    d.ellipse((0.44 * s, 0.7 * s, 0.56 * s, 0.82 * s), fill=0)


def _icon_tag(d, s):
    d.polygon([(0.08 * s, 0.1 * s), (0.55 * s, 0.1 * s), (0.94 * s, 0.5 * s),
               (0.55 * s, 0.9 * s), (0.08 * s, 0.9 * s)], fill=255)
    d.ellipse((0.18 * s, 0.42 * s, 0.34 * s, 0.58 * s), fill=0)


def _icon_phone(d, s):
    d.rounded_rectangle((0.24 * s, 0.04 * s, 0.76 * s, 0.96 * s), radius=0.1 * s, fill=255)
    d.rectangle((0.3 * s, 0.14 * s, 0.7 * s, 0.78 * s), fill=0)
    d.ellipse((0.45 * s, 0.83 * s, 0.55 * s, 0.91 * s), fill=0)


def _icon_user(d, s):
    d.ellipse((0.3 * s, 0.06 * s, 0.7 * s, 0.46 * s), fill=255)
    d.pieslice((0.1 * s, 0.52 * s, 0.9 * s, 1.3 * s), 180, 360, fill=255)


_ICONS: dict[str, Callable] = {
    "calendar": _icon_calendar, "clock": _icon_clock, "pin": _icon_pin,
    "wallet": _icon_wallet, "gavel": _icon_gavel, "link": _icon_link, "shield": _icon_shield,
    "building": _icon_building, "info": _icon_info, "alert": _icon_alert, "tag": _icon_tag,
    "phone": _icon_phone, "user": _icon_user,
}


@functools.lru_cache(maxsize=128)
def icon_mask(name: str, size: int) -> Image.Image:
    """An antialiased L mask of icon *name*, ``size×size`` px."""
    big = Image.new("L", (size * SS, size * SS), 0)
    _ICONS[name](ImageDraw.Draw(big), size * SS)
    return big.reduce(SS)


def pattern_sprite(w: int, h: int, style: str, color: RGBA, spacing: int, size: int
                   ) -> Sprite:
    """A repeating brand pattern (dots, diagonal lines, grid or rings) over ``w×h``."""
    s = 2
    mask = Image.new("L", (w * s, h * s), 0)
    d = ImageDraw.Draw(mask)
    sp, sz = spacing * s, size * s
    if style == "dots":
        for row, y in enumerate(range(sp // 2, h * s, sp)):
            off = sp // 2 if row % 2 else 0
            for x in range(sp // 2 + off, w * s + sp, sp):
                d.ellipse((x - sz, y - sz, x + sz, y + sz), fill=255)
    elif style == "diagonal":
        for x in range(-h * s, w * s, sp):
            d.line((x, h * s, x + h * s, 0), fill=255, width=sz)
    elif style == "grid":
        for x in range(0, w * s, sp):
            d.line((x, 0, x, h * s), fill=255, width=sz)
        for y in range(0, h * s, sp):
            d.line((0, y, w * s, y), fill=255, width=sz)
    else:  # rings around the top-right corner
        cx, cy = w * s, 0
        for r in range(sp, int(math.hypot(w, h) * s) + sp, sp):
            d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=255, width=sz)
    mask = mask.reduce(s)
    img = Image.new("RGBA", (w, h), (*color[:3], 0))
    img.putalpha(scale_mask(mask, color[3] / 255))
    return Sprite(img)
