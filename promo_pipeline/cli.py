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

from promo_pipeline import __version__, database
from promo_pipeline import config as config_mod
from promo_pipeline.errors import PromoError
from promo_pipeline.publish import channels as channel_registry

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
            self._db = database.connect(self.config.database_path)
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
    from promo_pipeline.lots import list_lots

    rows = list_lots(app.db, office_id=office, status=status)
    if as_json:
        emit_json([lot.to_json() for lot in rows])
        return
    from rich.console import Console
    from rich.table import Table

    from promo_pipeline import formats, present

    table = Table(title=f"{len(rows)} lot")
    for col in ("ID", "Kantor", "Judul", "Nilai limit", "Berakhir", "Status"):
        table.add_column(col, overflow="fold")
    for lot in rows:
        tz = app.config.timezone_of(lot.office_id)
        table.add_row(lot.id[:8], lot.office_name, formats.shorten(lot.title, 60),
                      formats.rupiah(lot.limit_value), formats.datetime_medium(lot.ends_at, tz),
                      present.lot_status(lot.status))
    Console().print(table)


def _abs(app: AppContext, path: Path) -> str:
    return app.config.display(path)


# --- collect -------------------------------------------------------------------------------------


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Cetak ringkasan sebagai objek JSON.")
@pass_app
def scrape(app: AppContext, as_json: bool) -> None:
    """Kumpulkan lot semua kantor yang dikonfigurasi dari lelang.go.id."""
    from promo_pipeline import pipeline
    from promo_pipeline.lock import project_lock

    # Not alongside `promo run` or the daemon: they write the same lots and photo cache.
    with project_lock(app.config, what="promo scrape"):
        summary = pipeline.scrape(app.config, app.db, progress=False if app.quiet else None)
    _report(summary, as_json)


@cli.command()
@click.option("--search", default=None, metavar="TEXT",
              help="Saring nama/kota (tanpa beda huruf besar-kecil, spasi, tanda hubung).")
@click.option("--json", "as_json", is_flag=True, help="Cetak array JSON.")
@pass_app
def offices(app: AppContext, search: str | None, as_json: bool) -> None:
    """Daftar kantor KPKNL di lelang.go.id dengan unitKerjaId-nya (untuk [[offices]] id)."""
    from promo_pipeline import collect, fetch
    from promo_pipeline.http import HttpClient

    # Finding the office id is the first set-up step, so it works before a config exists.
    if config_mod.find_config_path(app.config_path).is_file():
        source = app.config.source
    else:
        source = config_mod.Source()
    with HttpClient(source) as client:
        found = collect.match_offices(fetch.fetch_offices(client, source), search)
    if as_json:
        emit_json([{"id": o["id"], "name": o.get("nama"), "city": o.get("kota"),
                    "province": o.get("propinsi"), "phone": o.get("telepon")} for o in found])
        return
    if not found:
        click.echo(f"Tidak ada kantor yang cocok dengan {search!r}.", err=True)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(found)} kantor")
    table.add_column("Nama", overflow="fold")
    table.add_column("unitKerjaId", no_wrap=True, min_width=36)  # copied into config.toml
    table.add_column("Kota", overflow="fold")
    table.add_column("Provinsi", overflow="fold")
    for o in found:
        table.add_row(str(o.get("nama") or ""), str(o["id"]), str(o.get("kota") or ""),
                      str(o.get("propinsi") or ""))
    Console().print(table)


# --- render --------------------------------------------------------------------------------------


@cli.command()
@click.option("--lot", "lot_id", default=None, metavar="ID", help="Hanya lot ini (lotLelangId).")
@click.option("--force", is_flag=True, help="Gambar ulang walaupun data lot tidak berubah.")
@click.option("--format", "designs", multiple=True, metavar="NAME",
              help="Desain yang dibuat (boleh diulang; bawaan: render.formats).")
@click.option("--json", "as_json", is_flag=True,
              help="Cetak array JSON, satu objek per gambar: lot_id, format, path.")
@pass_app
def render(app: AppContext, lot_id: str | None, force: bool, designs: tuple[str, ...],
           as_json: bool) -> None:
    """Buat gambar lot yang belum ada atau sudah usang."""
    from promo_pipeline import clock
    from promo_pipeline import render as render_mod
    from promo_pipeline.errors import NotFoundError, NotQueueableError, UsageError
    from promo_pipeline.lots import get_lot, iter_postable

    known = render_mod.available_designs(app.config)
    for name in designs:
        if name not in known:
            raise UsageError(f"desain {name!r} tidak dikenal (tersedia: {', '.join(known)})")
    now = clock.now()
    if lot_id:
        lot = get_lot(app.db, lot_id)
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


