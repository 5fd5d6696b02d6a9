"""Wording DJKN names as a fraud marker, and the anti-fraud line, found in a caption.

Each marker is a case-insensitive pattern (``\\b(?:ter|se|ber)?murah\\w*``, "di bawah harga
pasar", promises of winning, instalments). Searched as written, each runs at every character of
the caption; here a marker is searched keyword first over the folded text (so the search skips
ahead in C), the words before the keyword are checked backwards, and the pattern itself decides:
the same leftmost match, in time linear in the caption (tests/test_captions_patterns.py compares
with the patterns as written).
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable
from dataclasses import dataclass


def has_antifraud_line(folded: str) -> bool:
    """True when the (folded) caption names the Virtual Account and personal accounts."""
    return bool(any(p.search(folded) for p in ANTIFRAUD_VA) and ANTIFRAUD_PERSONAL.search(folded))


@dataclass(frozen=True)
class Marker:
    """Wording DJKN names as a fraud marker: :attr:`pattern` (case-insensitive, on folded text).

    Searched keyword first, so the search runs in C over text without the keyword: each
    :attr:`finders` hit is a place where a match may contain the keyword (a necessary
    condition), :attr:`starts` gives the places such a match may start (earliest first), and
    :attr:`pattern` decides. The first hit that matches is the leftmost match of the pattern.
    """

    label: str
    pattern: re.Pattern[str]
    finders: tuple[re.Pattern[str], ...]
    starts: Callable[[Folded, int], list[int]]

    def first(self, f: Folded, max_candidates: int) -> tuple[int, int] | bool | None:
        """The leftmost match's span, None, or False when it gave up (too many candidates)."""
        seen = 0
        hits = heapq.merge(*(finder.finditer(f.folded) for finder in self.finders),
                           key=lambda m: m.start())
        for hit in hits:
            seen += 1
            if seen > max_candidates:
                return False
            k = hit.start()
            for start in self.starts(f, k):
                m = self.pattern.match(f.folded, start)
                if m and m.end() > k:
                    return m.span()
        return None


@dataclass
class Folded:
    """A caption, folded (:func:`~.mentions.fold`) and, when needed, reversed."""

    text: str
    folded: str
    _reverse: str | None = None

    def back(self, pattern: re.Pattern[str], k: int) -> int | None:
        """Where *pattern*, matched backwards (over the reversed text) from *k*, starts."""
        if self._reverse is None:
            self._reverse = self.folded[::-1]
        m = pattern.match(self._reverse, len(self.folded) - k)
        return len(self.folded) - m.end() if m else None


def _fixed(*backs: int) -> Callable[[Folded, int], list[int]]:
    return lambda f, k: [k - b for b in backs if k - b >= 0]


def _backward(pattern: str, *, also_here: bool = False) -> Callable[[Folded, int], list[int]]:
    compiled = re.compile(pattern)

    def starts(f: Folded, k: int) -> list[int]:
        start = f.back(compiled, k)
        return [s for s in (start, k if also_here else None) if s is not None]

    return starts


def _starts_cicil(f: Folded, k: int) -> list[int]:
    if f.folded.startswith("muka", k):
        return _backward_uang(f, k)
    return [s for s in (k - 3, k - 2, k) if s >= 0]


_backward_uang = _backward(r"\s+gnau(?!\w)")

FRAUD_MARKERS = (
    Marker("kata \u201cmurah\u201d",
            re.compile(r"\b(?:ter|se|ber)?murah\w*"),
            (re.compile(r"murah(?:(?<=\btermurah)|(?<=\bbermurah)|(?<=\bsemurah)"
                        r"|(?<=\bmurah))"),),
            _fixed(3, 2, 0)),
    Marker("\u201cdi bawah harga pasar\u201d",
            re.compile(r"\b(?:di\s*bawah|jauh\s+di\s*bawah)\s+harga\s+(?:pasar|normal|wajar)\b"),
            (re.compile(r"harga(?<=\sharga)\s+(?:pasar|normal|wajar)\b"),),
            # "…di bawah " before the hit, read backwards: "jauh di bawah" starts earlier.
            _backward(r"\s+hawab\s*id(?:\s+huaj(?!\w)|(?!\w))")),
    Marker("\u201charga miring\u201d",
            re.compile(r"\bharga\s+miring\b"),
            (re.compile(r"harga(?<!\wharga)\s+miring\b"),),
            _fixed(0)),
    Marker("janji kemenangan",
            re.compile(r"\b(?:pasti|dijamin|jaminan|garansi|auto|tentu)\s+menang\b|"
                       r"\bmenang\s+(?:pasti|dijamin)\b"),
            (re.compile(r"menang(?:(?<=\smenang)\b|(?<!\wmenang)\s+(?:pasti|dijamin)\b)"),),
            _backward(r"\s+(?:itsap|nimajid|nanimaj|isnarag|otua|utnet)(?!\w)",
                      also_here=True)),
    Marker("cicilan atau uang muka",
            re.compile(r"\b(?:men|di)?cicil\w*|\bangsur\w*|\bkredit\b|\buang\s+muka\b|\bdp\b"),
            (re.compile(r"cicil(?:(?<=\bmencicil)|(?<=\bdicicil)|(?<=\bcicil))"),
             re.compile(r"angsur(?<!\wangsur)"), re.compile(r"kredit(?<!\wkredit)\b"),
             re.compile(r"muka(?<=\smuka)\b"), re.compile(r"dp(?<!\wdp)\b")),
            _starts_cicil),
)
ANTIFRAUD_VA = (re.compile(r"virtual\s+account"), re.compile(r"va(?<!\wva)\b"))
ANTIFRAUD_PERSONAL = re.compile(r"rekening\s+pribadi")
