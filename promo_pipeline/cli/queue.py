"""``promo queue``: the review queue from the terminal (list, show, approve, reject, edit,
restore, history)."""

from __future__ import annotations

from typing import Any

import click

from promo_pipeline import present
from promo_pipeline.cli.app import AppContext, StatusWord, emit_json, pass_app
from promo_pipeline.cli.app import cli as root
from promo_pipeline.titles import KINDS as REDACTION_KINDS


def _post_deadline(app: AppContext, post: Any) -> str:
    from promo_pipeline import clock, formats

    when = clock.parse(post.deadline_at)
    if when is None:
        return "-"
    return formats.datetime_medium(when, app.config.timezone_of(post.office_id))


@root.group("queue", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Cetak array JSON (kontrak publik).")
@click.option("--status", default=None, type=StatusWord(present.POST_STATUSES),
              help="Hanya unggahan berstatus ini, dengan kata di tabel: "
                   f"{StatusWord(present.POST_STATUSES).choices()}.")
@click.option("--office", default=None, help="Hanya unggahan kantor ini (unitKerjaId).")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Paling banyak sekian unggahan.")
@click.option("--as", "actor", default=None, metavar="NAMA",
              help="Hanya unggahan kantor yang boleh ditinjau akun ini.")
@click.pass_context
def queue_group(ctx: click.Context, as_json: bool, status: str | None, office: str | None,
                limit: int | None, actor: str | None) -> None:
    """Antrean unggahan untuk ditinjau (tanpa subperintah: tampilkan daftar)."""
    if ctx.invoked_subcommand is not None:
        return
    from promo_pipeline import present
    from promo_pipeline import queue as q

    app = ctx.find_object(AppContext)
    account = _account(app, actor) if actor else None
    scope = None if account is None or account.every_office else account.offices
    posts = q.list_posts(app.read_db, status=status, office_id=office, limit=limit,
                         offices=scope)
    if as_json:
        emit_json([p.to_json(app.config) for p in posts])
        return
    from rich.console import Console
    from rich.table import Table

    from promo_pipeline import formats

    counts = q.count_by_status(app.read_db, offices=scope)
    table = Table(title=f"{len(posts)} unggahan")
    for col in ("ID", "Jenis", "Status", "Versi", "Judul", "Batas", "Pemeriksaan"):
        table.add_column(col, overflow="fold")
    for p in posts:
        table.add_row(str(p.id), present.post_kind(p.kind), present.post_status(p.status),
                      str(p.version), formats.shorten(present.post_title(p), 70),
                      _post_deadline(app, p), present.lint_summary(p.lint))
    console = Console()
    if posts:
        console.print(table)
    else:
        console.print("Tidak ada unggahan"
                      + (f" berstatus {present.post_status(status)}." if status else "."))
    summary = " · ".join(f"{present.post_status(s)}: {n}" for s, n in counts.items() if n)
    console.print(f"Jumlah per status: {summary or 'antrean kosong'}")


@queue_group.command("show")
@click.argument("post_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Cetak objek JSON.")
@pass_app
def queue_show(app: AppContext, post_id: int, as_json: bool) -> None:
    """Tampilkan satu unggahan: keterangan per kanal, pemeriksaan, perubahan, riwayat."""
    from babel.numbers import format_decimal

    from promo_pipeline import present
    from promo_pipeline import queue as q
    from promo_pipeline.lots import get_lots
    from promo_pipeline.publish import channels as registry

    post = q.get_post(app.read_db, post_id)
    if as_json:
        data = post.to_json(app.config)
        data["events"] = [e.to_json() for e in q.events(app.read_db, post_id=post_id)]
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
        limit = registry.caption_limit(channel) if channel in registry.captioned() else None
        size = (f"{format_decimal(limit.measure(text), locale='id')}"
                f"/{format_decimal(limit.max_length, locale='id')}") if limit else ""
        echo(f"\n── {channel} ({size}) " + "─" * 20)
        echo(text)
    removed = q.removed_items(app.read_db, app.config, post, get_lots(app.read_db, post.lot_ids))
    if removed:
        echo("\nData pribadi yang dihapus (tidak dimuat di gambar maupun keterangan):")
        for r in removed:
            done = (f" — dipulihkan oleh {r.restored.actor} pada {r.restored.at}"
                    if r.restored else "")
            echo(f"  - {present.redaction_kind(r.kind)}: {r.text}{done}")
    echo("\nPemeriksaan:")
    if not post.lint:
        echo("  semua aman")
    for f in post.lint:
        echo(f"  [{present.lint_level(f.get('level'))}] {f.get('channel')}: {f.get('message')}")
    echo("\nRiwayat:")
    for e in q.events(app.read_db, post_id=post_id, limit=20):
        echo(f"  {e.at}  {e.actor}: {_event_move(e)}" + (f" ({e.reason})" if e.reason else ""))


def _account(app: AppContext, name: str | None) -> Any:
    """The account named by ``--as`` (None when no account has that name)."""
    from promo_pipeline import accounts

    return accounts.get_user(app.db, name) if name else None


def acting(app: AppContext, post_id: int, actor: str | None, action: str) -> str:
    """The named account *action* on *post_id* is recorded under: ``--as`` must name an
    existing account (:func:`accounts.require_reviewer`, exit 2 otherwise), then the account's
    office check (refused and recorded outside its offices: exit 2)."""
    from promo_pipeline import accounts
    from promo_pipeline import queue as q

    account = accounts.require_reviewer(app.db, actor)
    q.check_office(app.db, post_id, account, action=action)
    return str(account.name)


def _event_move(e: Any) -> str:
    if e.action in ("transition", "create"):
        return f"{e.from_status or '-'} → {e.to_status}"
    from promo_pipeline import present

    return present.event_action(e.action)


@queue_group.command("approve")
@click.argument("post_id", type=int)
@click.option("--as", "actor", default=None, metavar="NAMA",
              help="Akun peninjau yang tercatat (wajib; lihat `promo users list`).")
@pass_app
def queue_approve(app: AppContext, post_id: int, actor: str | None) -> None:
    """Setujui unggahan ID (ditolak bila ada angka yang hilang/salah atau lelang berakhir)."""
    from promo_pipeline import queue as q

    who = acting(app, post_id, actor, "approve")
    q.approve(app.db, post_id, actor=who)
    click.echo(f"Unggahan #{post_id} disetujui oleh {who}.")


@queue_group.command("reject")
@click.argument("post_id", type=int)
@click.option("--reason", required=True, help="Alasan penolakan (wajib).")
@click.option("--as", "actor", default=None, metavar="NAMA",
              help="Akun peninjau yang tercatat (wajib; lihat `promo users list`).")
@pass_app
def queue_reject(app: AppContext, post_id: int, reason: str, actor: str | None) -> None:
    """Tolak unggahan ID dengan alasan."""
    from promo_pipeline import queue as q

    who = acting(app, post_id, actor, "reject")
    q.reject(app.db, post_id, actor=who, reason=reason)
    click.echo(f"Unggahan #{post_id} ditolak oleh {who}.")


@queue_group.command("edit")
@click.argument("post_id", type=int)
@click.option("--channel", required=True,
              help="Kanal keterangan: instagram, facebook, telegram, x, threads.")
@click.option("--caption-file", type=click.File("r", encoding="utf-8"), default=None,
              help="Ambil keterangan baru dari berkas ('-' untuk stdin) alih-alih $EDITOR.")
@click.option("--as", "actor", default=None, metavar="NAMA",
              help="Akun peninjau yang tercatat (wajib; lihat `promo users list`).")
@pass_app
def queue_edit(app: AppContext, post_id: int, channel: str, caption_file: Any,
               actor: str | None) -> None:
    """Ubah keterangan satu kanal (membuka $EDITOR); pemeriksaan diulang."""
    from promo_pipeline import present
    from promo_pipeline import queue as q
    from promo_pipeline.errors import UsageError

    who = acting(app, post_id, actor, "edit")
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
    updated = q.edit_caption(app.db, app.config, post_id, channel, text, actor=who)
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


@queue_group.command("restore")
@click.argument("post_id", type=int)
@click.option("--text", "text", required=True,
              help="Teks yang dihapus sebagai data pribadi, seperti di `promo queue show` "
                   "(huruf besar/kecil tidak dibedakan).")
@click.option("--reason", required=True, help="Alasan pemulihan (wajib; tercatat di riwayat).")
@click.option("--kind", default=None,
              type=click.Choice(REDACTION_KINDS),
              help="Jenisnya, bila teks yang sama dihapus sebagai beberapa jenis.")
@click.option("--as", "actor", default=None, metavar="NAMA",
              help="Akun peninjau yang tercatat (wajib; lihat `promo users list`).")
@pass_app
def queue_restore(app: AppContext, post_id: int, text: str, reason: str, kind: str | None,
                  actor: str | None) -> None:
    """Pulihkan satu teks yang dihapus sebagai data pribadi (tercatat: siapa, apa, alasannya).

    Teks tidak dimasukkan sendiri ke keterangan atau gambar; sesudahnya, menuliskannya di
    keterangan (`promo queue edit`) tidak lagi memblokir persetujuan."""
    from promo_pipeline import queue as q

    who = acting(app, post_id, actor, "restore")
    q.restore_redaction(app.db, app.config, post_id, text=text, kind=kind, actor=who,
                        reason=reason)
    click.echo(f"Data pribadi \u201c{text.strip()}\u201d unggahan #{post_id} dipulihkan oleh "
               f"{who}; tercatat di riwayat.")


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

    rows = q.events(app.read_db, post_id=post_id, actor=actor, limit=limit)
    if as_json:
        emit_json([e.to_json() for e in rows])
        return
    if not rows:
        click.echo("Belum ada riwayat.")
    for e in rows:
        click.echo(f"{e.at}  #{e.post_id}  {e.actor}: {_event_move(e)}"
                   + (f" ({e.reason})" if e.reason else ""))
