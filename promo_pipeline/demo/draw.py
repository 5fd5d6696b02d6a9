"""Drawing helpers for the demo photos' scenes: gradients, shadows, trees, wheels, sky, and the
colours and supersampling factor they share.

Settings read: none.
"""

from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw, ImageFilter

#: Named body colours for vehicles (``color=``), so a photo can match the lot's "warna".
COLORS: dict[str, tuple[int, int, int]] = {
    "white": (236, 236, 232),
    "silver": (168, 172, 178),
    "black": (30, 32, 36),
    "red": (160, 26, 30),
    "blue": (28, 52, 120),
    "green": (40, 72, 52),
}
#: Body styles of the ``car`` scene (``variant=``).
CAR_VARIANTS = ("mpv", "sedan", "pickup")
SS = 2  # supersampling factor

RGB = tuple[int, int, int]


def vgradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    w, h = size
    col = Image.new("RGB", (1, h))
    px = col.load()
    for y in range(h):
        t = y / max(1, h - 1)
        px[0, y] = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
    return col.resize((w, h), Image.Resampling.NEAREST)  # repeats the column: exact and fast


def band(img: Image.Image, y0: int, y1: int, top: RGB, bottom: RGB) -> None:
    y0, y1 = max(0, y0), min(img.height, y1)
    if y1 > y0:
        img.paste(vgradient((img.width, y1 - y0), top, bottom), (0, y0))


def jitter(color: RGB, rng: random.Random, amount: int = 12) -> RGB:
    return tuple(max(0, min(255, c + rng.randint(-amount, amount))) for c in color)


def shade(color: RGB, factor: float) -> RGB:
    return tuple(max(0, min(255, round(c * factor))) for c in color)


def shadow(img: Image.Image, box: tuple[float, float, float, float], darkness: int = 120,
            blur: float = 18) -> None:
    """A soft, blurred shadow ellipse (e.g. under a vehicle); only its neighbourhood is blurred."""
    pad = int(blur * 3) + 2
    x0, y0 = int(box[0]) - pad, int(box[1]) - pad
    size = (int(box[2] - box[0]) + 2 * pad, int(box[3] - box[1]) + 2 * pad)
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).ellipse((pad, pad, pad + box[2] - box[0], pad + box[3] - box[1]),
                                 fill=darkness)
    mask = mask.filter(ImageFilter.GaussianBlur(blur))
    img.paste(Image.new("RGB", size, (0, 0, 0)), (x0, y0), mask)


def texture_strokes(draw: ImageDraw.ImageDraw, rng: random.Random, area: tuple[int, int, int, int],
                     colors: list[RGB], count: int, length: tuple[int, int], width: int,
                     angle: tuple[float, float] = (-0.3, 0.3)) -> None:
    """Short random strokes: grass blades, gravel, asphalt speckle, wood grain."""
    x0, y0, x1, y1 = area
    shades = [jitter(c, rng, 10) for c in colors for _ in range(6)]
    for _ in range(count):
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        a = rng.uniform(*angle) - math.pi / 2
        ln = rng.uniform(*length)
        draw.line((x, y, x + ln * math.cos(a), y + ln * math.sin(a)), fill=rng.choice(shades),
                  width=width)


def tree(draw: ImageDraw.ImageDraw, rng: random.Random, x: float, ground: float,
          height: float) -> None:
    trunk_w = height * 0.07
    draw.rectangle((x - trunk_w / 2, ground - height * 0.55, x + trunk_w / 2, ground),
                   fill=jitter((92, 64, 40), rng))
    greens = [(46, 102, 48), (62, 122, 56), (38, 86, 42), (78, 138, 66)]
    cx, cy, r = x, ground - height * 0.68, height * 0.3
    for _ in range(14):
        ox, oy = rng.uniform(-r, r), rng.uniform(-r * 0.8, r * 0.5)
        rr = r * rng.uniform(0.45, 0.75)
        draw.ellipse((cx + ox - rr, cy + oy - rr, cx + ox + rr, cy + oy + rr),
                     fill=jitter(rng.choice(greens), rng, 8))


def wheel(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, rim: RGB = (176, 178, 182),
           spokes: int = 5) -> None:
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(26, 26, 28))
    ri = r * 0.58
    draw.ellipse((cx - ri, cy - ri, cx + ri, cy + ri), fill=rim)
    rd = ri * 0.8
    draw.ellipse((cx - rd, cy - rd, cx + rd, cy + rd), fill=shade(rim, 0.7))
    for k in range(spokes):
        a = 2 * math.pi * k / spokes
        draw.line((cx, cy, cx + ri * 0.8 * math.cos(a), cy + ri * 0.8 * math.sin(a)),
                  fill=rim, width=max(2, round(r * 0.12)))
    rh = r * 0.16
    draw.ellipse((cx - rh, cy - rh, cx + rh, cy + rh), fill=(90, 92, 96))


def sky(img: Image.Image, rng: random.Random, horizon: int) -> None:
    top = jitter((118, 168, 222), rng, 14)
    band(img, 0, horizon, top, jitter((206, 224, 238), rng, 8))
    draw = ImageDraw.Draw(img)
    w = img.width
    for _ in range(rng.randint(2, 5)):  # a few soft clouds
        cx, cy = rng.uniform(0, w), rng.uniform(horizon * 0.1, horizon * 0.6)
        for _ in range(6):
            rx, ry = rng.uniform(60, 160) * SS, rng.uniform(20, 45) * SS
            ox = rng.uniform(-120, 120) * SS
            draw.ellipse((cx + ox - rx, cy - ry, cx + ox + rx, cy + ry),
                         fill=jitter((238, 242, 246), rng, 6))
