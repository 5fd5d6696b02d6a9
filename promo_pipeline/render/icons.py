"""The icons of ``icon`` layers, drawn by code at 4× and reduced so that their edges are
antialiased; the masks are cached.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

from PIL import Image, ImageDraw

from promo_pipeline.render.draw import SS


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
