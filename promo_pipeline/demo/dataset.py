"""The data a fake lelang.go.id server serves (:mod:`promo_pipeline.demo.server`).

A :class:`Dataset` holds plain JSON-like dicts in the real API's shapes (see
``reference/lelang-api.md`` §2), so the collector under test or in the offline demo runs exactly
the code it runs against lelang.go.id. Build one directly or with :meth:`Dataset.add_lot`::

    ds = Dataset(offices=[{"id": OFFICE, "nama": "KPKNL Bima", "kota": "Kota Bima",
                           "propinsi": "Nusa Tenggara Barat", "telepon": "0374-5550115"}])
    ds.add_lot(OFFICE, listing_item, detail_data, category="Mobil")
    ds.files["photo_barang/abc.jpg"] = jpeg_bytes      # served at {file_base}photo_barang/abc.jpg

Nothing here does I/O; the server copies nothing, so a test may change the data set between two
scrapes (a new price, a lot removed from the listing) and the next request sees the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Dataset:
    """Everything the fake server answers with.

    - ``offices``: items of ``/landing-page/kpknl`` (``id``, ``nama``, ``kota``, ``propinsi``,
      ``telepon``);
    - ``listings``: office id (``unitKerjaId``) → listing items in catalogue order; the server
      pages them with ``page``/``limit`` and wraps them in ``{code, data, page, totalPage,
      totalItem}``;
    - ``categories``: lot id → category name (or a list of names), used for the
      ``namakategori[]`` filter;
    - ``details``: lot id → the ``data`` object of ``/landing-page/info/{id}`` (a lot without one
      answers 404 with a JSON error envelope);
    - ``files``: path under ``/lelang/`` (e.g. ``photo_barang/x.jpg``) → bytes (photos);
    - ``kategori``: names served by ``/landing-page/kategori``.
    """

    offices: list[dict[str, Any]] = field(default_factory=list)
    listings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    categories: dict[str, str | list[str]] = field(default_factory=dict)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    kategori: list[str] = field(default_factory=list)

    def add_lot(
        self,
        office_id: str,
        listing_item: dict[str, Any],
        detail: dict[str, Any] | None = None,
        *,
        category: str | None = None,
    ) -> None:
        """Append a lot to an office's listing (and its detail and category, when given)."""
        lot_id = listing_item.get("lotLelangId") or listing_item.get("id")
        self.listings.setdefault(office_id, []).append(listing_item)
        if lot_id and detail is not None:
            self.details[lot_id] = detail
        if lot_id and category:
            self.categories[lot_id] = category
            if category not in self.kategori:
                self.kategori.append(category)

    def remove_lot(self, lot_id: str) -> None:
        """Take a lot out of every listing (its detail stays reachable, as on the real site)."""
        for items in self.listings.values():
            items[:] = [i for i in items if (i.get("lotLelangId") or i.get("id")) != lot_id]

    def find_item(self, lot_id: str) -> dict[str, Any]:
        """The listing item of *lot_id* (KeyError when no listing has it)."""
        for items in self.listings.values():
            for item in items:
                if (item.get("lotLelangId") or item.get("id")) == lot_id:
                    return item
        raise KeyError(lot_id)
