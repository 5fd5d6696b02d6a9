"""The real lelang.go.id values in ``tests/data/real`` (copied from ``shared/samples/real``; see
its README): 212 titles of the "segera berakhir" endpoint and a 10-lot KPKNL Ambon listing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

REAL = Path(__file__).parent / "data" / "real"


def segera_berakhir() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = json.loads(
        (REAL / "segera-berakhir-2025.json").read_text(encoding="utf-8"))
    return rows


def ambon_listing() -> list[dict[str, str]]:
    with (REAL / "kpknl-ambon-listing-2026-01-08.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def real_titles() -> list[str]:
    """All 222 real titles, as the source gave them (HTML included)."""
    return ([r["namaLotLelang"] for r in segera_berakhir()]
            + [r["Nama Lot"] for r in ambon_listing()])