def _render_progress():
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
    click.echo(app.config.display(render_mod.contact_sheet(app.config, target)))


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


# --- run -----------------------------------------------------------------------------------------


@cli.command("run")
@click.option("--lot", "lot_ref", default=None, metavar="ID_OR_URL",
              help="Hanya satu lot (ID lot atau URL lot lelang.go.id), untuk lelang mendesak.")
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


def _report(summary: Any, as_json: bool) -> None:
    """Print a run's summary (its line, or its JSON) and its errors; exit 0 only when ok."""
    if as_json:
        emit_json(summary.to_json())
    else:
        click.echo(summary.line())
        for err in summary.errors:
            click.echo(f"  galat: {err}", err=True)
    sys.exit(0 if summary.ok else 1)


# --- review --------------------------------------------------------------------------------------


@cli.command()
@click.option("--host", default=None, help="Alamat yang didengarkan (bawaan: review.host, "
              "127.0.0.1). Alamat selain loopback hanya bila sudah ada akun.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port (bawaan: review.port, 8765).")
@pass_app
def review(app: AppContext, host: str | None, port: int | None) -> None:
    """Jalankan halaman peninjauan (Flask + waitress)."""
    from promo_pipeline import accounts
    from promo_pipeline.review import make_server

    cfg = app.config
    server = make_server(cfg, host, port)
    shown = server.effective_host
    click.echo(f"Halaman peninjauan: http://{shown}:{server.effective_port}/  (Ctrl+C untuk "
               "berhenti)")
    if accounts.count_users(app.db) == 0:
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
    from promo_pipeline import accounts

    if password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password.removesuffix("\r")
    else:
        password = click.prompt("Kata sandi", hide_input=True, confirmation_prompt=
                                "Ulangi kata sandi")
    accounts.check_password(password)
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
    from promo_pipeline import accounts

    name = accounts.check_name(name)
    if accounts.get_user(app.db, name) is not None:
        raise PromoError(f"akun {name!r} sudah ada")
    user = accounts.add_user(app.db, name, _read_password(password_stdin), role=role)
    click.echo(f"Akun {user.name} ({user.role}) dibuat.")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Cetak array JSON.")
@pass_app
def users_list(app: AppContext, as_json: bool) -> None:
    """Daftar akun (tanpa kata sandi)."""
    from promo_pipeline import accounts

    rows = accounts.list_users(app.db)
    if as_json:
        emit_json([u.to_json() for u in rows])
        return
    if not rows:
        click.echo("Belum ada akun. Buat dengan: promo users add NAMA --role admin")
        return
    width = max(len(u.name) for u in rows)
    for u in rows:
        click.echo(f"{u.name:<{width}}  {u.role:<8}  {u.created_at}")


@users.command("remove")
@click.argument("name")
@pass_app
def users_remove(app: AppContext, name: str) -> None:
    """Hapus akun NAME (sesinya langsung berakhir; admin terakhir tidak dapat dihapus)."""
    from promo_pipeline import accounts

    user = accounts.remove_user(app.db, name)
    click.echo(f"Akun {user.name} dihapus.")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Baca kata sandi baru dari stdin.")
@pass_app
def users_passwd(app: AppContext, name: str, password_stdin: bool) -> None:
    """Ganti kata sandi akun NAME (sesinya berakhir)."""
    from promo_pipeline import accounts

    if accounts.get_user(app.db, name) is None:
        raise PromoError(f"akun {name!r} tidak ada")
    accounts.update_user(app.db, name, password=_read_password(password_stdin))
    click.echo(f"Kata sandi akun {name} diganti.")


# --- queue ---------------------------------------------------------------------------------------


def _reviewer(name: str | None) -> str:
    """``--as NAME``, else the name of the logged-in OS user."""
    if name and name.strip():
        return name.strip()
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (e.g. a container without a passwd entry)
        return "operator"


def _post_deadline(app: AppContext, post: Any) -> str:
    from promo_pipeline import clock, formats

    when = clock.parse(post.deadline_at)
    if when is None:
        return "-"
    return formats.datetime_medium(when, app.config.timezone_of(post.office_id))


