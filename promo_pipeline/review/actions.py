"""What a reviewer does to a post: approve, reject, edit a caption, pick another design,
restore a text removed as personal data, reopen, download, settle a delivery. Each calls the
queue (or the publisher) and redirects back. A video design is made in the background
(:mod:`.jobs`); the post page polls ``/posts/<id>/render-status`` until it is done.
"""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, g, jsonify, redirect, request, send_file, url_for

from promo_pipeline import present
from promo_pipeline import queue as q
from promo_pipeline.errors import NotFoundError, PromoError
from promo_pipeline.lots import get_lot
from promo_pipeline.review import jobs, media, view
from promo_pipeline.review.app import cfg_of, get_db
from promo_pipeline.review.blueprint import (
    MAX_NAME,
    MAX_REASON,
    back,
    bp,
    channel_label,
    designs,
    form_text,
    last_image_change,
    load_post,
    max_caption_length,
    open_deliveries,
    scope,
    user_name,
)
from promo_pipeline.store import write_tx

logger = logging.getLogger(__name__)
design_label = present.design


@bp.route("/posts/<id:post_id>/approve", methods=["POST"])
def approve(post_id: int) -> Any:
    db = get_db()
    seen = form_text("seen", MAX_NAME, "Penanda versi")
    try:
        with write_tx(db):
            current = q.get_post(db, post_id)
            if seen and str(current.updated_at or "") != seen:
                flash("Unggahan ini diubah orang lain sejak Anda membukanya. Periksa lagi "
                      "sebelum menyetujui.", "error")
                return back(post_id)
            if current.blocked:
                flash("Tidak dapat disetujui: ada angka yang hilang atau salah (lihat "
                      "peringatan merah).", "error")
                return back(post_id)
            q.approve(db, post_id, actor=user_name())
    except NotFoundError:
        abort(404)
    except PromoError as exc:
        flash(f"Tidak dapat disetujui: {exc}", "error")
        return back(post_id)
    flash(f"Unggahan #{post_id} disetujui.", "success")
    return _next_pending(post_id)


@bp.route("/posts/<id:post_id>/reject", methods=["POST"])
def reject(post_id: int) -> Any:
    reason = " ".join(form_text("reason", MAX_REASON, "Alasan penolakan").split())
    if not reason:
        flash("Tuliskan alasan penolakan.", "error")
        return back(post_id, "#tolak")
    try:
        q.reject(get_db(), post_id, actor=user_name(), reason=reason)
    except NotFoundError:
        abort(404)
    except PromoError as exc:
        flash(f"Tidak dapat ditolak: {exc}", "error")
        return back(post_id)
    flash(f"Unggahan #{post_id} ditolak.", "success")
    return _next_pending(post_id)


def _next_pending(done_id: int) -> Any:
    """After a decision, go on to the next post awaiting review (the reviewer's work flow)."""
    rows = q.list_posts(get_db(), status="pending", limit=2, offices=scope())
    nxt = next((r for r in rows if r.id != done_id), None)
    if nxt is not None:
        return redirect(url_for("review.post", post_id=nxt.id), code=303)
    return redirect(url_for("review.queue"), code=303)


@bp.route("/posts/<id:post_id>/caption", methods=["POST"])
def edit_caption(post_id: int) -> Any:
    channel = form_text("channel", MAX_NAME, "Kanal")
    text = form_text("text", max_caption_length(), "Keterangan").replace("\r\n", "\n")
    p = load_post(post_id)
    if channel not in p.captions:
        flash("Kanal tidak dikenal untuk unggahan ini.", "error")
        return back(post_id)
    if not text.strip():
        flash("Keterangan tidak boleh kosong.", "error")
        return back(post_id, f"#kanal-{channel}")
    if text == p.captions[channel]:
        flash("Tidak ada perubahan pada keterangan.", "info")
        return back(post_id, f"#kanal-{channel}")
    try:
        q.edit_caption(get_db(), cfg_of(), post_id, channel, text, actor=user_name())
    except PromoError as exc:
        flash(f"Keterangan tidak disimpan: {exc}", "error")
        return back(post_id, f"#kanal-{channel}")
    # Shown inside the caption's own card, where the browser lands (#kanal-…).
    flash(f"Keterangan {channel_label(channel)} disimpan ✓ — pemeriksaan diulang.",
          f"saved-{channel}")
    return back(post_id, f"#kanal-{channel}")


