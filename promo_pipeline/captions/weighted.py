"""X's weighted caption length: twitter-text's count, in time linear in the text.

X counts a post as twitter-text's ``parse_tweet`` does: the text in NFC with ``\\r\\n`` as one
line break, every character weighted by its code point (1 for Latin and most punctuation, 2 for
CJK, emoji and the rest), every URL as 23 and every emoji sequence (``👨‍👩‍👧``, ``⚠️``) as one
heavy character. twitter-text itself is the reference, but it is slow for captions: its emoji
pattern is an alternation of ~3,800 sequences tried at every character (~3 µs each), and its URL
pattern backtracks quadratically over chains of labels (``a.a.a.…`` of 1,000 characters takes
seconds), which an edited caption could freeze the review page with.

:func:`weighted_length` gives the same count by running twitter-text's own patterns only where
they can change it:

- URLs: only whitespace-separated tokens holding a top-level domain after a dot (``.id``,
  ``.com``, ``.xn--…``; a URL cannot contain whitespace and always ends its domain that way) go
  to twitter-text's extractor, one token at a time;
- emoji: a sequence only counts differently from its characters when it has more than one code
  point (every such sequence contains a joiner, variation selector, keycap, skin tone, …) or is
  one of the few light single emoji (``©``, ``®``); only runs of emoji characters holding one of
  those go to twitter-text's emoji pattern.

Both are bounded. A token's cost in twitter-text grows with the square of its runs of domain
characters and with their dots, so tokens are handed over while an estimate of that cost stays
within a budget (far above any real caption: ~100 ms); a token that would exceed it (kilobytes
of dotted chains) is counted character by character, and so are emoji runs past their budget
and a whole text of over :data:`EXACT_MAX` characters (350 times X's limit).
Equality with ``parse_tweet`` is tested on generated captions, the real titles and random URL-
and emoji-rich texts (``tests/test_captions_weighted.py``).

twitter-text is imported on first use: it compiles its emoji pattern on import (~0.3 s).
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

#: Longer texts (over 350 times X's limit: never a caption) are counted character by character,
#: without looking for URLs and emoji sequences.
EXACT_MAX = 100_000
#: Estimated microseconds of twitter-text URL extraction allowed per text (see module docs).
URL_BUDGET_US = 100_000
#: Characters of emoji runs handed to twitter-text's emoji pattern per text (a caption has a few).
EMOJI_BUDGET = 5_000
#: Texts up to this length are remembered (fitting and the lint measure the same text again).
_CACHE_MAX = 20_000


def weighted_length(text: str) -> int:
    """X's weighted length of *text* (``twitter_text.parse_tweet(text).weightedLength``)."""
    if len(text) <= _CACHE_MAX:
        return _cached(text)
    return _weighted(text)


@functools.lru_cache(maxsize=4096)
def _cached(text: str) -> int:
    return _weighted(text)


def _weighted(text: str) -> int:
    t = _tables()
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > EXACT_MAX:
        return _char_weights(text, 0, len(text), t) // t.scale
    # (start, kind, characters skipped, weight): URLs before emoji at the same start, as
    # parse_tweet looks in its URL map first.
    entities = sorted([*_urls(text, t), *_emoji(text, t)])
    total = 0
    pos = 0
    for start, _kind, length, weight in entities:
        if start < pos:
            continue  # inside a URL or emoji already counted (parse_tweet skips it the same way)
        total += _char_weights(text, pos, start, t) + weight
        pos = start + length
    total += _char_weights(text, pos, len(text), t)
    return total // t.scale


def _char_weights(text: str, start: int, end: int, t: _Tables) -> int:
    if start >= end:
        return 0
    part = text[start:end]
    total = t.default_weight * len(part)
    for weight, outside in t.weight_classes:
        inside = len(outside.sub("", part))
        total += (weight - t.default_weight) * inside
    return total


# --- URLs ----------------------------------------------------------------------------------------


def _urls(text: str, t: _Tables) -> Iterator[tuple[int, int, int, int]]:
    if "." not in text:
        return
    budget = float(URL_BUDGET_US)
    reverse = None
    pos = 0
    while (anchor := t.anchor.search(text, pos)) is not None:
        if reverse is None:
            reverse = text[::-1]
        # The token around the anchor, with the whitespace before it: at a token's first
        # character twitter-text's pattern must see that whitespace as the character before a
        # URL, as it does in the whole text (or the start of the text).
        space = t.space.search(reverse, len(text) - anchor.start())
        start = max(0, len(text) - space.start() - 1) if space else 0
        end = t.token_end.match(text, anchor.start()).end()
        pos = end
        token = text[start:end]
        short = len(token) <= _TOKEN_CACHE_MAX
        # A short token's estimate is computed whole (bounded work) and remembered; a longer
        # one's stops at the budget. Either way a token over the budget is left to count by
        # characters, and only the budget left decides.
        cost = _token_cost(token) if short else _url_cost(text, start, end, t, budget)
        if cost > budget:
            continue  # a pathological token: its characters count one by one
        budget -= cost
        for at, length in _token_urls(token) if short else _extract(token):
            yield (start + at, 0, length, t.url_length * t.scale)


