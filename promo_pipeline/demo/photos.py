"""Demo photos, drawn by code with Pillow: the project's own images, no downloads, no fonts.

One simple, recognisable scene per kind of lot — a car, a motorcycle, a land plot with trees, a
house, a pile of scrap, a TV and a laptop — varied by a seed (colours, sizes, positions) and
finished like a phone photo (film grain, uneven light, a vignette, a little softness) so that the
demo's images look like photos of objects rather than flat clip-art. The same ``(kind, seed)``
always gives the same JPEG bytes (for a given Pillow version).

Scenes (:mod:`.scenes`) are drawn at twice the output size and scaled down, which gives
anti-aliased edges without any extra dependency; this module picks the scene and finishes it.
"""

from __future__ import annotations

import io
import math
import random
from functools import lru_cache

from PIL import Image, ImageChops, ImageFilter

from promo_pipeline.demo.draw import CAR_VARIANTS, COLORS, SS
from promo_pipeline.demo.scenes import SCENES

WIDTH, HEIGHT = 1200, 900
KINDS = ("car", "motorcycle", "land", "house", "scrap", "electronics")


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
        scene = SCENES[kind]
    except KeyError:
        raise ValueError(f"unknown demo photo kind {kind!r} (known: {', '.join(KINDS)})") from None
    if color is not None and color not in COLORS:
        raise ValueError(f"unknown demo photo color {color!r} (known: {', '.join(COLORS)})")
    if variant is not None and (kind != "car" or variant not in CAR_VARIANTS):
        raise ValueError(f"unknown variant {variant!r} for a {kind} photo "
                         f"(cars: {', '.join(CAR_VARIANTS)})")
    rng = random.Random(f"{kind}:{seed}")
    w, h = size
    big = Image.new("RGB", (w * SS, h * SS))
    scene(big, rng, variant, color)
    img = big.reduce(SS)  # box filter: the anti-aliasing of supersampling, and fast
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