@bp.route("/posts/<id:post_id>/restore", methods=["POST"])
def restore(post_id: int) -> Any:
    """Put back one text removed as personal data: only with the confirmation box ticked and
    a reason (:func:`promo_pipeline.queue.restore_redaction` records who, what and why)."""
    kind = form_text("kind", MAX_NAME, "Jenis data")
    text = form_text("text", MAX_REASON, "Teks")
    reason = " ".join(form_text("reason", MAX_REASON, "Alasan pemulihan").split())
    load_post(post_id)
    if request.form.get("confirm") != "1" or not reason:
        flash("Untuk memulihkan data pribadi, centang konfirmasi dan tuliskan alasannya. "
              "Tidak ada yang dipulihkan.", "error")
        return back(post_id, "#data-pribadi")
    try:
        q.restore_redaction(get_db(), cfg_of(), post_id, kind=kind or None, text=text,
                            actor=user_name(), reason=reason)
    except PromoError as exc:
        flash(f"Tidak dapat dipulihkan: {exc}", "error")
        return back(post_id, "#data-pribadi")
    flash(f"\u201c{text}\u201d dipulihkan untuk unggahan ini dan tercatat di riwayat. Teks itu "
          "tidak dimasukkan sendiri: tulis di keterangan bila memang perlu (pemeriksaan tetap "
          "memberi peringatan data pribadi).", "success")
    return back(post_id, "#data-pribadi")


@bp.route("/posts/<id:post_id>/template", methods=["POST"])
def rerender(post_id: int) -> Any:
    cfg = cfg_of()
    db = get_db()
    p = load_post(post_id)
    design = form_text("design", MAX_NAME, "Desain")
    if design not in designs():
        flash("Desain tidak dikenal.", "error")
        return back(post_id)
    if not p.editable or p.kind == q.DIGEST or not p.lot_ids:
        flash("Desain hanya dapat diganti untuk unggahan lot yang belum terbit.", "error")
        return back(post_id)
    lot = get_lot(db, p.lot_ids[0])
    if lot is None:
        abort(404)
    if jobs.is_video_design(cfg, design):
        return _start_video(p, design)
    from promo_pipeline import render  # lazily: Pillow and fonts only when re-rendering

    try:
        results = render.render_lot(cfg, db, lot, formats=[design], force=False)
        made = jobs.post_images(cfg, [Path(r.path) for r in results], post_id)
        images, shown = view.merge_design(p.images, made, design, designs())
        q.set_images(db, cfg, post_id, images, actor=user_name(), template=design,
                     replaces=p.images)
    except PromoError as exc:
        flash(f"Gambar desain {design_label(design)} tidak dibuat: {exc}", "error")
        return back(post_id)
    flash(f"Gambar desain {design_label(design)} dibuat; gambar lain tetap ada. Tekan "
          "“Urungkan” untuk kembali ke gambar sebelumnya.", "success")
    return redirect(url_for("review.post", post_id=post_id, gambar=shown + 1) + "#gambar",
                    code=303)


def _start_video(p: q.Post, design: str) -> Any:
    """A video design renders in the background (seconds, hundreds of MB): the request only
    starts the job, or joins the one already running, and the post page follows its status."""
    try:
        _job, joined = jobs.of_app(current_app).start(p.id, design, user_name(), p.status)
    except jobs.QueueFull as exc:
        flash(f"Desain {design_label(design)} belum dapat dibuat: {exc}.", "error")
        return back(p.id)
    if joined:
        flash(f"Desain {design_label(design)} sudah sedang dibuat; tunggu hingga selesai.",
              "info")
    return back(p.id, "#gambar")


@bp.route("/posts/<id:post_id>/render-status")
def render_status(post_id: int) -> Any:
    """The post's background renders as JSON (the post page polls this while one runs); a
    finished one asked by this reviewer is also put in the flash messages of the next page."""
    load_post(post_id)
    registry = jobs.of_app(current_app)
    running = [j.to_json() for j in registry.for_post(post_id) if j.active]
    finished = take_render_results(post_id)
    return jsonify({"running": running, "finished": finished})


