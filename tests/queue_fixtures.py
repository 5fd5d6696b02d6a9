"""Lots and configs for the caption and queue tests (plain factories, no I/O)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from promo_pipeline import config
from promo_pipeline.lots import Item, Lot

OFFICE_ID = "67062db2-f64f-11ed-b3e2-5620a0c2ec5a"
SITE = "https://lelang.go.id"
OFFICE_PHONE = "0812-3456-7890"


def lot_url(lot_id: str, office_id: str = OFFICE_ID, site: str = SITE) -> str:
    return f"{site}/kpknl/{office_id}/detail-auction/{lot_id}"


def make_lot(lot_id: str = "c1e704a0-98ed-4095-8ed2-a27b5429bb08", *,
             now: datetime | None = None, **changes: Any) -> Lot:
    """A lot whose deposit deadline is 4 days and whose end is 5 days after *now* (+07:00,
    whole minutes, as the source gives them)."""
    base = (now or datetime.now(UTC)).astimezone(
        datetime.fromisoformat("2026-01-01T00:00:00+07:00").tzinfo).replace(
        hour=9, minute=0, second=0, microsecond=0)
    lot = Lot(
        id=lot_id,
        office_id=OFFICE_ID,
        office_name="KPKNL Bima",
        title="Sebidang tanah dan bangunan SHM No. 123 luas 210 m² di Kel. Paruga",
        limit_value=98_500_000,
        deposit=19_700_000,
        bid_increment=1_000_000,
        starts_at=base + timedelta(days=5),
        ends_at=base + timedelta(days=5, hours=1),
        deposit_deadline=base + timedelta(days=4),
        url=lot_url(lot_id),
        category="Tanah dan Bangunan",
        location="KOTA BIMA",
        province="NUSA TENGGARA BARAT",
        bidding_method="OPEN_BIDDING",
        items=(Item(name="Tanah", area_m2=210.0),),
        photos=("https://file.lelang.go.id/lelang/a.jpg",),
    )
    return replace(lot, **changes)


def make_cfg(base_dir: Path, **sections: Any) -> config.Config:
    data: dict[str, Any] = {
        "offices": [{"id": OFFICE_ID, "name": "KPKNL Bima", "timezone": "Asia/Makassar"}],
        "brand": {"name": "KPKNL Bima", "handle": "@kpknlbima",
                  "contact": f"WA {OFFICE_PHONE}", "hashtags": ["LelangBima", "KPKNLBima"]},
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return config.from_dict(data, base_dir=base_dir)
