"""The report as one self-contained HTML file: charts and thumbnails inline, prints to A4.

Settings read: ``brand.*`` / ``offices[].brand`` colours, ``offices[].name``.

Nothing in the page refers to the network (no fonts, scripts, styles or images from elsewhere,
no links), so it opens offline and can be e-mailed as one file. ``@page { size: A4 }`` and
``@media print`` keep tables and charts whole across pages. Indonesian throughout; numbers in
Indonesian format (Babel).
"""

from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, select_autoescape

from promo_pipeline import formats
from promo_pipeline.config import Config
from promo_pipeline.report import charts
from promo_pipeline.report.figures import BUCKETS, Figures
from promo_pipeline.report.tables import tables

THUMB_PX = 160
_HEADERS = {
    "kunci": "Kunci", "keterangan": "Keterangan", "nilai": "Nilai", "kategori": "Kategori",
    "lot_tayang": "Lot tayang", "lot_dipromosikan": "Lot dipromosikan", "id_lot": "ID lot",
    "judul": "Judul", "alasan": "Alasan", "rentang": "Rentang", "jumlah_lot": "Jumlah lot",
    "kanal": "Kanal", "unggahan": "Unggahan", "jangkauan": "Jangkauan", "tayangan": "Tayangan",
    "reaksi_suka": "Reaksi/suka", "komentar": "Komentar", "dibagikan": "Dibagikan",
    "disimpan": "Disimpan", "klik_tautan": "Klik tautan", "interaksi": "Interaksi",
    "tingkat_keterlibatan": "Tingkat keterlibatan",
    "unggahan_dengan_angka": "Unggahan dengan angka", "peringkat": "Peringkat",
    "id_unggahan": "ID unggahan", "kelompok": "Kelompok", "lelang_berakhir": "Lelang berakhir",
    "dilelang_ulang": "Dilelang ulang", "tidak_dilelang_ulang": "Tidak dilelang ulang",
    "peninjau": "Peninjau", "disetujui": "Disetujui", "ditolak": "Ditolak",
    "median_jam_ke_keputusan": "Median jam ke keputusan", "jumlah": "Jumlah",
}


def _num(value: Any) -> str:
    return "–" if value is None else str(format_decimal(value, locale="id"))


def _cell(value: Any, header: str) -> str:
    """A table cell as people read it: channel labels, rates in percent, Indonesian numbers."""
    if header == "kanal" and isinstance(value, str):
        return _channel_label(value)
    if header == "tingkat_keterlibatan" and isinstance(value, float):
        return str(format_percent(value, "#,##0.0%", locale="id"))
    return _num(value) if value is None or isinstance(value, int | float) else str(value)


def _channel_label(name: str) -> str:
    from promo_pipeline.publish import channels

    try:
        return channels.label(name)
    except KeyError:
        return name


def thumbnail(path: Path) -> str | None:
    """A small JPEG data URI of a post image (None when the file is gone or unreadable)."""
    from promo_pipeline.errors import PhotoError
    from promo_pipeline.imagesafe import open_image, to_rgb

    try:
        im = to_rgb(open_image(path, draft_size=(THUMB_PX, THUMB_PX)))
    except (PhotoError, OSError):
        return None
    im.thumbnail((THUMB_PX, THUMB_PX))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _charts(f: Figures, colors: dict[str, str]) -> dict[str, str | None]:
    cats = list(f.by_category)
    chans = [ch for ch, v in f.by_channel.items() if v["reach"] is not None]
    return {
        "coverage": charts.paired_bars(
            cats, {"Tayang": [f.by_category[c]["listed"] for c in cats],
                   "Dipromosikan": [f.by_category[c]["promoted"] for c in cats]},
            [charts.GREY, colors["primary"]]),
        "timeliness": charts.paired_bars(
            list(BUCKETS), {"Lot": [f.timeliness[b] for b in BUCKETS]}, [colors["secondary"]],
            horizontal=False),
        "channels": charts.paired_bars(
            [_channel_label(c) for c in chans],
            {"Jangkauan": [f.by_channel[c]["reach"] or 0 for c in chans]},
            [colors["primary"]]),
        "outcomes": charts.stacked_bars(
            ["Dipromosikan", "Tidak dipromosikan"],
            {"Dilelang ulang": [f.outcomes[g]["relisted"] for g in ("promoted", "not_promoted")],
             "Tidak dilelang ulang": [f.outcomes[g]["not_relisted"]
                                      for g in ("promoted", "not_promoted")]},
            [colors["accent"], colors["primary"]]),
        "reviewers": charts.stacked_bars(
            list(f.reviewers),
            {"Disetujui": [v["approved"] for v in f.reviewers.values()],
             "Ditolak": [v["rejected"] for v in f.reviewers.values()]},
            [colors["secondary"], colors["accent"]]),
    }


def render_html(f: Figures, cfg: Config, *, generated: datetime,
                web: dict[str, Any] | None = None) -> str:
    """The whole report page. *web*: the review page's month/office form (``action``,
    ``back``, ``month``, ``office``, ``months``, ``offices``), hidden when printed; None for the
    file, which then has no link at all."""
    env = Environment(loader=FileSystemLoader(str(Path(__file__).parent)),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals.update(num=_num, cell=_cell, header=lambda h: _HEADERS.get(h, h),
                       channel_label=_channel_label)
    office = cfg.office(f.office_id) if f.office_id else None
    office_name = office.name if office else (
        cfg.offices[0].name if len(cfg.offices) == 1 else "Semua kantor")
    brand = cfg.brand_for(f.office_id)  # an office's own colours, else [brand]
    colors = {"primary": brand.primary_color, "secondary": brand.secondary_color,
              "accent": brand.accent_color}
    from promo_pipeline.report.month import Month

    start, end = Month.parse(f.month).bounds(f.timezone)
    zone = formats.zone_label(f.timezone, start)
    last_day = end - timedelta(days=1)
    period = (f"{formats.date_long(start, f.timezone)} – "
              f"{formats.date_long(last_day, f.timezone)} ({zone})")
    thumbs = {t.image: thumbnail(Path(t.image)) for tops in f.top_posts.values()
              for t in tops if t.image}
    share = (str(format_percent(f.lots_promoted / f.lots_listed, "#,##0%", locale="id"))
             if f.lots_listed else "–")
    return env.get_template("report.html.j2").render(
        f=f, t={tb.name: tb for tb in tables(f)}, charts=_charts(f, colors), thumbs=thumbs,
        month_label=f.month_label, office_name=office_name, colors=colors, period=period,
        generated=formats.datetime_long(generated, f.timezone), share=share, web=web)
