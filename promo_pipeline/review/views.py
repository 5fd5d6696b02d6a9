"""The review page's routes: login, queue, post, actions, history, accounts, media.

Every handler is thin: it reads the form, calls the queue API (:mod:`promo_pipeline.queue`) or
:mod:`.auth`, and renders a template or redirects back with a flash message. Expected failures
(:class:`~promo_pipeline.errors.PromoError`) become a flash message, never a traceback.
"""

from __future__ import annotations

import io
import logging
import secrets
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from promo_pipeline import accounts, clock, formats, present
from promo_pipeline import captions as cap
from promo_pipeline import queue as q
from promo_pipeline.errors import AdminRuleError, NotFoundError, PhotoError, PromoError
from promo_pipeline.lots import Lot, get_lot, get_lots
from promo_pipeline.review import media
from promo_pipeline.review.app import _local_next, cfg_of, csrf_token, get_db
from promo_pipeline.store import write_tx

logger = logging.getLogger(__name__)

bp = Blueprint("review", __name__)

SELLER_LABELS = {
    "namaPenjual": "Penjual", "namaOrganisasiPenjual": "Organisasi", "nomorTelepon": "Telepon",
    "alamat": "Alamat", "namaKota": "Kota", "namaProvinsi": "Provinsi", "name": "Penjual",
    "organization": "Organisasi", "phone": "Telepon", "address": "Alamat", "city": "Kota",
    "province": "Provinsi",
}
ITEM_LABELS = {
    "kind": "Jenis", "address": "Alamat", "area_m2": "Luas", "ownership": "Bukti kepemilikan",
    "year": "Tahun", "color": "Warna", "plate": "Nomor polisi", "frame_number": "Nomor rangka",
    "description": "Keterangan",
}


def _cap(word: str) -> str:
    """A presenter word as a badge or tab shows it: first letter capitalised."""
    return word[:1].upper() + word[1:]


def _channel_label(channel: str) -> str:
    limit = cap.LIMITS.get(channel)
    return limit.label if limit is not None and limit.label else channel


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        status_label=lambda s: _cap(present.post_status(s)),
        delivery_label=lambda s: _cap(present.delivery_status(s)),
        kind_label=lambda k: _cap(present.post_kind(k)),
        channel_label=_channel_label,
        role_label=lambda r: _cap(present.role(r)),
        action_label=present.event_action,
        STATUSES=q.STATUSES,
    )
    app.jinja_env.filters["when"] = _when
    app.jinja_env.filters["rupiah"] = lambda v: formats.rupiah(v) if v is not None else "—"

    @app.context_processor
    def _ctx() -> dict[str, Any]:
        cfg = cfg_of()
        return {"user": g.get("user"), "brand_name": cfg.brand.name or "Promo Pipeline",
                "is_admin": bool(g.get("user") and g.user.is_admin)}


def _when(value: str | datetime | None, tz: str | None = None) -> str:
    """An ISO timestamp as staff read it, in the office zone with its label."""
    if not value:
        return "—"
    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if when.tzinfo is None:
        return str(value)
    return formats.datetime_medium(when, tz or cfg_of().default_timezone)


def _user_name() -> str:
    return str(g.user.name)


def _require_admin() -> None:
    if not g.user or not g.user.is_admin:
        abort(403)


def _back(post_id: int, anchor: str = "") -> Any:
    return redirect(url_for("review.post", post_id=post_id) + anchor, code=303)


def _load_post(post_id: int) -> q.Post:
    try:
        return q.get_post(get_db(), post_id)
    except NotFoundError:
        abort(404)


def _channel_limits() -> dict[str, dict[str, Any]]:
    """Per channel: ``max``, ``unit`` (how it is counted, for the live counter), ``hashtags``."""
    return {ch: {"max": lim.max, "unit": lim.unit, "hashtags": lim.hashtags}
            for ch, lim in cap.LIMITS.items()}


def _lot_link(url: str | None) -> str | None:
    """The lot page link, only when it really points at the configured lelang.go.id site."""
    if not url:
        return None
    site = cfg_of().source.site_base.rstrip("/") + "/"
    if url.startswith(site) or url.startswith("https://lelang.go.id/"):
        return url
    return None