def take_render_results(post_id: int) -> list[dict[str, Any]]:
    """Flash the finished background renders this reviewer asked for (each shown once)."""
    g_user = g.get("user")
    if g_user is None:
        return []
    done = jobs.of_app(current_app).take_result(post_id, g_user.name)
    for job in done:
        flash(job.message, "success" if job.state == jobs.DONE else "error")
    return [j.to_json() for j in done]


@bp.route("/posts/<id:post_id>/images/undo", methods=["POST"])
def undo_images(post_id: int) -> Any:
    """Put back the images the post had before its last image change (kept on disk)."""
    cfg = cfg_of()
    p = load_post(post_id)
    event = last_image_change(post_id)
    if event is None:
        flash("Tidak ada perubahan gambar yang dapat diurungkan.", "error")
        return back(post_id)
    old = [str(rel) for rel in event.detail["old"]]
    missing = [rel for rel in old if not (cfg.output_dir / rel).is_file()]
    if missing or not old:
        flash("Gambar sebelumnya sudah tidak ada di folder keluaran; buat ulang dengan "
              "memilih desainnya.", "error")
        return back(post_id)
    try:
        q.set_images(db=get_db(), cfg=cfg, post_id=post_id, images=old, actor=user_name(),
                     replaces=p.images)
    except PromoError as exc:
        flash(f"Tidak dapat diurungkan: {exc}", "error")
        return back(post_id)
    flash("Perubahan gambar diurungkan.", "success")
    return back(post_id, "#gambar")


@bp.route("/posts/<id:post_id>/download.zip")
def download_zip(post_id: int) -> Any:
    cfg = cfg_of()
    p = load_post(post_id)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for rel in p.images:
            try:
                path = media.safe_path(cfg, "out", str(rel))
            except NotFoundError:
                continue
            zf.write(path, arcname=path.name)
        for ch, text in p.captions.items():
            zf.writestr(f"keterangan-{ch}.txt", text or "")
    buf.seek(0)
    return send_file(buf, mimetype="application/zip", as_attachment=True,
                     download_name=f"unggahan-{post_id}.zip")


@bp.route("/posts/<id:post_id>/deliveries/<id:delivery_id>/resolve", methods=["POST"])
def resolve_delivery(post_id: int, delivery_id: int) -> Any:
    action = form_text("action", MAX_NAME, "Tindakan")
    if action not in ("sent", "resend"):
        abort(400)
    delivery = next((d for d in open_deliveries(post_id) if d.get("id") == delivery_id), None)
    if delivery is None:
        abort(404)
    if action == "sent" and delivery.get("status") != "unconfirmed":
        abort(400)
    try:
        from promo_pipeline.publish import resolve_unconfirmed

        resolve_unconfirmed(get_db(), delivery_id, sent=action == "sent", actor=user_name())
    except PromoError as exc:
        flash(f"Tidak dapat diselesaikan: {exc}", "error")
        return back(post_id, "#pengiriman")
    flash("Pengiriman ditandai terkirim." if action == "sent"
          else "Pengiriman dijadwalkan untuk dikirim ulang pada jadwal terbit berikutnya.",
          "success")
    return back(post_id, "#pengiriman")


@bp.route("/posts/<id:post_id>/reopen", methods=["POST"])
def reopen(post_id: int) -> Any:
    """Send an approved or rejected post back to review (approved: nothing goes out)."""
    reason = " ".join(form_text("reason", MAX_REASON, "Catatan").split())
    p = load_post(post_id)
    if p.status not in q.REOPENABLE:
        flash("Unggahan ini tidak dapat dikembalikan ke antrean tinjauan.", "error")
        return back(post_id)
    why = ("persetujuan dibatalkan" if p.status == q.APPROVED else "dibuka kembali")
    try:
        q.transition(get_db(), post_id, "pending", actor=user_name(),
                     reason=f"{why}: {reason}" if reason else why)
    except NotFoundError:
        abort(404)
    except PromoError as exc:
        flash(f"Tidak dapat dikembalikan: {exc}", "error")
        return back(post_id)
    flash(f"Unggahan #{post_id} kembali menunggu tinjauan.", "success")
    return back(post_id)
