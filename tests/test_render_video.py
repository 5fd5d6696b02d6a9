"""Video designs end to end: real MP4 files decoded with PyAV and checked by their container,
streams and pixels; the limit read back by Tesseract at its hold; nothing readable where the
apps draw their buttons; the cache rule; a corrupt photo still gives a clip.

The full reel is rendered once for the module (about 10 s on a 2-core machine); the other tests
use a small video design written here (same code path, a tenth of the pixels)."""

from __future__ import annotations

import shutil
import struct
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest
from click.testing import CliRunner
from PIL import Image, ImageChops, ImageStat
from test_render import NOW, make_lot, store_lot

from promo_pipeline import cli as cli_mod
from promo_pipeline import config as config_mod
from promo_pipeline import database, render
from promo_pipeline.errors import TemplateError
from promo_pipeline.render import brand, designs, photoset, plan, timeline, video
from promo_pipeline.render.preview import demo_photo

tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                               reason="tesseract binary not installed (apt: tesseract-ocr-ind)")

SMALL = """\
name = "mini"
kind = "video"
width = 270
height = 480
background = "primary"

[[layers]]
type = "rect"
x = 0
y = 0
w = 270
h = 480
fill = "primary"

[[scenes]]
name = "foto"
duration = 2.0
repeat = "photos"
max = 2

[[scenes.layers]]
type = "image"
source = "photo"
photo = "slide"
x = 0
y = 80
w = 270
h = 200
motion = { zoom = [1.0, 1.2] }
enter = { effect = "fade", duration = 0.3 }

[[scenes]]
name = "limit"
duration = 2.5
transition = 0.3

[[scenes.layers]]
type = "text"
text = "{limit}"
x = 10
y = 200
w = 250
h = 40
size = 30
min_size = 14
color = "white"
enter = { effect = "slide", from = "bottom", duration = 0.3 }

[[scenes]]
name = "end"
duration = 1.5
transition = 0.3

[[scenes.layers]]
type = "qr"
x = 70
y = 150
w = 130
h = 130
enter = { effect = "scale", from = 0.8, duration = 0.3 }
"""


