"""What a caption states, read back from its text: links, ``Rp`` figures, dates and times.

The lint compares these with the stored lot. Every search takes time linear in the text: each
pattern starts with something literal or a digit, so the search skips ahead in C, and none can
backtrack over a long run. Case-insensitive searches run on :func:`fold` (lower case, same
length), which is much faster than a case-insensitive pattern.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from promo_pipeline import formats

#: A link: ``https?://`` and what follows up to a space or bracket (on folded text).
_URL_FOLDED = re.compile(r"https?://[^\s<>\"'()\[\]{}]+")
_MONEY = re.compile(
    r"[Rr][Pp]\.?\s?(?P<num>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<dec>\d+))?"
    r"(?:\s?(?P<unit>ribu|rb|juta|jt|miliar|milyar|triliun|M|T)\b)?"
)
_UNIT = {"ribu": 10**3, "rb": 10**3, "juta": 10**6, "jt": 10**6, "miliar": 10**9,
         "milyar": 10**9, "M": 10**9, "triliun": 10**12, "T": 10**12}
_WIB_OFFSETS = {"WIB": 7, "WITA": 8, "WIT": 9}
# On folded text (month names and zone labels in any case).
_DATETIME = re.compile(
    r"(?P<day>\d{1,2})\s+(?P<month>[a-z]+)\.?\s+(?P<year>\d{4})"
    r"(?P<sep>(?:\s|,|pukul|pkl\.?|jam)*)"
    r"(?P<hour>[01]?\d|2[0-3])[.:](?P<minute>[0-5]\d)(?!\d)"
    r"(?:\s*(?P<zone>wita|wib|wit)\b)?"
)
# The characters that Python's case-insensitive matching takes for an ASCII letter although
# their lower case is not one (İ, ı → i; ſ → s; Kelvin sign → k).
_ASCII_LIKE = (("\u0130", "i"), ("\u0131", "i"), ("\u017f", "s"), ("\u212a", "k"))


def fold(text: str) -> str:
    """*text* in lower case, character for character (positions stay those of *text*), such
    that a lower-case pattern over it matches where the case-insensitive pattern over *text*
    does (for patterns whose letters are ASCII)."""
    if not text.isascii():
        for odd, ascii_letter in _ASCII_LIKE:
            if odd in text:
                text = text.replace(odd, ascii_letter)
    folded = text.lower()
    if len(folded) != len(text):  # never, after the translation; kept exact regardless
        folded = "".join(ch.lower()[:1] or ch for ch in text)
    return folded


def link_spans(folded: str) -> list[tuple[int, int]]:
    """Where the links are, in folded text (:func:`fold`)."""
    return [m.span() for m in _URL_FOLDED.finditer(folded)] if "://" in folded else []


def links(text: str, folded: str | None = None) -> list[str]:
    """Every ``http(s)://`` link in *text*, without trailing punctuation or slash."""
    folded = fold(text) if folded is None else folded
    return [norm_url(text[m.start():m.end()]) for m in _URL_FOLDED.finditer(folded)]


def norm_url(url: str) -> str:
    """A link as compared: no trailing sentence punctuation, no trailing slash."""
    return url.rstrip(".,;:!?").rstrip("/")


@dataclass(frozen=True)
class Mention:
    """A date and time written in a caption."""

    when: datetime      # aware when a zone label followed, else naive (no zone)
    text: str


def datetimes(text: str, folded: str | None = None) -> list[Mention]:
    """Every ``11 Maret 2026 pukul 10.00 WITA``-like date and time in *text*."""
    folded = fold(text) if folded is None else folded
    out = []
    for m in _DATETIME.finditer(folded):
        mention = _mention(text[m.start():m.end()], text[m.start("month"):m.end("month")],
                           m["day"], m["year"], m["hour"], m["minute"], m["zone"])
        if mention is not None:
            out.append(mention)
    return out


@functools.lru_cache(maxsize=1024)
def _mention(raw: str, month_name: str, day: str, year: str, hour: str, minute: str,
             zone: str | None) -> Mention | None:
    month = _months().get(month_name.lower())
    if not month:
        return None
    try:
        naive = datetime(int(year), month, int(day), int(hour), int(minute))
    except ValueError:
        return None
    if zone:
        offset = timezone(timedelta(hours=_WIB_OFFSETS[zone.upper()]))
        return Mention(naive.replace(tzinfo=offset), raw)
    return Mention(naive, raw)


@functools.cache
def _months() -> dict[str, int]:
    from babel.dates import get_month_names

    names: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            months = get_month_names(width, context=context, locale=formats.LOCALE)
            for number, name in months.items():
                names[name.lower().rstrip(".")] = number
    names.update({"agt": 8, "ags": 8, "sept": 9, "nop": 11, "pebruari": 2, "nopember": 11})
    return names


def figures(text: str, limit: int | None = None) -> list[tuple[int | None, str]]:
    """Every ``Rp…`` figure in *text* (the first *limit*) with its value in rupiah (None when
    not a whole rupiah)."""
    found = itertools.islice(_MONEY.finditer(text), limit)
    return [_figure(m.group(0), m["num"], m["dec"] or "", m["unit"] or "") for m in found]


@functools.lru_cache(maxsize=4096)
def _figure(raw: str, num: str, dec: str, unit: str) -> tuple[int | None, str]:
    try:
        if unit:
            whole = num.replace(".", "")
            value = Decimal(f"{whole}.{dec or 0}") * _UNIT[unit]
        else:
            value = Decimal(formats.parse_rupiah(num))
            if dec and int(dec):
                value += Decimal(f"0.{dec}")
    except (InvalidOperation, ValueError, KeyError):
        return None, raw
    return (int(value) if value == value.to_integral_value() else None), raw.strip()