#: Tokens up to this length have their cost and URLs remembered: the lot's link stands in every
#: candidate caption of its lot, the site's address in every caption.
_TOKEN_CACHE_MAX = 1_000


@functools.lru_cache(maxsize=4096)
def _token_cost(token: str) -> float:
    return _url_cost(token, 0, len(token), _tables(), float("inf"))


@functools.lru_cache(maxsize=4096)
def _token_urls(token: str) -> tuple[tuple[int, int], ...]:
    return _extract(token)


def _extract(token: str) -> tuple[tuple[int, int], ...]:
    """twitter-text's URLs in *token*: (offset, length) each."""
    _import_twitter_text()
    from twitter_text.extract_urls import extract_urls_with_indices

    return tuple((e["indices"][0], len(e["url"])) for e in extract_urls_with_indices(token))


def _url_cost(text: str, start: int, end: int, t: _Tables, budget: float) -> float:
    """An upper estimate of twitter-text's time on ``text[start:end]`` in µs, up to *budget*
    (measured: ~0.08 µs per squared run of domain characters, ~8 µs per run character times
    the run's dots)."""
    cost = 0.05 * (end - start)
    for run in t.domain_run.finditer(text, start, end):
        length = run.end() - run.start()
        cost += 0.1 * length * length + 12 * length * run.group().count(".")
        if cost > budget:
            break
    return cost


# --- emoji ---------------------------------------------------------------------------------------


def _emoji(text: str, t: _Tables) -> Iterator[tuple[int, int, int, int]]:
    if not t.emoji_enabled:
        return
    # Where the hot characters are, found by the few distinct ones the text holds (str.find)
    # rather than by a pattern over the whole text: the class spans code points beyond the
    # BMP, which the regular-expression engine tries range by range at every character.
    present = t.hot.intersection(text)
    if not present:
        return
    spots = sorted(at for ch in present for at in _find_all(text, ch))
    from twitter_text.regexp.emoji import emoji

    budget = EMOJI_BUDGET
    reverse = text[::-1]
    i = 0
    while i < len(spots):
        hot = spots[i]
        # The run of emoji characters around this one (backwards over the reversed text).
        before = t.emoji_run.match(reverse, len(text) - hot)
        start = hot - (before.end() - before.start())
        end = t.emoji_run.match(text, hot).end()
        budget -= end - start
        if budget < 0:
            return  # a pathological text: the rest counts character by character
        run = text[start:end]
        for match in emoji.finditer(run):
            yield (start + match.start(), 1, match.end() - match.start(), t.default_weight)
        i = bisect.bisect_left(spots, end, i + 1)


def _find_all(text: str, ch: str) -> Iterator[int]:
    at = text.find(ch)
    while at >= 0:
        yield at
        at = text.find(ch, at + 1)


# --- tables built from twitter-text's own data ---------------------------------------------------


@dataclass(frozen=True)
class _Tables:
    scale: int
    default_weight: int
    url_length: int
    emoji_enabled: bool
    #: (weight, pattern matching every character NOT of that weight) per non-default weight.
    weight_classes: tuple[tuple[int, re.Pattern[str]], ...]
    #: ``.`` + a top-level domain: every URL has one, and a URL holds no whitespace.
    anchor: re.Pattern[str]
    #: Whitespace (twitter-text's), and the rest of a token.
    space: re.Pattern[str]
    token_end: re.Pattern[str]
    #: Runs of characters a domain is made of (for the cost estimate).
    domain_run: re.Pattern[str]
    #: The characters that make an emoji sequence count differently from its characters.
    hot: frozenset[str]
    #: A run of emoji characters.
    emoji_run: re.Pattern[str]