def _facts(lot: Lot) -> dict[str, Any]:
    tz = cfg_of().timezone_of(lot.office_id)
    items = []
    for item in lot.items:
        details = []
        for key, value in item.to_dict().items():
            if key == "name":
                continue
            if key == "area_m2":
                value = formats.area(value)
            details.append((ITEM_LABELS.get(key, key), value))
        items.append({"name": item.name, "details": details})
    seller = [(SELLER_LABELS.get(k, k), v) for k, v in (lot.seller or {}).items() if v]
    return {
        "lot": lot,
        "tz": tz,
        "zone": formats.zone_label(tz, lot.ends_at),
        "limit": formats.rupiah(lot.limit_value),
        "deposit": formats.rupiah(lot.deposit),
        "starts_at": formats.datetime_long(lot.starts_at, tz) if lot.starts_at else None,
        "ends_at": formats.datetime_long(lot.ends_at, tz),
        "deposit_deadline": (formats.datetime_long(lot.deposit_deadline, tz)
                             if lot.deposit_deadline else None),
        "objects": items,
        "seller": seller,
        "link": _lot_link(lot.url),
    }


def _image_entries(post: q.Post) -> list[dict[str, Any]]:
    out = []
    for rel in post.images:
        rel = str(rel)
        name = Path(rel).name
        stem = Path(rel).stem.lower()
        fmt = next((f for f in ("feed", "story", "square", "carousel", "digest") if f in stem),
                   None)
        out.append({"rel": rel, "name": name, "format": fmt,
                    "full": url_for("review.media_file", root="out", rel=rel),
                    "thumb": url_for("review.thumb", root="out", rel=rel),
                    "download": url_for("review.media_file", root="out", rel=rel, download=1)})
    return out


def _open_deliveries(post_id: int) -> list[dict[str, Any]]:
    """Deliveries that need a human: ``unconfirmed`` (may have gone out) and ``failed``."""
    from promo_pipeline.publish import deliveries_for_post

    return [d for d in deliveries_for_post(get_db(), post_id)
            if d["status"] in ("unconfirmed", "failed")]


def _designs() -> list[str]:
    """Names of the designs a reviewer may pick for one lot (the weekly digest is not one)."""
    from promo_pipeline import render  # lazily: Pillow and fonts only when a post page needs it

    return [name for name in render.available_designs(cfg_of()) if name != "digest"]


# --- login / logout ------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    cfg = cfg_of()
    next_url = _local_next(request.values.get("next"))
    if g.user and request.method == "GET":
        return redirect(next_url or url_for("review.queue"), code=303)
    if request.method == "GET":
        csrf_token()
        return render_template("login.html", next=next_url, name="",
                               no_accounts=accounts.count_users(get_db()) == 0)
    db = get_db()
    name = (request.form.get("name") or "").strip()[:80]
    password = request.form.get("password") or ""
    client = request.remote_addr or "-"
    until = accounts.locked_until(db, name, client)
    if until is None and name:
        user = accounts.verify(db, name, password)
        if user is not None:
            accounts.clear_failures(db, name, client)
            # A fresh session: nothing an attacker planted before login survives it.
            old_sid = session.get("sid")
            session.clear()
            accounts.end_session(db, old_sid)
            session["sid"] = accounts.create_session(
                db, user.name, hours=cfg.review.session_hours,
                client=f"{client} {request.user_agent.string[:150]}")
            session["csrf"] = secrets.token_urlsafe(32)
            session.permanent = True
            logger.info("review: %s logged in from %s", user.name, client)
            return redirect(next_url or url_for("review.queue"), code=303)
        until = accounts.record_failure(db, name, client,
                                        max_failures=cfg.review.max_login_failures,
                                        lockout_minutes=cfg.review.lockout_minutes)
    if until is not None:
        minutes = max(1, round((until - clock.now()).total_seconds() / 60))
        flash(f"Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {minutes} menit.",
              "error")
        status = 429
    else:
        flash("Nama atau kata sandi salah.", "error")
        status = 401
    return render_template("login.html", next=next_url, name=name, no_accounts=False), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    accounts.end_session(get_db(), session.get("sid"))
    session.clear()
    flash("Anda telah keluar.", "info")
    return redirect(url_for("review.login"), code=303)


# --- queue ---------------------------------------------------------------------------------------


@bp.route("/")
def index() -> Any:
    return redirect(url_for("review.queue"), code=303)


