"""Category illustrations for lots without a usable photo, and the default logo. Drawn by code.

An illustration is a designed image, never an empty box: the brand gradient, the brand ring
pattern, a soft "floor" and a large line-art subject in white with accent details — one per art
family of :mod:`promo_pipeline.titles` (car, motorcycle, excavator, truck, land, building, scrap,
electronics, generator, boat, and a plain parcel for the neutral ``generic``; an unknown key
draws the parcel). Shapes are drawn 4× and reduced,
so edges are smooth. Results are cached per (category, size, colours).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter

from promo_pipeline.render.draw import SS, gradient, pattern_sprite

RGB = tuple[int, int, int]
Draw = ImageDraw.ImageDraw
#: One illustration per art family (``promo_pipeline.titles.FAMILIES``, same order).
KEYS = ("car", "motorcycle", "heavy_equipment", "truck_bus", "land", "building", "scrap",
        "electronics", "machine", "vessel", "generic")


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))  # type: ignore[return-value]


# Each subject draws into two masks on a square of side s: "main" (white) and "accent".
def _car(m: Draw, a: Draw, s: float) -> None:
    body = [(0.06, 0.62), (0.08, 0.5), (0.2, 0.46), (0.32, 0.32), (0.62, 0.3), (0.76, 0.44),
            (0.92, 0.48), (0.95, 0.6), (0.93, 0.66), (0.07, 0.66)]
    m.polygon([(x * s, y * s) for x, y in body], fill=255)
    windows = [(0.34, 0.35), (0.47, 0.35), (0.47, 0.45), (0.25, 0.45)]
    m.polygon([(x * s, y * s) for x, y in windows], fill=0)
    windows2 = [(0.5, 0.35), (0.61, 0.35), (0.71, 0.45), (0.5, 0.45)]
    m.polygon([(x * s, y * s) for x, y in windows2], fill=0)
    for cx in (0.26, 0.74):
        m.ellipse(((cx - 0.1) * s, 0.56 * s, (cx + 0.1) * s, 0.76 * s), fill=0)
        m.ellipse(((cx - 0.08) * s, 0.58 * s, (cx + 0.08) * s, 0.74 * s), fill=255)
        a.ellipse(((cx - 0.035) * s, 0.63 * s, (cx + 0.035) * s, 0.69 * s), fill=255)
    a.rectangle((0.86 * s, 0.5 * s, 0.93 * s, 0.54 * s), fill=255)  # headlight


def _motorcycle(m: Draw, a: Draw, s: float) -> None:
    w = round(0.05 * s)
    for cx in (0.22, 0.78):  # tyres, spokes hidden, hub in the accent colour
        m.ellipse(((cx - 0.15) * s, 0.52 * s, (cx + 0.15) * s, 0.82 * s), outline=255, width=w)
        a.ellipse(((cx - 0.045) * s, 0.625 * s, (cx + 0.045) * s, 0.715 * s), fill=255)
    m.line([(0.22 * s, 0.67 * s), (0.42 * s, 0.56 * s)], fill=255, width=w)  # swing arm
    m.line([(0.78 * s, 0.67 * s), (0.68 * s, 0.36 * s)], fill=255, width=w)  # fork
    m.line([(0.62 * s, 0.3 * s), (0.72 * s, 0.33 * s)], fill=255, width=round(0.035 * s))
    m.rounded_rectangle((0.38 * s, 0.5 * s, 0.6 * s, 0.66 * s), radius=0.03 * s, fill=255)
    for y in (0.545, 0.585, 0.625):  # engine fins
        m.line([(0.41 * s, y * s), (0.5 * s, y * s)], fill=0, width=max(1, round(0.012 * s)))
    m.polygon([(0.24 * s, 0.44 * s), (0.5 * s, 0.42 * s), (0.48 * s, 0.5 * s),
               (0.3 * s, 0.52 * s)], fill=255)  # seat and tail
    m.polygon([(0.46 * s, 0.36 * s), (0.66 * s, 0.35 * s), (0.7 * s, 0.46 * s),
               (0.56 * s, 0.52 * s), (0.46 * s, 0.5 * s)], fill=255)  # tank
    a.polygon([(0.5 * s, 0.38 * s), (0.64 * s, 0.375 * s), (0.665 * s, 0.43 * s),
               (0.52 * s, 0.44 * s)], fill=255)  # tank stripe
    a.ellipse((0.69 * s, 0.37 * s, 0.76 * s, 0.44 * s), fill=255)  # headlight
    m.line([(0.45 * s, 0.64 * s), (0.12 * s, 0.6 * s)], fill=255, width=round(0.03 * s))


def _land(m: Draw, a: Draw, s: float) -> None:
    m.polygon([(0.0, 0.62 * s), (0.3 * s, 0.44 * s), (0.55 * s, 0.56 * s), (0.75 * s, 0.46 * s),
               (1.0 * s, 0.6 * s), (1.0 * s, 0.66 * s), (0.0, 0.66 * s)], fill=255)
    # plot outline in perspective
    plot = [(0.18, 0.72), (0.82, 0.72), (0.96, 0.92), (0.04, 0.92)]
    w = round(0.022 * s)
    m.line([(x * s, y * s) for x, y in plot + plot[:1]], fill=255, width=w, joint="curve")
    for t in (0.33, 0.66):
        top = 0.18 + (0.82 - 0.18) * t
        bot = 0.04 + (0.96 - 0.04) * t
        m.line([(top * s, 0.72 * s), (bot * s, 0.92 * s)], fill=255, width=w // 2 + 1)
    # survey flag
    m.line([(0.6 * s, 0.82 * s), (0.6 * s, 0.5 * s)], fill=255, width=w)
    a.polygon([(0.6 * s, 0.5 * s), (0.74 * s, 0.55 * s), (0.6 * s, 0.6 * s)], fill=255)
    a.ellipse((0.74 * s, 0.14 * s, 0.88 * s, 0.28 * s), fill=255)  # sun


def _building(m: Draw, a: Draw, s: float) -> None:
    m.polygon([(0.14 * s, 0.42 * s), (0.5 * s, 0.16 * s), (0.86 * s, 0.42 * s)], fill=255)
    m.rectangle((0.2 * s, 0.4 * s, 0.8 * s, 0.8 * s), fill=255)
    for x0 in (0.27, 0.59):
        m.rectangle((x0 * s, 0.48 * s, (x0 + 0.14) * s, 0.6 * s), fill=0)
        a.rectangle(((x0 + 0.015) * s, 0.495 * s, (x0 + 0.125) * s, 0.585 * s), fill=255)
    m.rectangle((0.44 * s, 0.58 * s, 0.56 * s, 0.8 * s), fill=0)
    a.rectangle((0.455 * s, 0.595 * s, 0.545 * s, 0.8 * s), fill=255)
    m.rectangle((0.66 * s, 0.2 * s, 0.74 * s, 0.34 * s), fill=255)  # chimney
    m.rectangle((0.06 * s, 0.8 * s, 0.94 * s, 0.84 * s), fill=255)


def _scrap(m: Draw, a: Draw, s: float) -> None:
    # a gear
    cx, cy, r = 0.36 * s, 0.5 * s, 0.2 * s
    teeth = []
    for i in range(16):
        ang = i * math.pi / 8
        rr = r * (1.18 if i % 2 == 0 else 0.95)
        teeth.append((cx + rr * math.cos(ang), cy + rr * math.sin(ang)))
    m.polygon(teeth, fill=255)
    m.ellipse((cx - 0.07 * s, cy - 0.07 * s, cx + 0.07 * s, cy + 0.07 * s), fill=0)
    # stacked beams
    for i, (y, x0, x1) in enumerate(((0.7, 0.12, 0.9), (0.62, 0.5, 0.92), (0.54, 0.56, 0.88))):
        m.rectangle((x0 * s, y * s, x1 * s, (y + 0.06) * s), fill=255)
        if i == 0:
            a.rectangle((x0 * s, (y + 0.06) * s, x1 * s, (y + 0.085) * s), fill=255)
    m.line([(0.6 * s, 0.52 * s), (0.8 * s, 0.28 * s)], fill=255, width=round(0.05 * s))


def _electronics(m: Draw, a: Draw, s: float) -> None:
    m.rounded_rectangle((0.2 * s, 0.24 * s, 0.8 * s, 0.64 * s), radius=0.03 * s, fill=255)
    m.rectangle((0.24 * s, 0.28 * s, 0.76 * s, 0.6 * s), fill=0)
    a.rectangle((0.26 * s, 0.3 * s, 0.74 * s, 0.58 * s), fill=255)
    m.polygon([(0.12 * s, 0.68 * s), (0.88 * s, 0.68 * s), (0.94 * s, 0.76 * s),
               (0.06 * s, 0.76 * s)], fill=255)
    m.rectangle((0.42 * s, 0.68 * s, 0.58 * s, 0.7 * s), fill=0)


def _generic(m: Draw, a: Draw, s: float) -> None:
    front = [(0.2, 0.4), (0.5, 0.52), (0.5, 0.86), (0.2, 0.74)]
    side = [(0.5, 0.52), (0.8, 0.4), (0.8, 0.74), (0.5, 0.86)]
    top = [(0.2, 0.4), (0.5, 0.28), (0.8, 0.4), (0.5, 0.52)]
    m.polygon([(x * s, y * s) for x, y in front], fill=255)
    m.polygon([(x * s, y * s) for x, y in side], fill=200)
    m.polygon([(x * s, y * s) for x, y in top], fill=255)
    m.line([(x * s, y * s) for x, y in ((0.2, 0.4), (0.5, 0.52), (0.8, 0.4))], fill=150,
           width=round(0.012 * s))
    a.polygon([(x * s, y * s) for x, y in ((0.33, 0.34), (0.41, 0.31), (0.71, 0.43),
                                             (0.63, 0.46))], fill=255)
    a.polygon([(x * s, y * s) for x, y in ((0.63, 0.46), (0.71, 0.43), (0.71, 0.6),
                                             (0.63, 0.63))], fill=255)


def _heavy_equipment(m: Draw, a: Draw, s: float) -> None:
    """An excavator: tracks, house, cab, boom, stick and bucket."""
    m.rounded_rectangle((0.08 * s, 0.7 * s, 0.62 * s, 0.84 * s), radius=0.07 * s, fill=255)
    for cx in (0.16, 0.28, 0.42, 0.54):
        m.ellipse(((cx - 0.04) * s, 0.73 * s, (cx + 0.04) * s, 0.81 * s), fill=0)
        a.ellipse(((cx - 0.02) * s, 0.75 * s, (cx + 0.02) * s, 0.79 * s), fill=255)
    m.rectangle((0.1 * s, 0.52 * s, 0.6 * s, 0.68 * s), fill=255)  # house
    m.polygon([(0.34 * s, 0.52 * s), (0.36 * s, 0.3 * s), (0.52 * s, 0.3 * s),
               (0.58 * s, 0.52 * s)], fill=255)  # cab
    m.polygon([(0.39 * s, 0.34 * s), (0.5 * s, 0.34 * s), (0.54 * s, 0.48 * s),
               (0.38 * s, 0.48 * s)], fill=0)
    a.polygon([(0.405 * s, 0.355 * s), (0.49 * s, 0.355 * s), (0.52 * s, 0.465 * s),
               (0.395 * s, 0.465 * s)], fill=255)  # cab window
    a.rectangle((0.1 * s, 0.6 * s, 0.6 * s, 0.63 * s), fill=255)  # stripe
    w = round(0.06 * s)
    m.line([(0.56 * s, 0.54 * s), (0.72 * s, 0.2 * s), (0.86 * s, 0.46 * s)], fill=255, width=w,
           joint="curve")  # boom and stick
    m.polygon([(0.8 * s, 0.46 * s), (0.94 * s, 0.44 * s), (0.92 * s, 0.62 * s),
               (0.82 * s, 0.6 * s)], fill=255)  # bucket
    for i in range(3):  # teeth
        x = 0.83 + i * 0.035
        a.polygon([(x * s, 0.6 * s), ((x + 0.03) * s, 0.605 * s), ((x + 0.015) * s, 0.66 * s)],
                  fill=255)


def _truck_bus(m: Draw, a: Draw, s: float) -> None:
    """A box truck: cargo body, cab, three wheels."""
    m.rounded_rectangle((0.04 * s, 0.28 * s, 0.64 * s, 0.66 * s), radius=0.02 * s, fill=255)
    a.rectangle((0.04 * s, 0.56 * s, 0.64 * s, 0.6 * s), fill=255)  # stripe on the body
    m.polygon([(0.67 * s, 0.38 * s), (0.84 * s, 0.38 * s), (0.95 * s, 0.52 * s),
               (0.96 * s, 0.66 * s), (0.67 * s, 0.66 * s)], fill=255)  # cab
    m.polygon([(0.72 * s, 0.42 * s), (0.83 * s, 0.42 * s), (0.9 * s, 0.52 * s),
               (0.72 * s, 0.52 * s)], fill=0)
    a.polygon([(0.735 * s, 0.435 * s), (0.825 * s, 0.435 * s), (0.88 * s, 0.51 * s),
               (0.735 * s, 0.51 * s)], fill=255)  # window
    m.rectangle((0.04 * s, 0.66 * s, 0.96 * s, 0.7 * s), fill=255)  # chassis
    a.rectangle((0.92 * s, 0.56 * s, 0.96 * s, 0.6 * s), fill=255)  # headlight
    for cx in (0.18, 0.36, 0.8):
        m.ellipse(((cx - 0.09) * s, 0.62 * s, (cx + 0.09) * s, 0.8 * s), fill=0)
        m.ellipse(((cx - 0.07) * s, 0.64 * s, (cx + 0.07) * s, 0.78 * s), fill=255)
        a.ellipse(((cx - 0.03) * s, 0.68 * s, (cx + 0.03) * s, 0.74 * s), fill=255)


def _machine(m: Draw, a: Draw, s: float) -> None:
    """A generator set: housing with vents, control panel, exhaust, skid base."""
    m.rounded_rectangle((0.12 * s, 0.34 * s, 0.88 * s, 0.74 * s), radius=0.04 * s, fill=255)
    for i in range(6):  # vents
        y = 0.41 + i * 0.05
        m.rounded_rectangle((0.18 * s, y * s, 0.52 * s, (y + 0.022) * s), radius=0.01 * s,
                            fill=0)
    a.rounded_rectangle((0.6 * s, 0.4 * s, 0.82 * s, 0.62 * s), radius=0.02 * s, fill=255)
    a.ellipse((0.64 * s, 0.44 * s, 0.74 * s, 0.54 * s), fill=0)  # dial (white on the panel)
    a.line([(0.69 * s, 0.49 * s), (0.72 * s, 0.46 * s)], fill=255, width=round(0.012 * s))
    for x in (0.77, 0.79):  # switches
        a.rectangle((x * s, 0.45 * s, (x + 0.012) * s, 0.58 * s), fill=0)
    m.rectangle((0.24 * s, 0.24 * s, 0.3 * s, 0.34 * s), fill=255)  # exhaust
    m.rectangle((0.21 * s, 0.22 * s, 0.33 * s, 0.26 * s), fill=255)
    m.rectangle((0.08 * s, 0.74 * s, 0.92 * s, 0.8 * s), fill=255)  # skid
    a.rectangle((0.08 * s, 0.8 * s, 0.92 * s, 0.82 * s), fill=255)


def _vessel(m: Draw, a: Draw, s: float) -> None:
    """A boat on waves: hull, cabin with windows, mast."""
    m.polygon([(0.04 * s, 0.56 * s), (0.96 * s, 0.56 * s), (0.82 * s, 0.74 * s),
               (0.16 * s, 0.74 * s)], fill=255)  # hull
    a.polygon([(0.07 * s, 0.6 * s), (0.93 * s, 0.6 * s), (0.915 * s, 0.62 * s),
               (0.085 * s, 0.62 * s)], fill=255)  # hull stripe
    m.rectangle((0.3 * s, 0.4 * s, 0.68 * s, 0.56 * s), fill=255)  # cabin
    m.rectangle((0.38 * s, 0.3 * s, 0.6 * s, 0.4 * s), fill=255)  # wheelhouse
    for x0 in (0.34, 0.45, 0.56):
        m.rectangle((x0 * s, 0.44 * s, (x0 + 0.07) * s, 0.5 * s), fill=0)
        a.rectangle(((x0 + 0.01) * s, 0.45 * s, (x0 + 0.06) * s, 0.49 * s), fill=255)
    m.line([(0.49 * s, 0.3 * s), (0.49 * s, 0.14 * s)], fill=255, width=round(0.02 * s))
    a.polygon([(0.49 * s, 0.14 * s), (0.6 * s, 0.18 * s), (0.49 * s, 0.22 * s)], fill=255)
    w = round(0.022 * s)
    for row, y in enumerate((0.8, 0.88)):  # waves
        pts = [((x / 40) * s, (y + 0.018 * math.sin(x / 40 * math.tau * 3 + row)) * s)
               for x in range(2, 39)]
        (a if row == 0 else m).line(pts, fill=255, width=w, joint="curve")


_SUBJECTS: dict[str, Callable[[Draw, Draw, float], None]] = {
    "car": _car, "motorcycle": _motorcycle, "heavy_equipment": _heavy_equipment,
    "truck_bus": _truck_bus, "land": _land, "building": _building, "scrap": _scrap,
    "electronics": _electronics, "machine": _machine, "vessel": _vessel, "generic": _generic,
}


@functools.lru_cache(maxsize=64)
def subject_masks(key: str, size: int) -> tuple[Image.Image, Image.Image]:
    """(main, accent) antialiased L masks of the subject, ``size×size``."""
    big_m = Image.new("L", (size * SS, size * SS), 0)
    big_a = Image.new("L", (size * SS, size * SS), 0)
    _SUBJECTS.get(key, _generic)(ImageDraw.Draw(big_m), ImageDraw.Draw(big_a), size * SS)
    return big_m.reduce(SS), big_a.reduce(SS)


@functools.lru_cache(maxsize=64)
def illustration(key: str, w: int, h: int, primary: RGB, secondary: RGB, accent: RGB
                 ) -> Image.Image:
    """The designed fallback image for a lot of category *key*, exactly ``w×h`` RGB."""
    dark = _mix(primary, (0, 0, 0), 0.25)
    base = gradient(w, h, (*primary, 255), (*_mix(primary, secondary, 0.75), 255), 35)
    im = Image.new("RGB", (w, h), dark)
    im.paste(base, (0, 0), base)
    rings = pattern_sprite(w, h, "rings", (255, 255, 255, 22), max(24, min(w, h) // 9),
                           max(1, min(w, h) // 220))
    rings.paste(im, 0, 0)
    dots = pattern_sprite(w, h, "dots", (255, 255, 255, 18), max(18, min(w, h) // 16),
                          max(1, min(w, h) // 280))
    dots.paste(im, 0, 0)
    size = max(16, int(min(w * 0.78, h * 0.82)))
    main, acc = subject_masks(key if key in _SUBJECTS else "generic", size)
    ox, oy = (w - size) // 2, (h - size) // 2 + size // 30
    # soft floor shadow under the subject
    floor = Image.new("L", (w, h), 0)
    ImageDraw.Draw(floor).ellipse((ox + size * 0.12, oy + size * 0.8, ox + size * 0.88,
                                   oy + size * 0.92), fill=90)
    floor = floor.filter(ImageFilter.GaussianBlur(max(2, size // 40)))
    im.paste(dark, (0, 0), floor)
    im.paste((255, 255, 255), (ox, oy), main)
    im.paste(accent, (ox, oy), acc)
    return im


@functools.lru_cache(maxsize=16)
def default_logo(size: int, primary: RGB, accent: RGB) -> Image.Image:
    """The built-in placeholder logo (RGBA): a gold roundel with a gavel in the brand colour."""
    s = size * SS
    big = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)
    d.ellipse((0, 0, s - 1, s - 1), fill=(*accent, 255))
    d.ellipse((s * 0.07, s * 0.07, s * 0.93, s * 0.93), outline=(*primary, 255),
              width=max(1, round(s * 0.035)))
    g = Image.new("L", (s, s), 0)
    from promo_pipeline.render.icons import _ICONS  # the gavel glyph, drawn at this size

    inner = int(s * 0.56)
    gm = Image.new("L", (inner, inner), 0)
    _ICONS["gavel"](ImageDraw.Draw(gm), inner)
    g.paste(gm, ((s - inner) // 2, (s - inner) // 2))
    big.paste((*primary, 255), (0, 0), g)
    return big.reduce(SS)