def boxes(data: bytes, off: int = 0, end: int | None = None, depth: int = 0,
          out: list | None = None) -> list[tuple[int, str]]:
    """(depth, type) of every MP4 box, in file order (containers opened)."""
    out = [] if out is None else out
    end = len(data) if end is None else end
    while off + 8 <= end:
        size, kind = struct.unpack(">I4s", data[off:off + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[off + 8:off + 16])[0], 16
        size = size or end - off
        name = kind.decode("latin-1")
        out.append((depth, name))
        if name in ("moov", "trak", "mdia", "minf", "stbl", "edts", "udta"):
            boxes(data, off + header, off + size, depth + 1, out)
        off += size
    return out


def decode_frames(path: Path, indices: set[int]) -> dict[int, Image.Image]:
    found = {}
    with av.open(str(path)) as c:
        for i, frame in enumerate(c.decode(video=0)):
            if i in indices:
                found[i] = frame.to_image()
            if len(found) == len(indices):
                break
    return found


def ocr(im: Image.Image, tmp: Path) -> str:
    path = tmp / "ocr.png"
    im.save(path)
    out = subprocess.run(["tesseract", str(path), "stdout", "-l", "ind"], capture_output=True,
                         timeout=120, check=True)
    return " ".join(out.stdout.decode("utf-8").split())


@pytest.fixture(scope="module")
def reel(tmp_path_factory):
    base = tmp_path_factory.mktemp("reel")
    cfg = config_mod.from_dict({
        "offices": [{"id": "0b1a0000-0000-4000-8000-000000000001", "name": "KPKNL Bima",
                     "timezone": "Asia/Makassar"}],
        "brand": {"name": "KPKNL Bima"}, "render": {"workers": 1},
        "storage": {"database": "data/promo.db", "media_dir": "data/media",
                    "output_dir": "data/out"}}, base_dir=base)
    db = database.connect(cfg.database_path)
    lot = store_lot(cfg, db, make_lot(), [demo_photo(1600, 1200, seed=1),
                                          demo_photo(1600, 1200, seed=2)])
    (clip,) = render.render_lot(cfg, db, lot, formats=["reel"], now=NOW)
    yield cfg, db, lot, clip
    db.close()


def test_reel_is_an_h264_high_yuv420p_30fps_mp4_with_moov_first_and_a_silent_track(reel):
    cfg, _, _, clip = reel
    assert clip.format == "reel" and clip.path.suffix == ".mp4" and clip.rendered
    data = clip.path.read_bytes()
    top = [name for depth, name in boxes(data) if depth == 0]
    assert top.index("moov") < top.index("mdat")               # +faststart
    assert "elst" not in [name for _, name in boxes(data)]    # Instagram: no edit lists
    assert len(data) < 15 * 1024 * 1024
    tl = designs.get_template(cfg, "reel").timeline
    expected = sum(s.duration for s in tl.scenes)
    with av.open(str(clip.path)) as c:
        v = c.streams.video[0]
        assert v.codec_context.name == "h264" and v.codec_context.profile == "High"
        assert (v.width, v.height) == (1080, 1920)
        assert v.codec_context.pix_fmt == "yuv420p"
        assert v.average_rate == 30
        assert v.frames == round(expected * 30)
        assert 6 <= expected <= 15 and abs(float(v.duration * v.time_base) - expected) < 0.05
        assert v.codec_context.color_range == 1 and v.codec_context.colorspace == 1  # tv, bt709
        (a,) = c.streams.audio
        assert a.codec_context.name == "aac" and a.codec_context.sample_rate <= 48_000
        loudest = max(max(abs(x) for x in bytes(f.planes[0])) for f in c.decode(audio=0))
        assert loudest == 0                                   # silence
    with Image.open(video.poster_path(clip.path)) as poster:
        assert poster.format == "JPEG" and poster.size == (1080, 1920)


def test_brand_colours_survive_the_yuv_round_trip(reel):
    clip = reel[3]
    frames = decode_frames(clip.path, {300})
    px = frames[300].getpixel((540, 30))           # the backdrop gradient starts at primary
    want = (0x16, 0x30, 0x6B)
    assert all(abs(a - b) <= 8 for a, b in zip(px, want, strict=True)), px


@tesseract
def test_frames_in_the_holds_show_the_limit_and_the_closing_date(reel, tmp_path):
    cfg, _, _, clip = reel
    template = designs.get_template(cfg, "reel")
    runs = timeline.play(template.timeline, {}, 2)
    holds = {}
    for run in runs:
        for layer in run.scene.layers:
            shown = layer.fields_used & timeline.HOLD_FIELDS
            if shown and layer.type == "text":
                a, b = timeline.hold(layer.enter, layer.exit, run.frames / 30,
                                     run.scene.transition)
                assert b - a >= 2.0
                holds[min(shown)] = run.start + round((a + b) / 2 * 30)
    assert {"limit", "ends_date"} <= set(holds)
    frames = decode_frames(clip.path, set(holds.values()))
    limit_text = ocr(frames[holds["limit"]], tmp_path).replace(" ", "")
    assert "Rp98.500.000" in limit_text
    date_text = ocr(frames[holds["ends_date"]], tmp_path)
    assert "11 Maret 2026" in date_text and "10.00 WITA" in date_text


@tesseract
def test_nothing_readable_in_the_bands_the_apps_cover(reel, tmp_path):
    cfg, _, _, clip = reel
    template = designs.get_template(cfg, "reel")
    top, bottom = template.safe_zone
    assert (top, bottom) == (round(1920 * 0.14), 1920 - round(1920 * 0.20))
    moments = video.scene_times(template, {}, 2)
    frames = decode_frames(clip.path, {round(t * 30) for _, t in moments})
    for im in frames.values():
        for band in (im.crop((0, 0, 1080, top)), im.crop((0, bottom, 1080, 1920))):
            words = [w for w in ocr(band, tmp_path).split() if sum(c.isalnum() for c in w) >= 3]
            assert words == []
        middle = ocr(im.crop((0, top, 1080, bottom)), tmp_path)
        assert sum(c.isalnum() for c in middle) > 10   # the OCR does read the frame itself


def test_an_unchanged_lot_is_not_encoded_again(reel):
    cfg, db, lot, clip = reel
    before = clip.path.stat().st_mtime_ns
    (again,) = render.render_lot(cfg, db, lot, formats=["reel"], now=NOW)
    assert again.path == clip.path and not again.rendered
    assert clip.path.stat().st_mtime_ns == before


# --- the small design ---------------------------------------------------------------------------


@pytest.fixture
def mini(cfg_factory, tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "mini.toml").write_text(SMALL, encoding="utf-8")
    return cfg_factory(render={"workers": 1})


def test_a_changed_limit_gives_a_new_clip(mini, db):
    lot = store_lot(mini, db, make_lot(), [demo_photo(seed=3)])
    (first,) = render.render_lot(mini, db, lot, formats=["mini"], now=NOW)
    changed = store_lot(mini, db, make_lot(limit_value=99_000_000), [demo_photo(seed=3)])
    (second,) = render.render_lot(mini, db, changed, formats=["mini"], now=NOW)
    assert second.rendered and second.path != first.path
    assert first.path.name.startswith("mini-") and first.path.suffix == ".mp4"


def test_a_corrupt_photo_still_gives_a_clip_with_the_illustration(mini, db, caplog):
    broken = demo_photo(seed=4)[:3000]  # a truncated JPEG
    lot = store_lot(mini, db, make_lot(), [broken])
    (clip,) = render.render_lot(mini, db, lot, formats=["mini"], now=NOW)
    assert "unusable" in caplog.text
    bare = store_lot(mini, db, make_lot(lot_id="22222222-2222-4333-8444-555555555555"), [])
    (plain,) = render.render_lot(mini, db, bare, formats=["mini"], now=NOW)
    frames = decode_frames(clip.path, {40}), decode_frames(plain.path, {40})
    photo_box = (0, 80, 270, 280)
    a, b = (f[40].crop(photo_box) for f in frames)
    assert ImageStat.Stat(a).stddev[0] > 10              # a drawing, not a flat box
    assert ImageStat.Stat(ImageChops.difference(a, b)).mean[0] < 6  # the same illustration


def test_frames_where_nothing_moves_are_not_drawn_again(mini, db):
    template = designs.get_template(mini, "mini")
    cfg_kit = brand.brand_kit(mini)
    values = plan.lot_values(mini, make_lot(), now=NOW, photo_count=0, kit=cfg_kit)
    photos = photoset.PhotoSet([])
    out = video.render_clip(template, cfg_kit, values, photos, mini.output_dir / "m.mp4")
    assert out.frames == 180 and out.drawn < out.frames * 0.75
    with av.open(str(out.path)) as c:
        assert c.streams.video[0].frames == 180


def test_cli_renders_a_reel_format_and_shows_progress_only_on_a_terminal(mini, db):
    soon = datetime.now(UTC) + timedelta(days=10)
    store_lot(mini, db, make_lot(ends_at=soon, deposit_deadline=soon - timedelta(days=1)))
    result = CliRunner().invoke(cli_mod.cli, ["--config", str(mini.path), "render", "--format",
                                              "mini", "--json"])
    assert result.exit_code == 0, result.output
    assert '"format": "mini"' in result.output and ".mp4" in result.output
    assert "bingkai" not in result.output  # not a terminal: no progress line


def test_progress_reports_frames_of_each_clip(mini, db):
    lot = store_lot(mini, db, make_lot(), [])
    seen = []
    render.render_batch(mini, db, [lot], formats=["mini"], workers=1, now=NOW,
                        progress=lambda *a: seen.append(a))
    assert seen[0][1:] == ("mini", 1, 180) and seen[-1][1:] == ("mini", 180, 180)


# --- loading rules ------------------------------------------------------------------------------


def _load(tmp_path: Path, text: str):
    path = tmp_path / "v.toml"
    path.write_text(text, encoding="utf-8")
    return render.template.load(path)


def test_a_limit_held_less_than_two_seconds_is_refused(tmp_path):
    bad = SMALL.replace("duration = 2.5\ntransition = 0.3", "duration = 2.0\ntransition = 0.3")
    bad = bad.replace("duration = 1.5", "duration = 2.0")
    with pytest.raises(TemplateError, match=r"v.toml:\d+: scenes\[1\].layers\[0\]: .*2 s"):
        _load(tmp_path, bad)


def test_a_clip_outside_6_to_15_seconds_is_refused(tmp_path):
    with pytest.raises(TemplateError, match="at most 15 s"):
        _load(tmp_path, SMALL.replace("duration = 1.5", "duration = 12"))
    with pytest.raises(TemplateError, match="at least 6 s"):
        _load(tmp_path, SMALL.replace("duration = 1.5", "duration = 0.6"))


def test_an_animation_outside_its_scene_and_unknown_keys_are_refused(tmp_path):
    with pytest.raises(TemplateError, match=r"enter animation .* outside"):
        _load(tmp_path, SMALL.replace('enter = { effect = "scale", from = 0.8, duration = 0.3 }',
                                      'enter = { effect = "scale", at = 1.4, duration = 0.3 }'))
    with pytest.raises(TemplateError, match="unknown key 'wobble'"):
        _load(tmp_path, SMALL.replace('motion = { zoom = [1.0, 1.2] }',
                                      'motion = { zoom = [1.0, 1.2], wobble = 1 }'))
    with pytest.raises(TemplateError, match="unknown key 'enter'"):
        _load(tmp_path, SMALL.replace('fill = "primary"\n',
                                      'fill = "primary"\nenter = { effect = "fade" }\n',
                                      1))


def test_text_in_the_bands_of_a_9_16_design_is_refused(tmp_path):
    tall = SMALL.replace("y = 200\nw = 250", "y = 20\nw = 250")
    with pytest.raises(TemplateError, match="safe zone"):
        _load(tmp_path, tall)


# --- publishing (the export folder; the photo channels leave the clip out) ------------------------


def test_the_export_folder_gets_the_clip_beside_the_stills_and_photo_channels_skip_it(mini, db):
    from promo_pipeline.errors import PermanentPublishError
    from promo_pipeline.publish.channels.base import DeliveryJob, SendContext
    from promo_pipeline.publish.channels.export import ExportChannel
    from promo_pipeline.publish.media import resolve_images

    lot = store_lot(mini, db, make_lot(), [demo_photo(seed=5)])
    images = render.render_lot(mini, db, lot, formats=["feed", "mini"], now=NOW)
    rels = [i.path.relative_to(mini.output_dir).as_posix() for i in images]
    assert sorted(r.rsplit(".", 1)[1] for r in rels) == ["jpg", "mp4"]
    job = DeliveryJob(id=1, post_id=1, channel="export", idem_key="k",
                      payload={"images": rels, "captions": {"telegram": "Lelang"},
                               "lot_id": lot.id, "office_id": "bima", "version": 1})
    ctx = SendContext(output_dir=mini.output_dir, save_checkpoint=lambda c: None,
                      clock=lambda: datetime.now(UTC), sleep=lambda s: None)
    assert [p.suffix for p in resolve_images(job, ctx)] == [".jpg"]
    ExportChannel().send(job, ctx)
    (folder,) = (mini.output_dir / "outbox").glob("*/*")
    clip = next(i.path for i in images if i.path.suffix == ".mp4")
    copied = next(folder.glob("*.mp4"))
    assert copied.read_bytes() == clip.read_bytes() and len(list(folder.glob("*.jpg"))) == 1
    fake = mini.output_dir / "images" / "fake.mp4"
    fake.write_bytes(b"not a video at all")
    bad = DeliveryJob(id=2, post_id=2, channel="export", idem_key="k2",
                      payload={"images": ["images/fake.mp4"]})
    with pytest.raises(PermanentPublishError, match="bukan MP4"):
        resolve_images(bad, ctx, videos=True)