@bp.route("/queue")
def queue() -> Any:
    cfg = cfg_of()
    db = get_db()
    status = request.args.get("status", "pending")
    if status != "all" and status not in q.STATUSES:
        status = "pending"
    office = request.args.get("office") or None
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    size = cfg.review.page_size
    rows = q.list_posts(db, status=None if status == "all" else status, office_id=office,
                        limit=size + 1, offset=(page - 1) * size)
    has_next = len(rows) > size
    posts = rows[:size]
    counts = q.count_by_status(db)
    lots = {lot.id: lot for lot in get_lots(db, (i for p in posts for i in p.lot_ids))}
    entries = []
    for p in posts:
        first = next(iter(p.images), None)
        lot = lots.get(p.lot_ids[0]) if p.lot_ids else None
        title = lot.title if lot is not None else (
            f"Rangkuman {len(p.lot_ids)} lot" if p.kind == q.DIGEST else "—")
        entries.append({
            "post": p,
            "lot": lot,
            "title": title,
            "thumb": url_for("review.thumb", root="out", rel=str(first)) if first else None,
            "blocking": p.blocked,
            "warnings": len(p.lint) - len(p.blocking_findings),
            "tz": cfg.timezone_of(lot.office_id if lot is not None else p.office_id),
        })
    offices = [(o.id, o.name) for o in cfg.offices]
    return render_template(
        "queue.html", entries=entries, counts=counts, total=sum(counts.values()), status=status,
        office=office, offices=offices, page=page, has_next=has_next,
    )


# --- one post ------------------------------------------------------------------------------------


@bp.route("/posts/<int:post_id>")
def post(post_id: int) -> Any:
    cfg = cfg_of()
    db = get_db()
    p = _load_post(post_id)
    facts = [_facts(lot) for lot in get_lots(db, p.lot_ids)]
    tz = facts[0]["tz"] if facts else cfg.timezone_of(p.office_id)
    limits = _channel_limits()
    lint_by_channel: dict[str, list[dict[str, Any]]] = {}
    general = []
    for finding in p.lint:
        item: dict[str, Any] = dict(finding)
        item["blocking"] = finding in p.blocking_findings
        if item.get("channel") and item["channel"] in p.captions:
            lint_by_channel.setdefault(item["channel"], []).append(item)
        else:
            general.append(item)
    captions = []
    for ch, text in p.captions.items():
        limit = limits.get(ch, {"max": 0, "unit": "chars", "hashtags": None})
        captions.append({"channel": ch, "text": text, "limit": limit["max"],
                         "mode": limit["unit"], "hashtags": limit["hashtags"],
                         "length": cap.measure(ch, text), "lint": lint_by_channel.get(ch, [])})
    changes = [{"label": label, "old": old, "new": new}
               for label, old, new in present.change_lines(p.changes)]
    try:
        history = q.events(db, post_id=post_id, limit=50)
    except PromoError:
        history = []
    return render_template(
        "post.html", post=p, facts=facts, captions=captions, general_lint=general,
        blocking=p.blocked, changes=changes, images=_image_entries(p),
        actionable=p.status == q.PENDING, editable=p.editable,
        reopenable=p.status in q.REOPENABLE, designs=_designs(),
        deliveries=_open_deliveries(post_id), history=history, tz=tz,
        primary=cfg.captions.primary,
    )


@bp.route("/posts/<int:post_id>/approve", methods=["POST"])
def approve(post_id: int) -> Any:
    db = get_db()
    seen = request.form.get("seen", "")
    try:
        with write_tx(db):
            current = q.get_post(db, post_id)
            if seen and str(current.updated_at or "") != seen:
                flash("Unggahan ini diubah orang lain sejak Anda membukanya. Periksa lagi "
                      "sebelum menyetujui.", "error")
                return _back(post_id)
            if current.blocked:
                flash("Tidak dapat disetujui: ada angka yang hilang atau salah (lihat "
                      "peringatan merah).", "error")
                return _back(post_id)
            q.approve(db, post_id, actor=_user_name())
    except NotFoundError:
        abort(404)
    except PromoError as exc:
        flash(f"Tidak dapat disetujui: {exc}", "error")
        return _back(post_id)
    flash(f"Unggahan #{post_id} disetujui.", "success")
    return _next_pending(post_id)


@bp.route("/posts/<int:post_id>/reject", methods=["POST"])
def reject(post_id: int) -> Any:
    reason = " ".join((request.form.get("reason") or "").split())
    if not reason:
        flash("Tuliskan alasan penolakan.", "error")
        return _back(post_id, "#tolak")
    if len(reason) > 1000:
        flash("Alasan penolakan terlalu panjang (maksimal 1.000 karakter).", "error")
        return _back(post_id, "#tolak")
    try:
        q.reject(get_db(), post_id, actor=_user_name(), reason=reason)
    except NotFoundError:
        abort(404)
    except PromoError as exc:
        flash(f"Tidak dapat ditolak: {exc}", "error")
        return _back(post_id)
    flash(f"Unggahan #{post_id} ditolak.", "success")
    return _next_pending(post_id)


