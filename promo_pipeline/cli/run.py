"""``promo run`` (also ``--lot`` and ``--demo``) and ``promo daemon``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from promo_pipeline.cli.app import AppContext, cli, console_logs_on, pass_app


@cli.command("run")
@click.option("--lot", "lot_ref", default=None, metavar="ID_ATAU_URL",
              help="Hanya satu lot, untuk lelang mendesak: ID lot, awal ID seperti di tabel "
                   "promo lots, kode lot, atau URL lot lelang.go.id.")
@click.option("--demo", is_flag=True,
              help="Coba tanpa internet: data contoh bawaan ke folder baru dengan config.toml "
                   "dan basis data sendiri (--config diabaikan).")
@click.option("--dir", "demo_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Folder demo (hanya dengan --demo; bawaan: ./promo-demo).")
@click.option("--force", is_flag=True,
              help="Hanya dengan --demo: kosongkan folder --dir meski bukan folder demo.")
@pass_app
def run_cmd(app: AppContext, lot_ref: str | None, demo: bool, demo_dir: Path | None,
            force: bool) -> None:
    """Jalankan seluruh alur sekali: kumpulkan lot → gambar → keterangan → antrean tinjauan."""
    from promo_pipeline.errors import UsageError

    progress = False if app.quiet else None
    if not demo and (demo_dir is not None or force):
        raise UsageError("--dir dan --force hanya bisa dipakai bersama --demo")
    if demo:
        if lot_ref is not None:
            raise UsageError("--lot tidak bisa dipakai bersama --demo")
        from promo_pipeline import demo as demo_mod

        result = demo_mod.run_demo(
            demo_dir if demo_dir is not None else demo_mod.DEFAULT_DIR, force=force,
            progress=progress, on_step=None if app.quiet else lambda m: click.echo(m, err=True))
        for line in result.lines():
            click.echo(line)
        sys.exit(0 if result.ok else 1)

    from promo_pipeline import notify, pipeline
    from promo_pipeline.lock import project_lock

    # The lock comes before the database is opened: a second run changes nothing at all.
    with project_lock(app.config, what="promo run"):
        if lot_ref is not None:
            from promo_pipeline.lots import resolve_lot_ref

            lot_ref = resolve_lot_ref(app.db, lot_ref, site_base=app.config.source.site_base)
        summary = pipeline.run(app.config, app.db, lot_ref=lot_ref, progress=progress)
        if summary.run_id is not None:
            notify.after_run(app.config, app.db, summary.run_id)
    click.echo(summary.line())
    if lot_ref is not None:
        if summary.post_id is not None:
            click.echo(f"Unggahan #{summary.post_id} menunggu tinjauan. Gambar:")
        for path in summary.images:
            click.echo(f"  {app.config.display(path)}")
    for err in summary.errors:
        click.echo(f"  galat: {err}", err=True)
    sys.exit(0 if summary.ok else 1)


@cli.command("daemon")
@pass_app
def daemon_cmd(app: AppContext) -> None:
    """Layanan terjadwal: run harian, publikasi pada slot, kedaluwarsa, rangkuman pekanan.

    Berhenti dengan rapi pada SIGTERM atau Ctrl-C. Log ke konsol dan ke logging.file.
    """
    from promo_pipeline import schedule
    from promo_pipeline.config.checks import check_ready

    # A service that starts with nothing to collect or nowhere to publish looks healthy and does
    # nothing for days: refuse to start instead (exit status 2, one line).
    check_ready(app.config)
    console_logs_on()
    schedule.run_daemon(app.config)


@cli.group("demo")
def demo_group() -> None:
    """Demo tanpa internet (lihat juga promo run --demo)."""


@demo_group.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port (bawaan: port di source.api_base konfigurasi demo, 8790).")
@pass_app
def demo_serve(app: AppContext, port: int | None) -> None:
    """Jalankan server contoh lelang.go.id dengan data demo sampai Ctrl+C.

    Selama berjalan, perintah README bisa dicoba tanpa internet dengan konfigurasi demo:
    scrape, run --lot, offices --search, publish.
    """
    import time
    from urllib.parse import urlsplit

    from promo_pipeline import config as config_mod
    from promo_pipeline.demo import build_dataset
    from promo_pipeline.demo.server import DEMO_PORT, FakeLelang
    from promo_pipeline.errors import StorageError, UsageError, os_error_text

    shown_config = "promo-demo/config.toml"
    if port is None:
        port = DEMO_PORT
        if config_mod.find_config_path(app.config_path).is_file():
            cfg = app.config
            parts = urlsplit(cfg.source.api_base)
            if parts.hostname not in ("127.0.0.1", "localhost"):
                raise UsageError(f"{cfg.path} tidak memakai server contoh (source.api_base = "
                                 f"{cfg.source.api_base}); pakai --config {shown_config} dari "
                                 "promo run --demo, atau --port")
            port = parts.port or DEMO_PORT
            shown_config = app.config_path or str(cfg.path)
    click.echo("Menyiapkan data contoh (foto digambar oleh program)…", err=True)
    server = FakeLelang(build_dataset(), port=port)
    try:
        server.start()
    except OSError as exc:
        raise StorageError(os_error_text(exc, f"alamat 127.0.0.1:{port}")) from exc
    click.echo(f"Server contoh lelang.go.id berjalan di {server.base_url}  (Ctrl+C untuk "
               "berhenti). Di jendela lain, misalnya:")
    for example in ("scrape", "lots", "run --lot 76470b46", "offices --search bima",
                    "publish --now"):
        click.echo(f"  promo --config {shown_config} {example}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("Server contoh dihentikan.", err=True)
    finally:
        server.stop()
