"""What changed between two versions of a post, already in readable Indonesian.

Settings read: none (the office zone is passed in).

A new version of a lot post lists the facts that differ from the previous version (money as
``Rp98.500.000``, times in the office zone); a digest lists the lots added, removed or changed.
The labels are :data:`promo_pipeline.present.FACT_LABELS`; the list is stored with the post, so
the review page and ``promo queue show`` print the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from promo_pipeline import formats
from promo_pipeline.present import FACT_LABELS
from promo_pipeline.queue.records import Change

#: The lot facts compared, in the order they are listed.
COMPARED = ("title", "limit_value", "deposit", "bid_increment", "starts_at", "ends_at",
            "deposit_deadline", "location", "photos")
_MONEY = ("limit_value", "deposit", "bid_increment")
_TIMES = ("starts_at", "ends_at", "deposit_deadline")


def readable(field: str, value: Any, tz: str) -> str:
    """One fact's value as staff read it."""
    if value is None or value == "" or value == []:
        return "-"
    if field in _MONEY:
        return formats.rupiah(int(value))
    if field in _TIMES:
        return formats.datetime_long(datetime.fromisoformat(value), tz)
    if field == "photos":
        return f"{len(value)} foto"
    return str(value)


def lot_changes(old: Mapping[str, Any], new: Mapping[str, Any], tz: str) -> tuple[Change, ...]:
    """The facts that differ between two ``Lot.to_json()`` snapshots."""
    out = []
    for field in COMPARED:
        before, after = old.get(field), new.get(field)
        if before == after:
            continue
        old_text, new_text = readable(field, before, tz), readable(field, after, tz)
        if field == "photos" and old_text == new_text:
            new_text += " (foto diganti)"
        out.append(Change(field, old_text, new_text, FACT_LABELS[field]))
    return tuple(out)


def digest_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[Change, ...]:
    """The lots added to, removed from or changed in a week's digest."""
    before = {lot["id"]: lot for lot in old.get("lots", [])}
    after = {lot["id"]: lot for lot in new.get("lots", [])}
    out = [Change("lots", "-", after[i]["title"], "Lot ditambahkan")
           for i in after.keys() - before.keys()]
    out += [Change("lots", before[i]["title"], "-", "Lot dihapus")
            for i in before.keys() - after.keys()]
    out += [Change("lots", before[i]["title"], after[i]["title"], "Lot berubah")
            for i in after.keys() & before.keys() if before[i] != after[i]]
    return tuple(out)
