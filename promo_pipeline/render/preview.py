"""Built-in demo data and the contact sheet of every design (``promo templates preview``).

The demo lots are invented (like the project's samples); their "photos" are drawn by code so the
preview works offline and shows both a photo lot and photo-less lots with their illustrations.
Nothing is written to the database.
"""

from __future__ import annotations

import io
import logging
import math
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from promo_pipeline import clock
from promo_pipeline.config import Config
from promo_pipeline.errors import RenderError
from promo_pipeline.fsutil import atomic_write_bytes
from promo_pipeline.lots import Item, Lot
from promo_pipeline.render import brand, designs, engine, fonts, photoset, video
from promo_pipeline.render.digest import period
from promo_pipeline.render.plan import expand_slides, lot_values

logger = logging.getLogger(__name__)


def demo_lots(now: datetime) -> list[Lot]:
    """Four invented lots: a car (with photos), land with a building, scrap, a motorcycle."""
    from datetime import timezone

    wib = timezone(timedelta(hours=7))
    base = (now.astimezone(wib) + timedelta(days=9)).replace(hour=10, minute=0, second=0,
                                                             microsecond=0)
    office = "0b1a0000-0000-4000-8000-000000000001"

    def url(i: str) -> str:
        return f"https://lelang.go.id/kpknl/{office}/detail-auction/{i}"

    return [
        Lot(id="demo-0001", office_id=office, office_name="KPKNL Bima",
            title="1 (satu) unit Mobil Toyota Avanza 1.3 G M/T Tahun 2015 warna Hitam Metalik, "
                  "Nomor Polisi EA 1587 KB di Kab. Bima",
            limit_value=98_500_000, deposit=29_550_000, ends_at=base, url=url("demo-0001"),
            category="Mobil", location="KAB. BIMA", province="NUSA TENGGARA BARAT",
            deposit_deadline=base - timedelta(days=1), bidding_method="OPEN_BIDDING",
            code="QB7R2M", photos=("p1", "p2", "p3"),
            items=(Item(name="Toyota Avanza 1.3 G M/T", year="2015", plate="EA 1587 KB",
                        color="Hitam Metalik"),)),
        Lot(id="demo-0002", office_id=office, office_name="KPKNL Bima",
            title="1 bidang tanah dengan total luas 210 m² berikut bangunan rumah tinggal "
                  "di Kelurahan Paruga, Kota Bima",
            limit_value=412_750_000, deposit=82_550_000, ends_at=base + timedelta(days=3),
            url=url("demo-0002"), category="Rumah", location="KOTA BIMA",
            deposit_deadline=base + timedelta(days=2), bidding_method="CLOSED_BIDDING",
            items=(Item(name="Tanah dan bangunan SHM", area_m2=210.0),)),
        Lot(id="demo-0003", office_id=office, office_name="KPKNL Bima",
            title="1 (satu) paket Scrap/Besi Tua eks bongkaran rangka atap dan pagar besi kantor",
            limit_value=6_350_000, deposit=1_905_000, ends_at=now + timedelta(days=2),
            url=url("demo-0003"), location="KOTA BIMA", bidding_method="OPEN_BIDDING"),
        Lot(id="demo-0004", office_id=office, office_name="KPKNL Bima",
            title="1 (satu) unit Sepeda Motor Honda Beat Tahun 2019 Nopol EA 5521 TB",
            limit_value=7_250_000, deposit=2_175_000, ends_at=base + timedelta(days=5),
            url=url("demo-0004"), category="Motor", location="KAB. DOMPU",
            bidding_method="OPEN_BIDDING"),
    ]


def demo_photo(width: int = 1600, height: int = 1200, seed: int = 0) -> bytes:
    """A photo-like JPEG drawn by code: sky, ground, a car, light noise."""
    im = Image.new("RGB", (width, height))
    d = ImageDraw.Draw(im)
    horizon = int(height * (0.55 + 0.05 * math.sin(seed)))
    for y in range(height):
        if y < horizon:
            t = y / horizon
            c = (int(120 + 80 * t), int(170 + 50 * t), int(220 + 20 * t))
        else:
            t = (y - horizon) / (height - horizon)
            c = (int(150 - 40 * t), int(140 - 40 * t), int(120 - 30 * t))
        d.line((0, y, width, y), fill=c)
    d.rectangle((0, int(horizon * 0.7), width, horizon), fill=(70, 110, 70))
    s = width * 0.7
    ox, oy = width * 0.15, horizon - s * 0.42
    body = [(0.06, 0.62), (0.08, 0.5), (0.2, 0.46), (0.32, 0.32), (0.62, 0.3), (0.76, 0.44),
            (0.92, 0.48), (0.95, 0.6), (0.93, 0.66), (0.07, 0.66)]
    colors = [(25, 28, 35), (170, 30, 35), (230, 230, 235)]
    d.polygon([(ox + x * s, oy + y * s) for x, y in body], fill=colors[seed % 3])
    d.polygon([(ox + x * s, oy + y * s) for x, y in ((0.34, 0.35), (0.47, 0.35), (0.47, 0.45),
                                                      (0.25, 0.45))], fill=(120, 150, 170))
    d.polygon([(ox + x * s, oy + y * s) for x, y in ((0.5, 0.35), (0.61, 0.35), (0.71, 0.45),
                                                      (0.5, 0.45))], fill=(120, 150, 170))
    for cx in (0.26, 0.74):
        d.ellipse((ox + (cx - 0.09) * s, oy + 0.57 * s, ox + (cx + 0.09) * s, oy + 0.75 * s),
                  fill=(20, 20, 20))
        d.ellipse((ox + (cx - 0.045) * s, oy + 0.615 * s, ox + (cx + 0.045) * s,
                   oy + 0.705 * s), fill=(160, 160, 165))
    im = im.filter(ImageFilter.GaussianBlur(1.2))
    noise = Image.effect_noise((width, height), 18).convert("RGB")
    im = Image.blend(im, noise, 0.06)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=88)
    return buf.getvalue()


