"""The :class:`Lot` and :class:`Item` records and the rules about a lot.

Settings read: none. Pure: no database, no I/O. :mod:`promo_pipeline.lots`, the owner of the
tables that hold these records, re-exports them (and their row form, :func:`lot_from_row` and
:func:`lot_to_row`, defined here too); callers import them from there.

A :class:`Lot` is the normalised form of one lelang.go.id auction lot: clean text, money as
integer rupiah, times as timezone-aware datetimes (as the source gives them, +07:00), the public
lot page URL, photo URLs (cover first) and the items in the lot.

The rule every stage asks of a lot lives here, next to it: :meth:`Lot.closed_reason` (render,
run, queue, approval and publishing all call it). Lifecycle (this tool's ``status``, not the
source's ``TAYANG``): ``active`` → ``withdrawn`` (vanished from a complete listing before its
end; active again when listed again) or ``ended`` (its end has passed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from promo_pipeline import clock

if TYPE_CHECKING:
    from promo_pipeline.titles import TitleReading

#: Lot lifecycle in this tool (not the source's own ``status`` such as ``TAYANG``).
LOT_ACTIVE = "active"
LOT_WITHDRAWN = "withdrawn"
LOT_ENDED = "ended"
LOT_STATUSES = (LOT_ACTIVE, LOT_WITHDRAWN, LOT_ENDED)

#: What :func:`promo_pipeline.lots.save_lot` found.
LOT_NEW, LOT_CHANGED, LOT_UNCHANGED = "new", "changed", "unchanged"


@dataclass(frozen=True)
class CollectState:
    """What the collector needs to decide whether a listed lot must be fetched again."""

    status: str
    listing_hash: str | None
    detail_fetched_at: datetime | None


@dataclass(frozen=True)
class Item:
    """One object (barang) inside a lot; every text field is clean (no HTML)."""

    name: str
    kind: str | None = None
    address: str | None = None
    area_m2: float | None = None
    ownership: str | None = None
    year: str | None = None
    color: str | None = None
    plate: str | None = None
    frame_number: str | None = None
    description: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Lot:
    """One auction lot, normalised."""

    id: str
    office_id: str
    office_name: str
    title: str
    limit_value: int
    deposit: int
    ends_at: datetime
    url: str
    category: str | None = None
    location: str | None = None
    province: str | None = None
    starts_at: datetime | None = None
    deposit_deadline: datetime | None = None
    source_status: str | None = None
    bidding_method: str | None = None
    code: str | None = None
    bid_increment: int | None = None
    photos: tuple[str, ...] = ()
    items: tuple[Item, ...] = ()
    seller: dict[str, str] = field(default_factory=dict)
    organizer: dict[str, str] = field(default_factory=dict)
    status: str = LOT_ACTIVE

    # --- the promotion rule ------------------------------------------------------------
    def closed_reason(self, now: datetime) -> str | None:
        """Why this lot can no longer be promoted at *now* (Indonesian, for staff), or None
        while it still can: withdrawn, auction ended, or deposit deadline passed."""
        if self.status == LOT_WITHDRAWN:
            return f"lot {self.id} sudah ditarik dari lelang.go.id"
        if self.status == LOT_ENDED or self.ends_at <= now:
            return f"lelang lot {self.id} sudah berakhir"
        if self.deposit_deadline and self.deposit_deadline <= now:
            return f"batas setor jaminan lot {self.id} sudah lewat"
        return None

    def promotable(self, now: datetime) -> bool:
        return self.closed_reason(now) is None

    @property
    def deadline(self) -> datetime:
        """The last moment to take part: the deposit deadline, else the auction's end."""
        return self.deposit_deadline or self.ends_at

    # --- change detection -------------------------------------------------------------
    def facts(self) -> dict[str, Any]:
        """The facts that appear in a post; a change to any of them means a new post version."""
        return {
            "title": self.title,
            "limit_value": self.limit_value,
            "deposit": self.deposit,
            "starts_at": _iso(self.starts_at),
            "ends_at": _iso(self.ends_at),
            "deposit_deadline": _iso(self.deposit_deadline),
            "location": self.location,
            "photos": list(self.photos),
        }

    def content_hash(self) -> str:
        """sha256 over :meth:`facts`, stable across runs and Python versions."""
        blob = json.dumps(self.facts(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    @property
    def cover(self) -> str | None:
        return self.photos[0] if self.photos else None

    # --- the `promo lots --json` contract ----------------------------------------------
    def reading(self, office_phones: Iterable[str] = ()) -> TitleReading:
        """What the title says (art family, headline, facts, personal data removed), the
        source's category first (:func:`promo_pipeline.titles.read_title`)."""
        from promo_pipeline.titles import read_title

        return read_title(self.title, category=self.category, office_phones=office_phones)

    def public_json(self, office_phones: Iterable[str] = ()) -> dict[str, Any]:
        """One object of ``promo lots --json``: :meth:`to_json` plus ``category_key``,
        ``category_source``, ``headline`` and ``facts`` (with ``redactions``) of the title
        reading; *office_phones*: the office's own numbers (not personal data)."""
        return {**self.to_json(), **self.reading(office_phones).to_json()}

    def to_json(self) -> dict[str, Any]:
        """The lot's source facts (stored, and snapshotted with each post version)."""
        return {
            "id": self.id,
            "office_id": self.office_id,
            "office_name": self.office_name,
            "title": self.title,
            "category": self.category,
            "location": self.location,
            "province": self.province,
            "limit_value": self.limit_value,
            "deposit": self.deposit,
            "bid_increment": self.bid_increment,
            "starts_at": _iso(self.starts_at),
            "ends_at": _iso(self.ends_at),
            "deposit_deadline": _iso(self.deposit_deadline),
            "status": self.status,
            "source_status": self.source_status,
            "bidding_method": self.bidding_method,
            "code": self.code,
            "url": self.url,
            "photos": list(self.photos),
            "items": [i.to_dict() for i in self.items],
            "seller": dict(self.seller),
            "organizer": dict(self.organizer),
        }


def _iso(value: datetime | None) -> str | None:
    # Lot times keep the source's own offset (+07:00), unlike the tool's UTC bookkeeping.
    return value.isoformat() if value is not None else None


def lot_url(site_base: str, office_id: str, lot_id: str) -> str:
    """The public lot page: ``{site}/kpknl/{unitKerjaId}/detail-auction/{lotLelangId}``."""
    return f"{site_base.rstrip('/')}/kpknl/{office_id}/detail-auction/{lot_id}"


# --- the row form (what :mod:`promo_pipeline.lots` stores) -----------------------------------


#: Lot fields stored as JSON text, and those stored as ISO timestamps.
_JSON_FIELDS = ("photos", "seller", "organizer")
_TIME_FIELDS = ("starts_at", "ends_at", "deposit_deadline")


def lot_from_row(row: dict[str, Any], items: Iterable[str] = ()) -> Lot:
    """Rebuild a :class:`Lot` from its ``lots`` row and the ``data`` JSON of its items."""
    values = {k: row[k] for k in Lot.__dataclass_fields__ if k in row}
    values.update({k: clock.parse(row[k]) for k in _TIME_FIELDS})
    values.update({k: json.loads(row[k] or ("[]" if k == "photos" else "{}"))
                   for k in _JSON_FIELDS})
    values["photos"] = tuple(values["photos"])
    values["office_name"] = row["office_name"] or ""
    return Lot(**values, items=tuple(Item.from_dict(json.loads(d)) for d in items))


def lot_to_row(lot: Lot) -> dict[str, Any]:
    """The ``lots`` columns that come from a :class:`Lot` (bookkeeping columns excluded)."""
    row = lot.to_json()
    del row["items"]  # a table of their own
    row.update({k: json.dumps(row[k], ensure_ascii=False) for k in _JSON_FIELDS})
    row["content_hash"] = lot.content_hash()
    return row
