"""Text fitting, pure: wrap, shrink to fit, then ellipsis. No Pillow, no I/O.

The caller passes how to measure a string at a size (``measure(text, size) -> px``) and the
font's vertical metrics (``metrics(size) -> (ascent, descent)``), so this module is testable
with any measuring function and keeps the font handling in :mod:`.fonts`.

Rules, in order:

1. the largest size between ``min_size`` and ``max_size`` at which the text wraps (greedily, at
   spaces) into at most ``max_lines`` lines whose block fits the box, without breaking a word;
2. otherwise ``min_size``, wrapped at spaces, cut after the last line that fits and ended with an
   ellipsis (dropping whole words until the ellipsis fits);
3. a word is cut inside only when that single token is wider than the box even at ``min_size``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Measure = Callable[[str, int], float]
Metrics = Callable[[int], tuple[int, int]]

ELLIPSIS = "…"
_TRAILING = " ,.;:-–—/"


@dataclass(frozen=True)
class TextFit:
    """The result of fitting a text into a box."""

    size: int
    lines: tuple[str, ...]
    line_height: int  # px from one baseline to the next
    ascent: int
    descent: int
    width: float  # widest line, px
    truncated: bool = False  # an ellipsis was added
    broke_word: bool = False  # a token wider than the box was cut

    @property
    def height(self) -> int:
        """Height of the block from the first line's ascent to the last line's descent."""
        if not self.lines:
            return 0
        return (len(self.lines) - 1) * self.line_height + self.ascent + self.descent


def line_height_px(size: int, metrics: Metrics, spacing: float) -> int:
    ascent, descent = metrics(size)
    return max(1, round((ascent + descent) * spacing))


def block_height(n_lines: int, size: int, metrics: Metrics, spacing: float) -> int:
    if n_lines <= 0:
        return 0
    ascent, descent = metrics(size)
    return (n_lines - 1) * line_height_px(size, metrics, spacing) + ascent + descent


def _break_token(token: str, width: float, m: Callable[[str], float]) -> list[str]:
    """Cut a token wider than *width* into pieces that fit (at least one character each)."""
    pieces, current = [], ""
    for ch in token:
        if current and m(current + ch) > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, width: float, m: Callable[[str], float], *,
         allow_break: bool = False) -> list[str] | None:
    """Greedy wrap at spaces; explicit ``\\n`` starts a new line.

    Returns None when a single token is wider than *width* and *allow_break* is False.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if m(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
                line = ""
            if m(word) <= width:
                line = word
                continue
            if not allow_break:
                return None
            pieces = _break_token(word, width, m)
            lines.extend(pieces[:-1])
            line = pieces[-1]
        if line:
            lines.append(line)
    return lines


def ellipsize(line: str, width: float, m: Callable[[str], float],
              ellipsis: str = ELLIPSIS) -> str:
    """*line* shortened (whole words first) so that ``line + ellipsis`` fits *width*."""
    words = line.split(" ")
    while len(words) > 1 and m(" ".join(words).rstrip(_TRAILING) + ellipsis) > width:
        words.pop()
    head = " ".join(words).rstrip(_TRAILING)
    while head and m(head + ellipsis) > width:
        head = head[:-1].rstrip(_TRAILING)
    return head + ellipsis if m(head + ellipsis) <= width or not head else ellipsis


def fit_text(
    text: str,
    *,
    width: float,
    height: float,
    max_size: int,
    min_size: int,
    max_lines: int,
    measure: Measure,
    metrics: Metrics,
    spacing: float = 1.15,
    ellipsis: str = ELLIPSIS,
) -> TextFit:
    """Fit *text* into a ``width × height`` box (see the module docstring for the rules)."""
    min_size = max(1, min(min_size, max_size))
    text = "\n".join(" ".join(p.split()) for p in text.strip().split("\n")).strip()

    def make(size: int, lines: list[str], truncated=False, broke=False) -> TextFit:
        ascent, descent = metrics(size)
        widths = [measure(line, size) for line in lines]
        return TextFit(size=size, lines=tuple(lines),
                       line_height=line_height_px(size, metrics, spacing),
                       ascent=ascent, descent=descent, width=max(widths, default=0.0),
                       truncated=truncated, broke_word=broke)

    if not text:
        return make(max_size, [])

    def lines_allowed(size: int) -> int:
        n = max_lines
        while n > 1 and block_height(n, size, metrics, spacing) > height:
            n -= 1
        return max(1, n)

    def attempt(size: int) -> list[str] | None:
        lines = wrap(text, width, lambda s: measure(s, size))
        if lines is None or len(lines) > lines_allowed(size):
            return None
        if block_height(len(lines), size, metrics, spacing) > height:
            return None
        return lines

    best = attempt(max_size)
    if best is not None:
        return make(max_size, best)
    lo, hi, found = min_size, max_size - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        lines = attempt(mid)
        if lines is not None:
            found = (mid, lines)
            lo = mid + 1
        else:
            hi = mid - 1
    if found is not None:
        return make(*found)

    # Nothing fits whole: min size, then cut with an ellipsis.
    size = min_size
    m = lambda s: measure(s, size)  # noqa: E731
    lines = wrap(text, width, m)
    broke = False
    if lines is None:
        lines = wrap(text, width, m, allow_break=True) or []
        broke = True
    n = lines_allowed(size)
    truncated = False
    if len(lines) > n:
        kept = lines[:n]
        kept[-1] = ellipsize(kept[-1], width, m, ellipsis)
        lines, truncated = kept, True
    return make(size, lines, truncated, broke)
