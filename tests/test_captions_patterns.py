"""The lint's fast searches find exactly what the plain patterns find (personal data is
``promo_pipeline.personal``'s rule, tested in ``test_personal.py``).

The lint's patterns were rewritten to run in linear time and to let the regular-expression engine
skip ahead (keyword first, on lower-cased text, parts checked backwards); these tests keep the
plain, obvious patterns as the specification and compare on texts made of the words and symbols
that matter, in any case and spacing.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from hypothesis import given, settings
from hypothesis import strategies as st

from promo_pipeline import formats
from promo_pipeline.captions import lengths, mentions, wording, writer

# --- the specification: the patterns as first written ---------------------------------------

URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
FRAUD = (
    re.compile(r"\b(?:ter|se|ber)?murah\w*", re.IGNORECASE),
    re.compile(r"\b(?:di\s*bawah|jauh\s+di\s*bawah)\s+harga\s+(?:pasar|normal|wajar)\b",
               re.IGNORECASE),
    re.compile(r"\bharga\s+miring\b", re.IGNORECASE),
    re.compile(r"\b(?:pasti|dijamin|jaminan|garansi|auto|tentu)\s+menang\b|"
               r"\bmenang\s+(?:pasti|dijamin)\b", re.IGNORECASE),
    re.compile(r"\b(?:men|di)?cicil\w*|\bangsur\w*|\bkredit\b|\buang\s+muka\b|\bDP\b",
               re.IGNORECASE),
)
ANTIFRAUD = (re.compile(r"virtual\s+account|\bVA\b", re.IGNORECASE),
             re.compile(r"rekening\s+pribadi", re.IGNORECASE))
MONEY = re.compile(r"[Rr][Pp]\.?\s?(?P<num>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<dec>\d+))?"
                   r"(?:\s?(?P<unit>ribu|rb|juta|jt|miliar|milyar|triliun|M|T)\b)?")
DATETIME = re.compile(
    r"(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\.?\s+(?P<year>\d{4})"
    r"(?P<sep>(?:\s|,|pukul|pkl\.?|jam)*)"
    r"(?P<hour>[01]?\d|2[0-3])[.:](?P<minute>[0-5]\d)(?!\d)"
    r"(?:\s*(?P<zone>WITA|WIB|WIT)\b)?", re.IGNORECASE)
HASHTAG = re.compile(r"(?<![\w#&])#\w+")


def blank_links(text: str) -> str:
    return URL.sub(lambda m: " " * len(m.group(0)), text)


def spec_figures(text: str) -> list[tuple[int | None, str]]:
    out: list[tuple[int | None, str]] = []
    units = {"ribu": 10**3, "rb": 10**3, "juta": 10**6, "jt": 10**6, "miliar": 10**9,
             "milyar": 10**9, "M": 10**9, "triliun": 10**12, "T": 10**12}
    for m in MONEY.finditer(text):
        try:
            if m["unit"]:
                value = Decimal(f"{m['num'].replace('.', '')}.{m['dec'] or 0}") * units[m["unit"]]
            else:
                value = Decimal(formats.parse_rupiah(m["num"]))
                if m["dec"] and int(m["dec"]):
                    value += Decimal(f"0.{m['dec']}")
        except (InvalidOperation, ValueError):
            out.append((None, m.group(0)))
            continue
        out.append((int(value) if value == value.to_integral_value() else None,
                    m.group(0).strip()))
    return out


def spec_datetimes(text: str) -> list[tuple[datetime, str]]:
    out = []
    for m in DATETIME.finditer(text):
        month = mentions._months().get(m["month"].lower())
        if not month:
            continue
        try:
            naive = datetime(int(m["year"]), month, int(m["day"]), int(m["hour"]),
                             int(m["minute"]))
        except ValueError:
            continue
        if m["zone"]:
            hours = {"WIB": 7, "WITA": 8, "WIT": 9}[m["zone"].upper()]
            naive = naive.replace(tzinfo=timezone(timedelta(hours=hours)))
        out.append((naive, m.group(0)))
    return out


def spec_tidy(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- texts -----------------------------------------------------------------------------------

WORDS = [
    "a", "A", "x", "é", "İ", "ı", "ſ", "\u212a", " ", "  ", "\n", "\t", "\u00a0", ".", ",", "@",
    "-", "+", "＋", "_", "#", "&", "(", ")", ":", "/", "%", "$", "1", "0812", "3456", "7890", "62",
    "+62", "021", "(0374)", "555", "0115", "08123456789", "5206012345678901", "ext 12", "٣٤٥",
    "budi", "Budi", "x.id", "example.com", "info@kantor.go.id", "a.n.", "A.N.", "a.n", "an.",
    "atas", "ATAS", "nama", "Nama", "anda", "Anda", "sendiri", "diri", "yang", "murah", "MURAH",
    "termurah", "semurah", "bermurah", "murahan", "di", "bawah", "dibawah", "jauh", "harga",
    "pasar", "normal", "wajar", "miring", "pasti", "dijamin", "jaminan", "garansi", "auto",
    "tentu", "menang", "MENANG", "cicil", "dicicil", "mencicil", "angsur", "kredit", "uang",
    "muka", "dp", "DP", "virtual", "account", "VA", "va", "rekening", "pribadi", "Rp", "rp", "RP",
    "Rp.", "98.500.000", "1.000", "5", ",5", "juta", "jt", "M", "T", "miliar", "ribu", "11",
    "Maret", "maret", "Mar", "Des", "Agt", "2026", "pukul", "pkl.", "jam", "10.00", "10:00",
    "23.59", "WITA", "wib", "WIT", "https://", "HTTP://", "lelang.go.id/x", "\r",
]
TEXTS = st.lists(st.sampled_from(WORDS), max_size=30).map("".join)


@given(TEXTS)
@settings(max_examples=500, deadline=None)
def test_wording_finds_what_the_plain_patterns_find(text: str) -> None:
    folded = wording.Folded(text, mentions.fold(text))
    for spec, marker in zip(FRAUD, wording.FRAUD_MARKERS, strict=True):
        hit = spec.search(text)
        assert marker.first(folded, 10_000) == (hit.span() if hit else None), marker.label
    has_line = bool(ANTIFRAUD[0].search(text) and ANTIFRAUD[1].search(text))
    assert has_line == wording.has_antifraud_line(folded.folded)


@given(TEXTS)
@settings(max_examples=500, deadline=None)
def test_figures_dates_links_tidy_and_hashtags_as_the_plain_patterns(text: str) -> None:
    assert mentions.figures(text) == spec_figures(text)
    assert [(m.when, m.text) for m in mentions.datetimes(text)] == spec_datetimes(text)
    assert mentions.links(text) == [mentions.norm_url(u) for u in URL.findall(text)]
    assert writer.tidy(text) == spec_tidy(text)
    assert lengths.hashtags(text) == HASHTAG.findall(text)
    assert lengths.count_hashtags(text) == len(HASHTAG.findall(text))


def test_fold_maps_every_letter_a_case_insensitive_pattern_takes_for_ascii() -> None:
    odd = [chr(c) for c in range(128, 0x110000) if re.fullmatch("[a-z]", chr(c), re.IGNORECASE)]
    assert odd  # (İ, ı, ſ, the Kelvin sign)
    for ch in odd:
        folded = mentions.fold(ch)
        assert folded.isascii() and re.fullmatch(re.escape(folded), ch, re.IGNORECASE)


def test_fold_keeps_length_and_positions() -> None:
    text = "İSTANBUL ıi ſ \u212aelvin Straße ǅ ΣΑΣ ﬁ ŉ"
    assert len(mentions.fold(text)) == len(text)
