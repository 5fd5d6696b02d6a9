"""What a caption states, read back from its text: links, ``Rp`` figures, dates and times.

The lint compares these with the stored lot. Every pattern here runs in time linear in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from babel.dates import get_month_names

from promo_pipeline import formats

URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
_MONEY = re.compile(
    r"[Rr][Pp]\.?\s?(?P<num>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<dec>\d+))?"
    r"(?:\s?(?P<unit>ribu|rb|juta|jt|miliar|milyar|triliun|M|T)\b)?"
)
_UNIT = {"ribu": 10**3, "rb": 10**3, "juta": 10**6, "jt": 10**6, "miliar": 10**9,
         "milyar": 10**9, "M": 10**9, "triliun": 10**12, "T": 10**12}
_WIB_OFFSETS = {"WIB": 7, "WITA": 8, "WIT": 9}


def _month_numbers() -> dict[str, int]:
    names: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            months = get_month_names(width, context=context, locale=formats.LOCALE)
            for number, name in months.items():
                names[name.lower().rstrip(".")] = number
    names.update({"agt": 8, "ags": 8, "sept": 9, "nop": 11, "pebruari": 2, "nopember": 11})
    return names


_MONTHS = _month_numbers()
_DATETIME = re.compile(
    r"(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\.?\s+(?P<year>\d{4})"
    r"(?P<sep>(?:\s|,|pukul|pkl\.?|jam)*)"
    r"(?P<hour>[01]?\d|2[0-3])[.:](?P<minute>[0-5]\d)(?!\d)"
    r"(?:\s*(?P<zone>WITA|WIB|WIT)\b)?",
    re.IGNORECASE,
)


def links(text: str) -> list[str]:
    """Every ``http(s)://`` link in *text*, without trailing punctuation or slash."""
    return [norm_url(u) for u in URL.findall(text)]


def norm_url(url: str) -> str:
    """A link as compared: no trailing sentence punctuation, no trailing slash."""
    return url.rstrip(".,;:!?").rstrip("/")


@dataclass(frozen=True)
class Mention:
    """A date and time written in a caption."""

    when: datetime      # aware when a zone label followed, else naive (no zone)
    text: str


def datetimes(text: str) -> list[Mention]:
    """Every ``11 Maret 2026 pukul 10.00 WITA``-like date and time in *text*."""
    out = []
    for m in _DATETIME.finditer(text):
        month = _MONTHS.get(m["month"].lower())
        if not month:
            continue
        try:
            naive = datetime(int(m["year"]), month, int(m["day"]), int(m["hour"]),
                             int(m["minute"]))
        except ValueError:
            continue
        if m["zone"]:
            zone = timezone(timedelta(hours=_WIB_OFFSETS[m["zone"].upper()]))
            out.append(Mention(naive.replace(tzinfo=zone), m.group(0)))
        else:
            out.append(Mention(naive, m.group(0)))
    return out


def figures(text: str) -> list[tuple[int | None, str]]:
    """Every ``Rp…`` figure in *text* with its value in rupiah (None when not a whole rupiah)."""
    out: list[tuple[int | None, str]] = []
    for m in _MONEY.finditer(text):
        unit = m["unit"] or ""
        try:
            if unit:
                whole = m["num"].replace(".", "")
                value = Decimal(f"{whole}.{m['dec'] or 0}") * _UNIT[unit]
            else:
                value = Decimal(formats.parse_rupiah(m["num"]))
                if m["dec"] and int(m["dec"]):
                    value += Decimal(f"0.{m['dec']}")
        except (InvalidOperation, ValueError, KeyError):
            out.append((None, m.group(0)))
            continue
        out.append((int(value) if value == value.to_integral_value() else None,
                    m.group(0).strip()))
    return out
