"""Personal data kept out of posts: phone/SIM numbers, NIK-like numbers, e-mail addresses and
natural persons' names after "a.n." / "an." / "a/n" / "atas nama". Pure.

:func:`redact` removes them and lists what it removed (the exact text, so the review page can
show it and a check can prove no post carries it); :func:`scrub` removes already-known
redacted texts from another text (a caption, an item description) and anything new it finds;
:func:`leaks` says which redacted texts a text still contains (for the lint).

What is personal data — and what is not (the office's own contacts, numbers that identify the
auctioned object, legal entities after "a.n.") — is :mod:`promo_pipeline.personal`'s one rule,
the same the caption lint warns with: whatever is removed here is flagged when typed into a
caption, and nothing left here is.

A removed name is removed wherever else it occurs in the text (whole words, any case), so
the result carries none of the listed texts. Every pattern is linear (bounded quantifiers, no
nesting); the result is idempotent: ``redact(redact(t).text)`` finds nothing more. Line breaks
are kept (captions are multi-line).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from promo_pipeline import personal
from promo_pipeline.personal import phone_key

KINDS = ("phone", "nik", "email", "person_name")
__all__ = ["KINDS", "Redacted", "Redaction", "leaks", "personal_data", "phone_key", "redact",
           "scrub"]


@dataclass(frozen=True)
class Redaction:
    """One removed piece of personal data: its kind and the exact text removed (for a name,
    the name itself, without the "a.n." in front of it)."""

    kind: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


@dataclass(frozen=True)
class Redacted:
    """A text with personal data removed, and what was removed (in order of appearance)."""

    text: str
    redactions: tuple[Redaction, ...] = ()


# --- finding (the rule itself is promo_pipeline.personal's) ------------------------------------

_WORD = re.compile(r"[^\W_][\w.'’-]{0,40}")


def _name_occurrences(text: str, names: set[tuple[str, ...]]
                      ) -> list[tuple[int, int, Redaction, int]]:
    """Other occurrences of names already removed ("a.n. BUDI SANTOSO … pemilik Budi
    Santoso"): whole words, any case, in one pass over the words of *text*."""
    if not names:
        return []
    longest = max(len(n) for n in names)
    words = [(m.start(), m.end(), m.group(0).rstrip(".").casefold())
             for m in _WORD.finditer(text)]
    found = []
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            key = tuple(w[2] for w in words[i:i + size])
            if key in names:
                start, end = words[i][0], words[i + size - 1][1]
                found.append((start, end, Redaction("person_name", text[start:end]), start))
                i += size - 1
                break
        i += 1
    return found


def _name_key(name: str) -> tuple[str, ...]:
    return tuple(m.group(0).rstrip(".").casefold() for m in _WORD.finditer(name))


def _spans(text: str, own: personal.Own, names: set[tuple[str, ...]],
           numbers: set[str]) -> list[tuple[int, int, Redaction, int]]:
    """(start, end, redaction, removal start) of every piece of personal data in *text*.
    *names* and *numbers*: already removed elsewhere, so removed wherever they occur."""
    found = _name_occurrences(text, names)
    for _, hits in personal.iter_kinds(text, own, frozenset(numbers)):
        found += [(f.start, f.end, Redaction(f.kind, f.text), f.cut) for f in hits]
    return found


# --- removing ---------------------------------------------------------------------------------


def _join(left: str, right: str) -> str:
    """Glue the text on both sides of a removed span: one space, no space before punctuation,
    no doubled comma, no empty brackets; line breaks kept."""
    left = left.rstrip(" \t")
    right = right.lstrip(" \t")
    while left.endswith(("(", "[")) and right.startswith((")", "]")):
        left, right = left[:-1].rstrip(" \t"), right[1:].lstrip(" \t")
    if not left or not right or left.endswith("\n") or right.startswith("\n"):
        return left + right
    if left[-1] in ",;:" and right[0] in ",;:.":
        right = right[1:].lstrip(" \t")
        if not right:
            return left.rstrip(",;:")
    if right[0] in ",;:.!?)]":
        return left + right
    return left + " " + right


def _remove(text: str, spans: list[tuple[int, int]]) -> str:
    """*text* without the (sorted, disjoint) *spans*, the pieces glued by :func:`_join`."""
    if not spans:
        return text
    out = text[:spans[0][0]]
    for i, (_, end) in enumerate(spans):
        nxt = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        out = _join(out, text[end:nxt])
    return out


def redact(text: str, *, office_phones: Iterable[str] = ()) -> Redacted:
    """*text* without personal data (:func:`promo_pipeline.personal.find`'s rule), and the list
    of what was removed. *office_phones*: the office's contact texts (not personal data)."""
    own = personal.own_contacts(tuple(office_phones))
    removed: dict[Redaction, None] = {}  # ordered set
    names: set[tuple[str, ...]] = set()
    numbers: set[str] = set()
    for _ in range(8):  # removing a span can join two pieces into a new one; settles fast
        found = _spans(text, own, names, numbers)
        if not found:
            break
        for f in sorted(found, key=lambda f: f[3]):
            key = _name_key(f[2].text) if f[2].kind == "person_name" else ()
            if key and key in names:
                continue  # another occurrence of a name already listed
            removed.setdefault(f[2], None)
            if key:
                names.add(key)
            elif f[2].kind in ("phone", "nik"):
                numbers.add(phone_key(f[2].text))
        # Overlapping finds ("a.n. BUDI" inside a longer find) are removed as one span.
        spans: list[tuple[int, int]] = []
        for start, end in sorted((f[3], f[1]) for f in found):
            if spans and start < spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
        text = _remove(text, spans)
    return Redacted(text, tuple(removed))


#: Lines longer than this are not re-read by :func:`personal_data` (no caption line is).
LINE_MAX = 4_000


def personal_data(text: str, *, office_phones: Iterable[str] = (), limit: int | None = None,
                  max_hits: int | None = None,
                  skip: Sequence[tuple[int, int]] = ()) -> list[personal.Found]:
    """What :func:`redact` would remove from *text*, as a list to warn about (the caption lint):
    :func:`promo_pipeline.personal.find`'s hits (*limit*, *max_hits*, *skip* as there), and
    for each line holding one (up to :data:`LINE_MAX` characters), what removing them reveals
    — a landline listed after a removed number, a name once a number before it is gone — as
    ``Found(kind, text, -1, -1, -1)``. Linear: each line is redacted at most once."""
    found = personal.find(text, office_phones, limit=limit, max_hits=max_hits, skip=skip)
    listed = {(f.kind, f.text) for f in found}
    lines: dict[tuple[int, int], None] = {}
    for f in found:
        if f.kind != personal.MORE:
            start = text.rfind("\n", 0, f.start) + 1
            end = text.find("\n", f.end)
            lines.setdefault((start, len(text) if end < 0 else end), None)
    for start, end in lines:
        if end - start <= LINE_MAX:
            for r in redact(text[start:end], office_phones=office_phones).redactions:
                if (r.kind, r.text) not in listed:
                    listed.add((r.kind, r.text))
                    found.append(personal.Found(r.kind, r.text, -1, -1, -1))
    return found


def scrub(text: str, redactions: Iterable[Redaction], *,
          office_phones: Iterable[str] = ()) -> Redacted:
    """*text* without the already-known redacted texts (wherever they occur, in any case and
    spacing, a name with the "a.n." before it) and without any personal data of its own."""
    spans = []
    known: list[Redaction] = []
    for r in redactions:
        for m in _known(r).finditer(text):
            spans.append(m.span())
            if r not in known:
                known.append(r)
    if spans:
        spans.sort()
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            if merged and s < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
            else:
                merged.append((s, e))
        text = _remove(text, merged)
    fresh = redact(text, office_phones=office_phones)
    return Redacted(fresh.text, tuple(known) + tuple(
        r for r in fresh.redactions if r not in known))


def _known(r: Redaction) -> re.Pattern[str]:
    if r.kind in ("phone", "nik"):
        digits = re.sub(r"\D", "", r.text)
        core = phone_key(r.text) if r.kind == "phone" else digits
        body = r"[ \t.\-()]{0,2}".join(re.escape(d) for d in core)
        prefix = r"(?:\(?\+?62\)?|\(?0\)?)?[ \t.-]?" if r.kind == "phone" else ""
        return re.compile(rf"(?<!\d){prefix}{body}(?!\d)")
    body = r"\s+".join(re.escape(w) for w in r.text.split())
    if r.kind == "person_name":
        return re.compile(rf"(?:{personal.MARKER.pattern}\s?)?(?<![\w]){body}(?![\w])",
                          re.IGNORECASE)
    return re.compile(rf"(?<![\w.%+-]){body}(?![\w])", re.IGNORECASE)


def leaks(text: str, redactions: Iterable[Redaction]) -> list[Redaction]:
    """The redactions whose text *text* still carries (any case or spacing; a phone number
    in any of its written forms)."""
    return [r for r in redactions if _known(r).search(text)]