@cli.group("queue", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Cetak array JSON (kontrak publik).")
@click.option("--status", default=None,
              help="Hanya unggahan berstatus ini: pending, approved, rejected, published, "
                   "failed, unconfirmed, expired, outdated, withdrawn.")
@click.option("--office", default=None, help="Hanya unggahan kantor ini (unitKerjaId).")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Paling banyak sekian unggahan.")
@click.pass_context
def queue_group(ctx: click.Context, as_json: bool, status: str | None, office: str | None,
                limit: int | None) -> None:
    """Antrean unggahan untuk ditinjau (tanpa subperintah: tampilkan daftar)."""
    if ctx.invoked_subcommand is not None:
        return
    from promo_pipeline import present
    from promo_pipeline import queue as q

    app = ctx.find_object(AppContext)
    posts = q.list_posts(app.db, status=status, office_id=office, limit=limit)
    if as_json:
        emit_json([p.to_json(app.config) for p in posts])
        return
    from rich.console import Console
    from rich.table import Table

    counts = q.count_by_status(app.db)
    table = Table(title=f"{len(posts)} unggahan")
    for col in ("ID", "Jenis", "Status", "Versi", "Judul", "Batas", "Pemeriksaan"):
        table.add_column(col, overflow="fold")
    for p in posts:
        table.add_row(str(p.id), present.post_kind(p.kind), present.post_status(p.status),
                      str(p.version), present.post_title(p)[:70], _post_deadline(app, p),
                      present.lint_summary(p.lint))
    console = Console()
    if posts:
        console.print(table)
    else:
        console.print("Tidak ada unggahan" + (f" berstatus {status}." if status else "."))
    summary = " · ".join(f"{present.post_status(s)}: {n}" for s, n in counts.items() if n)
    console.print(f"Jumlah per status: {summary or 'antrean kosong'}")


@queue_group.command("show")
@click.argument("post_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Cetak objek JSON.")
@pass_app
def queue_show(app: AppContext, post_id: int, as_json: bool) -> None:
    """Tampilkan satu unggahan: keterangan per kanal, pemeriksaan, perubahan, riwayat."""
    from babel.numbers import format_decimal

    from promo_pipeline import captions as cap
    from promo_pipeline import present
    from promo_pipeline import queue as q

    post = q.get_post(app.db, post_id)
    if as_json:
        data = post.to_json(app.config)
        data["events"] = [e.to_json() for e in q.events(app.db, post_id=post_id)]
        emit_json(data)
        return
    echo = click.echo
    echo(f"Unggahan #{post.id} · {present.post_kind(post.kind)} · versi {post.version} · "
         f"{present.post_status(post.status)}")
    echo(f"Judul: {present.post_title(post)}")
    echo(f"Lot: {', '.join(post.lot_ids)}   Kantor: {post.office_id or '-'}")
    echo(f"Batas: {_post_deadline(app, post)}")
    if post.approved_by:
        echo(f"Disetujui oleh {post.approved_by} pada {post.approved_at}")
    if post.reason:
        echo(f"Keterangan status: {post.reason}")
    if post.changes:
        echo("\nYang berubah sejak versi sebelumnya:")
        for label, old, new in present.change_lines(post.changes):
            echo(f"  - {label}: {old} → {new}")
    echo("\nGambar:")
    for path in post.image_paths(app.config.output_dir):
        mark = "" if path.is_file() else "  (berkas tidak ada)"
        echo(f"  {app.config.display(path)}{mark}")
    if not post.images:
        echo("  (belum ada)")
    for channel, text in post.captions.items():
        limit = cap.LIMITS.get(channel)
        size = (f"{format_decimal(cap.measure(channel, text), locale='id')}"
                f"/{format_decimal(limit.max, locale='id')}") if limit else ""
        echo(f"\n── {channel} ({size}) " + "─" * 20)
        echo(text)
    echo("\nPemeriksaan:")
    if not post.lint:
        echo("  semua aman")
    for f in post.lint:
        echo(f"  [{present.lint_level(f.get('level'))}] {f.get('channel')}: {f.get('message')}")
    echo("\nRiwayat:")
    for e in q.events(app.db, post_id=post_id, limit=20):
        echo(f"  {e.at}  {e.actor}: {_event_move(e)}" + (f" ({e.reason})" if e.reason else ""))


def _event_move(e: Any) -> str:
    if e.action in ("transition", "create"):
        return f"{e.from_status or '-'} → {e.to_status}"
    return str(e.action)


@queue_group.command("approve")
@click.argument("post_id", type=int)
@click.option("--as", "actor", default=None, help="Nama peninjau (bawaan: pengguna OS).")
@pass_app
def queue_approve(app: AppContext, post_id: int, actor: str | None) -> None:
    """Setujui unggahan ID (ditolak bila ada angka yang hilang/salah atau lelang berakhir)."""
    from promo_pipeline import queue as q

    who = _reviewer(actor)
    q.approve(app.db, post_id, actor=who)
    click.echo(f"Unggahan #{post_id} disetujui oleh {who}.")


@queue_group.command("reject")
@click.argument("post_id", type=int)
@click.option("--reason", required=True, help="Alasan penolakan (wajib).")
@click.option("--as", "actor", default=None, help="Nama peninjau (bawaan: pengguna OS).")
@pass_app
def queue_reject(app: AppContext, post_id: int, reason: str, actor: str | None) -> None:
    """Tolak unggahan ID dengan alasan."""
    from promo_pipeline import queue as q

    who = _reviewer(actor)
    q.reject(app.db, post_id, actor=who, reason=reason)
    click.echo(f"Unggahan #{post_id} ditolak oleh {who}.")


@queue_group.command("edit")
@click.argument("post_id", type=int)
@click.option("--channel", required=True,
              help="Kanal keterangan: instagram, facebook, telegram, x, threads.")
@click.option("--caption-file", type=click.File("r", encoding="utf-8"), default=None,
              help="Ambil keterangan baru dari berkas ('-' untuk stdin) alih-alih $EDITOR.")
@click.option("--as", "actor", default=None, help="Nama peninjau (bawaan: pengguna OS).")
@pass_app
def queue_edit(app: AppContext, post_id: int, channel: str, caption_file: Any,
               actor: str | None) -> None:
    """Ubah keterangan satu kanal (membuka $EDITOR); pemeriksaan diulang."""
    from promo_pipeline import present
    from promo_pipeline import queue as q
    from promo_pipeline.errors import UsageError

    post = q.get_post(app.db, post_id)
    if channel not in post.captions:
        raise UsageError(f"kanal {channel!r} tidak ada di unggahan #{post_id} (pilihan: "
                         f"{', '.join(post.captions) or '-'})")
    if caption_file is not None:
        text = caption_file.read()
    else:
        text = click.edit(post.captions[channel], extension=".txt", require_save=True)
        if text is None:
            click.echo("Tidak ada perubahan.")
            return
    updated = q.edit_caption(app.db, app.config, post_id, channel, text,
                             actor=_reviewer(actor))
    if updated.captions.get(channel) == post.captions[channel]:
        click.echo("Tidak ada perubahan.")
        return
    click.echo(f"Keterangan {channel} unggahan #{post_id} disimpan.")
    if post.status != updated.status:
        click.echo(f"Status: {present.post_status(post.status)} → "
                   f"{present.post_status(updated.status)} (perlu disetujui ulang).")
    mine = [f for f in updated.lint if f.get("channel") == channel]
    for f in mine:
        click.echo(f"  [{present.lint_level(f.get('level'))}] {f.get('message')}")
    if not mine:
        click.echo("  Pemeriksaan: semua aman.")


@queue_group.command("history")
@click.option("--post", "post_id", type=int, default=None, help="Hanya unggahan ini.")
@click.option("--actor", default=None, help="Hanya tindakan orang ini.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Cetak array JSON.")
@pass_app
def queue_history(app: AppContext, post_id: int | None, actor: str | None, limit: int,
                  as_json: bool) -> None:
    """Riwayat tindakan (siapa, kapan, dari status apa ke apa, alasannya)."""
    from promo_pipeline import queue as q

    rows = q.events(app.db, post_id=post_id, actor=actor, limit=limit)
    if as_json:
        emit_json([e.to_json() for e in rows])
        return
    if not rows:
        click.echo("Belum ada riwayat.")
    for e in rows:
        click.echo(f"{e.at}  #{e.post_id}  {e.actor}: {_event_move(e)}"
                   + (f" ({e.reason})" if e.reason else ""))


# --- publish -------------------------------------------------------------------------------------


@cli.command("publish")
@click.option("--now", "ignore_slots", is_flag=True,
              help="Kirim semua unggahan yang disetujui sekarang, tanpa menunggu slot publikasi.")
@click.option("--json", "as_json", is_flag=True, help="Cetak ringkasan sebagai JSON.")
@pass_app
def publish_cmd(app: AppContext, ignore_slots: bool, as_json: bool) -> None:
    """Kirim unggahan yang disetujui dan sudah waktunya (slot publikasi, --now: segera).

    Tidak pernah mengirim dua kali: pengiriman yang jawabannya hilang menjadi "belum pasti"
    dan menunggu keputusan manusia (promo queue resolve).
    """
    from promo_pipeline.lock import project_lock
    from promo_pipeline.publish import publish

    with project_lock(app.config, what="promo publish"):
        summary = publish(app.config, app.db, now=ignore_slots)
    if as_json:
        emit_json(summary.to_json())
        sys.exit(0 if summary.ok else 1)
    from promo_pipeline.present import delivery_status

    for o in summary.recovered:
        click.echo(f"  #{o.post_id} {o.channel}: terputus di tengah pengiriman → "
                   f"{delivery_status(o.status)}")
    for o in summary.outcomes:
        where = f" ({o.remote_url or o.remote_id})" if (o.remote_url or o.remote_id) else ""
        if o.status == "sent":
            click.echo(f"  #{o.post_id} {o.channel}: {delivery_status(o.status)}{where}")
        elif o.status == "queued":
            click.echo(f"  #{o.post_id} {o.channel}: dicoba lagi nanti — {o.error}")
        else:
            click.echo(f"  #{o.post_id} {o.channel}: {delivery_status(o.status).upper()} — "
                       f"{o.error}", err=True)
    for post_id in summary.expired_posts:
        click.echo(f"  #{post_id}: tidak diterbitkan, lelangnya sudah berakhir")
    click.echo(summary.line())
    if summary.problems:
        click.echo("Periksa pengiriman yang gagal/belum pasti: promo queue deliveries; "
                   "selesaikan dengan: promo queue resolve ID --sent | --resend", err=True)
    sys.exit(0 if summary.ok else 1)


@queue_group.command("deliveries")
@click.option("--status", default=None,
              type=click.Choice(["queued", "sending", "sent", "failed", "unconfirmed",
                                 "cancelled"]),
              help="Hanya pengiriman berstatus ini.")
@click.option("--post", "post_id", type=int, default=None, help="Hanya pengiriman unggahan ini.")
@click.option("--json", "as_json", is_flag=True, help="Cetak array JSON.")
@pass_app
def queue_deliveries(app: AppContext, status: str | None, post_id: int | None,
                     as_json: bool) -> None:
    """Kotak keluar: pengiriman per unggahan dan kanal, dengan statusnya."""
    from promo_pipeline import publish as pub
    from promo_pipeline.present import delivery_status

    rows = (pub.deliveries_for_post(app.db, post_id) if post_id is not None
            else pub.list_deliveries(app.db, status=status))
    if post_id is not None and status:
        rows = [r for r in rows if r["status"] == status]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("Tidak ada pengiriman" + (f" berstatus {status}." if status else "."))
        return
    for r in rows:
        extra = r["remote_url"] or r["remote_id"] or ""
        line = (f"#{r['id']:<4} unggahan #{r['post_id']:<4} {r['channel']:<9} "
                f"{delivery_status(r['status']):<14} percobaan {r['attempts'] or 0}  {extra}")
        click.echo(line.rstrip())
        if r["last_error"] and r["status"] != "sent":
            click.echo(f"       {r['last_error']}")


@queue_group.command("resolve")
@click.argument("post_id", type=int)
@click.option("--sent", "decision", flag_value="sent",
              help="Unggahan sudah tampil di kanal: tandai terkirim.")
@click.option("--resend", "decision", flag_value="resend",
              help="Unggahan tidak tampil: kirim ulang pada `promo publish` berikutnya.")
@click.option("--channel", default=None,
              type=click.Choice(channel_registry.publishing()),
              help="Hanya kanal ini (bawaan: semua kanal yang perlu diselesaikan).")
@click.option("--as", "actor", default=None, help="Nama peninjau (bawaan: pengguna OS).")
@pass_app
def queue_resolve(app: AppContext, post_id: int, decision: str | None, channel: str | None,
                  actor: str | None) -> None:
    """Selesaikan pengiriman unggahan ID yang belum pasti (atau gagal, untuk --resend)."""
    from promo_pipeline.errors import UsageError
    from promo_pipeline.publish import resolve_post

    if decision is None:
        raise UsageError("pilih salah satu: --sent (sudah tampil) atau --resend (kirim ulang)")
    who = _reviewer(actor)
    ids = resolve_post(app.db, post_id, sent=decision == "sent", actor=who, channel=channel)
    what = "ditandai terkirim" if decision == "sent" else "dijadwalkan untuk dikirim ulang"
    click.echo(f"Unggahan #{post_id}: {len(ids)} pengiriman {what} oleh {who} "
               f"(#{', #'.join(str(i) for i in ids)}).")


# --- daemon --------------------------------------------------------------------------------------


@cli.command("daemon")
@pass_app
def daemon_cmd(app: AppContext) -> None:
    """Layanan terjadwal: run harian, publikasi pada slot, kedaluwarsa, rangkuman pekanan.

    Berhenti dengan rapi pada SIGTERM atau Ctrl-C. Log ke konsol dan ke logging.file.
    """
    from promo_pipeline import schedule

    schedule.run_daemon(app.config)
