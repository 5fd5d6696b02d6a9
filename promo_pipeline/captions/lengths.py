"""Caption length as each platform counts it, and whether a caption fits its channel.

``unit`` says how a platform counts: ``utf16`` (UTF-16 code units, what Telegram counts and what
a browser's ``string.length`` shows; an emoji counts 2, which is on the safe side for Instagram
and Facebook), ``weighted`` (X: NFC, every URL 23, CJK and emoji 2) or ``utf8`` (Threads: bytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHANNELS = ("instagram", "facebook", "telegram", "x", "threads")


@dataclass(frozen=True)
class Limit:
    """A channel's caption limit (see the module docstring for ``unit``)."""

    max: int
    unit: str
    hashtags: int | None = None
    label: str = ""


LIMITS: dict[str, Limit] = {
    "instagram": Limit(2200, "utf16", hashtags=30, label="Instagram"),
    "facebook": Limit(63206, "utf16", label="Facebook"),
    "telegram": Limit(1024, "utf16", label="Telegram"),
    "x": Limit(280, "weighted", label="X"),
    "threads": Limit(500, "utf8", label="Threads"),
}

# A # not after a word character, # or & (``C#``, ``&#38;``), then a word: the # first, so the
# search skips ahead to the next # in C.
_HASHTAG = re.compile(r"#(?<![\w#&]#)\w+")
# The same, without the word: a hashtag's word holds no #, so its # positions are the same.
_HASHTAG_MARK = re.compile(r"#(?<![\w#&]#)(?=\w)")


def measure(channel: str, text: str) -> int:
    """The length of *text* as *channel* counts it."""
    unit = LIMITS[channel].unit
    if unit == "weighted":
        return _weighted_length(text)
    if unit == "utf8":
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


def _weighted_length(text: str) -> int:
    from promo_pipeline.captions.weighted import weighted_length

    return weighted_length(text)


def hashtags(text: str) -> list[str]:
    """Hashtags in *text* (``#Lelang``), in order."""
    return _HASHTAG.findall(text)


def count_hashtags(text: str) -> int:
    """``len(hashtags(text))``, faster."""
    return len(_HASHTAG_MARK.findall(text)) if "#" in text else 0


def fits(channel: str, text: str) -> bool:
    """True when *text* is within *channel*'s length (and hashtag) limit."""
    limit = LIMITS[channel]
    if measure(channel, text) > limit.max:
        return False
    return limit.hashtags is None or count_hashtags(text) <= limit.hashtags
