"""Render benchmark (run by hand): the photo floor vs the real designs, and batch throughput.

    python benchmarks/render.py [--repeat 15] [--lots 200] [--write]

1. Generates a 12 MP JPEG (4000×3000, noisy like a real photo).
2. In this process, medians over ``--repeat`` runs:
   - *floor*: decode (with draft) + cover-resize to 1080×1350 + JPEG encode at
     ``render.jpeg_quality`` — the least any photo post can cost;
   - *feed*: the full ``feed`` design for one lot (decode, layers, text, QR, encode);
   - *feed+square+story*: all three for one lot (one decode shared).
   Targets: feed ≤ 1.3× floor, the three ≤ 2× floor.
3. A batch of ``--lots`` lots (feed + story each) through :func:`render_batch` with
   ``render.workers = 0`` (all cores), then the same batch again (must render nothing).

``--write`` replaces the ``## Render`` section of ``benchmarks/README.md`` with the results.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from promo_pipeline import config as config_mod
from promo_pipeline import database, imagesafe, store
from promo_pipeline.lots import Lot, save_lot
from promo_pipeline.render import brand, draw, engine, photoset
from promo_pipeline.render.pipeline import render_batch
from promo_pipeline.render.plan import expand_slides, lot_values

ROOT = Path(__file__).resolve().parent
WIB = timezone(timedelta(hours=7))


def make_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A 12 MP JPEG with photo-like entropy (gradients, shapes, sensor-like noise)."""
    im = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    d = ImageDraw.Draw(im)
    for i in range(40):
        x, y = (i * 997) % width, (i * 613) % height
        d.ellipse((x, y, x + 300 + i * 9, y + 200 + i * 7),
                  fill=((i * 53) % 256, (i * 97) % 256, (i * 29) % 256))
    im = im.filter(ImageFilter.GaussianBlur(3))
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    im = Image.blend(im, noise, 0.18)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=92)
    return buf.getvalue()


