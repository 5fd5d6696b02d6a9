"""The render stage end to end: real SQLite, real photo files, real JPEGs checked by their pixels,
QR codes decoded, text read back by Tesseract."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageCms, ImageStat

from promo_pipeline import cli as cli_mod
from promo_pipeline import render, store
from promo_pipeline.errors import TemplateError
from promo_pipeline.lots import Item, Lot, save_lot
from promo_pipeline.render import brand, designs, engine, photoset, pipeline
from promo_pipeline.render.plan import expand_slides, lot_values
from promo_pipeline.render.preview import demo_photo

BIMA = "0b1a0000-0000-4000-8000-000000000001"
WIB = timezone(timedelta(hours=7))
NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
PRIMARY = "#7A1FA2"  # not the default, so a match proves the brand kit is used
ACCENT = "#11B5A4"


def make_lot(lot_id: str = "11111111-2222-4333-8444-555555555555", **kw) -> Lot:
    data = dict(
        id=lot_id, office_id=BIMA, office_name="KPKNL Bima",
        title="1 (satu) unit Mobil Toyota Avanza 1.3 G M/T Tahun 2015 warna Hitam Metalik, "
              "Nomor Polisi EA 1587 KB di Kab. Bima",
        limit_value=98_500_000, deposit=29_550_000,
        ends_at=datetime(2026, 3, 11, 9, 0, tzinfo=WIB),
        deposit_deadline=datetime(2026, 3, 10, 9, 0, tzinfo=WIB),
        url=f"https://lelang.go.id/kpknl/{BIMA}/detail-auction/{lot_id}",
        category="Mobil", location="KAB. BIMA", bidding_method="OPEN_BIDDING",
        items=(Item(name="Toyota Avanza 1.3 G M/T", year="2015", plate="EA 1587 KB"),),
    )
    data.update(kw)
    return Lot(**data)


@pytest.fixture
def cfg(cfg_factory):
    return cfg_factory(brand={"name": "KPKNL Bima", "primary_color": PRIMARY,
                              "accent_color": ACCENT, "handle": "@kpknlbima"},
                       render={"workers": 1})


def store_lot(cfg, db, lot: Lot, photos: list[bytes] = ()) -> Lot:
    """Save *lot* with *photos* cached as the collector would (content-addressed, status ok)."""
    urls = []
    for i, data in enumerate(photos):
        url = f"https://file.lelang.go.id/lelang/photo_barang/{lot.id}-{i}.jpg"
        rel = f"{lot.id[:8]}-{i}-{len(data)}.jpg"
        (cfg.media_dir).mkdir(parents=True, exist_ok=True)
        (cfg.media_dir / rel).write_bytes(data)
        with store.write_tx(db):
            db["photos"].upsert({"url": url, "status": "ok", "path": rel, "format": "JPEG",
                                 "bytes": len(data)}, pk="url")
        urls.append(url)
    lot = replace(lot, photos=tuple(urls))
    save_lot(db, lot, seen_at=NOW.isoformat())
    return lot


def open_jpeg(path: Path) -> Image.Image:
    im = Image.open(path)
    im.load()
    return im


def near(rgb, hex_color: str, tol: int = 14) -> bool:
    h = hex_color.lstrip("#")
    want = (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
    return all(abs(a - b) <= tol for a, b in zip(rgb[:3], want, strict=True))


def by_format(images):
    return {(i.format, i.slide): i for i in images}


# --- sizes, format, brand colours ----------------------------------------------------------------


def test_feed_square_story_have_exact_sizes_and_instagram_friendly_files(cfg, db):
    lot = store_lot(cfg, db, make_lot(), [demo_photo(1600, 1200, seed=1)])
    images = render.render_lot(cfg, db, lot, formats=["feed", "square", "story"], now=NOW)
    sizes = {i.format: open_jpeg(i.path).size for i in images}
    assert sizes == {"feed": (1080, 1350), "square": (1080, 1080), "story": (1080, 1920)}
    for image in images:
        assert image.rendered and image.path.is_absolute()
        assert image.path.parent == cfg.output_dir / "images" / lot.id
        im = open_jpeg(image.path)
        assert im.format == "JPEG" and im.mode == "RGB"
        assert not im.getexif()  # no EXIF (GPS etc.) carried over
        profile = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
        assert "sRGB" in ImageCms.getProfileDescription(profile)
        assert image.path.stat().st_size < 8 * 1024 * 1024


def test_brand_colours_are_where_the_feed_template_puts_them(cfg, db):
    lot = store_lot(cfg, db, make_lot(), [demo_photo(seed=2)])
    (feed,) = render.render_lot(cfg, db, lot, formats=["feed"], now=NOW)
    im = open_jpeg(feed.path).convert("RGB")
    assert near(im.getpixel((8, 8)), PRIMARY)            # header gradient starts at primary
    assert near(im.getpixel((540, 1346)), PRIMARY)        # footer band
    assert near(im.getpixel((80, 200)), ACCENT)           # category chip on the photo
    assert near(im.getpixel((60, 1100)), "#FFFFFF", 6)    # facts card


def test_changing_the_brand_colour_changes_the_image_and_its_name(cfg_factory, db):
    cfg1 = cfg_factory(brand={"primary_color": "#16306B"}, render={"workers": 1})
    lot = store_lot(cfg1, db, make_lot())
    (a,) = render.render_lot(cfg1, db, lot, formats=["feed"], now=NOW)
    cfg2 = cfg_factory(brand={"primary_color": "#B00020"}, render={"workers": 1})
    (b,) = render.render_lot(cfg2, db, lot, formats=["feed"], now=NOW)
    assert a.path != b.path and b.rendered
    assert near(open_jpeg(b.path).getpixel((540, 1346)), "#B00020")


# --- photos and fallbacks ------------------------------------------------------------------------

PHOTO_BOX = (40, 164, 1040, 784)  # the feed's photo layer


def photo_area(path: Path) -> Image.Image:
    return open_jpeg(path).convert("RGB").crop(PHOTO_BOX)


def test_lot_without_photo_gets_a_designed_illustration_not_a_blank(cfg, db):
    lot = store_lot(cfg, db, make_lot(category="Mobil"))
    (feed,) = render.render_lot(cfg, db, lot, formats=["feed"], now=NOW)
    area = photo_area(feed.path)
    stat = ImageStat.Stat(area.convert("L"))
    assert stat.stddev[0] > 20  # a drawing, not a flat box
    pixels = area.resize((100, 62)).get_flattened_data()
    assert sum(1 for px in pixels if px[0] > 240 and px[1] > 240) > 150  # a white subject


def test_each_category_has_its_own_illustration(cfg, db):
    areas = {}
    for i, cat in enumerate(["Mobil", "Motor", "Tanah", "Rumah", "Besi Tua", "Elektronik", None]):
        lot = store_lot(cfg, db, make_lot(f"cat-{i}", category=cat, title=f"Barang {i}"))
        (feed,) = render.render_lot(cfg, db, lot, formats=["feed"], now=NOW)
        areas[cat] = photo_area(feed.path).resize((200, 124))
    keys = list(areas)
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            diff = ImageStat.Stat(ImageChops.difference(areas[keys[a]], areas[keys[b]]))
            assert max(diff.mean) > 2, (keys[a], keys[b])


def test_corrupt_photo_falls_back_to_the_illustration(cfg, db, caplog):
    good = demo_photo(seed=3)
    corrupt = good[: len(good) // 3]  # truncated JPEG
    lot_bad = store_lot(cfg, db, make_lot("bad-photo"), [corrupt])
    lot_none = store_lot(cfg, db, make_lot("no-photo"))
    (bad,) = render.render_lot(cfg, db, lot_bad, formats=["feed"], now=NOW)
    (none,) = render.render_lot(cfg, db, lot_none, formats=["feed"], now=NOW)
    diff = ImageStat.Stat(ImageChops.difference(photo_area(bad.path), photo_area(none.path)))
    assert max(diff.mean) < 3  # same illustration
    assert "unusable" in caplog.text


def test_photo_is_drawn_cover_cropped(cfg, db):
    photo = Image.new("RGB", (1600, 1200), (200, 30, 30))
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=95)
    lot = store_lot(cfg, db, make_lot(), [buf.getvalue()])
    (feed,) = render.render_lot(cfg, db, lot, formats=["feed"], now=NOW)
    im = open_jpeg(feed.path).convert("RGB")
    for xy in ((60, 500), (1020, 500), (540, 770), (900, 300)):
        assert near(im.getpixel(xy), "#C81E1E", 16), xy  # photo fills the whole box


def test_exif_rotated_photo_is_upright(cfg, db):
    # A landscape bitmap tagged "rotate 90° CW" (orientation 6) must come out portrait: its
    # left half is red, right half blue; after the rotation the top is red.
    photo = Image.new("RGB", (1200, 800), (0, 0, 255))
    photo.paste((255, 0, 0), (0, 0, 600, 800))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=95, exif=exif)
    lot = store_lot(cfg, db, make_lot(), [buf.getvalue()])
    (feed,) = render.render_lot(cfg, db, lot, formats=["feed"], now=NOW)
    im = open_jpeg(feed.path).convert("RGB")
    assert near(im.getpixel((540, 300)), "#FF0000", 30)
    assert near(im.getpixel((540, 700)), "#0000FF", 30)


# --- re-rendering only what changed --------------------------------------------------------------


def test_unchanged_lot_is_not_rendered_again(cfg, db):
    lot = store_lot(cfg, db, make_lot(), [demo_photo(seed=4)])
    first = render.render_lot(cfg, db, lot, now=NOW)
    mtimes = {i.path: i.path.stat().st_mtime_ns for i in first}
    rows = list(db["images"].rows)
    second = render.render_lot(cfg, db, lot, now=NOW + timedelta(hours=5))
    assert [i.path for i in second] == [i.path for i in first]
    assert not any(i.rendered for i in second)
    assert {i.path: i.path.stat().st_mtime_ns for i in second} == mtimes
    assert list(db["images"].rows) == rows


def test_changed_price_is_rendered_again_under_a_new_name(cfg, db):
    lot = store_lot(cfg, db, make_lot(), [demo_photo(seed=5)])
    (old,) = render.render_lot(cfg, db, lot, formats=["feed"], now=NOW)
    cheaper = store_lot(cfg, db, replace(lot, limit_value=87_000_000, photos=()),
                        [demo_photo(seed=5)])
    (new,) = render.render_lot(cfg, db, cheaper, formats=["feed"], now=NOW)
    assert new.rendered and new.path != old.path and old.path.exists()
    assert db["images"].count == 2


def test_changed_photo_bytes_give_a_new_image(cfg, db):
    lot = store_lot(cfg, db, make_lot(), [demo_photo(seed=6)])
    (old,) = render.render_lot(cfg, db, lot, formats=["feed"], now=NOW)
    lot2 = store_lot(cfg, db, replace(lot, photos=()), [demo_photo(seed=7)])
    (new,) = render.render_lot(cfg, db, lot2, formats=["feed"], now=NOW)
    assert new.rendered and new.path != old.path


def test_force_renders_again_and_a_deleted_file_is_redrawn(cfg, db):
    lot = store_lot(cfg, db, make_lot())
    (a,) = render.render_lot(cfg, db, lot, formats=["feed"], now=NOW)
    (b,) = render.render_lot(cfg, db, lot, formats=["feed"], force=True, now=NOW)
    assert b.rendered and b.path == a.path
    a.path.unlink()
    (c,) = render.render_lot(cfg, db, lot, formats=["feed"], now=NOW)
    assert c.rendered and c.path.is_file()


def test_office_template_overrides_the_builtin_file_by_file(cfg_factory, db, tmp_path):
    office_dir = tmp_path / "my-templates"
    office_dir.mkdir()
    builtin = designs.builtin_templates_dir() / "feed.toml"
    text = builtin.read_text(encoding="utf-8").replace('background = "background"',
                                                       'background = "#00FF00"', 1)
    (office_dir / "feed.toml").write_text(text, encoding="utf-8")
    cfg = cfg_factory(render={"templates_dir": "my-templates", "workers": 1})
    lot = store_lot(cfg, db, make_lot())
    images = by_format(render.render_lot(cfg, db, lot, formats=["feed", "story"], now=NOW))
    assert near(open_jpeg(images["feed", 0].path).getpixel((10, 1250)), "#00FF00")
    assert not near(open_jpeg(images["story", 0].path).getpixel((10, 1250)), "#00FF00")
    assert "story" in render.available_designs(cfg)  # the built-ins stay available


# --- conditions: urgent lots ----------------------------------------------------------------------


def test_urgent_lot_gets_the_urgent_design_and_the_red_chip(cfg, db):
    soon = store_lot(cfg, db, make_lot("soon", ends_at=NOW + timedelta(days=2)))
    later = store_lot(cfg, db, make_lot("later"))
    urgent = by_format(render.render_lot(cfg, db, soon, now=NOW))
    normal = by_format(render.render_lot(cfg, db, later, now=NOW))
    assert set(urgent) == {("feed", 0), ("story", 0), ("urgent", 0)}
    assert set(normal) == {("feed", 0), ("story", 0)}
    chip = (1000, 220)  # the "SEGERA BERAKHIR" chip on the feed's photo
    assert near(open_jpeg(urgent["feed", 0].path).getpixel(chip), "#C8102E", 20)
    assert not near(open_jpeg(normal["feed", 0].path).getpixel(chip), "#C8102E", 40)
    assert near(open_jpeg(urgent["urgent", 0].path).getpixel((8, 20)), "#8E0B21", 30)


def test_unknown_design_is_rejected(cfg, db):
    lot = store_lot(cfg, db, make_lot())
    with pytest.raises(TemplateError, match="unknown design 'poster'"):
        render.render_lot(cfg, db, lot, formats=["poster"], now=NOW)


# --- carousel and digest --------------------------------------------------------------------------


@pytest.mark.parametrize("n_photos, slides", [(0, 2), (1, 2), (3, 4), (7, 6)])
def test_carousel_has_cover_up_to_four_photo_slides_and_facts(cfg, db, n_photos, slides):
    photos = [demo_photo(800, 600, seed=i) for i in range(n_photos)]
    lot = store_lot(cfg, db, make_lot(f"car-{n_photos}"), photos)
    images = render.render_lot(cfg, db, lot, formats=["carousel"], now=NOW)
    assert [i.slide for i in images] == list(range(slides))
    assert all(open_jpeg(i.path).size == (1080, 1350) for i in images)
    assert len({i.path for i in images}) == slides


def test_digest_puts_six_lots_per_image(cfg, db):
    lots = [store_lot(cfg, db, make_lot(f"dg-{i}", limit_value=10_000_000 + i * 1_000_000,
                                        ends_at=datetime(2026, 3, 11 + i, 9, tzinfo=WIB)),
                      [demo_photo(640, 480, seed=i)] if i % 2 else [])
            for i in range(8)]
    images = render.render_digest(cfg, db, lots, title="Lelang pekan ini", now=NOW)
    assert [i.slide for i in images] == [0, 1]
    assert len({i.lot_id for i in images}) == 1 and images[0].lot_id.startswith("digest-")
    first, second = (open_jpeg(i.path).convert("RGB") for i in images)
    assert first.size == second.size == (1080, 1350)
    # the second page holds 2 lots: its third cell (row 2, left) is empty background
    assert near(second.getpixel((285, 600)), "#F4F6FB", 8)
    assert not near(first.getpixel((285, 600)), "#F4F6FB", 8)
    again = render.render_digest(cfg, db, lots, title="Lelang pekan ini", now=NOW)
    assert not any(i.rendered for i in again)


# --- batches in parallel processes ---------------------------------------------------------------


def test_batch_renders_in_two_processes_and_a_rerun_renders_nothing(cfg_factory, db):
    cfg = cfg_factory(render={"workers": 2})
    lots = [store_lot(cfg, db, make_lot(f"b-{i}", limit_value=5_000_000 * (i + 1)),
                      [demo_photo(800, 600, seed=i)]) for i in range(4)]
    batch = render.render_batch(cfg, db, lots, now=NOW)
    assert not batch.errors and batch.rendered == 8
    assert db["images"].count == 8
    assert all(i.path.is_file() for i in batch.images)
    again = render.render_batch(cfg, db, lots, now=NOW)
    assert again.rendered == 0 and again.reused == 8


def test_crash_after_image_write_leaves_no_row_and_the_next_run_recovers(cfg, db, tmp_path):
    lot = store_lot(cfg, db, make_lot())
    script = (
        "import sys; from datetime import datetime, UTC\n"
        "from promo_pipeline import config, database, render\n"
        "from promo_pipeline.lots import get_lot\n"
        "cfg = config.load(sys.argv[1]); db = database.connect(cfg.database_path)\n"
        "render.render_lot(cfg, db, get_lot(db, sys.argv[2]), formats=['feed'])\n"
    )
    env = {**os.environ, "PROMO_CRASH_AT": "after_image_write"}
    proc = subprocess.run([sys.executable, "-c", script, str(cfg.path), lot.id], env=env,
                          capture_output=True, timeout=60)
    assert proc.returncode == 137, proc.stderr.decode()
    assert db["images"].count == 0
    assert list((cfg.output_dir / "images" / lot.id).glob("feed-*.jpg"))  # the file is there
    (feed,) = render.render_lot(cfg, db, lot, formats=["feed"])
    assert feed.path.is_file() and db["images"].count == 1


def test_a_render_clears_stale_temporary_files_and_spares_fresh_ones(cfg, db):
    lot = store_lot(cfg, db, make_lot())
    folder = cfg.output_dir / "images" / lot.id
    folder.mkdir(parents=True)
    stale = [folder / ".feed-0.jpg.x1.tmp", folder / ".reel-0.mp4.123.part"]
    fresh = folder / ".story-0.jpg.x2.tmp"  # the review page may be writing it right now
    for p in [*stale, fresh]:
        p.write_bytes(b"half")
    old = time.time() - pipeline.STALE_TEMP_SECONDS - 60
    for p in stale:
        os.utime(p, (old, old))
    render.render_lot(cfg, db, lot, formats=["feed"])
    assert not any(p.exists() for p in stale)
    assert fresh.exists()


# --- text stays inside its boxes -----------------------------------------------------------------

TITLES = st.one_of(
    st.text(min_size=1, max_size=400),
    st.builds(lambda w, n: " ".join([w] * n), st.text("abcdefghijklmnopqrstuvwxyz", min_size=1,
                                                      max_size=12), st.integers(1, 60)),
    st.just("SHM-No.00123/Tamalanrea-Indah-Kecamatan-Tamalanrea-Kota-Makassar-Sulawesi-Selatan"
            "-Indonesia-Raya"),
    st.just("<script>alert('x')</script> Mobil 🚗🔥 Toyota ✓"),
    st.just("Tanah Kavling di Désa Ćirebon — Jalan Raya Ngurah Rai № 5, m² 1.250,5 ±"),
    st.just("W" * 300),
)


@pytest.fixture(scope="module")
def kit_and_templates(tmp_path_factory):
    from promo_pipeline import config as config_mod

    cfg = config_mod.from_dict({"brand": {"name": "KPKNL Bima"}},
                               base_dir=tmp_path_factory.mktemp("cfg"))
    kit = brand.brand_kit(cfg)
    return cfg, kit, {d: designs.get_template(cfg, d) for d in render.available_designs(cfg)}


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(title=TITLES, location=st.one_of(st.none(), st.text(max_size=80)),
       limit=st.integers(0, 10**15))
def test_every_text_layer_stays_inside_its_box_and_the_canvas(kit_and_templates, title,
                                                              location, limit):
    cfg, kit, templates = kit_and_templates
    lot = make_lot(title=title, location=location, limit_value=limit, deposit=limit // 3)
    for name, template in templates.items():
        if template.kind == "digest":
            continue
        values = lot_values(cfg, lot, now=NOW, photo_count=0, kit=kit)
        for _, slide, svalues, photo in expand_slides(template, values, 0):
            im, placed = engine.compose(template, slide, kit,
                                        engine.RenderInput(svalues, photoset.PhotoSet([]), photo))
            assert im.size == (template.width, template.height)
            for p in placed:
                if p.type != "text" or not p.drawn:
                    continue
                x0, y0, x1, y1 = p.box
                assert 0 <= x0 and x1 <= im.width and 0 <= y0 and y1 <= im.height, (name, p)
                for ix0, iy0, ix1, iy1 in p.ink:
                    assert x0 - 1 <= ix0 and ix1 <= x1 + 1, (name, p.path, p.text)
                    assert y0 - 1 <= iy0 and iy1 <= y1 + 1, (name, p.path, p.text)


# --- QR code and OCR -----------------------------------------------------------------------------


def test_qr_code_decodes_to_the_lot_url(cfg, db):
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (test extra) not installed")
    lot = store_lot(cfg, db, make_lot())
    images = render.render_lot(cfg, db, lot, formats=["feed", "story", "square"], now=NOW)
    for image in images:
        results = zxingcpp.read_barcodes(open_jpeg(image.path).convert("L"))
        assert [r.text for r in results] == [lot.url], image.format


def _ocr(path: Path) -> str:
    out = subprocess.run(["tesseract", str(path), "stdout", "-l", "ind"], capture_output=True,
                         timeout=120, check=True)
    return " ".join(out.stdout.decode("utf-8").split())


@pytest.mark.skipif(shutil.which("tesseract") is None,
                    reason="tesseract binary not installed (apt: tesseract-ocr tesseract-ocr-ind)")
def test_ocr_reads_limit_end_date_and_office_from_the_feed(cfg, db):
    lot = store_lot(cfg, db, make_lot(limit_value=412_750_000, deposit=82_550_000,
                                      ends_at=datetime(2026, 3, 18, 9, 0, tzinfo=WIB)),
                    [demo_photo(seed=8)])
    (feed,) = render.render_lot(cfg, db, lot, formats=["feed"], now=NOW)
    text = _ocr(feed.path)
    assert "Rp412.750.000" in text.replace(" ", "")
    assert "18 Maret 2026" in text          # 09.00 WIB is 10.00 WITA, the office's zone
    assert "10.00 WITA" in text
    assert "KPKNL Bima" in text


PERSONAL_TITLE = ("1 (satu) unit Handphone Samsung Galaxy A12 warna hitam dengan nomor "
                  "081234567890 beserta STNK a.n. BUDI SANTOSO di Kota Bima")


@pytest.mark.skipif(shutil.which("tesseract") is None,
                    reason="tesseract binary not installed (apt: tesseract-ocr tesseract-ocr-ind)")
def test_ocr_shows_the_headline_and_no_redacted_text(cfg, db):
    """A title and item carrying a SIM number and an owner's name: the feed shows the short
    headline, and neither the feed nor the carousel's facts slide shows the removed texts."""
    lot = store_lot(cfg, db, make_lot(
        "pd-1", title=PERSONAL_TITLE, category=None,
        items=(Item(name="Handphone Samsung Galaxy A12 nomor 081234567890"),
               Item(name="STNK a.n. Budi Santoso"))))
    images = render.render_lot(cfg, db, lot, formats=["feed", "carousel"], now=NOW)
    texts = {f"{i.format}-{i.slide}": _ocr(i.path) for i in images}
    assert "Samsung Galaxy" in texts["feed-0"] and "1 (satu)" not in texts["feed-0"]
    assert "STNK" in " ".join(texts.values())              # the document stays, its owner goes
    for name, text in texts.items():
        digits = "".join(ch for ch in text if ch.isdigit())
        assert "08123456" not in digits and "34567890" not in digits, name
        assert "SANTOSO" not in text.upper() and "BUDI" not in text.upper(), name


