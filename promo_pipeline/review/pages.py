"""The two pages a reviewer reads: the queue, and one post with its source facts side by side.

Settings read: ``review.page_size``, ``captions.primary``, ``source.site_base``, ``offices``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import current_app, g, redirect, render_template, request, url_for

from promo_pipeline import captions as cap
from promo_pipeline import clock, formats, present
from promo_pipeline import queue as q
from promo_pipeline.errors import PromoError
from promo_pipeline.lots import Lot, get_lots
from promo_pipeline.outcomes import relisted_from
from promo_pipeline.publish import channels as registry
from promo_pipeline.queue.personal import lot_reading
from promo_pipeline.review import jobs, view
from promo_pipeline.review.app import cfg_of, get_db
from promo_pipeline.review.blueprint import (
    MAX_NAME,
    bp,
    designs,
    last_image_change,
    load_post,
    max_caption_length,
    open_deliveries,
    scope,
)

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


def _channel_limits() -> dict[str, dict[str, Any]]:
    """Per channel: ``max``, ``unit`` (how it is counted, for the live counter), ``hashtags``."""
    limits = {ch: registry.caption_limit(ch) for ch in registry.captioned()}
    return {ch: {"max": lim.max_length, "unit": lim.unit, "hashtags": lim.max_hashtags}
            for ch, lim in limits.items()}


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


def _add_removed(facts: list[dict[str, Any]], post: q.Post) -> None:
    """Per lot: the headline and cleaned title its post shows, and each text removed from it
    as personal data, with what it is, why, and who restored it (``_personal.html``)."""
    cfg = cfg_of()
    removed = q.removed_items(get_db(), cfg, post, [f["lot"] for f in facts])
    for f in facts:
        lot = f["lot"]
        f["reading"] = lot_reading(cfg, post, lot)
        f["removed"] = [{"kind": r.kind, "text": r.text,
                         "label": present.redaction_kind(r.kind),
                         "why": present.redaction_why(r.kind), "restored": r.restored}
                        for r in removed if r.lot_id == lot.id]


def _media_entries(post: q.Post) -> list[dict[str, Any]]:
    out = []
    for m in view.media_of(cfg_of(), post, designs()):
        still = m.poster or (None if m.is_video else m.rel)
        out.append({
            "media": m, "rel": m.rel, "name": Path(m.rel).name, "label": m.label,
            "full": url_for("review.media_file", root="out", rel=m.rel),
            "thumb": url_for("review.thumb", root="out", rel=still) if still else None,
            "poster": url_for("review.media_file", root="out", rel=m.poster) if m.poster else None,
            "download": url_for("review.media_file", root="out", rel=m.rel, download=1)})
    return out


def _urgency(lot: Lot | None, cfg: Any) -> dict[str, Any]:
    """Days left until the lot's deadline (deposit deadline, else the end) in the office's
    calendar, and whether that is as soon as the urgent design's ``render.urgent_days``."""
    if lot is None:
        return {"days_left": None, "urgent": False}
    now = clock.now()
    if lot.deadline <= now:
        return {"days_left": None, "urgent": False}
    days = formats.days_left(formats.local(lot.deadline, cfg.timezone_of(lot.office_id)), now)
    return {"days_left": days, "urgent": days <= cfg.render.urgent_days}


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
    office = (request.args.get("office") or "")[:MAX_NAME] or None
    page_arg = request.args.get("page", "1")
    # ASCII digits, and few enough pages that the offset fits SQLite's integers.
    page = max(1, int(page_arg)) if re.fullmatch(r"[0-9]{1,9}", page_arg) else 1
    size = cfg.review.page_size
    mine = scope()
    rows = q.list_posts(db, status=None if status == "all" else status, office_id=office,
                        limit=size + 1, offset=(page - 1) * size, offices=mine)
    has_next = len(rows) > size
    posts = rows[:size]
    counts = q.count_by_status(db, offices=mine)
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
            **_urgency(lot, cfg),
        })
    offices = [(o.id, o.name) for o in cfg.offices if mine is None or o.id in mine]
    return render_template(
        "queue.html", entries=entries, counts=counts, total=sum(counts.values()), status=status,
        office=office, offices=offices, page=page, has_next=has_next,
    )


@bp.route("/posts/<id:post_id>")
def post(post_id: int) -> Any:
    cfg = cfg_of()
    db = get_db()
    p = load_post(post_id)
    g.brand_office = p.office_id  # the header shows the post's office brand
    lots = get_lots(db, p.lot_ids)
    facts = [_facts(lot) for lot in lots]
    for f in facts:
        f["relisted_from"] = relisted_from(db, f["lot"].id)  # "dilelang ulang": the older lot
        f["rows"] = view.fact_rows(cfg, p, f["lot"])
        f["link_row"] = view.link_row(p, f["lot"], f["link"])
    _add_removed(facts, p)
    media = _media_entries(p)
    shown_arg = request.args.get("gambar", "1")
    shown = int(shown_arg) - 1 if re.fullmatch(r"[0-9]{1,4}", shown_arg) else 0
    shown = shown if 0 <= shown < len(media) else 0
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
    from promo_pipeline.review.actions import take_render_results

    render_jobs = [j for j in jobs.of_app(current_app).for_post(post_id) if j.active]
    take_render_results(post_id)  # a finished background render: its message, once
    return render_template(
        "post.html", render_jobs=render_jobs, post=p, facts=facts, captions=captions,
        general_lint=general,
        blocking=p.blocked, changes=changes, images=media, shown=shown,
        undo=last_image_change(post_id) if p.editable else None,
        blocked_in=[registry.label(ch) for ch in dict.fromkeys(
            str(f.get("channel") or "") for f in p.blocking_findings) if ch in p.captions],
        actionable=p.status == q.PENDING, editable=p.editable,
        reopenable=p.status in q.REOPENABLE, designs=designs(),
        deliveries=open_deliveries(post_id), history=history, tz=tz,
        primary=cfg.captions.primary, max_caption=max_caption_length(),
    )
