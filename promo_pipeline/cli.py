"""The `promo` command: a thin click layer over the library functions of each stage.

Every command loads the configuration (``--config`` > ``$PROMO_CONFIG`` > ``./config.toml``),
calls one library function and prints its result. Expected failures
(:class:`~promo_pipeline.errors.PromoError`) become a one-line message and a non-zero exit status
(2 for bad configuration or usage); no traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from promo_pipeline import __version__, store
from promo_pipeline import config as config_mod
from promo_pipeline.errors import PromoError

logger = logging.getLogger(__name__)


class AppContext:
    """Per-invocation state: the config path and, once asked for, the loaded config and db."""

    def __init__(self, config_path: str | None, verbose: int, quiet: bool):
        self.config_path = config_path
        self.verbose = verbose
        self.quiet = quiet
        self._config: config_mod.Config | None = None
        self._db = None

    @property
    def config(self) -> config_mod.Config:
        if self._config is None:
            self._config = config_mod.load(self.config_path)
        return self._config

    def use_config(self, cfg: config_mod.Config) -> None:
        """Replace the config (``run --demo`` builds its own)."""
        self._config = cfg
        self._db = None

    @property
    def db(self):
        if self._db is None:
            self._db = store.connect(self.config.database_path)
        return self._db


class PromoGroup(click.Group):
    """Turns expected failures into a clean message and exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PromoError as exc:
            click.echo(f"Galat: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Dibatalkan.", err=True)
            sys.exit(130)


def setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    root = logging.getLogger()
    if any(getattr(h, "_promo", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._promo = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level if verbose else max(level, logging.WARNING))


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


pass_app = click.make_pass_decorator(AppContext)


@click.group(cls=PromoGroup)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Berkas konfigurasi (bawaan: $PROMO_CONFIG, lalu ./config.toml).")
@click.option("-v", "--verbose", count=True, help="Tampilkan log (-vv untuk debug).")
@click.option("-q", "--quiet", is_flag=True, help="Hanya tampilkan peringatan dan galat.")
@click.version_option(__version__, prog_name="promo")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int, quiet: bool) -> None:
    """Promo Pipeline: lot lelang.go.id → unggahan media sosial yang ditinjau staf."""
    setup_logging(verbose, quiet)
    ctx.obj = AppContext(config_path, verbose, quiet)


def main() -> None:
    cli(prog_name="promo")


# --- lots ----------------------------------------------------------------------------------------


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Cetak array JSON (kontrak publik).")
@click.option("--status", default=None,
              help="Hanya lot dengan status ini (active, withdrawn, ended).")
@click.option("--office", default=None, help="Hanya lot kantor ini (unitKerjaId).")
@pass_app
def lots(app: AppContext, as_json: bool, status: str | None, office: str | None) -> None:
    """Daftar lot yang tersimpan."""
    rows = store.list_lots(app.db, office_id=office, status=status)
    if as_json:
        emit_json([lot.to_json() for lot in rows])
        return
    from rich.console import Console
    from rich.table import Table

    from promo_pipeline import formats

    table = Table(title=f"{len(rows)} lot")
    for col in ("ID", "Kantor", "Judul", "Nilai limit", "Berakhir", "Status"):
        table.add_column(col, overflow="fold")
    for lot in rows:
        office_cfg = app.config.office(lot.office_id)
        tz = office_cfg.timezone if office_cfg else app.config.default_timezone
        table.add_row(lot.id[:8], lot.office_name, formats.shorten(lot.title, 60),
                      formats.rupiah(lot.limit_value), formats.datetime_medium(lot.ends_at, tz),
                      lot.status)
    Console().print(table)


def _abs(app: AppContext, path: Path) -> str:
    return app.config.display(path)


# --- review --------------------------------------------------------------------------------------


@cli.command()
@click.option("--host", default=None, help="Alamat yang didengarkan (bawaan: review.host, "
              "127.0.0.1). Alamat selain loopback hanya bila sudah ada akun.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port (bawaan: review.port, 8765).")
@pass_app
def review(app: AppContext, host: str | None, port: int | None) -> None:
    """Jalankan halaman peninjauan (Flask + waitress)."""
    from promo_pipeline.review import auth, make_server

    cfg = app.config
    server = make_server(cfg, host, port)
    shown = server.effective_host
    click.echo(f"Halaman peninjauan: http://{shown}:{server.effective_port}/  (Ctrl+C untuk "
               "berhenti)")
    if auth.count_users(app.db) == 0:
        click.echo("Belum ada akun peninjau. Buat dulu: promo users add NAMA --role admin",
                   err=True)
    try:
        server.run()
    finally:
        server.close()


@cli.group()
def users() -> None:
    """Akun peninjau halaman peninjauan."""


def _read_password(password_stdin: bool) -> str:
    from promo_pipeline.review import auth

    if password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password.removesuffix("\r")
    else:
        password = click.prompt("Kata sandi", hide_input=True, confirmation_prompt=
                                "Ulangi kata sandi")
    auth.check_password(password)
    return password


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reviewer", "admin"]), default="reviewer",
              show_default=True, help="admin juga dapat mengelola akun dari halaman.")
@click.option("--password-stdin", is_flag=True,
              help="Baca kata sandi dari satu baris stdin (untuk skrip), tanpa ditanya.")
@pass_app
def users_add(app: AppContext, name: str, role: str, password_stdin: bool) -> None:
    """Tambah akun NAME."""
    from promo_pipeline.review import auth

    name = auth.check_name(name)
    if auth.get_user(app.db, name) is not None:
        raise PromoError(f"akun {name!r} sudah ada")
    user = auth.add_user(app.db, name, _read_password(password_stdin), role=role)
    click.echo(f"Akun {user['name']} ({user['role']}) dibuat.")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Cetak array JSON.")
@pass_app
def users_list(app: AppContext, as_json: bool) -> None:
    """Daftar akun (tanpa kata sandi)."""
    from promo_pipeline.review import auth

    rows = auth.list_users(app.db)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("Belum ada akun. Buat dengan: promo users add NAMA --role admin")
        return
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        click.echo(f"{r['name']:<{width}}  {r['role']:<8}  {r['created_at']}")


@users.command("remove")
@click.argument("name")
@pass_app
def users_remove(app: AppContext, name: str) -> None:
    """Hapus akun NAME (sesinya langsung berakhir)."""
    from promo_pipeline.review import auth

    auth.remove_user(app.db, name)
    click.echo(f"Akun {name} dihapus.")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Baca kata sandi baru dari stdin.")
@pass_app
def users_passwd(app: AppContext, name: str, password_stdin: bool) -> None:
    """Ganti kata sandi akun NAME (sesinya berakhir)."""
    from promo_pipeline.review import auth

    if auth.get_user(app.db, name) is None:
        raise PromoError(f"akun {name!r} tidak ada")
    auth.update_user(app.db, name, password=_read_password(password_stdin))
    click.echo(f"Kata sandi akun {name} diganti.")