def test_a_title_naming_no_single_kind_gets_no_badge(cfg, db):
    """The neutral design: a mixed package has no category badge and the generic drawing."""
    mixed = make_lot("mix-1", category=None, items=(),
                     title="Paket 1 unit mobil Toyota Kijang, 3 unit sepeda motor dan 1 unit "
                           "genset di Kota Bima")
    car = make_lot("car-1", category=None, items=())
    plain = lot_values(cfg, mixed, now=NOW, photo_count=0, kit=brand.brand_kit(cfg))
    assert (plain["category_key"], plain["has_badge"], plain["category_label"]) == \
        ("generic", False, "")
    values = lot_values(cfg, car, now=NOW, photo_count=0, kit=brand.brand_kit(cfg))
    assert (values["category_key"], values["category_label"]) == ("car", "MOBIL")
    assert values["headline"] == "Toyota Avanza 1.3 G M/T 2015"
    assert len(values["headline"]) <= 60 and values["headline"] in values["title_short"]
    (feed_mixed,) = render.render_lot(cfg, db, store_lot(cfg, db, mixed), formats=["feed"],
                                      now=NOW)
    (feed_car,) = render.render_lot(cfg, db, store_lot(cfg, db, car), formats=["feed"], now=NOW)
    # The badge is an accent-filled pill at the photo's top left; the neutral design has none.
    def accent_share(path: Path) -> float:
        box = open_jpeg(path).crop((68, 192, 300, 250)).resize((58, 15))
        pixels = list(box.get_flattened_data())
        return sum(1 for px in pixels if near(px, ACCENT, 40)) / len(pixels)
    assert accent_share(feed_car.path) > 0.4 and accent_share(feed_mixed.path) < 0.1


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_render_json_and_summary(cfg, db):
    # Still promotable: `promo render` draws only what `promo run` would (deadline ahead too).
    store_lot(cfg, db, make_lot(ends_at=datetime.now(UTC) + timedelta(days=10),
                                deposit_deadline=datetime.now(UTC) + timedelta(days=9)))
    runner = CliRunner()
    result = runner.invoke(cli_mod.cli, ["--config", str(cfg.path), "render", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {d["format"] for d in data} == {"feed", "story"}
    for d in data:
        assert {"lot_id", "format", "path"} <= set(d)
        assert (cfg.base_dir / d["path"]).is_file()
    again = runner.invoke(cli_mod.cli, ["--config", str(cfg.path), "render", "--format",
                                        "square"])
    assert again.exit_code == 0 and "1 dibuat" in again.output
    bad = runner.invoke(cli_mod.cli, ["--config", str(cfg.path), "render", "--format", "nope"])
    assert bad.exit_code == 2 and "tidak dikenal" in bad.output
    missing = runner.invoke(cli_mod.cli, ["--config", str(cfg.path), "render", "--lot", "x"])
    assert missing.exit_code != 0 and "Traceback" not in missing.output


def test_cli_templates_preview_writes_a_contact_sheet(cfg):
    result = CliRunner().invoke(cli_mod.cli, ["--config", str(cfg.path), "templates", "preview"])
    assert result.exit_code == 0, result.output
    path = cfg.base_dir / result.output.strip()
    sheet = Image.open(path)
    assert sheet.format == "PNG" and sheet.width > 2000
    assert ImageStat.Stat(sheet.convert("L")).stddev[0] > 30


def test_office_logo_is_drawn_and_a_broken_logo_falls_back(cfg_factory, db, tmp_path, caplog):
    logo = Image.new("RGBA", (300, 300), (255, 0, 0, 255))
    logo.save(tmp_path / "logo.png")
    cfg = cfg_factory(brand={"logo": "logo.png"}, render={"workers": 1})
    lot = store_lot(cfg, db, make_lot())
    (feed,) = render.render_lot(cfg, db, lot, formats=["feed"], now=NOW)
    assert near(open_jpeg(feed.path).getpixel((84, 68)), "#FF0000", 20)  # the logo box
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    cfg2 = cfg_factory(brand={"logo": "broken.png"}, render={"workers": 1})
    (feed2,) = render.render_lot(cfg2, db, lot, formats=["feed"], now=NOW)
    assert not near(open_jpeg(feed2.path).getpixel((84, 68)), "#FF0000", 60)
    assert "cannot be used" in caplog.text