@functools.cache
def _import_twitter_text() -> None:
    """Import twitter-text, which reads its emoji list with ``pkg_resources`` at import time.

    setuptools 81+ no longer has ``pkg_resources``, and a Python 3.12+ venv has no setuptools
    at all, so the import would fail there. When it is missing, a stand-in that offers the one
    call twitter-text makes (``resource_string``) is present only during the import. setuptools'
    own deprecation warning about ``pkg_resources`` is not something staff can act on.
    """
    import importlib
    import importlib.util
    import sys
    import types
    import warnings
    from pathlib import Path

    if importlib.util.find_spec("pkg_resources") is not None:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*pkg_resources", category=UserWarning)
            warnings.filterwarnings("ignore", category=DeprecationWarning, module="pkg_resources")
            importlib.import_module("twitter_text")
        return

    def resource_string(package: str, name: str) -> bytes:
        module = sys.modules.get(package) or importlib.import_module(package)
        return (Path(module.__file__ or "").parent / name).read_bytes()

    shim = types.ModuleType("pkg_resources")
    shim.resource_string = resource_string  # type: ignore[attr-defined]
    sys.modules["pkg_resources"] = shim
    try:
        importlib.import_module("twitter_text")
    finally:
        if sys.modules.get("pkg_resources") is shim:
            del sys.modules["pkg_resources"]


@functools.cache
def _tables() -> _Tables:
    _import_twitter_text()
    from twitter_text.config import config
    from twitter_text.regexp.emoji import emoji_list
    from twitter_text.regexp.spaces_group import spaces_group
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_domain_chars import valid_domain_chars
    from twitter_text.regexp.valid_gtld import valid_gtld

    options: dict[str, Any] = config["defaults"]
    default = int(options["default_weight"])
    by_weight: dict[int, list[tuple[int, int]]] = {}
    for r in options["ranges"]:
        by_weight.setdefault(int(r["weight"]), []).append((int(r["start"]), int(r["end"])))
    weight_classes = tuple(
        (weight, re.compile(f"[^{_ranges_class(spans)}]+"))
        for weight, spans in by_weight.items() if weight != default)

    def weight_of(cp: int) -> int:
        for weight, spans in by_weight.items():
            if any(lo <= cp <= hi for lo, hi in spans):
                return weight
        return default

    sequences = [tuple(int(x, 16) for x in e.codepoint.split()) for e in emoji_list]
    every = {cp for seq in sequences for cp in seq}
    hot = {cp for seq in sequences if len(seq) > 1 for cp in seq[1:]}
    hot |= {seq[0] for seq in sequences if len(seq) == 1 and weight_of(seq[0]) != default}
    emoji_class = _ranges_class(_spans(every))

    tlds = _alternatives(valid_gtld.pattern) + _alternatives(valid_cctld.pattern)
    anchor = rf"\.(?:(?:{_trie(tlds)})(?=[^0-9a-zA-Z@+-]|$)|xn--[\-0-9a-z])"
    return _Tables(
        scale=int(options["scale"]),
        default_weight=default,
        url_length=int(options["transformed_url_length"]),
        emoji_enabled=bool(options.get("emoji_parsing_enabled")),
        weight_classes=weight_classes,
        anchor=re.compile(anchor, re.IGNORECASE),
        space=re.compile(f"[{spaces_group}]"),
        token_end=re.compile(f"[^{spaces_group}]*"),
        domain_run=re.compile(rf"(?:{valid_domain_chars.pattern}|[._-])+", re.IGNORECASE),
        hot=frozenset(map(chr, hot)),
        emoji_run=re.compile(f"[{emoji_class}]*"),
    )


def _alternatives(pattern: str) -> list[str]:
    """The top-level domains of twitter-text's ``(?:(?:a|b|…)(?=…))`` pattern."""
    head, tail = "(?:(?:", ")(?=[^0-9a-zA-Z@+-]|$))"
    if not (pattern.startswith(head) and pattern.endswith(tail)):
        raise RuntimeError("twitter-text's top-level domain pattern changed shape")
    names = pattern[len(head):-len(tail)].split("|")
    if any(re.escape(n) != n and not n.isalnum() for n in names):
        raise RuntimeError("twitter-text's top-level domain list holds pattern syntax")
    return names


def _trie(words: Iterable[str]) -> str:
    """An alternation of *words* as a prefix tree: the same set, tried in a few steps per
    character instead of one per word."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            branches.append("")  # the word ends here (tried last: longer words first)
        if len(branches) == 1:
            return branches[0]
        return f"(?:{'|'.join(branches)})"

    return build(root)


def _spans(codepoints: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for cp in sorted(set(codepoints)):
        if out and out[-1][1] == cp - 1:
            out[-1] = (out[-1][0], cp)
        else:
            out.append((cp, cp))
    return out


def _ranges_class(spans: Iterable[tuple[int, int]]) -> str:
    def ch(cp: int) -> str:
        return f"\\U{cp:08x}"

    return "".join(ch(lo) if lo == hi else f"{ch(lo)}-{ch(hi)}" for lo, hi in spans)
