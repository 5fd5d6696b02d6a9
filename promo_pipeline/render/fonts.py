"""Fonts for the renderer: Plus Jakarta Sans, with Noto Sans as a per-character fallback.

Both come from installed PyPI packages (``fontpkg-plus-jakarta-sans``, ``fontpkg-noto-sans``),
read through :mod:`importlib.resources`; never from a system font path, so a render looks the same
on Linux and on an office's Windows PC.

Both files are variable fonts. The weight is set with ``set_variation_by_axes`` on every
instance we create (``font_variant()`` would silently drop it, and the default instance is not
the weight we want). Instances are cached per (family, size, weight).

Pillow has no glyph fallback of its own, so :func:`runs` splits a text into runs by which font has
each character; characters that neither font covers (emoji, most symbols) are removed by
:func:`clean` before layout so that no tofu box ever reaches a post.
"""

from __future__ import annotations

import functools
import io
import logging
import unicodedata
from importlib import metadata, resources

from fontTools.ttLib import TTFont
from PIL import ImageFont
from PIL import features as pil_features

logger = logging.getLogger(__name__)

PRIMARY = "jakarta"
FALLBACK = "noto"

_FILES = {
    PRIMARY: ("fontpkg_plus_jakarta_sans", "PlusJakartaSans[wght].ttf"),
    FALLBACK: ("fontpkg_noto_sans", "NotoSans[wdth,wght].ttf"),
}
_DISTS = {PRIMARY: "fontpkg-plus-jakarta-sans", FALLBACK: "fontpkg-noto-sans"}

#: Named weights accepted in templates (the variable fonts' named instances).
WEIGHTS = {
    "extralight": 200,
    "light": 300,
    "regular": 400,
    "medium": 500,
    "semibold": 600,
    "bold": 700,
    "extrabold": 800,
}
MIN_WEIGHT, MAX_WEIGHT = 200, 800

#: Pinned layout engine: raqm gives kerning and OpenType features (tabular figures).
LAYOUT = ImageFont.Layout.RAQM if pil_features.check("raqm") else ImageFont.Layout.BASIC


def parse_weight(value: str | int) -> int:
    """``"Bold"`` or ``700`` → 700; raises ValueError for anything else."""
    if isinstance(value, bool):
        raise ValueError(f"not a font weight: {value!r}")
    if isinstance(value, int):
        if MIN_WEIGHT <= value <= MAX_WEIGHT:
            return value
        raise ValueError(f"font weight {value} is outside {MIN_WEIGHT}–{MAX_WEIGHT}")
    key = str(value).replace(" ", "").replace("-", "").lower()
    if key in WEIGHTS:
        return WEIGHTS[key]
    raise ValueError(f"unknown font weight {value!r} (use one of {', '.join(WEIGHTS)} "
                     f"or a number {MIN_WEIGHT}–{MAX_WEIGHT})")


@functools.cache
def font_bytes(family: str) -> bytes:
    package, name = _FILES[family]
    return (resources.files(package) / "files" / name).read_bytes()


@functools.cache
def versions() -> str:
    """The installed font package versions (part of every image hash: fonts affect pixels)."""
    return ",".join(f"{d}={metadata.version(d)}" for d in _DISTS.values())


@functools.cache
def _cmap(family: str) -> frozenset[int]:
    tt = TTFont(io.BytesIO(font_bytes(family)), lazy=True)
    return frozenset(tt.getBestCmap())


@functools.lru_cache(maxsize=256)
def font(size: int, weight: int = 400, family: str = PRIMARY) -> ImageFont.FreeTypeFont:
    """A cached font instance at *size* px with the variable weight applied."""
    f = ImageFont.truetype(io.BytesIO(font_bytes(family)), size=max(1, int(size)),
                           layout_engine=LAYOUT)
    axes = f.get_variation_axes()
    values = []
    for axis in axes:
        name = axis["name"].decode() if isinstance(axis["name"], bytes) else str(axis["name"])
        if name.lower() == "weight":
            values.append(max(axis["minimum"], min(axis["maximum"], weight)))
        else:
            values.append(axis["default"])
    f.set_variation_by_axes(values)
    return f