def _label(im: Image.Image, text: str) -> Image.Image:
    out = Image.new("RGB", (im.width, im.height + 44), (255, 255, 255))
    out.paste(im, (0, 44))
    ImageDraw.Draw(out).text((6, 8), text, font=fonts.font(24, 600), fill=(20, 20, 20))
    return out


def contact_sheet(cfg: Config, out_path: str | Path, *, now: datetime | None = None) -> Path:
    """Render every design with the demo lots into one PNG (video designs: one frame per scene);
    returns its path."""
    now = now or clock.now()
    kit = brand.brand_kit(cfg)
    lots = demo_lots(now)
    photos = [demo_photo(seed=i) for i in range(3)]
    thumbs: list[Image.Image] = []
    thumb_h = 540

    def add(im: Image.Image, label: str) -> None:
        t = im.copy()
        t.thumbnail((thumb_h * 2, thumb_h))
        thumbs.append(_label(t, label))

    for design in designs.available_designs(cfg):
        template = designs.get_template(cfg, design)
        if template.kind == "digest":
            cells = []
            for i, lot in enumerate(lots * 2):
                ph = [photos[i % 3]] if i % 2 == 0 else []
                values = lot_values(cfg, lot, now=now, photo_count=len(ph), kit=kit)
                cells.append(engine.RenderInput(values, photoset.PhotoSet(ph)))
            shown = (lots * 2)[: template.grid.per_page]
            page = {**kit.values, "digest_title": "Lelang pekan ini", "page": 1, "pages": 2,
                    "page_label": "1/2", "lot_count": 8,
                    "period": period(shown, cfg.timezone_of(shown[0].office_id))}
            im, _ = engine.compose_digest(template, kit, page, cells[: template.grid.per_page])
            add(im, f"{design}")
            continue
        if template.is_video:
            values = lot_values(cfg, lots[0], now=now, photo_count=len(photos), kit=kit)
            set_ = photoset.PhotoSet(list(photos), video.photo_needs(template, len(photos)))
            moments = video.scene_times(template, values, len(photos))
            frames = video.frames_at(template, kit, values, set_, [t for _, t in moments])
            for (scene, t), im in zip(moments, frames, strict=True):
                add(im, f"{design} · {scene} · {t:.1f} s")
            continue
        cases = [(lots[0], photos)] if design != "feed" else [
            (lots[0], photos), (lots[1], []), (lots[2], [])]
        if design == "urgent":
            cases = [(lots[2], [])]
        for lot, ph in cases:
            values = lot_values(cfg, lot, now=now, photo_count=len(ph), kit=kit)
            set_ = photoset.PhotoSet(list(ph))
            for n, (_, slide, svalues, photo) in enumerate(
                    expand_slides(template, values, len(ph))):
                im, _ = engine.compose(template, slide, kit,
                                       engine.RenderInput(svalues, set_, photo))
                suffix = f" {n + 1}" if template.kind == "carousel" else ""
                add(im, f"{design}{suffix} · {lot.category or 'tanpa foto'}")
    if not thumbs:
        raise RenderError("no designs to preview")
    cols = 6
    cell_w = max(t.width for t in thumbs) + 20
    cell_h = max(t.height for t in thumbs) + 20
    rows = -(-len(thumbs) // cols)
    sheet = Image.new("RGB", (cols * cell_w + 20, rows * cell_h + 20), (236, 238, 243))
    for i, t in enumerate(thumbs):
        r, c = divmod(i, cols)
        sheet.paste(t, (20 + c * cell_w, 20 + r * cell_h))
    buf = io.BytesIO()
    sheet.save(buf, "PNG", optimize=False)
    out = Path(out_path)
    atomic_write_bytes(out, buf.getvalue())
    return out
