"""Data builders shared by the review-page tests (test client, browser) and its benchmark.

Posts are inserted straight into the queue's tables (the schema in
``promo_pipeline/queue/posts.py``),
with real JPEG files in the output folder and captions made by the real caption writer, so the
page is tested on the same rows the pipeline leaves behind.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from PIL import Image

from promo_pipeline import clock, store
from promo_pipeline import config as config_mod
from promo_pipeline.lots import Item, Lot, lot_to_row, lot_url

OFFICE_ID = "5f1e7a3c-0000-4000-8000-00000000b1ma"
OFFICE2_ID = "5f1e7a3c-0000-4000-8000-0000000mtrm"
SITE = "https://lelang.go.id"
WIB = timezone(timedelta(hours=7))  # the source's zone


def make_config(base: Path, **review: Any) -> config_mod.Config:
    data = {
        "offices": [
            {"id": OFFICE_ID, "name": "KPKNL Bima", "timezone": "Asia/Makassar"},
            {"id": OFFICE2_ID, "name": "KPKNL Mataram", "timezone": "Asia/Makassar"},
        ],
        "brand": {"name": "KPKNL Bima", "handle": "@kpknlbima", "phone": "0374-5550115",
                  "hashtags": ["#LelangNegara", "#KPKNLBima"]},
        "storage": {"database": "data/promo.db", "media_dir": "data/media",
                    "output_dir": "data/out"},
        "review": {"page_size": 20, **review},
    }
    return config_mod.from_dict(data, base_dir=base)


def make_lot(n: int, *, title: str | None = None, office_id: str = OFFICE_ID,
             limit: int = 98_500_000, deposit: int = 20_000_000, **extra: Any) -> Lot:
    ends = (datetime.now(UTC) + timedelta(days=10 + n % 7)).astimezone(WIB).replace(
        hour=10, minute=0, second=0, microsecond=0)
    lot_id = f"{n:08d}-aaaa-4bbb-8ccc-{n:012d}"
    lot = Lot(
        id=lot_id,
        office_id=office_id,
        office_name="KPKNL Bima" if office_id == OFFICE_ID else "KPKNL Mataram",
        title=title or f"Sebidang tanah SHM seluas 210 m² di Kota Bima nomor {n}",
        limit_value=limit,
        deposit=deposit,
        ends_at=ends,
        starts_at=ends - timedelta(days=12),
        deposit_deadline=ends - timedelta(days=1, hours=2),
        url=lot_url(SITE, office_id, lot_id),
        category="Tanah",
        location="Kota Bima",
        province="Nusa Tenggara Barat",
        code=f"LOT-{n}",
        items=(Item(name=f"Tanah nomor {n}", address="Jl. Soekarno-Hatta, Kota Bima",
                    area_m2=210.0),),
        seller={"namaPenjual": "PT Bank Contoh (Persero) Tbk", "alamat": "Kota Bima"},
    )
    return dataclasses.replace(lot, **extra)


def save_lot(db, lot: Lot) -> None:
    with store.write_tx(db):
        db["lots"].upsert(lot_to_row(lot), pk="id")
        db.execute("delete from items where lot_id = ?", [lot.id])
        for i, item in enumerate(lot.items):
            db["items"].insert({"lot_id": lot.id, "position": i, "name": item.name,
                                "data": json.dumps(item.to_dict(), ensure_ascii=False)})


def write_jpeg(path: Path, size: tuple[int, int] = (1080, 1350),
               color: tuple[int, int, int] = (22, 48, 107)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", size, color)
    # Some structure, so JPEG sizes are realistic and thumbnails can be checked by pixels.
    for x in range(0, size[0], 40):
        for y in range(0, size[1], 40):
            if (x // 40 + y // 40) % 2:
                im.paste((245, 183, 0), (x, y, x + 20, y + 20))
    im.save(path, "JPEG", quality=85)
    return path


def captions_for(cfg, lot: Lot) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Captions and lint findings from the real caption writer and lint."""
    from promo_pipeline import captions as cap

    caps = cap.captions_for_lot(cfg, lot)
    texts = {ch: c.text for ch, c in caps.items()}
    office = cfg.office(lot.office_id)
    tz = cap.office_tz(office, cfg.default_timezone)
    findings: list[dict[str, Any]] = []
    for ch, text in texts.items():
        for f in cap.lint(text, channel=ch, lots=[lot], tz=tz, brand=cfg.brand,
                          site_base=cfg.source.site_base):
            findings.append({**f, "channel": ch})
    return texts, findings


def add_post(db, cfg, lot: Lot, *, status: str = "pending", images: list[str] | None = None,
             captions: dict[str, str] | None = None, lint: list[dict[str, Any]] | None = None,
             blocking: bool | None = None, changes: list[dict[str, Any]] | None = None,
             version: int = 1, previous_post_id: int | None = None,
             created_at: str | None = None, make_images: bool = True) -> int:
    """Insert a post row for *lot* (and the lot itself); returns the post id."""
    save_lot(db, lot)
    if captions is None:
        captions, found = captions_for(cfg, lot)
        lint = found if lint is None else lint
    lint = lint or []
    if images is None:
        images = [f"{lot.id}/feed-v{version}.jpg", f"{lot.id}/story-v{version}.jpg"]
        if make_images:
            write_jpeg(cfg.output_dir / images[0], (1080, 1350))
            write_jpeg(cfg.output_dir / images[1], (1080, 1920), (14, 124, 134))
    if blocking is None:
        blocking = any(f.get("level") == "block" for f in lint)
    now = created_at or clock.iso()
    with store.write_tx(db):
        db["posts"].insert({
            "kind": "lot",
            "dedupe_key": f"lot:{lot.id}:{lot.content_hash()}:{version}",
            "lot_id": lot.id,
            "lot_ids": json.dumps([lot.id]),
            "office_id": lot.office_id,
            "version": version,
            "content_hash": lot.content_hash(),
            "status": status,
            "template": None,
            "images": json.dumps(images),
            "captions": json.dumps(captions, ensure_ascii=False),
            "lint": json.dumps(lint, ensure_ascii=False),
            "blocking": int(bool(blocking)),
            "changes": json.dumps(changes or [], ensure_ascii=False),
            "previous_post_id": previous_post_id,
            "created_at": now,
            "updated_at": now,
        })
        return db.execute("select last_insert_rowid()").fetchone()[0]


def post_row(db, post_id: int) -> dict[str, Any]:
    return db["posts"].get(post_id)


class Served:
    """A waitress server (``review.make_server``) running in a thread, stopped cleanly.

    Closing the listening socket from another thread races with the select() that waitress's
    loop is blocked in (EBADF in that thread); once a stop was asked for, that error is the
    stop itself, as webtest's StopableWSGIServer treats it.
    """

    def __init__(self, server: Any) -> None:
        import threading

        self.server = server
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{server.effective_port}"

    def _run(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):
            if not self.stopping.is_set():
                raise

    def stop(self) -> None:
        self.stopping.set()
        self.server.close()
        self.thread.join(timeout=5)
