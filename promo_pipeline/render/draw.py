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


# --- patterns ------------------------------------------------------------------------------------


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
