"""What one collect run did: :class:`CollectStats` (the counts ``runs`` stores, the error and
warning texts) and the run-health rule (:meth:`CollectStats.health`).

Settings read: none. No I/O: the collector (:mod:`promo_pipeline.collect`, which re-exports
:class:`CollectStats`) counts into it; ``promo scrape``/``promo run`` and the runs table read it.

The run-health rule: a collect that stored nothing while the source listed lots, or skipped more
than half of the listed lots, fails the run, with one Indonesian line naming the commonest cause
of the skips (:func:`skip_cause`), e.g. "semua 145 lot dilewati: uangJaminan tidak ada — format
API berubah?".
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from promo_pipeline.errors import ParseError
from promo_pipeline.lot_records import LOT_CHANGED, LOT_NEW, LOT_UNCHANGED
from promo_pipeline.photos import BAD, CACHED, DOWNLOADED, FAILED, REFUSED


@dataclass
class CollectStats:
    """What one collect run did (counts, plus the error and warning texts)."""

    offices: int = 0
    pages: int = 0
    details: int = 0
    requests: int = 0
    retries: int = 0
    lots_new: int = 0
    lots_changed: int = 0
    lots_unchanged: int = 0
    lots_reappeared: int = 0
    lots_withdrawn: int = 0
    lots_ended: int = 0
    lots_skipped: int = 0
    #: Category scans (categories.py): offices scanned, and the requests they took.
    category_scans: int = 0
    category_requests: int = 0
    #: Distinct lots the listings named (each office's listing, all its category passes).
    lots_listed: int = 0
    photos_downloaded: int = 0
    photos_cached: int = 0
    photos_bad: int = 0
    photos_failed: int = 0
    photos_refused: int = 0
    duration_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    office_failures: list[str] = field(default_factory=list)
    #: Why each skipped lot was skipped, in Indonesian ("uangJaminan tidak ada").
    skip_causes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, Any]:
        """The numeric counters (what the ``runs`` table stores)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if not isinstance(v, list)}

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def nothing_collected(self) -> bool:
        """True when every office failed, or the listings were unusable (:meth:`health`): a run
        then fails as a whole."""
        return (bool(self.office_failures) and len(self.office_failures) >= self.offices) or \
            self.unhealthy

    @property
    def lots_stored(self) -> int:
        """Listed lots that are in the store after this collect (new, changed or unchanged)."""
        return self.lots_new + self.lots_changed + self.lots_unchanged

    @property
    def unhealthy(self) -> bool:
        """The run-health rule: lots were listed, yet none was stored or more than half of
        them were skipped."""
        listed = self.lots_listed
        return listed > 0 and (self.lots_stored == 0 or self.lots_skipped * 2 > listed)

    def health(self) -> str | None:
        """The one Indonesian line saying why this collect failed the run-health rule (None
        when it did not, or when its fetch failures already say why nothing was stored)."""
        if not self.unhealthy:
            return None
        listed, skipped = self.lots_listed, self.lots_skipped
        if skipped == 0:
            if self.office_failures:
                return None
            return f"tidak ada lot yang tersimpan dari {listed} lot yang terdaftar"
        cause, n = Counter(self.skip_causes or ["data lot tidak terbaca"]).most_common(1)[0]
        head = (f"semua {listed} lot dilewati" if skipped >= listed
                else f"{skipped} dari {listed} lot dilewati"
                + ("; tidak ada lot yang tersimpan" if self.lots_stored == 0 else ""))
        share = "" if n >= skipped else f" ({n} lot)"
        return f"{head}: {cause}{share} — format API berubah?"

    def count(self, outcome: str) -> None:
        """Count one lot outcome (:func:`lots.save_lot`) or one photo outcome (photos)."""
        name = _COUNTERS[outcome]
        setattr(self, name, getattr(self, name) + 1)


_COUNTERS = {
    LOT_NEW: "lots_new", LOT_CHANGED: "lots_changed",
    LOT_UNCHANGED: "lots_unchanged", DOWNLOADED: "photos_downloaded",
    CACHED: "photos_cached", BAD: "photos_bad", FAILED: "photos_failed", REFUSED: "photos_refused",
}


def skip_cause(exc: ParseError) -> str:
    """Why a lot was skipped, as the run-health line names it."""
    if exc.field and exc.missing:
        return f"{exc.field} tidak ada"
    if exc.field:
        return f"{exc.field} tidak terbaca"
    return "data lot tidak terbaca"
