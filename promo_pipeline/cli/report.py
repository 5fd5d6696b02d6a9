"""``promo report``: the monthly report (HTML and CSV files, or the figures as JSON)."""

from __future__ import annotations

from pathlib import Path

import click

from promo_pipeline.cli.app import AppContext, cli, emit_json, pass_app
from promo_pipeline.errors import UsageError


@cli.command()
@click.option("--month", default=None, metavar="YYYY-MM",
              help="Bulan laporan, mis. 2026-11 (bawaan: bulan lengkap terakhir di zona waktu "
                   "kantor).")
@click.option("--office", default=None, metavar="ID",
              help="Hanya kantor ini (unitKerjaId); semua angka, termasuk peninjau, untuk kantor "
                   "ini saja.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder keluaran (bawaan: <output_dir>/laporan/<bulan>[-<kantor>]).")
@click.option("--json", "as_json", is_flag=True,
              help="Cetak angka laporan sebagai satu objek JSON (berkas tetap ditulis).")
@pass_app
def report(app: AppContext, month: str | None, office: str | None, out_dir: str | None,
           as_json: bool) -> None:
    """Laporan bulanan promosi: cakupan, ketepatan waktu, kanal, hasil lelang, peninjau."""
    from promo_pipeline import clock, outcomes
    from promo_pipeline.report import Month, build

    cfg = app.config
    if office is not None and cfg.office(office) is None:
        known = ", ".join(o.id for o in cfg.offices) or "belum ada"
        raise UsageError(f"kantor {office!r} tidak ada di konfigurasi (yang ada: {known})")
    tz = cfg.timezone_of(office)
    chosen = Month.parse(month) if month else Month.last_complete(clock.now(), tz)
    outcomes.refresh(app.db, clock.now(), office_id=office)  # re-listings seen since the daemon
    out = cfg.resolve(out_dir) if out_dir else None
    done = build(cfg, app.db, chosen, office, out=Path(out) if out else None)
    if as_json:
        emit_json(done.figures.to_json())
        return
    f = done.figures
    click.echo(f"Laporan {f.month_label}: {f.lots_listed} lot tayang, {f.lots_promoted} "
               f"dipromosikan, {f.posts_published} unggahan terbit.")
    click.echo(f"HTML: {cfg.display(done.html)}")
    click.echo(f"CSV : {cfg.display(done.html.parent)} ({len(done.csvs)} berkas)")