def _next_pending(done_id: int) -> Any:
    """After a decision, go on to the next post awaiting review (the reviewer's work flow)."""
    rows = q.list_posts(get_db(), status="pending", limit=2)
    nxt = next((r for r in rows if r.id != done_id), None)
    if nxt is not None:
        return redirect(url_for("review.post", post_id=nxt.id), code=303)
    return redirect(url_for("review.queue"), code=303)


@bp.route("/posts/<int:post_id>/caption", methods=["POST"])
def edit_caption(post_id: int) -> Any:
    channel = request.form.get("channel") or ""
    text = (request.form.get("text") or "").replace("\r\n", "\n")
    p = _load_post(post_id)
    if channel not in p.captions:
        flash("Kanal tidak dikenal untuk unggahan ini.", "error")
        return _back(post_id)
    if not text.strip():
        flash("Keterangan tidak boleh kosong.", "error")
        return _back(post_id, f"#kanal-{channel}")
    if text == p.captions[channel]:
        flash("Tidak ada perubahan pada keterangan.", "info")
        return _back(post_id, f"#kanal-{channel}")
    try:
        q.edit_caption(get_db(), cfg_of(), post_id, channel, text, actor=_user_name())
    except PromoError as exc:
        flash(f"Keterangan tidak disimpan: {exc}", "error")
        return _back(post_id, f"#kanal-{channel}")
    flash(f"Keterangan {_channel_label(channel)} disimpan; pemeriksaan diulang.",
          "success")
    return _back(post_id, f"#kanal-{channel}")


@bp.route("/posts/<int:post_id>/template", methods=["POST"])
def rerender(post_id: int) -> Any:
    cfg = cfg_of()
    db = get_db()
    p = _load_post(post_id)
    design = request.form.get("design") or ""
    if design not in _designs():
        flash("Desain tidak dikenal.", "error")
        return _back(post_id)
    if not p.editable or p.kind == q.DIGEST or not p.lot_ids:
        flash("Desain hanya dapat diganti untuk unggahan lot yang belum terbit.", "error")
        return _back(post_id)
    lot = get_lot(db, p.lot_ids[0])
    if lot is None:
        abort(404)
    from promo_pipeline import render  # lazily: Pillow and fonts only when re-rendering

    try:
        results = render.render_lot(cfg, db, lot, formats=[design], force=False)
        out = cfg.output_dir.resolve()
        # Only files inside the output folder may become a post's images.
        images = [str(Path(r.path).resolve().relative_to(out)) for r in results]
        if not images:
            raise PromoError("renderer tidak menghasilkan gambar")
        q.set_images(db, cfg, post_id, images, actor=_user_name(), template=design)
    except PromoError as exc:
        flash(f"Render ulang gagal: {exc}", "error")
        return _back(post_id)
    except ValueError:
        logger.error("review: renderer wrote outside output_dir for post %s", post_id)
        flash("Render ulang gagal: berkas di luar folder keluaran.", "error")
        return _back(post_id)
    flash(f"Gambar dirender ulang dengan desain {design}.", "success")
    return _back(post_id, "#gambar")


@bp.route("/posts/<int:post_id>/download.zip")
def download_zip(post_id: int) -> Any:
    cfg = cfg_of()
    p = _load_post(post_id)
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


@bp.route("/posts/<int:post_id>/deliveries/<int:delivery_id>/resolve", methods=["POST"])
def resolve_delivery(post_id: int, delivery_id: int) -> Any:
    action = request.form.get("action") or ""
    if action not in ("sent", "resend"):
        abort(400)
    delivery = next((d for d in _open_deliveries(post_id) if d.get("id") == delivery_id), None)
    if delivery is None:
        abort(404)
    if action == "sent" and delivery.get("status") != "unconfirmed":
        abort(400)
    try:
        from promo_pipeline.publish import resolve_unconfirmed

        resolve_unconfirmed(get_db(), delivery_id, sent=action == "sent", actor=_user_name())
    except PromoError as exc:
        flash(f"Tidak dapat diselesaikan: {exc}", "error")
        return _back(post_id, "#pengiriman")
    flash("Pengiriman ditandai terkirim." if action == "sent"
          else "Pengiriman dijadwalkan untuk dikirim ulang pada jadwal terbit berikutnya.",
          "success")
    return _back(post_id, "#pengiriman")