def has_glyph(ch: str, family: str = PRIMARY) -> bool:
    return ord(ch) in _cmap(family)


@functools.lru_cache(maxsize=4096)
def _family_of(ch: str) -> str | None:
    if ord(ch) in _cmap(PRIMARY):
        return PRIMARY
    if ord(ch) in _cmap(FALLBACK):
        return FALLBACK
    return None


def clean(text: str) -> str:
    """NFC-normalised text without characters that no font of ours can draw.

    Whitespace runs (including newlines inside a paragraph) collapse to one space, except that
    explicit newlines are kept as line breaks. Emoji and other uncovered symbols are dropped.
    """
    text = unicodedata.normalize("NFC", text)
    out_lines = []
    for line in text.split("\n"):
        kept = []
        for ch in line:
            if ch.isspace():
                kept.append(" ")
            elif unicodedata.category(ch) in ("Cc", "Cf") or (
                unicodedata.category(ch) == "Mn" and _family_of(ch) is None
            ):
                continue  # controls, zero-width joiners, variation selectors
            elif _family_of(ch) is not None:
                kept.append(ch)
        out_lines.append(" ".join("".join(kept).split()))
    return "\n".join(out_lines).strip("\n")


def runs(text: str) -> list[tuple[str, str]]:
    """Split *text* into ``(family, substring)`` runs; spaces stay with the current run."""
    out: list[tuple[str, str]] = []
    current: str | None = None
    buf: list[str] = []
    for ch in text:
        fam = _family_of(ch) if not ch.isspace() else (current or PRIMARY)
        if fam is None:
            continue
        if fam != current and buf:
            out.append((current or PRIMARY, "".join(buf)))
            buf = []
        current = fam
        buf.append(ch)
    if buf:
        out.append((current or PRIMARY, "".join(buf)))
    return out


def features(tabular: bool) -> list[str] | None:
    if tabular and LAYOUT == ImageFont.Layout.RAQM:
        return ["tnum"]
    return None


@functools.lru_cache(maxsize=65536)
def measure(text: str, size: int, weight: int, tabular: bool = False) -> float:
    """Advance width of *text* in px, with per-character fallback."""
    total = 0.0
    feats = features(tabular)
    for fam, part in runs(text):
        total += font(size, weight, fam).getlength(part, features=feats)
    return total


@functools.lru_cache(maxsize=65536)
def span(text: str, size: int, weight: int, tabular: bool = False, space: float = 0.0
         ) -> tuple[float, float]:
    """(overhang left of the pen, total width) of a line, ink included.

    A glyph may reach past its advance (``ì`` at the start, a swash at the end), so the width
    a line needs is the larger of its advance and its ink, plus any ink left of the pen.
    *space* > 0 sets the width of a space in em (see :func:`words`).
    """
    feats = features(tabular)
    pen, left, right = 0.0, 0.0, 0.0
    for dx, word in words(text, size, weight, tabular, space):
        pen = dx
        for fam, part in runs(word):
            f = font(size, weight, fam)
            bb = f.getbbox(part, anchor="ls", features=feats)
            if bb[2] > bb[0]:
                left, right = min(left, pen + bb[0]), max(right, pen + bb[2])
            pen += f.getlength(part, features=feats)
    overhang = -left
    return overhang, max(pen, right) + overhang


@functools.lru_cache(maxsize=65536)
def words(text: str, size: int, weight: int, tabular: bool = False, space: float = 0.0
          ) -> tuple[tuple[float, str], ...]:
    """Where each piece of a line starts (px from the pen): the whole line as one piece, or,
    with *space* > 0, word by word with every space *space* em wide.

    The brand font's own space is only 0.17 em, which makes "pukul 11.00" read as one word at a
    glance; templates set a wider one (``word_spacing``).
    """
    if space <= 0 or " " not in text:
        return ((0.0, text),)
    out, pen = [], 0.0
    for i, word in enumerate(text.split(" ")):
        if i:
            pen += space * size
        if word:
            out.append((pen, word))
            pen += measure(word, size, weight, tabular)
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def metrics(size: int, weight: int = 400) -> tuple[int, int]:
    """(ascent, descent) in px for the primary font at *size*."""
    return font(size, weight).getmetrics()
