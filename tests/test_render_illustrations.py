"""Category illustrations: one per art family, told apart by their pixels."""

from __future__ import annotations

import itertools

import pytest
from PIL import Image, ImageChops

from promo_pipeline.render import illustrations
from promo_pipeline.titles import FAMILIES

PRIMARY, SECONDARY, ACCENT = (0x16, 0x30, 0x6B), (0x0E, 0x7C, 0x86), (0xF5, 0xB7, 0x00)


def _count(im: Image.Image, color: tuple[int, int, int], tolerance: int = 40) -> int:
    """Pixels within *tolerance* of *color* on every channel."""
    bands = [b.point(lambda v, c=c: 255 if abs(v - c) <= tolerance else 0)
             for b, c in zip(im.split(), color, strict=True)]
    mask = ImageChops.multiply(ImageChops.multiply(bands[0], bands[1]), bands[2])
    return _lit(mask)


def _lit(mask: Image.Image) -> int:
    """Non-zero pixels of an L image."""
    return mask.size[0] * mask.size[1] - mask.histogram()[0]


def test_one_illustration_per_family() -> None:
    assert illustrations.KEYS == FAMILIES


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_is_drawn_in_the_brand_colours(family: str) -> None:
    im = illustrations.illustration(family, 320, 400, PRIMARY, SECONDARY, ACCENT)
    assert (im.mode, im.size) == ("RGB", (320, 400))
    total = 320 * 400
    white = _count(im, (255, 255, 255), 10)
    accent = _count(im, ACCENT, 30)
    assert 0.03 * total < white < 0.35 * total, white / total  # a subject, not a blank
    assert accent > 0.002 * total  # accent details
    # the background is the brand gradient: its corners are bluish, not white or accent
    for xy in ((2, 2), (317, 397)):
        r, g, b = im.getpixel(xy)  # type: ignore[misc]
        assert b > r and max(r, g, b) < 200


def test_families_are_told_apart() -> None:
    masks = {f: illustrations.subject_masks(f, 200)[0].point(lambda v: 255 if v > 128 else 0)
             for f in FAMILIES}
    for a, b in itertools.combinations(FAMILIES, 2):
        union = ImageChops.lighter(masks[a], masks[b])
        inter = ImageChops.darker(masks[a], masks[b])
        both, either = _lit(inter), _lit(union)
        assert both / either < 0.6, (a, b, both / either)


def test_unknown_family_gets_the_neutral_parcel() -> None:
    unknown = illustrations.illustration("spaceship", 200, 200, PRIMARY, SECONDARY, ACCENT)
    generic = illustrations.illustration("generic", 200, 200, PRIMARY, SECONDARY, ACCENT)
    assert ImageChops.difference(unknown, generic).getbbox() is None


@pytest.mark.parametrize("size", [(1080, 1350), (1080, 608), (400, 1200), (64, 64)])
def test_the_subject_stays_inside_any_box(size: tuple[int, int]) -> None:
    w, h = size
    for family in ("heavy_equipment", "vessel", "truck_bus"):
        im = illustrations.illustration(family, w, h, PRIMARY, SECONDARY, ACCENT)
        assert im.size == size
        # no white touches the edges: the subject is whole
        edges = [im.crop((0, 0, w, 1)), im.crop((0, h - 1, w, h)), im.crop((0, 0, 1, h)),
                 im.crop((w - 1, 0, w, h))]
        assert all(_count(e, (255, 255, 255), 10) == 0 for e in edges), family


def test_default_logo_still_draws() -> None:
    logo = illustrations.default_logo(128, PRIMARY, ACCENT)
    assert (logo.mode, logo.size) == ("RGBA", (128, 128))
    assert _count(logo.convert("RGB"), ACCENT, 30) > 1000
