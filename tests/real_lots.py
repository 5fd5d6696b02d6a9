"""Lots built from the real lelang.go.id values in ``tests/data/real`` (:mod:`real_samples`):
the 212 + 10 real titles, limits and deposits, parsed by the real parser into lots with invented
ids, times ahead of now and a deposit deadline on every second lot (the public captures have
none)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from real_samples import ambon_listing, segera_berakhir

from promo_pipeline.lots import Lot
from promo_pipeline.parse import parse_lot

_NS = uuid.UUID("7c1d0a52-2f43-4c55-9d0e-3b6f1f0a9e21")
OFFICE_ID = "67062db2-f64f-11ed-b3e2-5620a0c2ec5a"


def listing_rows() -> list[dict[str, str]]:
    """Every real row as a listing item (the API's key names)."""
    rows = [{k: r[k] for k in ("namaLotLelang", "nilaiLimit", "uangJaminan",
                               "tglSelesaiLelang", "namaUnitKerja")}
            for r in segera_berakhir()]
    for r in ambon_listing():
        rows.append({"namaLotLelang": r["Nama Lot"], "nilaiLimit": r["Nilai Limit"],
                     "uangJaminan": r["Uang Jaminan"],
                     "tglSelesaiLelang": r["Tanggal Selesai"], "namaLokasi": r["Lokasi"],
                     "namaUnitKerja": r["Unit Kerja"], "caraPenawaran": r["Cara Penawaran"]})
    return rows


def real_items(now: datetime | None = None,
               rows: list[dict[str, str]] | None = None) -> list[dict[str, str]]:
    """A listing item per real row (the API's keys), closing 2 to 31 days after *now* at the
    row's time of day, with an invented lotLelangId and the Ambon office id."""
    now = now or datetime.now(UTC)
    items = []
    for n, row in enumerate(listing_rows() if rows is None else rows):
        source_end = datetime.fromisoformat(row["tglSelesaiLelang"])
        end = (now + timedelta(days=2 + n % 30)).astimezone(source_end.tzinfo).replace(
            hour=source_end.hour, minute=source_end.minute, second=0, microsecond=0)
        item = dict(row, lotLelangId=str(uuid.uuid5(_NS, str(n))), unitKerjaId=OFFICE_ID,
                    tglSelesaiLelang=end.isoformat())
        if n % 2:
            item["tanggalBatasJaminan"] = (end - timedelta(days=1)).isoformat()
        items.append(item)
    return items


def real_lots(now: datetime | None = None) -> list[Lot]:
    """A lot per real row, closing 2 to 31 days after *now* at the row's time of day."""
    return [parse_lot(item, None, site_base="https://lelang.go.id",
                      file_base="https://file.lelang.go.id/lelang/")
            for item in real_items(now)]