@bp.route("/posts/<int:post_id>/reopen", methods=["POST"])
def reopen(post_id: int) -> Any:
    """Send an approved or rejected post back to review (approved: nothing goes out)."""
    p = _load_post(post_id)
    if p.status not in q.REOPENABLE:
        flash("Unggahan ini tidak dapat dikembalikan ke antrean tinjauan.", "error")
        return _back(post_id)
    reason = " ".join((request.form.get("reason") or "").split())[:1000]
    why = ("persetujuan dibatalkan" if p.status == q.APPROVED else "dibuka kembali")
    try:
        q.transition(get_db(), post_id, "pending", actor=_user_name(),
                     reason=f"{why}: {reason}" if reason else why)
    except NotFoundError:
        abort(404)
    except PromoError as exc:
        flash(f"Tidak dapat dikembalikan: {exc}", "error")
        return _back(post_id)
    flash(f"Unggahan #{post_id} kembali menunggu tinjauan.", "success")
    return _back(post_id)


# --- history -------------------------------------------------------------------------------------


@bp.route("/history")
def history() -> Any:
    post_arg = request.args.get("post", "").strip().lstrip("#")
    actor = request.args.get("actor", "").strip() or None
    post_id = int(post_arg) if post_arg.isdigit() else None
    rows = q.events(get_db(), post_id=post_id, actor=actor, limit=200)
    actors = [u.name for u in accounts.list_users(get_db())]
    return render_template("history.html", events=rows, post_id=post_id, actor=actor or "",
                           actors=[*actors, "system"], limit=200)


# --- accounts (admin) ----------------------------------------------------------------------------


@bp.route("/users", methods=["GET", "POST"])
def users() -> Any:
    _require_admin()
    db = get_db()
    if request.method == "POST":
        name = request.form.get("name") or ""
        password = request.form.get("password") or ""
        if password != (request.form.get("password2") or ""):
            flash("Kedua kata sandi tidak sama.", "error")
        else:
            try:
                accounts.add_user(db, name, password,
                                  role=request.form.get("role") or accounts.REVIEWER)
            except PromoError as exc:
                flash(f"Akun tidak dibuat: {exc}", "error")
            else:
                flash(f"Akun {name.strip()} dibuat.", "success")
                logger.info("review: %s added account %s", _user_name(), name.strip())
        return redirect(url_for("review.users"), code=303)
    return render_template("users.html", users=accounts.list_users(db), roles=accounts.ROLES,
                           min_password=accounts.MIN_PASSWORD_LENGTH)


@bp.route("/users/<name>/remove", methods=["POST"])
def remove_user(name: str) -> Any:
    _require_admin()
    db = get_db()
    try:
        removed = accounts.remove_user(db, name, actor=_user_name())
    except NotFoundError:
        abort(404)
    except PromoError as exc:
        flash(f"{_cap(str(exc))}.", "error")
    else:
        flash(f"Akun {removed.name} dihapus.", "success")
        logger.info("review: %s removed account %s", _user_name(), removed.name)
    return redirect(url_for("review.users"), code=303)


@bp.route("/users/<name>/update", methods=["POST"])
def update_user(name: str) -> Any:
    _require_admin()
    db = get_db()
    target = accounts.get_user(db, name)
    if target is None:
        abort(404)
    role = request.form.get("role") or None
    password = request.form.get("password") or None
    if password is not None and password != (request.form.get("password2") or ""):
        flash("Kedua kata sandi tidak sama.", "error")
        return redirect(url_for("review.users"), code=303)
    try:
        accounts.update_user(db, target.name, role=role, password=password)
    except AdminRuleError as exc:
        flash(f"{_cap(str(exc))}.", "error")
    except PromoError as exc:
        flash(f"Akun tidak diubah: {exc}", "error")
    else:
        flash(f"Akun {target.name} diperbarui.", "success")
    return redirect(url_for("review.users"), code=303)


# --- media ---------------------------------------------------------------------------------------


@bp.route("/media/<root>/<path:rel>")
def media_file(root: str, rel: str) -> Any:
    if root not in media.ROOTS:
        abort(404)
    try:
        path = media.safe_path(cfg_of(), root, rel)
    except NotFoundError:
        abort(404)
    resp = send_file(path, as_attachment=bool(request.args.get("download")),
                     download_name=path.name, max_age=3600, conditional=True)
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


@bp.route("/thumb/<root>/<path:rel>")
def thumb(root: str, rel: str) -> Any:
    if root not in media.ROOTS:
        abort(404)
    try:
        path = media.thumbnail(cfg_of(), root, rel)
    except NotFoundError:
        abort(404)
    except PhotoError as exc:
        logger.warning("review: no thumbnail for %s/%s: %s", root, rel, exc)
        abort(404)
    resp = send_file(path, mimetype="image/jpeg", max_age=86400, conditional=True)
    resp.headers["Cache-Control"] = "private, max-age=86400"
    return resp
