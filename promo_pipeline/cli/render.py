"""``promo render`` and ``promo templates``: images from the terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from promo_pipeline.cli.app import AppContext, cli, emit_json, pass_app


@cli.command()
@click.option("--lot", "lot_id", default=None, metavar="ID",
              help="Hanya lot ini: ID lot, awal ID seperti di tabel promo lots, kode lot, atau "
                   "URL lot lelang.go.id.")
@click.option("--force", is_flag=True, help="Gambar ulang walaupun data lot tidak berubah.")
@click.option("--format", "designs", multiple=True, metavar="NAMA",
              help="Desain yang dibuat (boleh diulang; bawaan: render.formats).")
@click.option("--json", "as_json", is_flag=True,
              help="Cetak array JSON, satu objek per gambar: lot_id, format, path.")
@pass_app
def render(app: AppContext, lot_id: str | None, force: bool, designs: tuple[str, ...],
           as_json: bool) -> None:
    """Buat gambar lot yang belum ada atau sudah usang."""
    from promo_pipeline import clock, refs
    from promo_pipeline import render as render_mod
    from promo_pipeline.errors import NotFoundError, NotQueueableError, UsageError
    from promo_pipeline.lots import get_lot, iter_postable, resolve_lot_ref

    known = render_mod.available_designs(app.config)
    for name in designs:
        if name not in known:
            raise UsageError(f"desain {name!r} tidak dikenal (tersedia: {', '.join(known)})")
    now = clock.now()
    if lot_id:
        lot_id = resolve_lot_ref(app.db, lot_id, site_base=app.config.source.site_base)
        lot = get_lot(app.db, refs.parse_lot_ref(lot_id, site_base=app.config.source.site_base)[1])
        if lot is None:
            raise NotFoundError(f"lot {lot_id!r} tidak ada di basis data (jalankan promo scrape)")
        # The same rule as `promo run`: a lot that can no longer be promoted gets no images.
        closed = lot.closed_reason(now)
        if closed:
            raise NotQueueableError(f"lot {lot_id} tidak digambar: {closed}")
        targets = [lot]
    else:
        targets = [lot for page in iter_postable(app.db, now) for lot in page]
    progress = _render_progress() if not app.quiet and sys.stderr.isatty() else None
    batch = render_mod.render_batch(app.config, app.db, targets, formats=list(designs) or None,
                                    force=force, progress=progress)
    if progress is not None:
        click.echo("", err=True)
    if as_json:
        emit_json([{"lot_id": i.lot_id, "format": i.format, "slide": i.slide,
                    "path": app.config.display(i.path), "rendered": i.rendered}
                   for i in batch.images])
    else:
        click.echo(f"Gambar: {batch.rendered} dibuat, {batch.reused} tidak berubah, "
                   f"untuk {len(targets)} lot.")
    for failed, error in batch.errors.items():
        click.echo(f"  galat lot {failed}: {error}", err=True)
    sys.exit(1 if batch.errors else 0)


def _render_progress() -> Callable[[str, str, int, int], None]:
    """One terminal line kept up to date: frames of the clip being encoded, or lots done."""

    def show(lot_id: str, design: str, done: int, total: int) -> None:
        what = f"video {design} lot {lot_id[:8]}: {done}/{total} bingkai" if design else \
            f"lot selesai: {done}/{total}"
        click.echo(f"\r{what}   ", err=True, nl=False)

    return show


@cli.group("templates")
def templates_group() -> None:
    """Desain gambar (templat TOML)."""


@templates_group.command("preview")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Berkas PNG hasil (bawaan: <output_dir>/preview/templates.png).")
@pass_app
def templates_preview(app: AppContext, out: Path | None) -> None:
    """Gambar setiap desain dengan data contoh ke satu lembar PNG dan cetak lokasinya."""
    from promo_pipeline import render as render_mod

    target = out if out is not None else app.config.output_dir / "preview" / "templates.png"
    # Absolute: the config folder is rarely the folder the command was typed in.
    click.echo(str(Path(render_mod.contact_sheet(app.config, target)).resolve()))


@templates_group.command("list")
@pass_app
def templates_list(app: AppContext) -> None:
    """Daftar desain, ukurannya dan asal berkasnya; templat yang rusak dilaporkan."""
    from promo_pipeline import render as render_mod
    from promo_pipeline.errors import TemplateError
    from promo_pipeline.render import designs

    broken = 0
    for name in render_mod.available_designs(app.config):
        try:
            tpl = designs.get_template(app.config, name)
        except TemplateError as exc:
            broken += 1
            click.echo(f"{name:<10} RUSAK: {exc}", err=True)
            continue
        click.echo(f"{name:<10} {tpl.kind:<9} {tpl.width}×{tpl.height}  "
                   f"{app.config.display(tpl.path)}")
    sys.exit(1 if broken else 0)
