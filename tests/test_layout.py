"""Text fitting: pure rules with a fake measure, then real fonts checked pixel by pixel."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image

from promo_pipeline.render import draw, fonts, layout


def fake_measure(text: str, size: int) -> float:
    return len(text) * size * 0.5


def fake_metrics(size: int) -> tuple[int, int]:
    return int(size * 0.8), int(size * 0.2)


def fit(text, width=200, height=100, max_size=40, min_size=10, max_lines=2):
    return layout.fit_text(text, width=width, height=height, max_size=max_size,
                           min_size=min_size, max_lines=max_lines, measure=fake_measure,
                           metrics=fake_metrics, spacing=1.0)


def test_short_text_keeps_the_largest_size():
    f = fit("Mobil")
    assert f.size == 40 and f.lines == ("Mobil",) and not f.truncated


def test_text_shrinks_before_it_wraps_beyond_max_lines():
    f = fit("Tanah dan bangunan di Kota Bima")
    assert 10 <= f.size < 40 and len(f.lines) <= 2 and not f.truncated
    assert " ".join(f.lines) == "Tanah dan bangunan di Kota Bima"
    assert all(fake_measure(line, f.size) <= 200 for line in f.lines)
    bigger = fit("Tanah dan bangunan di Kota Bima", max_size=f.size + 1, min_size=f.size + 1)
    assert bigger.truncated  # one size up no longer fits: the search found the largest


def test_too_long_text_gets_an_ellipsis_at_a_word_boundary():
    words = "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh".split()
    f = fit(" ".join(words * 3), max_size=20, min_size=20)
    assert f.truncated and f.size == 20 and len(f.lines) == 2
    assert f.lines[-1].endswith("…")
    for line in f.lines:
        for word in line.rstrip("…").split():
            assert word in words  # never a cut word
        assert fake_measure(line, 20) <= 200


def test_one_token_wider_than_the_box_is_cut_inside_the_word_only_then():
    f = fit("SHM-00123/Tamalanrea-Indah-Kecamatan-Tamalanrea", max_lines=3, height=200)
    assert f.broke_word and f.size == 10
    assert all(fake_measure(line.rstrip("…"), 10) <= 200 for line in f.lines)
    normal = fit("Rumah tinggal", max_lines=3)
    assert not normal.broke_word


def test_explicit_newlines_start_new_lines():
    f = fit("1. Daftar\n2. Setor\n3. Tawar", max_lines=3, height=200, max_size=20)
    assert f.lines == ("1. Daftar", "2. Setor", "3. Tawar")


def test_height_limits_lines_even_if_max_lines_allows_more():
    f = fit("a b c d e f g h i j k l m n o p", width=20, height=25, max_size=10, min_size=10,
            max_lines=10)
    assert len(f.lines) == 2 and f.truncated and f.height <= 25


def test_empty_text_has_no_lines():
    assert fit("   ").lines == ()


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1, max_size=300), width=st.integers(40, 600),
       max_lines=st.integers(1, 4), max_size=st.integers(12, 60))
def test_fit_always_respects_width_lines_and_height(text, width, max_lines, max_size):
    height = max_lines * max_size + 10
    f = fit(text, width=width, height=height, max_size=max_size, min_size=12,
            max_lines=max_lines)
    assert len(f.lines) <= max_lines
    assert f.height <= height
    for line in f.lines:
        assert fake_measure(line, f.size) <= width


# --- real fonts, real pixels ----------------------------------------------------------------------

REAL_TEXT = st.one_of(
    st.text(min_size=1, max_size=200),
    st.just("<script>alert(1)</script>"),
    st.just("Mobil 🚗 Avanza ✓ m² — Désa Ćirebon № 5"),
    st.just("W" * 120),
    st.just("1 (satu) unit Mobil Toyota Avanza 1.3 G M/T Tahun 2015 warna Hitam Metalik"),
)


@settings(max_examples=40, deadline=None)
@example(text="j", weight=800, align="left", valign="bottom", max_lines=1)  # descender
@example(text="Å", weight=800, align="left", valign="top", max_lines=1)  # above the ascent
@example(text="ì", weight=400, align="left", valign="top", max_lines=1)  # left of the pen
@example(text="¿", weight=400, align="right", valign="bottom", max_lines=1)
@given(text=REAL_TEXT, weight=st.sampled_from([400, 600, 800]),
       align=st.sampled_from(["left", "center", "right"]),
       valign=st.sampled_from(["top", "middle", "bottom"]), max_lines=st.integers(1, 3))
def test_drawn_text_has_no_pixel_outside_its_box(text, weight, align, valign, max_lines):
    box = (30, 20, 400, 130)  # x, y, w, h
    canvas = Image.new("RGB", (460, 170), (255, 255, 255))
    block = draw.fit_block(fonts.clean(text), x=box[0], y=box[1], w=box[2], h=box[3], size=44,
                           min_size=14, max_lines=max_lines, weight=weight, spacing=1.15,
                           align=align, valign=valign, tabular=False)
    draw.draw_block(canvas, block, (0, 0, 0, 255))
    ink = Image.eval(canvas.convert("L"), lambda v: 255 if v < 250 else 0).getbbox()
    if ink is None:
        return  # nothing drawable (e.g. only emoji or spaces)
    x0, y0, x1, y1 = ink
    assert x0 >= box[0] and y0 >= box[1], (text, ink)
    assert x1 <= box[0] + box[2] and y1 <= box[1] + box[3], (text, ink)


def test_emoji_and_unknown_symbols_are_removed_not_drawn_as_boxes():
    assert fonts.clean("Mobil 🚗 Avanza\u200d ✓") == "Mobil Avanza"
    assert fonts.clean("m² — Désa\u0301") == "m² — Désá"  # NFC keeps the accent


def test_fallback_font_draws_glyphs_plus_jakarta_lacks():
    missing = next(ch for ch in "ΩЖ₹ẞ∑" if not fonts.has_glyph(ch)
                   and fonts.has_glyph(ch, fonts.FALLBACK))
    assert fonts.runs(f"a{missing}b") == [(fonts.PRIMARY, "a"), (fonts.FALLBACK, missing),
                                          (fonts.PRIMARY, "b")]
    canvas = Image.new("RGB", (120, 80), (255, 255, 255))
    block = draw.fit_block(missing, x=0, y=0, w=120, h=80, size=48, min_size=48, max_lines=1,
                           weight=400, spacing=1.1, align="left", valign="top", tabular=False)
    draw.draw_block(canvas, block, (0, 0, 0, 255))
    ink = Image.eval(canvas.convert("L"), lambda v: 255 - v).getbbox()
    assert ink is not None and (ink[2] - ink[0]) > 10  # a real glyph, not a sliver


def test_weights_really_differ():
    assert fonts.measure("Rp98.500.000", 60, 800) > fonts.measure("Rp98.500.000", 60, 400)
    with pytest.raises(ValueError):
        fonts.parse_weight("Heavy")
    assert fonts.parse_weight("ExtraBold") == 800 and fonts.parse_weight(650) == 650
