"""``promo review`` (serve the review page) and ``promo users`` (reviewer accounts)."""

from __future__ import annotations

import sys
from typing import Any

import click

from promo_pipeline.cli.app import AppContext, cli, emit_json, pass_app
from promo_pipeline.errors import PromoError, StorageError, UsageError, os_error_text


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
    try:
        server = make_server(cfg, host, port)
    except OSError as exc:
        where = f"alamat {host or cfg.review.host}:{port or cfg.review.port}"
        raise StorageError(os_error_text(exc, where)) from exc
    shown = server.effective_host
    click.echo(f"Halaman peninjauan: http://{shown}:{server.effective_port}/  (Ctrl+C untuk "
               "berhenti)")
    if not _loopback(shown):
        click.echo(f"Peringatan: halaman dilayani dengan HTTP biasa di {shown}: kata sandi dan "
                   "cookie sesi melintasi jaringan tanpa enkripsi. Pakai hanya di LAN kantor "
                   "yang tepercaya; selain itu tetap di 127.0.0.1 di belakang proxy HTTPS "
                   "(review.public_url).", err=True)
    if accounts.count_users(app.db) == 0:
        click.echo("Belum ada akun peninjau. Buat dulu: promo users add NAMA --role admin",
                   err=True)
    try:
        server.run()
    finally:
        server.close()


def _loopback(host: str) -> bool:
    import ipaddress

    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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


def _office_ids(app: AppContext, given: tuple[str, ...]) -> tuple[str, ...]:
    """``--offices A,B`` / ``--office A --office B`` as office ids of this install (exit 2
    naming an unknown one)."""
    ids = tuple(dict.fromkeys(i.strip() for g in given for i in g.split(",") if i.strip()))
    known = {o.id for o in app.config.offices}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UsageError(f"kantor {', '.join(unknown)} tidak ada di konfigurasi (kantor: "
                         f"{', '.join(sorted(known)) or '-'}; lihat `promo offices`)")
    return ids


def _scope_text(app: AppContext, user: Any) -> str:
    if user.every_office:
        return "semua kantor"
    names = {o.id: o.name for o in app.config.offices}
    return ", ".join(names.get(i, i) for i in user.offices)


_OFFICES_HELP = ("Kantor (unitKerjaId) yang boleh ditinjau; boleh diulang atau dipisah koma. "
                 "Tanpa opsi ini: semua kantor.")


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reviewer", "admin"]), default="reviewer",
              show_default=True, help="admin juga dapat mengelola akun dari halaman.")
@click.option("--offices", "--office", "offices", multiple=True, metavar="ID[,ID…]",
              help=_OFFICES_HELP)
@click.option("--password-stdin", is_flag=True,
              help="Baca kata sandi dari satu baris stdin (untuk skrip), tanpa ditanya.")
@pass_app
def users_add(app: AppContext, name: str, role: str, offices: tuple[str, ...],
              password_stdin: bool) -> None:
    """Tambah akun NAME."""
    from promo_pipeline import accounts

    name = accounts.check_name(name)
    scope = _office_ids(app, offices)
    if accounts.get_user(app.db, name) is not None:
        raise PromoError(f"akun {name!r} sudah ada")
    user = accounts.add_user(app.db, name, _read_password(password_stdin), role=role,
                             offices=scope)
    click.echo(f"Akun {user.name} ({user.role}, {_scope_text(app, user)}) dibuat.")


@users.command("edit")
@click.argument("name")
@click.option("--role", type=click.Choice(["reviewer", "admin"]), default=None,
              help="Peran baru.")
@click.option("--offices", "--office", "offices", multiple=True, metavar="ID[,ID…]",
              help="Kantor yang boleh ditinjau (menggantikan yang lama).")
@click.option("--all-offices", is_flag=True, help="Boleh meninjau semua kantor.")
@pass_app
def users_edit(app: AppContext, name: str, role: str | None, offices: tuple[str, ...],
               all_offices: bool) -> None:
    """Ubah peran atau kantor akun NAME."""
    from promo_pipeline import accounts

    if offices and all_offices:
        raise UsageError("pilih --offices atau --all-offices, tidak keduanya")
    scope: tuple[str, ...] | None = () if all_offices else (
        _office_ids(app, offices) if offices else None)
    if role is None and scope is None:
        raise UsageError("tidak ada yang diubah (pakai --role, --offices atau --all-offices)")
    user = accounts.update_user(app.db, name, role=role, offices=scope)
    click.echo(f"Akun {user.name}: {user.role}, {_scope_text(app, user)}.")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Cetak array JSON.")
@pass_app
def users_list(app: AppContext, as_json: bool) -> None:
    """Daftar akun (tanpa kata sandi)."""
    from promo_pipeline import accounts

    rows = accounts.list_users(app.read_db)
    if as_json:
        emit_json([u.to_json() for u in rows])
        return
    if not rows:
        click.echo("Belum ada akun. Buat dengan: promo users add NAMA --role admin")
        return
    from datetime import datetime

    from promo_pipeline import formats, present

    width = max(len(u.name) for u in rows)
    tz = app.config.default_timezone
    for u in rows:
        since = formats.datetime_medium(datetime.fromisoformat(u.created_at), tz)
        click.echo(f"{u.name:<{width}}  {present.role(u.role):<8}  sejak {since}  "
                   f"{_scope_text(app, u)}")


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
