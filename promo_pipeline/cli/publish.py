"""``promo publish`` and the outbox from the terminal (``promo queue deliveries``,
``promo queue resolve``)."""

from __future__ import annotations

import sys

import click

from promo_pipeline import present
from promo_pipeline.cli.app import AppContext, StatusWord, cli, emit_json, pass_app
from promo_pipeline.cli.queue import acting, queue_group
from promo_pipeline.publish import channels as channel_registry


@cli.command("publish")
@click.option("--now", "ignore_slots", is_flag=True,
              help="Kirim semua unggahan yang disetujui sekarang, tanpa menunggu slot publikasi.")
@click.option("--check", "check_only", is_flag=True,
              help="Hanya periksa kanal (pengaturan, token, versi Graph API); tidak mengirim.")
@click.option("--json", "as_json", is_flag=True, help="Cetak ringkasan sebagai JSON.")
@pass_app
def publish_cmd(app: AppContext, ignore_slots: bool, check_only: bool, as_json: bool) -> None:
    """Kirim unggahan yang disetujui dan sudah waktunya (slot publikasi, --now: segera).

    Tidak pernah mengirim dua kali: pengiriman yang mungkin sudah tayang menjadi "belum
    pasti"; Instagram dan Facebook diperiksa otomatis, selebihnya menunggu keputusan manusia
    (promo queue resolve). --check: satu baris per kanal, tanpa mengirim apa pun.
    """
    from promo_pipeline.lock import project_lock
    from promo_pipeline.publish import publish

    if check_only:
        from promo_pipeline.publish.check import check_publishing

        lines = check_publishing(app.config)
        if as_json:
            emit_json([c.to_json() for c in lines])
        for c in lines if not as_json else ():
            click.echo(c.line(), err=c.level == "fail")
        sys.exit(1 if any(c.level == "fail" for c in lines) else 0)

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
@click.option("--status", default=None, type=StatusWord(present.DELIVERY_STATUSES),
              help="Hanya pengiriman berstatus ini: "
                   f"{StatusWord(present.DELIVERY_STATUSES).choices()}.")
@click.option("--post", "post_id", type=int, default=None, help="Hanya pengiriman unggahan ini.")
@click.option("--json", "as_json", is_flag=True, help="Cetak array JSON.")
@pass_app
def queue_deliveries(app: AppContext, status: str | None, post_id: int | None,
                     as_json: bool) -> None:
    """Kotak keluar: pengiriman per unggahan dan kanal, dengan statusnya."""
    from promo_pipeline import publish as pub
    from promo_pipeline.present import delivery_status

    rows = (pub.deliveries_for_post(app.read_db, post_id) if post_id is not None
            else pub.list_deliveries(app.read_db, status=status))
    if post_id is not None and status:
        rows = [r for r in rows if r["status"] == status]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("Tidak ada pengiriman" + (f" berstatus {delivery_status(status)}." if status
                                          else "."))
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
@click.option("--as", "actor", default=None, metavar="NAMA",
              help="Akun peninjau yang tercatat (wajib; lihat `promo users list`).")
@pass_app
def queue_resolve(app: AppContext, post_id: int, decision: str | None, channel: str | None,
                  actor: str | None) -> None:
    """Selesaikan pengiriman unggahan ID yang belum pasti (atau gagal, untuk --resend).

    Keputusan ini dicatat atas nama akun peninjau --as (wajib, akun yang terdaftar dan
    berwenang atas kantor unggahan), seperti menyetujui."""
    from promo_pipeline.errors import UsageError
    from promo_pipeline.publish import resolve_post

    if decision is None:
        raise UsageError("pilih salah satu: --sent (sudah tampil) atau --resend (kirim ulang)")
    who = acting(app, post_id, actor, "resolve")
    ids = resolve_post(app.db, post_id, sent=decision == "sent", actor=who, channel=channel)
    what = "ditandai terkirim" if decision == "sent" else "dijadwalkan untuk dikirim ulang"
    click.echo(f"Unggahan #{post_id}: {len(ids)} pengiriman {what} oleh {who} "
               f"(#{', #'.join(str(i) for i in ids)}).")
