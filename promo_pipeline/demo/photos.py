"""Demo photos, drawn by code with Pillow: the project's own images, no downloads, no fonts.

One simple, recognisable scene per kind of lot — a car, a motorcycle, a land plot with trees, a
house, a pile of scrap, a TV and a laptop — varied by a seed (colours, sizes, positions) and
finished like a phone photo (film grain, uneven light, a vignette, a little softness) so that the
demo's images look like photos of objects rather than flat clip-art. The same ``(kind, seed)``
always gives the same JPEG bytes (for a given Pillow version).

Scenes are drawn at twice the output size and scaled down, which gives anti-aliased edges
without any extra dependency.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1200, 900
KINDS = ("car", "motorcycle", "land", "house", "scrap", "electronics")
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
_SS = 2  # supersampling factor

RGB = tuple[int, int, int]


def photo_jpeg(kind: str, seed: int, *, variant: str | None = None, color: str | None = None,
               quality: int = 85) -> bytes:
    """The demo photo of *kind* for *seed*, as JPEG bytes (1200×900); see :func:`draw_photo`."""
    return _photo_jpeg_cached(kind, int(seed), variant, color, int(quality))


@lru_cache(maxsize=64)
def _photo_jpeg_cached(kind: str, seed: int, variant: str | None, color: str | None,
                       quality: int) -> bytes:
    buf = io.BytesIO()
    draw_photo(kind, seed, variant=variant, color=color).save(
        buf, "JPEG", quality=quality, optimize=True
    )
    return buf.getvalue()


def draw_photo(kind: str, seed: int, size: tuple[int, int] = (WIDTH, HEIGHT), *,
               variant: str | None = None, color: str | None = None) -> Image.Image:
    """Draw the scene for *kind* (one of :data:`KINDS`) as an RGB image of *size*.

    *variant* picks the body style of a car (:data:`CAR_VARIANTS`), *color* the body colour of a
    vehicle (:data:`COLORS`); left out, the seed chooses.
    """
    try:
        scene = _SCENES[kind]
    except KeyError:
        raise ValueError(f"unknown demo photo kind {kind!r} (known: {', '.join(KINDS)})") from None
    if color is not None and color not in COLORS:
        raise ValueError(f"unknown demo photo color {color!r} (known: {', '.join(COLORS)})")
    if variant is not None and (kind != "car" or variant not in CAR_VARIANTS):
        raise ValueError(f"unknown variant {variant!r} for a {kind} photo "
                         f"(cars: {', '.join(CAR_VARIANTS)})")
    rng = random.Random(f"{kind}:{seed}")
    w, h = size
    big = Image.new("RGB", (w * _SS, h * _SS))
    scene(big, rng, variant, color)
    img = big.reduce(_SS)  # box filter: the anti-aliasing of supersampling, and fast
    return _photo_finish(img, rng)


# --- finishing: what makes a drawing look like a photo -----------------------------------------


def _photo_finish(img: Image.Image, rng: random.Random) -> Image.Image:
    w, h = img.size
    # Uneven light: a soft, low-frequency luminance field.
    blotch = _noise((max(4, w // 150), max(3, h // 150)), rng).resize(
        (w // 8, h // 8), Image.Resampling.BICUBIC
    ).filter(ImageFilter.GaussianBlur(w / 480)).resize((w, h), Image.Resampling.BICUBIC)
    img = _add_centered(img, blotch, 0.20)
    # Sensor grain, soft (made at half size and scaled up) and slightly coloured.
    half = (w // 2, h // 2)
    grain = Image.merge("RGB", [_noise(half, rng) for _ in range(3)])
    grain = Image.blend(grain, _noise(half, rng).convert("RGB"), 0.6)
    img = _add_centered(img, grain.resize((w, h), Image.Resampling.BILINEAR), 0.16)
    # Vignette: darker corners, as with a phone lens.
    img = ImageChops.multiply(img, _vignette((w, h), strength=0.28 + rng.random() * 0.1))
    # A slight warm or cool cast.
    cast = rng.choice([(255, 250, 240), (250, 252, 255), (255, 255, 250)])
    return ImageChops.multiply(img, Image.new("RGB", (w, h), cast))


def _noise(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """Uniform noise, deterministic for *rng* (``Image.effect_noise`` is not seedable)."""
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))


def _add_centered(img: Image.Image, noise: Image.Image, amount: float) -> Image.Image:
    """Add ``(noise - 128) * amount`` to every channel of *img*."""
    lut = [max(0, min(255, round(128 + (v - 128) * amount))) for v in range(256)]
    if noise.mode == "L":
        noise = noise.point(lut).convert("RGB")
    else:
        noise = noise.point(lut * 3)
    return ImageChops.add(img, noise, scale=1.0, offset=-128)


def _vignette(size: tuple[int, int], strength: float) -> Image.Image:
    small = Image.new("L", (64, 48))
    px = small.load()
    for y in range(48):
        for x in range(64):
            dx, dy = (x - 31.5) / 32, (y - 23.5) / 24
            d = min(1.0, math.hypot(dx, dy) / 1.35)
            px[x, y] = round(255 * (1 - strength * d**2.2))
    return small.resize(size, Image.Resampling.BICUBIC).convert("RGB")


# --- drawing helpers ------------------------------------------------------------------------------


def _vgradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    w, h = size
    col = Image.new("RGB", (1, h))
    px = col.load()
    for y in range(h):
        t = y / max(1, h - 1)
        px[0, y] = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
    return col.resize((w, h), Image.Resampling.NEAREST)  # repeats the column: exact and fast


def _band(img: Image.Image, y0: int, y1: int, top: RGB, bottom: RGB) -> None:
    y0, y1 = max(0, y0), min(img.height, y1)
    if y1 > y0:
        img.paste(_vgradient((img.width, y1 - y0), top, bottom), (0, y0))


def _jitter(color: RGB, rng: random.Random, amount: int = 12) -> RGB:
    return tuple(max(0, min(255, c + rng.randint(-amount, amount))) for c in color)


def _shade(color: RGB, factor: float) -> RGB:
    return tuple(max(0, min(255, round(c * factor))) for c in color)


def _shadow(img: Image.Image, box: tuple[float, float, float, float], darkness: int = 120,
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


def _texture_strokes(draw: ImageDraw.ImageDraw, rng: random.Random, area: tuple[int, int, int, int],
                     colors: list[RGB], count: int, length: tuple[int, int], width: int,
                     angle: tuple[float, float] = (-0.3, 0.3)) -> None:
    """Short random strokes: grass blades, gravel, asphalt speckle, wood grain."""
    x0, y0, x1, y1 = area
    shades = [_jitter(c, rng, 10) for c in colors for _ in range(6)]
    for _ in range(count):
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        a = rng.uniform(*angle) - math.pi / 2
        ln = rng.uniform(*length)
        draw.line((x, y, x + ln * math.cos(a), y + ln * math.sin(a)), fill=rng.choice(shades),
                  width=width)


def _tree(draw: ImageDraw.ImageDraw, rng: random.Random, x: float, ground: float,
          height: float) -> None:
    trunk_w = height * 0.07
    draw.rectangle((x - trunk_w / 2, ground - height * 0.55, x + trunk_w / 2, ground),
                   fill=_jitter((92, 64, 40), rng))
    greens = [(46, 102, 48), (62, 122, 56), (38, 86, 42), (78, 138, 66)]
    cx, cy, r = x, ground - height * 0.68, height * 0.3
    for _ in range(14):
        ox, oy = rng.uniform(-r, r), rng.uniform(-r * 0.8, r * 0.5)
        rr = r * rng.uniform(0.45, 0.75)
        draw.ellipse((cx + ox - rr, cy + oy - rr, cx + ox + rr, cy + oy + rr),
                     fill=_jitter(rng.choice(greens), rng, 8))


def _wheel(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, rim: RGB = (176, 178, 182),
           spokes: int = 5) -> None:
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(26, 26, 28))
    ri = r * 0.58
    draw.ellipse((cx - ri, cy - ri, cx + ri, cy + ri), fill=rim)
    rd = ri * 0.8
    draw.ellipse((cx - rd, cy - rd, cx + rd, cy + rd), fill=_shade(rim, 0.7))
    for k in range(spokes):
        a = 2 * math.pi * k / spokes
        draw.line((cx, cy, cx + ri * 0.8 * math.cos(a), cy + ri * 0.8 * math.sin(a)),
                  fill=rim, width=max(2, round(r * 0.12)))
    rh = r * 0.16
    draw.ellipse((cx - rh, cy - rh, cx + rh, cy + rh), fill=(90, 92, 96))


def _sky(img: Image.Image, rng: random.Random, horizon: int) -> None:
    top = _jitter((118, 168, 222), rng, 14)
    _band(img, 0, horizon, top, _jitter((206, 224, 238), rng, 8))
    draw = ImageDraw.Draw(img)
    w = img.width
    for _ in range(rng.randint(2, 5)):  # a few soft clouds
        cx, cy = rng.uniform(0, w), rng.uniform(horizon * 0.1, horizon * 0.6)
        for _ in range(6):
            rx, ry = rng.uniform(60, 160) * _SS, rng.uniform(20, 45) * _SS
            ox = rng.uniform(-120, 120) * _SS
            draw.ellipse((cx + ox - rx, cy - ry, cx + ox + rx, cy + ry),
                         fill=_jitter((238, 242, 246), rng, 6))


# --- scenes ---------------------------------------------------------------------------------------


def _scene_car(img: Image.Image, rng: random.Random, variant: str | None,
               color: str | None) -> None:
    w, h = img.size
    horizon = int(h * rng.uniform(0.40, 0.48))
    _sky(img, rng, horizon)
    draw = ImageDraw.Draw(img)
    # An office building behind the parking lot.
    wall_top = int(h * rng.uniform(0.18, 0.26))
    wall = _jitter(rng.choice([(226, 214, 190), (214, 220, 214), (232, 226, 210)]), rng)
    draw.rectangle((0, wall_top, w, int(h * 0.62)), fill=wall)
    draw.rectangle((0, wall_top - 18 * _SS, w, wall_top), fill=_shade(wall, 0.7))
    for x in range(int(w * 0.04), w, int(w * 0.16)):
        draw.rectangle((x, wall_top + 40 * _SS, x + w * 0.09, wall_top + 150 * _SS),
                       fill=(82, 104, 120))
        draw.rectangle((x, wall_top + 40 * _SS, x + w * 0.09, wall_top + 150 * _SS),
                       outline=_shade(wall, 0.8), width=6 * _SS)
    ground = int(h * 0.62)
    _band(img, ground, h, (120, 122, 124), (88, 90, 92))
    _texture_strokes(draw, rng, (0, ground, w, h), [(70, 70, 72), (140, 140, 142)], 2500,
                     (2 * _SS, 6 * _SS), _SS)
    for x in range(-w // 4, w, int(w * 0.32)):  # parking lines in perspective
        draw.polygon([(x + w * 0.1, ground), (x + w * 0.11, ground), (x + w * 0.02, h),
                      (x, h)], fill=(222, 220, 200))

    body = _jitter(COLORS[color] if color else rng.choice(list(COLORS.values())), rng, 6)
    style = variant or rng.choice(CAR_VARIANTS)
    base = h * 0.84
    length = w * rng.uniform(0.62, 0.72)
    x0 = (w - length) / 2 + rng.uniform(-0.04, 0.04) * w
    x1 = x0 + length
    wheel_r = h * 0.085
    _shadow(img, (x0 - 20 * _SS, base - 26 * _SS, x1 + 20 * _SS, base + 22 * _SS),
            darkness=150, blur=14 * _SS)
    draw = ImageDraw.Draw(img)
    body_top = base - h * (0.21 if style != "sedan" else 0.18)
    draw.rounded_rectangle((x0, body_top, x1, base - wheel_r * 0.45), radius=34 * _SS, fill=body)
    roof = base - h * (0.37 if style == "mpv" else 0.33)
    if style == "pickup":
        cab = [(x0 + length * 0.55, body_top), (x0 + length * 0.6, roof),
               (x1 - length * 0.12, roof), (x1 - length * 0.02, body_top)]
    elif style == "sedan":
        cab = [(x0 + length * 0.14, body_top), (x0 + length * 0.3, roof),
               (x0 + length * 0.68, roof), (x0 + length * 0.86, body_top)]
    else:
        cab = [(x0 + length * 0.04, body_top), (x0 + length * 0.08, roof),
               (x0 + length * 0.7, roof), (x0 + length * 0.9, body_top)]
    draw.polygon(cab, fill=body)
    # Glass: inset of the cabin, split by pillars.
    inset = 16 * _SS
    glass = [(cab[0][0] + inset * 1.6, body_top - inset * 0.5), (cab[1][0] + inset, roof + inset),
             (cab[2][0] - inset, roof + inset), (cab[3][0] - inset * 1.6, body_top - inset * 0.5)]
    draw.polygon(glass, fill=(54, 74, 92))
    gx0, gx1 = glass[0][0], glass[3][0]
    for t in (0.38, 0.7):
        px = gx0 + (gx1 - gx0) * t
        draw.rectangle((px - 7 * _SS, roof, px + 7 * _SS, body_top), fill=body)
    draw.polygon([(gx0 + (gx1 - gx0) * 0.1, body_top - inset), (gx0 + (gx1 - gx0) * 0.22,
                  roof + inset), (gx0 + (gx1 - gx0) * 0.3, roof + inset),
                  (gx0 + (gx1 - gx0) * 0.18, body_top - inset)], fill=(120, 146, 166))
    if style == "pickup":
        draw.rectangle((x0 + 10 * _SS, body_top - 14 * _SS, x0 + length * 0.54, body_top),
                       fill=_shade(body, 0.8))
    # Shoulder highlight, door lines, lights, bumper.
    draw.line((x0 + 30 * _SS, body_top + 14 * _SS, x1 - 30 * _SS, body_top + 14 * _SS),
              fill=_shade(body, 1.18) if sum(body) < 600 else _shade(body, 0.9), width=5 * _SS)
    for t in (0.42, 0.64):
        dx = x0 + length * t
        draw.line((dx, body_top + 4 * _SS, dx, base - wheel_r * 0.6), fill=_shade(body, 0.7),
                  width=2 * _SS)
        draw.rectangle((dx + 24 * _SS, body_top + 34 * _SS, dx + 52 * _SS, body_top + 40 * _SS),
                       fill=_shade(body, 0.6))
    draw.rounded_rectangle((x1 - 46 * _SS, body_top + 20 * _SS, x1 - 6 * _SS, body_top + 44 * _SS),
                           radius=8 * _SS, fill=(252, 246, 214))
    draw.rounded_rectangle((x0 + 6 * _SS, body_top + 20 * _SS, x0 + 30 * _SS, body_top + 50 * _SS),
                           radius=6 * _SS, fill=(188, 30, 30))
    draw.rectangle((x0 - 4 * _SS, base - wheel_r * 0.9, x1 + 4 * _SS, base - wheel_r * 0.55),
                   fill=(40, 40, 44))
    for cx in (x0 + length * 0.2, x1 - length * 0.2):
        draw.ellipse((cx - wheel_r * 1.18, base - wheel_r * 2.1, cx + wheel_r * 1.18,
                      base + wheel_r * 0.2), fill=(22, 22, 24))
        _wheel(draw, cx, base - wheel_r, wheel_r)


def _scene_motorcycle(img: Image.Image, rng: random.Random, variant: str | None,
                      color: str | None) -> None:
    w, h = img.size
    floor = int(h * rng.uniform(0.56, 0.62))
    # Corrugated wall of a storage shed.
    wall = _jitter(rng.choice([(176, 184, 188), (196, 180, 150), (160, 176, 168)]), rng)
    _band(img, 0, floor, _shade(wall, 1.08), _shade(wall, 0.9))
    draw = ImageDraw.Draw(img)
    step = 26 * _SS
    for x in range(0, w, step):
        draw.line((x, 0, x, floor), fill=_shade(wall, 0.82), width=4 * _SS)
        draw.line((x + 6 * _SS, 0, x + 6 * _SS, floor), fill=_shade(wall, 1.1), width=2 * _SS)
    _band(img, floor, h, (150, 146, 140), (112, 108, 104))
    _texture_strokes(draw, rng, (0, floor, w, h), [(96, 94, 90), (170, 166, 160)], 2200,
                     (2 * _SS, 5 * _SS), _SS)
    draw.line((0, floor, w, floor), fill=(92, 88, 84), width=5 * _SS)

    body = _jitter(COLORS[color] if color else rng.choice(list(COLORS.values())), rng, 6)
    trim = (36, 36, 40) if sum(body) > 200 else (150, 152, 156)
    base = h * rng.uniform(0.86, 0.9)
    r = h * 0.1
    rear_x = w / 2 - 2.45 * r + rng.uniform(-0.05, 0.05) * w

    def p(x: float, y: float) -> tuple[float, float]:
        """Scooter coordinates in wheel radii: origin at the rear axle, y up."""
        return rear_x + x * r, base - r - y * r

    front = 4.9
    _shadow(img, (*p(-1.5, -0.8), *p(front + 1.3, -1.2)), darkness=160, blur=12 * _SS)
    draw = ImageDraw.Draw(img)
    # Exhaust, then engine and swing arm.
    draw.line((*p(-0.5, -0.35), *p(1.5, -0.2)), fill=(158, 160, 164), width=int(r * 0.22))
    draw.line((*p(0, 0), *p(2.1, 0.15)), fill=(58, 58, 62), width=int(r * 0.45))
    draw.polygon([p(-1.15, 0.45), p(-0.95, 1.3), p(2.3, 1.35), p(2.55, 0.6), p(1.8, 0.15),
                  p(0.7, 0.2)], fill=body)  # rear cowl
    draw.line((*p(-0.9, 0.85), *p(2.2, 0.8)), fill=_shade(body, 0.75), width=int(r * 0.06))
    draw.polygon([p(-1.2, 0.55), p(-1.05, 0.95), p(-0.9, 0.95), p(-1.0, 0.55)], fill=(190, 30, 30))
    draw.rounded_rectangle((*p(-0.85, 1.65), *p(2.35, 1.28)), radius=r * 0.18, fill=(30, 28, 26))
    draw.polygon([p(2.2, -0.05), p(3.7, -0.05), p(3.8, 0.3), p(2.3, 0.3)], fill=trim)  # floor
    draw.polygon([p(3.55, -0.05), p(3.85, 2.25), p(4.35, 2.3), p(4.45, 0.7), p(4.0, 0.0)],
                 fill=body)  # leg shield
    draw.line((*p(4.2, 2.1), *p(front, 0)), fill=(72, 74, 78), width=int(r * 0.18))  # fork
    draw.arc((*p(front - 1.2, 1.25), *p(front + 1.2, -0.95)), 200, 330, fill=_shade(body, 0.85),
             width=int(r * 0.22))  # mudguard
    draw.line((*p(4.15, 2.35), *p(3.75, 2.75)), fill=(44, 44, 48), width=int(r * 0.16))
    draw.line((*p(3.75, 2.75), *p(3.2, 2.7)), fill=(30, 30, 32), width=int(r * 0.18))  # grip
    draw.rounded_rectangle((*p(3.95, 2.65), *p(4.5, 2.25)), radius=r * 0.1, fill=body)
    draw.ellipse((*p(4.35, 2.6), *p(4.7, 2.25)), fill=(250, 244, 210))  # headlamp
    draw.line((*p(3.7, 2.75), *p(3.55, 3.1)), fill=(40, 40, 44), width=int(r * 0.06))  # mirror
    draw.ellipse((*p(3.38, 3.28), *p(3.72, 3.02)), fill=(40, 40, 44))
    for x in (0, front):
        _wheel(draw, *p(x, 0), r, spokes=rng.choice([3, 5, 6]))


def _scene_land(img: Image.Image, rng: random.Random, variant: str | None,
                color: str | None) -> None:
    w, h = img.size
    horizon = int(h * rng.uniform(0.36, 0.46))
    _sky(img, rng, horizon)
    draw = ImageDraw.Draw(img)
    # Distant hills (Sumbawa/Bima are hilly): two smooth ridges.
    for layer, color in enumerate([(120, 146, 150), (96, 128, 96)]):
        phase, amp = rng.uniform(0, 6.3), h * rng.uniform(0.05, 0.1)
        base_y = horizon - h * (0.06 - layer * 0.04)
        pts = [(0, horizon + 2)]
        for x in range(0, w + 40, 40):
            y = base_y - amp * (0.6 + 0.4 * math.sin(x / w * 5 + phase)) * (
                1 - layer * 0.4)
            pts.append((x, y))
        pts.append((w, horizon + 2))
        draw.polygon(pts, fill=_jitter(color, rng, 8))
    field = _jitter(rng.choice([(150, 160, 84), (122, 150, 70), (176, 160, 98)]), rng)
    _band(img, horizon, h, _shade(field, 0.85), _shade(field, 1.05))
    _texture_strokes(draw, rng, (0, horizon, w, h),
                     [_shade(field, 0.7), _shade(field, 1.2), (196, 180, 120)], 6500,
                     (6 * _SS, 22 * _SS), _SS * 2)
    # A dirt track leading into the plot.
    tx = w * rng.uniform(0.3, 0.7)
    draw.polygon([(tx - w * 0.02, horizon + 6), (tx + w * 0.02, horizon + 6),
                  (tx + w * 0.22, h), (tx - w * 0.12, h)], fill=_jitter((170, 140, 100), rng))
    _texture_strokes(draw, rng, (int(tx - w * 0.08), horizon + 40, int(tx + w * 0.15), h),
                     [(140, 112, 80), (196, 170, 130)], 900, (3 * _SS, 8 * _SS), _SS)
    # Trees along the back of the plot, large ones in front.
    for _ in range(rng.randint(4, 7)):
        _tree(draw, rng, rng.uniform(0, w), horizon + rng.uniform(5, 30) * _SS,
              h * rng.uniform(0.12, 0.22))
    for _ in range(rng.randint(1, 3)):
        side = rng.choice([rng.uniform(0.02, 0.2), rng.uniform(0.8, 0.98)])
        _tree(draw, rng, w * side, h * rng.uniform(0.72, 0.9), h * rng.uniform(0.4, 0.55))
    # Boundary stakes (patok) with a string line, in perspective.
    near, far = h * 0.92, horizon + h * 0.08
    x_near, x_far = w * rng.uniform(0.04, 0.12), w * rng.uniform(0.3, 0.4)
    for t in (0.0, 0.33, 0.66, 1.0):
        y = near + (far - near) * t
        x = x_near + (x_far - x_near) * t
        s = 1.0 - 0.7 * t
        half, tall = 9 * s * _SS, 70 * s * _SS
        draw.rectangle((x - half, y - tall, x + half, y), fill=(236, 236, 230))
        draw.rectangle((x - half, y - tall, x + half, y - tall * 0.71), fill=(196, 40, 36))
    draw.line((x_near, near - 60 * _SS, x_far, far - 18 * _SS), fill=(240, 240, 230), width=_SS * 2)


def _scene_house(img: Image.Image, rng: random.Random, variant: str | None,
                 color: str | None) -> None:
    w, h = img.size
    horizon = int(h * 0.58)
    _sky(img, rng, horizon)
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(2, 4)):  # trees behind the house
        _tree(draw, rng, rng.uniform(0, w), horizon, h * rng.uniform(0.3, 0.45))
    _band(img, horizon, h, (124, 150, 78), (104, 132, 64))
    _texture_strokes(draw, rng, (0, horizon, w, h), [(90, 120, 56), (150, 170, 96)], 6000,
                     (5 * _SS, 14 * _SS), _SS * 2)
    hw = w * rng.uniform(0.5, 0.62)
    x0 = (w - hw) / 2 + rng.uniform(-0.06, 0.06) * w
    x1 = x0 + hw
    base = h * 0.8
    top = base - h * rng.uniform(0.26, 0.32)
    wall = _jitter(rng.choice([(236, 224, 196), (220, 232, 226), (242, 236, 222), (214, 196, 170)]),
                   rng)
    _shadow(img, (x0 - 30 * _SS, base - 20 * _SS, x1 + 60 * _SS, base + 30 * _SS), darkness=110,
            blur=16 * _SS)
    draw = ImageDraw.Draw(img)
    draw.rectangle((x0, top, x1, base), fill=wall)
    draw.rectangle((x0, top, x0 + hw * 0.04, base), fill=_shade(wall, 0.88))
    roof = _jitter(rng.choice([(150, 62, 42), (92, 92, 100), (120, 52, 40)]), rng)
    peak = top - h * rng.uniform(0.14, 0.2)
    over = hw * 0.07
    draw.polygon([(x0 - over, top + 6 * _SS), (x0 + hw * 0.5, peak), (x1 + over, top + 6 * _SS)],
                 fill=roof)
    for k in range(1, 9):  # roof tile rows
        t = k / 9
        ya = peak + (top - peak) * t
        half = (hw / 2 + over) * t
        draw.line((x0 + hw * 0.5 - half, ya, x0 + hw * 0.5 + half, ya), fill=_shade(roof, 0.78),
                  width=2 * _SS)
    draw.rectangle((x0 - over, top, x1 + over, top + 10 * _SS), fill=_shade(roof, 0.6))
    door_x = x0 + hw * rng.uniform(0.42, 0.5)
    door = _jitter((112, 72, 44), rng)
    draw.rectangle((door_x, base - h * 0.17, door_x + hw * 0.12, base), fill=door)
    draw.rectangle((door_x + hw * 0.09, base - h * 0.09, door_x + hw * 0.105, base - h * 0.085),
                   fill=(220, 200, 120))
    for wx in (x0 + hw * 0.12, x0 + hw * 0.68):
        frame = (wx, top + h * 0.06, wx + hw * 0.18, top + h * 0.15)
        draw.rectangle(frame, fill=(74, 96, 110))
        draw.rectangle(frame, outline=(246, 246, 240), width=5 * _SS)
        draw.line((wx + hw * 0.09, top + h * 0.06, wx + hw * 0.09, top + h * 0.15),
                  fill=(246, 246, 240), width=4 * _SS)
    draw.rectangle((x0 - 10 * _SS, base - 8 * _SS, x1 + 10 * _SS, base + 10 * _SS),
                   fill=(176, 170, 160))  # porch step
    # Fence in front.
    fence_y = h * 0.93
    fence = _jitter(rng.choice([(40, 40, 44), (226, 226, 220), (40, 90, 60)]), rng)
    draw.line((0, fence_y - h * 0.08, w, fence_y - h * 0.08), fill=fence, width=6 * _SS)
    for x in range(0, w, 24 * _SS):
        draw.rectangle((x, fence_y - h * 0.1, x + 7 * _SS, fence_y), fill=fence)
    _tree(draw, rng, rng.choice([w * 0.08, w * 0.92]), h * 0.86, h * 0.5)


def _scene_scrap(img: Image.Image, rng: random.Random, variant: str | None,
                 color: str | None) -> None:
    w, h = img.size
    wall_bottom = int(h * rng.uniform(0.42, 0.5))
    wall = _jitter((150, 154, 150), rng)
    _band(img, 0, int(wall_bottom * 0.3), (170, 200, 226), (204, 220, 232))
    _band(img, int(wall_bottom * 0.3), wall_bottom, _shade(wall, 1.05), _shade(wall, 0.9))
    draw = ImageDraw.Draw(img)
    for x in range(0, w, 30 * _SS):  # corrugated zinc fence
        draw.line((x, wall_bottom * 0.3, x, wall_bottom), fill=_shade(wall, 0.78), width=5 * _SS)
    _band(img, wall_bottom, h, (150, 128, 98), (118, 98, 74))
    _texture_strokes(draw, rng, (0, wall_bottom, w, h), [(96, 80, 60), (176, 156, 124)], 4000,
                     (2 * _SS, 7 * _SS), _SS)
    rusts = [(122, 62, 34), (150, 80, 40), (96, 52, 34), (110, 100, 92), (84, 80, 78),
             (170, 104, 56), (62, 58, 56)]
    cx, base = w / 2 + rng.uniform(-0.05, 0.05) * w, h * 0.88
    spread, height = w * rng.uniform(0.32, 0.4), h * rng.uniform(0.36, 0.44)
    _shadow(img, (cx - spread * 1.1, base - 30 * _SS, cx + spread * 1.1, base + 26 * _SS),
            darkness=150, blur=14 * _SS)
    draw = ImageDraw.Draw(img)
    # A mound built from the back (top) to the front (bottom) of many random pieces.
    for i in range(170):
        t = i / 170
        u = rng.uniform(-1, 1)
        x = cx + u * spread
        top_here = base - height * (1 - u * u) * rng.uniform(0.5, 1.0)
        y = top_here + (base - top_here) * (t * rng.uniform(0.6, 1.0))
        piece = _jitter(rng.choice(rusts), rng, 14)
        kind = rng.random()
        size = rng.uniform(26, 80) * _SS
        if kind < 0.55:  # bent sheet or plate
            pts = [(x + size * math.cos(a) * rng.uniform(0.4, 1.0),
                    y + size * 0.6 * math.sin(a) * rng.uniform(0.4, 1.0))
                   for a in sorted(rng.uniform(0, 2 * math.pi) for _ in range(5))]
            draw.polygon(pts, fill=piece, outline=_shade(piece, 0.6))
        elif kind < 0.85:  # pipe or angle iron
            a = rng.uniform(-0.6, 0.6)
            ln = size * rng.uniform(1.5, 3.5)
            draw.line((x, y, x + ln * math.cos(a), y + ln * math.sin(a)), fill=piece,
                      width=int(rng.uniform(5, 12) * _SS))
        elif kind < 0.93:  # old tyre
            r = size * 0.7
            draw.ellipse((x - r, y - r * 0.8, x + r, y + r * 0.8), fill=(30, 30, 30))
            draw.ellipse((x - r * 0.5, y - r * 0.4, x + r * 0.5, y + r * 0.4),
                         fill=_shade(piece, 0.5))
        else:  # drum
            dw, dh = size * 0.9, size * 1.4
            draw.rectangle((x - dw / 2, y - dh, x + dw / 2, y), fill=piece)
            draw.ellipse((x - dw / 2, y - dh - dw * 0.2, x + dw / 2, y - dh + dw * 0.2),
                         fill=_shade(piece, 1.2))


def _scene_electronics(img: Image.Image, rng: random.Random, variant: str | None,
                       color: str | None) -> None:
    w, h = img.size
    table_y = int(h * rng.uniform(0.62, 0.7))
    wall = _jitter(rng.choice([(222, 216, 204), (208, 216, 222), (230, 226, 214)]), rng)
    _band(img, 0, table_y, _shade(wall, 1.04), _shade(wall, 0.9))
    draw = ImageDraw.Draw(img)
    # A window with daylight on the wall.
    wx = w * rng.uniform(0.05, 0.7)
    draw.rectangle((wx, h * 0.06, wx + w * 0.24, h * 0.36), fill=(214, 232, 244))
    draw.rectangle((wx, h * 0.06, wx + w * 0.24, h * 0.36), outline=(250, 250, 248), width=10 * _SS)
    draw.line((wx + w * 0.12, h * 0.06, wx + w * 0.12, h * 0.36), fill=(250, 250, 248),
              width=8 * _SS)
    wood = _jitter(rng.choice([(150, 100, 62), (122, 84, 54), (176, 130, 86)]), rng)
    _band(img, table_y, h, _shade(wood, 1.1), _shade(wood, 0.85))
    _texture_strokes(draw, rng, (0, table_y, w, h), [_shade(wood, 0.8), _shade(wood, 1.15)], 700,
                     (60 * _SS, 200 * _SS), _SS * 2, angle=(1.5, 1.64))
    draw.line((0, table_y, w, table_y), fill=_shade(wood, 0.6), width=5 * _SS)
    # TV on a stand.
    tv_w = w * rng.uniform(0.42, 0.5)
    tv_h = tv_w * 9 / 16
    tx = w * rng.uniform(0.06, 0.14)
    ty = table_y - tv_h - h * 0.07
    _shadow(img, (tx, table_y - 12 * _SS, tx + tv_w, table_y + 26 * _SS), darkness=130,
            blur=12 * _SS)
    draw = ImageDraw.Draw(img)
    draw.polygon([(tx + tv_w * 0.38, table_y), (tx + tv_w * 0.62, table_y),
                  (tx + tv_w * 0.55, ty + tv_h), (tx + tv_w * 0.45, ty + tv_h)], fill=(36, 36, 40))
    draw.rectangle((tx + tv_w * 0.3, table_y - 10 * _SS, tx + tv_w * 0.7, table_y),
                   fill=(30, 30, 34))
    draw.rounded_rectangle((tx, ty, tx + tv_w, ty + tv_h), radius=8 * _SS, fill=(16, 16, 18))
    screen = (tx + 14 * _SS, ty + 14 * _SS, tx + tv_w - 14 * _SS, ty + tv_h - 14 * _SS)
    sw, sh = int(screen[2] - screen[0]), int(screen[3] - screen[1])
    img.paste(_vgradient((sw, sh), (44, 50, 62), (18, 20, 26)), (int(screen[0]), int(screen[1])))
    draw = ImageDraw.Draw(img)
    draw.polygon([(screen[0] + sw * 0.55, screen[1]), (screen[0] + sw * 0.75, screen[1]),
                  (screen[0] + sw * 0.35, screen[3]), (screen[0] + sw * 0.15, screen[3])],
                 fill=(54, 60, 72))  # reflection
    # An open laptop beside it.
    lw = w * rng.uniform(0.26, 0.32)
    lx = min(w - lw - w * 0.04, tx + tv_w + w * rng.uniform(0.05, 0.1))
    ly = table_y + h * rng.uniform(0.1, 0.16)
    body = _jitter(rng.choice([(186, 188, 192), (60, 62, 66), (210, 212, 214)]), rng, 6)
    _shadow(img, (lx - 10 * _SS, ly - 16 * _SS, lx + lw + 10 * _SS, ly + 20 * _SS), darkness=140,
            blur=10 * _SS)
    draw = ImageDraw.Draw(img)
    sh_l = lw * 0.62
    draw.polygon([(lx + lw * 0.06, ly - h * 0.05), (lx + lw * 0.94, ly - h * 0.05),
                  (lx + lw * 0.9, ly - h * 0.05 - sh_l), (lx + lw * 0.1, ly - h * 0.05 - sh_l)],
                 fill=_shade(body, 0.8))
    draw.polygon([(lx + lw * 0.11, ly - h * 0.06), (lx + lw * 0.89, ly - h * 0.06),
                  (lx + lw * 0.86, ly - h * 0.05 - sh_l * 0.93),
                  (lx + lw * 0.14, ly - h * 0.05 - sh_l * 0.93)], fill=(30, 60, 100))
    draw.polygon([(lx + lw * 0.5, ly - h * 0.06), (lx + lw * 0.7, ly - h * 0.06),
                  (lx + lw * 0.72, ly - h * 0.05 - sh_l * 0.93),
                  (lx + lw * 0.6, ly - h * 0.05 - sh_l * 0.93)], fill=(50, 84, 128))
    draw.polygon([(lx, ly), (lx + lw, ly), (lx + lw * 0.94, ly - h * 0.05),
                  (lx + lw * 0.06, ly - h * 0.05)], fill=body)
    for k in range(4):  # keyboard rows
        y = ly - h * 0.045 + k * h * 0.009
        draw.line((lx + lw * 0.14, y, lx + lw * 0.86, y), fill=_shade(body, 0.55), width=3 * _SS)


# A scene draws onto the supersampled canvas: (image, rng, variant, color).
_SCENES: dict[str, Callable[[Image.Image, random.Random, str | None, str | None], None]] = {
    "car": _scene_car,
    "motorcycle": _scene_motorcycle,
    "land": _scene_land,
    "house": _scene_house,
    "scrap": _scene_scrap,
    "electronics": _scene_electronics,
}
