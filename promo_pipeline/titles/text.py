"""Text helpers shared by the title readers: preparing source text, plates, places, the
leading count ("1 (satu) unit"), Indonesian number words and sentence case. Pure, stdlib only.

Every pattern here is linear in the length of its input: quantifiers are bounded or apply to a
character class that cannot overlap what follows, and nothing nests. Titles of a megabyte are
read in well under a second (``tests/test_titles_props.py`` checks it under a pytest timeout).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

# --- preparing source text ------------------------------------------------------------------

# The parser already turns `m<sup>2</sup>` into `m²` and strips tags (parse.clean_text); these
# cover raw listing values (the CSV export keeps `m2`, old dumps keep the HTML).
_SUP2 = re.compile(r"<\s*sup\s*>\s*2\s*<\s*/\s*sup\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[A-Za-z/!][^<>]{0,200}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")


def prepare(text: str) -> str:
    """Plain one-line text: ``m<sup>2</sup>`` → ``m²``, other tags dropped, entities unescaped,
    control characters removed, whitespace collapsed. Idempotent."""
    if "<" in text:
        text = _TAG.sub(" ", _SUP2.sub("²", text))
    if "&" in text:
        text = html.unescape(text)
    text = _CONTROL.sub(" ", text).replace("\u00a0", " ")
    return " ".join(text.split())


# Spaces before punctuation, doubled punctuation, empty brackets: tidied, never reworded.
_SPACE_BEFORE = re.compile(r" ([,;:!?)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[]) ")
_REPEATED = re.compile(r"([,;:])(?: ?[,;:])+")
_TRAILING_PUNCT_BEFORE_DI = re.compile(r" ?[,;:]+(?= di (?:Kota|Kab\b|Kabupaten))",
                                       re.IGNORECASE)
_PAIRS = {")": "(", "]": "["}
_EMPTY_PAIR = re.compile(r"[(\[]\s*[)\]]")


def drop_empty_brackets(text: str) -> str:
    """``"a () b ( [ ] )"`` → ``"a  b "``: bracket pairs holding only spaces (or other empty
    pairs) removed, in one linear pass."""
    if not _EMPTY_PAIR.search(text):
        return text  # every empty pair, however nested, contains an innermost one
    out: list[str] = []
    stack: list[list[object]] = []  # [index in out, opening char, holds something]
    for ch in text:
        if ch in "([":
            stack.append([len(out), ch, False])
            out.append(ch)
        elif ch in _PAIRS and stack and stack[-1][1] == _PAIRS[ch]:
            start, _, full = stack.pop()
            if full:
                out.append(ch)
                if stack:
                    stack[-1][2] = True
            else:
                del out[int(start):]  # type: ignore[call-overload]
        else:
            out.append(ch)
            if stack and not ch.isspace():
                stack[-1][2] = True
    return "".join(out)


def tidy(text: str) -> str:
    """Whitespace and punctuation tidied (``" ,"`` → ``","``, ``"( "`` → ``"("``, empty
    brackets dropped, ``",,"`` → ``","``); letters and digits untouched. Idempotent."""
    text = " ".join(text.split())
    for _ in range(6):  # every step only shortens the text; real titles settle in one pass
        before = text
        text = drop_empty_brackets(text)
        text = " ".join(text.split())
        text = _SPACE_BEFORE.sub(r"\1", text)
        text = _SPACE_AFTER_OPEN.sub(r"\1", text)
        text = _REPEATED.sub(r"\1", text)
        text = _TRAILING_PUNCT_BEFORE_DI.sub("", text)
        text = text.strip(" ,;:")
        if text == before:
            break
    return text


# --- plates, lot numbers, places -------------------------------------------------------------

#: An Indonesian licence plate: region letters, number, suffix letters ("DE 8671 AG", "B 1280
#: POY", "BG 70 N"). It identifies the object (it stays in posts) and keeps its upper case.
PLATE = re.compile(r"(?<![\w/])([A-Z]{1,2})\s?(\d{1,4})\s?([A-Z]{1,3})(?![\w/])", re.IGNORECASE)
_PLATE_CUE = re.compile(
    r"(?:nomor\s+polisi|no\.?\s*pol\.?|nopol|plat(?:\s+nomor)?|terpasang|tnkb)\s*:?\s*(?:pol\.?\s*)?$",
    re.IGNORECASE)


def plate_spans(text: str) -> list[tuple[int, int]]:
    """Spans of licence plates: "DE 8671 AG" written with spaces and a known region code, or
    any plate-shaped text right after "Nomor Polisi", "Nopol", "No. Pol." & co."""
    spans = []
    for m in PLATE.finditer(text):
        cued = bool(_PLATE_CUE.search(text[max(0, m.start() - 24):m.start()]))
        spaced = " " in m.group(0) and m.group(0).count(" ") == 2
        if cued or (spaced and m.group(0) == m.group(0).upper()
                    and m.group(1).upper() in _REGIONS):
            spans.append(m.span())
    return spans


# Region codes of Indonesian plates. Words like "PS 120 HD" or "GD 510 R" (truck and grader
# models) have the same shape: without a cue, only a known region code makes a plate.
_REGIONS = frozenset(
    "A B D E F G H K L M N P R S T W Z AA AB AD AE AG BA BB BD BE BG BH BK BL BM BN BP DA DB DC "
    "DD DE DG DH DK DL DM DN DR DS DT EA EB ED KB KH KT KU PA PB".split())


_LOT_PREFIX = re.compile(r"^\s*lot\.?\s*\d{1,4}\s*\.?\s*", re.IGNORECASE)


def lot_prefix(text: str) -> str:
    """The batch number a title starts with ("Lot 07. ", "Lot. 8 "), or ""."""
    m = _LOT_PREFIX.match(text)
    return m.group(0) if m else ""


# lelang.go.id ends generated titles with "di Kota X" / "di Kab. X" (reference §2.2).
_PLACE = re.compile(
    r"\s+di\s+(?P<place>(?:Kota|Kab\.?|Kabupaten|Provinsi|Prov\.)\s+[^\W\d][^,;()\[\]]{0,60}?)"
    r"[\s.,;]*$",
    re.IGNORECASE)


def split_place(text: str) -> tuple[str, str | None]:
    """(*text* without its final "di Kota X" / "di Kab. X", the place) — place None when the
    title does not end with one. Only the last 90 characters are examined."""
    start = max(0, len(text) - 90)
    m = _PLACE.search(text, start)
    if not m:
        return text, None
    return text[: m.start()].rstrip(" ,;:."), " ".join(m["place"].split())


def place_case(place: str) -> str:
    """``KAB. SAROLANGUN`` → ``Kab. Sarolangun``; mixed-case places are kept as written."""
    if place != place.upper():
        return place
    return " ".join(_cap(w) for w in place.split())


def _cap(word: str) -> str:
    return "-".join(p[:1].upper() + p[1:].lower() for p in word.split("-"))


# --- counts ("1 (satu) unit", "14 bidang") -----------------------------------------------------

_ONES = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
         "delapan": 8, "sembilan": 9}
_SE = {"sepuluh": 10, "sebelas": 11, "seratus": 100}
_SCALE = {"puluh": 10, "ratus": 100}


def number_words(text: str) -> int | None:
    """``"dua ratus tujuh puluh tiga"`` → 273, ``"sebelas"`` → 11; None when *text* is not a
    number written in words (1–9999)."""
    words = text.lower().replace("-", " ").split()
    if not words or len(words) > 12:
        return None
    thousands = group = 0
    pending: int | None = None
    for w in words:
        if w in _ONES:
            if pending is not None:
                return None
            pending = _ONES[w]
        elif w in _SE:
            if pending is not None:
                return None
            group += _SE[w]
        elif w == "belas":
            if pending is None:
                return None
            group, pending = group + 10 + pending, None
        elif w in _SCALE:
            if pending is None:
                return None
            group, pending = group + pending * _SCALE[w], None
        elif w in ("ribu", "seribu"):
            if thousands or (w == "seribu") != (pending is None and group == 0):
                return None
            thousands = (group + (pending or 0)) * 1000 if w == "ribu" else 1000
            group, pending = 0, None
        else:
            return None
    value = thousands + group + (pending or 0)
    return value if 0 < value < 10000 else None


def count_words(words: Iterable[str]) -> str:
    """Alternation of count nouns for a regex, longest first."""
    return "|".join(sorted(words, key=len, reverse=True))


# --- sentence case ---------------------------------------------------------------------------

#: Abbreviations with vowels that stay upper case (vowel-less ones such as STNK, BPKB, SHM, BMN
#: stay upper case anyway).
ACRONYMS = frozenset(
    "AC ATTB UPS KUA KPU UPT KIP ABU ABS DPRD DPR DPD RI TNI POLRI BUMN BUMD PDAM OKU OKI "
    "KPKNL DJKN DJP BPJS UD PNS ASN CPU LED LCD GPS SUV MPV IMEI PLN BRI BNI BTN BTC PIP AMP "
    "UNIT".split()) - {"UNIT"}
#: Vowel-less abbreviations that read as words in lower case.
_LOWER = frozenset({"dll", "dsb", "dst", "dgn", "yg", "tdk", "utk", "kg", "km", "cm", "mm",
                    "m²", "m2", "kwh", "pk", "cc"})
_ROMAN = frozenset("II III IV VI VII VIII IX XI XII XIII XIV XV XVI XX".split())
_VOWELS = frozenset("AEIOUaeiou")


def is_shouting(text: str) -> bool:
    """Mostly upper case (at least 8 letters, ≥ 80 % of them upper case)."""
    letters = sum(map(str.isalpha, text))
    if letters < 8:
        return False
    return sum(map(str.isupper, text)) >= 0.8 * letters


_TOKEN = re.compile(r"\S+")


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c in "²_"


def case_word(word: str, *, proper: bool = False, names: dict[str, str] | None = None) -> str:
    """One upper-case source word in reading case. *proper*: a name (capitalised);
    *names*: known spellings (``{"TOYOTA": "Toyota"}``). Digits, acronyms, single letters and
    roman numerals keep their case."""
    start, end = 0, len(word)
    while start < end and not _is_word_char(word[start]):
        start += 1
    while end > start and not _is_word_char(word[end - 1]):
        end -= 1
    if start == end:
        return word
    core = word[start:end]
    cased = "".join(p if p in ("/", "-") else _case_part(p, proper=proper, names=names)
                    for p in re.split(r"([/-])", core))
    return word[:start] + cased + word[end:]


def _case_part(part: str, *, proper: bool, names: dict[str, str] | None) -> str:
    if not part:
        return part
    key = part.upper()
    if names and key in names:
        return names[key]
    if part != part.upper():  # already mixed case in the source: the author's spelling
        return part
    if any(c.isdigit() for c in part):
        return part
    bare = part.rstrip(".")
    if bare.lower() in _LOWER:
        return part.lower()
    if bare in ACRONYMS or bare in _ROMAN:
        return part
    if len(bare) >= 2 and not any(c in _VOWELS for c in bare):
        return part  # STNK, BPKB, SHM, BMN, GPS…
    if len(bare) == 1 or (proper and len(bare) <= 3):
        return part  # model codes: "FE 71", "APV DLX", "Hino FL 260 TI"
    return part[:1] + part[1:].lower() if proper else part.lower()


class Coverage:
    """Which characters of a text some spans cover; "is this span free / inside?" in time
    proportional to the span, not to the number of spans (titles may hold thousands)."""

    def __init__(self, size: int, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._covered = bytearray(size + 1)
        for start, end in spans:
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        start, end = max(0, start), max(0, end)
        self._covered[start:end] = b"\x01" * (end - start)

    def free(self, start: int, end: int) -> bool:
        return 1 not in self._covered[start:end]

    def inside(self, start: int, end: int) -> bool:
        return end > start and 0 not in self._covered[start:end]


def sentence_case(text: str, *, keep: Iterable[tuple[int, int]] = (),
                  proper: Iterable[tuple[int, int]] = (),
                  names: dict[str, str] | None = None, shouting: bool | None = None) -> str:
    """Reading case for a title written in capitals: words lower case, the first one
    capitalised; spans in *keep* (plates) untouched; spans in *proper* (models, places)
    capitalised word by word; *names* (brands) in their own spelling. Text that is not
    shouting (*shouting*: decided by the caller) is returned with only its first letter
    raised."""
    if not (is_shouting(text) if shouting is None else shouting):
        return _first_upper(text)
    kept = Coverage(len(text), keep)
    named = Coverage(len(text), proper)
    out = []
    last = 0
    for m in _TOKEN.finditer(text):
        out.append(text[last:m.start()])
        last = m.end()
        s, e = m.span()
        if kept.inside(s, e):
            out.append(m.group(0))
        else:
            out.append(case_word(m.group(0), proper=named.inside(s, e), names=names))
    out.append(text[last:])
    return _first_upper("".join(out))


def _first_upper(text: str) -> str:
    for i, c in enumerate(text):
        if c.isalpha():
            return text[:i] + c.upper() + text[i + 1:] if c.islower() else text
        if c.isdigit():
            return text
    return text


def group_thousands(value: int) -> str:
    """``13636`` → ``13.636`` (Indonesian digit grouping, without Babel)."""
    return f"{value:,}".replace(",", ".")


def shorten(value: str, limit: int, *, ellipsis: str = "…") -> str:
    """At most *limit* characters, cut at a word boundary with an ellipsis (a single longer
    word is cut inside only as a last resort; no dangling punctuation, slash or opening bracket
    before the ellipsis). The one shortening rule: :mod:`promo_pipeline.formats` re-exports it
    (defined here so the title readers import no Babel)."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    room = limit - len(ellipsis)
    if room <= 0:
        return ellipsis[:limit]
    cut = value[: room + 1]
    space = cut.rfind(" ")
    head = cut[:space] if space > 0 else value[:room]
    head = head.rstrip(" ,.;:-–/(·")
    return (head or value[:room]) + ellipsis
