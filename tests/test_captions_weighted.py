"""X's weighted length (promo_pipeline.captions.weighted) equals twitter-text's parse_tweet."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from queue_fixtures import make_lot
from real_lots import real_lots
from twitter_text import parse_tweet

from promo_pipeline import captions as cap
from promo_pipeline.captions import weighted
from promo_pipeline.config import Brand

BRAND = Brand(name="KPKNL Bima", handle="@kpknlbima", contact="WA 0812-3456-7890",
              phone="0374-5550115", hashtags=["LelangBima", "KPKNLBima"])


def reference(text: str) -> int:
    return parse_tweet(unicodedata.normalize("NFC", text)).weightedLength


@pytest.mark.parametrize("text", [
    "", "abc", "日本語 😷 https://example.com", "©®", "a©b", "1️⃣#️⃣*️⃣", "👨‍👩‍👧‍👦 🇮🇩 🏳️‍🌈",
    "lelang.go.id", "x.co/abc.", "foo.com.", "-lelang.go.id", "_x.id", "@a.id", "a.id@b.id",
    "é.com", "\u202ax.com", "https://a.co:8080/x?y=z#w", "https://t.co/abcdef?x=1 ok",
    "http://a.b.c.d.id/path(a)b", "xn--abc.xn--def", "a\r\nb\rc", "e\u0301",
    "🏛️ Lelang https://lelang.go.id/kpknl/x/detail-auction/y\n⚠️ VA",
    "Tautan:https://LELANG.GO.ID/x, lalu www.example.com/a_(b)",
])
def test_known_texts(text: str) -> None:
    assert weighted.weighted_length(text) == reference(text)


def test_every_generated_caption_of_the_real_titles() -> None:
    # Every real title through every template (lot and reminder) and every fitting step's
    # text: fitting is where the length decides, so each measured text must be exact.
    seen = 0
    for lot in real_lots():
        for kind in ("lot", "reminder"):
            made = cap.lot_captions(lot, brand=BRAND, channels=["x", "threads", "telegram"],
                                    kind=kind, tz="Asia/Jakarta")
            for c in made.values():
                assert weighted.weighted_length(c.text) == reference(c.text), c.text
                seen += 1
    assert seen > 1000


_URLISH = st.sampled_from([
    "a", "é", "x", "n", "-", "_", ".", "/", ":", "@", "?", "#", "(", ")", "=", "!", ",", "+",
    "id", "com", "co", "go", "ID", "Com", "http://", "https://", "xn--", "www.", "t.co/",
    "lelang.go.id", " ", "\n", "\r", "\u00a0", "1", "2", "'", '"', "％", "＃", "\u202a",
    "⚠️", "🏛️", "©", "®", "1️⃣", "👨‍👩‍👧", "🇮🇩", "🏻", "\u200d", "\ufe0f", "日本", "ok",
])


@given(st.lists(_URLISH, max_size=24).map("".join))
@settings(max_examples=400, deadline=None)
def test_url_and_emoji_rich_texts(text: str) -> None:
    assert weighted.weighted_length(text) == reference(text)


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_any_text(text: str) -> None:
    assert weighted.weighted_length(text) == reference(text)


def test_a_pathological_token_is_counted_by_character() -> None:
    # twitter-text needs seconds for a thousand characters of "a.a.a…" (its domain pattern
    # backtracks over every label from every start); past the budget such a token is counted
    # character by character. Real URLs around it still count 23.
    chain = "a." * 20_000
    text = f"https://lelang.go.id/x {chain}@x.id https://lelang.go.id/y"
    assert weighted.weighted_length(text) == 23 + 1 + len(chain) + 5 + 1 + 23


def test_a_text_over_the_exact_bound_is_counted_by_character() -> None:
    text = "⚠️ https://lelang.go.id/x " * (weighted.EXACT_MAX // 20)
    assert weighted.weighted_length(text) == sum(
        2 if ord(ch) > 0x10FF else 1 for ch in text)


def test_x_captions_of_a_lot_fit_and_measure_as_x_counts() -> None:
    made = cap.lot_captions(make_lot(), brand=BRAND, channels=["x"], tz="Asia/Makassar")["x"]
    assert made.length == reference(made.text) <= 280


_WITHOUT_PKG_RESOURCES = """
import sys
sys.modules["pkg_resources"] = None  # as in a Python 3.12+ venv, or with setuptools 81+
from promo_pipeline.captions.weighted import weighted_length
print(weighted_length(sys.argv[1]))
print("pkg_resources" in sys.modules and sys.modules["pkg_resources"] is not None)
"""


def test_the_count_works_where_setuptools_has_no_pkg_resources():
    import subprocess
    import sys

    text = "Lelang 👨‍👩‍👧 ⚠️ © https://lelang.go.id/lot/1 a.a.id tanah 120 m²"
    proc = subprocess.run([sys.executable, "-c", _WITHOUT_PKG_RESOURCES, text],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    count, shim_left = proc.stdout.split()
    assert int(count) == parse_tweet(text).weightedLength
    assert shim_left == "False"  # the stand-in does not outlive the import