def median_ms(fn, repeat: int) -> float:
    fn()  # warm up: first-call costs (fonts, caches) are not per-image costs
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def lot(i: int, now: datetime) -> Lot:
    lot_id = f"bench-{i:04d}"
    return Lot(id=lot_id, office_id="bench", office_name="KPKNL Bima",
               title=f"1 (satu) unit Mobil Toyota Avanza 1.3 G M/T Tahun 2015 nomor {i}",
               limit_value=98_500_000 + i * 250_000, deposit=29_550_000,
               ends_at=(now + timedelta(days=10)).astimezone(WIB), category="Mobil",
               location="KAB. BIMA", url=f"https://lelang.go.id/kpknl/x/detail-auction/{lot_id}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--lots", type=int, default=200)
    ap.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="promo-bench-"))
    try:
        cfg = config_mod.from_dict({"offices": [{"id": "bench", "name": "KPKNL Bima",
                                                 "timezone": "Asia/Makassar"}],
                                    "brand": {"name": "KPKNL Bima"}}, base_dir=tmp)
        quality = cfg.render.jpeg_quality
        photo = make_photo()
        print(f"photo: 4000×3000 JPEG, {len(photo) / 1e6:.1f} MB")
        now = datetime.now(UTC)
        kit = brand.brand_kit(cfg)
        the_lot = lot(0, now)
        values = lot_values(cfg, the_lot, now=now, photo_count=1, kit=kit)

        def floor() -> None:
            im = imagesafe.to_rgb(imagesafe.open_image(photo, draft_size=(1080, 1350)))
            engine.encode_jpeg(draw.cover(im, 1080, 1350), quality)

        def designs(names: list[str]) -> None:
            slides = []
            for name in names:
                t = designs.get_template(cfg, name)
                for _, slide, v, ph in expand_slides(t, values, 1):
                    slides.append((t, slide, v, ph))
            photos = photoset.PhotoSet([photo], photoset.photo_needs(
                [(s, v, ph) for _, s, v, ph in slides]))
            for t, slide, v, ph in slides:
                im, _ = engine.compose(t, slide, kit, engine.RenderInput(v, photos, ph))
                engine.encode_jpeg(im, quality)

        floor_ms = median_ms(floor, args.repeat)
        feed_ms = median_ms(lambda: designs(["feed"]), args.repeat)
        three_ms = median_ms(lambda: designs(["feed", "square", "story"]), args.repeat)
        # For reference: a web-sized photo (1600×1200), where the designs must really resample.
        big = photo
        photo = make_photo(1600, 1200)
        web = (median_ms(floor, args.repeat), median_ms(lambda: designs(["feed"]), args.repeat),
               median_ms(lambda: designs(["feed", "square", "story"]), args.repeat))
        photo = big
        print(f"1600×1200 photo: floor {web[0]:.0f} ms · feed {web[1]:.0f} ms "
              f"({web[1] / web[0]:.2f}×) · three {web[2]:.0f} ms ({web[2] / web[0]:.2f}×)")
        print(f"floor {floor_ms:.0f} ms · feed {feed_ms:.0f} ms ({feed_ms / floor_ms:.2f}×) · "
              f"feed+square+story {three_ms:.0f} ms ({three_ms / floor_ms:.2f}×)")

        # Batch: every lot has its own photo row; the bytes are shared on disk to save space.
        db = database.connect(cfg.database_path)
        cfg.media_dir.mkdir(parents=True, exist_ok=True)
        (cfg.media_dir / "photo.jpg").write_bytes(photo)
        lots = []
        for i in range(args.lots):
            url = f"https://file.lelang.go.id/lelang/photo_barang/bench-{i}.jpg"
            with store.write_tx(db):
                db["photos"].upsert({"url": url, "status": "ok", "path": "photo.jpg"}, pk="url")
            lt = lot(i, now)
            lt = Lot(**{**lt.__dict__, "photos": (url,)})
            save_lot(db, lt, seen_at=now.isoformat())
            lots.append(lt)
        t = time.perf_counter()
        batch = render_batch(cfg, db, lots, now=now)
        batch_s = time.perf_counter() - t
        t = time.perf_counter()
        again = render_batch(cfg, db, lots, now=now)
        rerun_s = time.perf_counter() - t
        workers = cfg.render.workers or os.cpu_count()
        rate = batch.rendered / batch_s
        print(f"batch: {batch.rendered} images for {len(lots)} lots in {batch_s:.1f} s "
              f"({rate:.1f} images/s, {workers} processes); errors: {len(batch.errors)}")
        print(f"re-run: {again.rendered} rendered, {again.reused} unchanged in {rerun_s:.2f} s")
        db.close()

        ok_feed = feed_ms <= 1.3 * floor_ms
        ok_three = three_ms <= 2 * floor_ms
        ok_rerun = again.rendered == 0
        print(f"targets: feed ≤ 1.3× {'met' if ok_feed else 'NOT met'}; three ≤ 2× "
              f"{'met' if ok_three else 'NOT met'}; re-run renders nothing "
              f"{'met' if ok_rerun else 'NOT met'}")
        if args.write:
            write_readme(floor_ms, feed_ms, three_ms, batch.rendered, len(lots), batch_s,
                         workers, again.rendered, rerun_s, len(photo), args,
                         ok_feed, ok_three, ok_rerun, quality, web)
        return 0 if (ok_feed and ok_three and ok_rerun) else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_readme(floor_ms, feed_ms, three_ms, rendered, n_lots, batch_s, workers, rerun_n,
                 rerun_s, photo_bytes, args, ok_feed, ok_three, ok_rerun, quality, web) -> None:
    import PIL

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mark = lambda ok: "met" if ok else "**not met**"  # noqa: E731
    rows = [
        ("measurement", "result", "target"),
        ("---", "---", "---"),
        ("photo floor: decode (draft) + cover-resize to 1080×1350 + JPEG encode",
         f"{floor_ms:.0f} ms", ""),
        ("`feed` for one lot", f"{feed_ms:.0f} ms = {feed_ms / floor_ms:.2f}× floor",
         f"≤ 1.3× — {mark(ok_feed)}"),
        ("`feed` + `square` + `story` for one lot",
         f"{three_ms:.0f} ms = {three_ms / floor_ms:.2f}× floor", f"≤ 2× — {mark(ok_three)}"),
        (f"batch of {n_lots} lots (feed + story), {workers} processes",
         f"{rendered} images in {batch_s:.1f} s = {rendered / batch_s:.1f} images/s", ""),
        ("the same batch again", f"{rerun_n} rendered, {rerun_s:.2f} s",
         f"renders nothing — {mark(ok_rerun)}"),
        ("for reference, a 1600×1200 photo: floor / `feed` / all three",
         f"{web[0]:.0f} / {web[1]:.0f} ({web[1] / web[0]:.2f}×) / {web[2]:.0f} ms "
         f"({web[2] / web[0]:.2f}×)", "(not a target)"),
    ]
    table = "\n".join("| " + " | ".join(r) + " |" for r in rows)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    section = f"""## Render

Measured {datetime.now(UTC):%Y-%m-%d} on {cpu}, {os.cpu_count()} cores, Python
{platform.python_version()}, Pillow {PIL.__version__}.
Command: `python benchmarks/render.py --repeat {args.repeat} --lots {args.lots} --write`.
Photo: a generated 4000×3000 (12 MP) JPEG, {photo_bytes / 1e6:.1f} MB. JPEG quality
{quality} (`render.jpeg_quality`). Medians of {args.repeat} runs after a warm-up, in one process.

{table}

Load average while measuring: {load}. The VM is shared and noisy (±15% or more between runs).

Why the designs are cheap next to the floor: the photo is decoded once per lot with JPEG draft
mode at the largest size any requested design needs; the built-in designs draw the photo in a
1000 px wide box, which a 4000 px JPEG reaches exactly at its 1/4 DCT scale, so the photo is only
cropped, not resampled (the floor needs a real resize to 1080×1350 from the 1/2 scale). With other
photo sizes the photo is resampled once per scale, and designs whose boxes need the same
scale crop that one copy (the reference row). Constant layers that nothing drawn per lot
can overlap (bands, cards, labels, icons, brand text, logo, the photo's shadow) are drawn once
per process into a base canvas; fonts, measured text and the QR matrix are cached.
"""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    start = text.find("## Render")
    if start >= 0:
        end = text.find("\n## ", start + 3)
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text, encoding="utf-8")
    print(f"wrote {readme}")


if __name__ == "__main__":
    sys.exit(main())
