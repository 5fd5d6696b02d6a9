"""Every figure of the report as a table (Indonesian headers), and the CSV files of them.

Settings read: none.

The same tables feed the HTML and the CSV files, so the two never disagree. CSV files are UTF-8
with a byte-order mark (Excel on an Indonesian Windows PC then reads the letters right), comma
separated, numbers plain (``1234``, ``0.0525``) so that a spreadsheet can compute with them; an
empty cell is a number the platform did not give.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promo_pipeline.report.figures import NUMBERS, Figures

#: Channel number → Indonesian column header.
NUMBER_HEADERS = {
    "reach": "jangkauan", "views": "tayangan", "reactions": "reaksi_suka",
    "comments": "komentar", "shares": "dibagikan", "saves": "disimpan", "clicks": "klik_tautan",
    "interactions": "interaksi",
}


@dataclass(frozen=True)
class Table:
    """One figure: its CSV file name, a title for people, headers and rows."""

    name: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def tables(f: Figures) -> list[Table]:
    """The report's tables, in the order the HTML shows them."""
    summary = Table("ringkasan", "Ringkasan", ("kunci", "keterangan", "nilai"), (
        ("lots_listed", "Lot tayang di lelang.go.id", f.lots_listed),
        ("lots_promoted", "Lot yang dipromosikan", f.lots_promoted),
        ("posts_published", "Unggahan terbit", f.posts_published),
        ("median_days_before_end", "Median hari dari terbit ke akhir lelang",
         f.median_days_before_end),
        ("after_deposit_deadline", "Lot terbit setelah batas setor jaminan",
         len(f.after_deposit_deadline)),
    ))
    coverage = Table("cakupan_per_kategori", "Cakupan per kategori",
                     ("kategori", "lot_tayang", "lot_dipromosikan"),
                     tuple((c, v["listed"], v["promoted"]) for c, v in f.by_category.items()))
    missed = Table("lot_terlewat", "Lot yang tidak dipromosikan",
                   ("id_lot", "judul", "kategori", "alasan"),
                   tuple((m.lot_id, m.title, m.category, m.label) for m in f.missed))
    timely = Table("ketepatan_waktu", "Jarak terbit pertama ke akhir lelang",
                   ("rentang", "jumlah_lot"), tuple(f.timeliness.items()))
    late = Table("terbit_setelah_batas_jaminan", "Lot terbit setelah batas setor jaminan",
                 ("id_lot",), tuple((lot_id,) for lot_id in f.after_deposit_deadline))
    channel = Table("per_kanal", "Per kanal",
                    ("kanal", "unggahan", *(NUMBER_HEADERS[n] for n in NUMBERS),
                     "tingkat_keterlibatan", "unggahan_dengan_angka"),
                    tuple((ch, v["posts"], *(v[n] for n in NUMBERS), v["engagement_rate"],
                           v["with_numbers"]) for ch, v in f.by_channel.items()))
    top = Table("unggahan_teratas", "Lima unggahan teratas per kanal",
                ("kanal", "peringkat", "id_unggahan", "id_lot", "judul", "jangkauan",
                 "interaksi"),
                tuple((t.channel, t.rank, t.post_id, t.lot_id, t.title, t.reach, t.interactions)
                      for tops in f.top_posts.values() for t in tops))
    outcome = Table("hasil_lelang", "Lot yang lelangnya berakhir bulan ini",
                    ("kelompok", "lelang_berakhir", "dilelang_ulang", "tidak_dilelang_ulang"),
                    tuple((_GROUPS[g], v["ended"], v["relisted"], v["not_relisted"])
                          for g, v in f.outcomes.items()))
    reviewers = Table("peninjau", "Kerja peninjau",
                      ("peninjau", "disetujui", "ditolak", "median_jam_ke_keputusan"),
                      tuple((name, v["approved"], v["rejected"], v["median_hours_to_decision"])
                            for name, v in f.reviewers.items()))
    reasons = Table("alasan_penolakan", "Alasan penolakan", ("alasan", "jumlah"),
                    tuple(f.rejection_reasons.items()))
    return [summary, coverage, missed, timely, late, channel, top, outcome, reviewers, reasons]


_GROUPS = {"promoted": "dipromosikan", "not_promoted": "tidak dipromosikan"}


def _cell(value: Any) -> Any:
    return "" if value is None else value


def write_csvs(f: Figures, folder: Path) -> list[Path]:
    """One CSV file per table in *folder*; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for t in tables(f):
        path = folder / f"{t.name}.csv"
        tmp = path.with_suffix(".csv.tmp")
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(t.headers)
            out.writerows([_cell(v) for v in row] for row in t.rows)
        tmp.replace(path)
        written.append(path)
    return written
