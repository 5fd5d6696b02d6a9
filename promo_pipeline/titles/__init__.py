"""Reading real lelang.go.id lot titles: art family, facts, headline, personal data. Pure.

Real titles are messy — upper case, typos ("SCRAPT", "Mitsubihi", "Buulldozer"), packages of
mixed goods, heavy equipment ("MOTOR GRADER" is not a motorcycle), owners' names and SIM-card
numbers. :func:`read_title` turns one into what a post needs:

1. personal data removed first (:mod:`.redact`), so nothing below can carry it;
2. the art family (:mod:`.families`): the source's category first, the title only when the
   source gives none, and then only when it clearly names one kind of object (else the neutral
   ``generic``);
3. facts (:mod:`.facts`): areas, certificate, units/parcels, vehicle, place — each read from
   words that are in the title, none guessed;
4. the image headline and the cleaned full title (:mod:`.headline`).

No I/O, no settings, stdlib only (cheap to import from ``promo lots --json``). The office's own
phone numbers are passed in by the caller (``[brand] phone``/``contact``/``helpline``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from promo_pipeline.titles.facts import Facts, Vehicle, extract_facts
from promo_pipeline.titles.families import (
    FAMILIES,
    LABELS,
    Classification,
    classify,
    family_for_category,
    infer_family,
)
from promo_pipeline.titles.headline import HEADLINE_MAX, clean_title, headline
from promo_pipeline.titles.redact import KINDS, Redacted, Redaction, leaks, redact, scrub
from promo_pipeline.titles.text import prepare

__all__ = [
    "FAMILIES", "HEADLINE_MAX", "KINDS", "LABELS", "Classification", "Facts", "Redacted",
    "Redaction", "TitleReading", "Vehicle", "classify", "clean_title", "extract_facts",
    "family_for_category", "headline", "infer_family", "leaks", "read_title", "redact", "scrub",
]


@dataclass(frozen=True)
class TitleReading:
    """Everything read from one lot title. ``title`` is the cleaned full title (for captions
    and the review page), ``headline`` the short one for images; both are free of every text
    in ``redactions``."""

    title: str
    headline: str
    family: Classification
    facts: Facts
    redactions: tuple[Redaction, ...]

    @property
    def category_key(self) -> str:
        return self.family.family

    @property
    def category_source(self) -> str | None:
        return self.family.source

    def facts_json(self) -> dict[str, Any]:
        """The contract's ``facts`` object: the facts plus ``redactions``."""
        return {**self.facts.to_json(), "redactions": [r.to_json() for r in self.redactions]}

    def to_json(self) -> dict[str, Any]:
        """The ``promo lots --json`` keys this reading provides."""
        return {"category_key": self.category_key, "category_source": self.category_source,
                "headline": self.headline, "facts": self.facts_json()}


def read_title(title: str, *, category: str | None = None,
               office_phones: Iterable[str] = (), limit: int = HEADLINE_MAX) -> TitleReading:
    """Read one lot title (plain text or the source's HTML). *category*: the lot's lelang.go.id
    category name, when known; *office_phones*: numbers that are not personal data.

    Remembered (the reading is immutable): render, captions, lint, ``promo lots --json`` and the
    review page all read the same lot's title."""
    return _read_title(title, category, tuple(office_phones), limit)


@functools.lru_cache(maxsize=8192)
def _read_title(title: str, category: str | None, office_phones: tuple[str, ...],
                limit: int) -> TitleReading:
    cleaned = redact(prepare(title), office_phones=office_phones)
    family = classify(cleaned.text, category)
    facts = extract_facts(cleaned.text, family=family.family)
    return TitleReading(
        title=clean_title(cleaned.text, facts=facts),
        headline=headline(cleaned.text, facts, family.family, limit=limit),
        family=family,
        facts=facts,
        redactions=cleaned.redactions,
    )
