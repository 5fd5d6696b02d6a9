"""Photo download and cache: Referer, byte cap, image checks, refused URLs, never twice."""

from __future__ import annotations

import io
import os
import random
import struct
import zlib
from pathlib import Path

import pytest
from conftest import image_bytes
from PIL import Image

from promo_pipeline import fsutil
from promo_pipeline.demo.dataset import Dataset
from promo_pipeline.demo.server import FakeLelang, Fault
from promo_pipeline.http import HttpClient
from promo_pipeline.photos import PhotoCache, cache_path


@pytest.fixture
def cache(config, db):
    client = HttpClient(config.source)
    yield PhotoCache(config, db, client)
    client.close()


def new_run(config, db) -> PhotoCache:
    """A later run: a fresh cache object (nothing remembered in memory)."""
    return PhotoCache(config, db, HttpClient(config.source))


def serve(server: FakeLelang, name: str, data: bytes) -> str:
    server.dataset.files[f"photo_barang/{name}"] = data
    return f"{server.file_base}photo_barang/{name}"


def row(db, url):
    return db["photos"].get(url)


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def bomb_png(width: int = 12_000, height: int = 12_000) -> bytes:
    """A PNG of a few hundred bytes whose header declares width×height (144 MP) grey pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1) * 32, 9)  # only the first rows; never decoded
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


def noisy_jpeg(size=(400, 300)) -> bytes:
    im = Image.frombytes("RGB", size, random.Random(7).randbytes(size[0] * size[1] * 3))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


# --- good photos -------------------------------------------------------------------------------


def test_good_photo_is_cached_content_addressed(cache, config, db, fake_lelang):
    data = image_bytes("JPEG", (120, 80), seed=3)
    url = serve(fake_lelang, "good.jpg", data)
    result = cache.ensure(url)
    assert result.outcome == "downloaded"
    sha = fsutil.sha256_bytes(data)
    assert result.path == f"photos/{sha[:2]}/{sha}.jpg" == cache_path(sha, "JPEG")
    assert (config.media_dir / result.path).read_bytes() == data
    r = row(db, url)
    assert (r["status"], r["format"], r["width"], r["height"], r["bytes"]) == (
        "ok", "JPEG", 120, 80, len(data))
    assert not list(config.media_dir.rglob("*.tmp"))


def test_photo_request_carries_referer_and_no_origin(cache, fake_lelang):
    url = serve(fake_lelang, "ref.png", image_bytes("PNG", seed=4))
    assert cache.ensure(url).outcome == "downloaded"
    (req,) = [r for r in fake_lelang.requests if r.kind == "file"]
    assert req.headers["Referer"] == "https://lelang.go.id/"
    assert "Origin" not in req.headers
    assert req.headers["Accept"].startswith("image/")


def test_the_file_host_refuses_hotlinks_without_referer(fake_lelang):
    """The fake behaves like file.lelang.go.id: no Referer, no photo."""
    import requests

    url = serve(fake_lelang, "hotlink.jpg", image_bytes(seed=5))
    assert requests.get(url, timeout=5).status_code == 403
    assert requests.get(url, headers={"Referer": "https://lelang.go.id/"}, timeout=5).ok


def test_a_referer_refusal_is_recorded_bad_and_the_lot_goes_on(cfg_factory, db, fake_lelang):
    """If the host still refuses (403), the photo is bad, nothing is written, no exception."""
    cfg = cfg_factory(fake_lelang)
    url = serve(fake_lelang, "still-refused.jpg", image_bytes(seed=6))
    fake_lelang.inject("still-refused.jpg", Fault.error(403, body=b"Forbidden"))
    result = PhotoCache(cfg, db, HttpClient(cfg.source)).ensure(url)
    assert result.outcome == "bad" and "HTTP 403" in result.error
    assert not cfg.media_dir.exists() or not files_under(cfg.media_dir)


def test_second_run_downloads_nothing(cache, config, db, fake_lelang):
    urls = [serve(fake_lelang, f"p{i}.jpg", image_bytes(seed=10 + i)) for i in range(3)]
    assert [r.outcome for r in cache.ensure_lot(urls, retry_bad=False)] == ["downloaded"] * 3
    before = {p: p.stat().st_mtime_ns for p in files_under(config.media_dir)}
    fake_lelang.reset_log()
    again = new_run(config, db).ensure_lot(urls, retry_bad=True)
    assert [r.outcome for r in again] == ["cached"] * 3
    assert fake_lelang.count("file") == 0
    assert {p: p.stat().st_mtime_ns for p in files_under(config.media_dir)} == before


def test_a_cached_file_that_vanished_is_downloaded_again(cache, config, db, fake_lelang):
    url = serve(fake_lelang, "gone.jpg", image_bytes(seed=20))
    path = config.media_dir / cache.ensure(url).path
    path.unlink()
    assert new_run(config, db).ensure(url).outcome == "downloaded"
    assert path.is_file()


def test_same_bytes_at_two_urls_share_one_file(cache, config, fake_lelang):
    data = image_bytes(seed=21)
    a, b = serve(fake_lelang, "a.jpg", data), serve(fake_lelang, "b.jpg", data)
    assert cache.ensure(a).path == cache.ensure(b).path
    assert len(files_under(config.media_dir)) == 1


def test_only_the_first_photos_of_a_lot_are_fetched(cfg_factory, db, fake_lelang):
    cfg = cfg_factory(fake_lelang, source={"max_photos_per_lot": 2})
    urls = [serve(fake_lelang, f"m{i}.jpg", image_bytes(seed=30 + i)) for i in range(4)]
    results = PhotoCache(cfg, db, HttpClient(cfg.source)).ensure_lot(urls, retry_bad=False)
    assert [r.url for r in results] == urls[:2]
    assert fake_lelang.count("file") == 2


def test_each_url_is_settled_once_per_run(cache, fake_lelang):
    url = serve(fake_lelang, "shared.jpg", image_bytes(seed=40))
    first = cache.ensure_lot([url], retry_bad=False)
    again = cache.ensure_lot([url], retry_bad=True)
    assert fake_lelang.count("file") == 1
    # Counted once as downloaded; the lot sharing it finds it cached.
    assert [r.outcome for r in first + again] == ["downloaded", "cached"]
    assert first[0].path == again[0].path


# --- bad photos: recorded, never fatal, never written ------------------------------------------


def _jpeg_header_then_noise() -> bytes:
    good = noisy_jpeg()
    return good[:600] + random.Random(1).randbytes(4000)


BAD_PHOTOS = {
    "truncated.jpg": (lambda: noisy_jpeg()[: len(noisy_jpeg()) // 2], "truncated"),
    "corrupt.jpg": (_jpeg_header_then_noise, "corrupt or truncated"),
    "random.jpg": (lambda: os.urandom(5000), "not a JPEG, PNG or WebP"),
    "tiff.png": (lambda: image_bytes("TIFF"), "not a JPEG, PNG or WebP"),
    "gif.png": (lambda: image_bytes("GIF"), "not a JPEG, PNG or WebP"),
    "html.jpg": (lambda: b"<html><body>403 Forbidden</body></html>", "not a JPEG, PNG or WebP"),
    "bomb.png": (bomb_png, "decompression bomb"),
    "empty.jpg": (lambda: b"", "not a JPEG, PNG or WebP"),
}


@pytest.mark.parametrize("name", sorted(BAD_PHOTOS))
def test_bad_photos_are_recorded_and_not_written(cache, config, db, fake_lelang, name):
    make, message = BAD_PHOTOS[name]
    url = serve(fake_lelang, name, make())
    result = cache.ensure(url)
    assert result.outcome == "bad"
    assert message in result.error
    r = row(db, url)
    assert r["status"] == "bad" and message in r["error"] and r["path"] is None
    assert not config.media_dir.exists() or not files_under(config.media_dir)


def test_bomb_is_small_and_declares_over_100_megapixels():
    data = bomb_png()
    assert len(data) < 4096
    assert struct.unpack(">II", data[16:24]) == (12_000, 12_000)


def test_image_over_the_pixel_limit_is_bad(cfg_factory, db, fake_lelang):
    cfg = cfg_factory(fake_lelang, source={"max_photo_pixels": 1000})
    url = serve(fake_lelang, "big.png", image_bytes("PNG", (100, 100)))
    result = PhotoCache(cfg, db, HttpClient(cfg.source)).ensure(url)
    assert result.outcome == "bad" and "too large" in result.error


def test_photo_over_the_byte_cap_is_refused_while_streaming(cfg_factory, db, fake_lelang):
    cfg = cfg_factory(fake_lelang, source={"max_photo_bytes": 20_000})
    url = serve(fake_lelang, "huge.jpg", noisy_jpeg((800, 600)))
    fake_lelang.inject("huge.jpg", Fault(content_length=False))  # no length up front
    client = HttpClient(cfg.source)
    result = PhotoCache(cfg, db, client).ensure(url)
    assert result.outcome == "bad" and "cap" in result.error
    assert client.stats.bytes < 20_000 + 2 * 65_536


def test_bad_photo_is_not_retried_unless_its_lot_changed(cache, config, db, fake_lelang):
    url = serve(fake_lelang, "fixme.jpg", b"not an image")
    assert cache.ensure(url).outcome == "bad"
    fake_lelang.dataset.files["photo_barang/fixme.jpg"] = image_bytes(seed=50)  # fixed upstream
    fake_lelang.reset_log()
    assert new_run(config, db).ensure(url, retry_bad=False).outcome == "bad"
    assert fake_lelang.count("file") == 0
    assert new_run(config, db).ensure(url, retry_bad=True).outcome == "downloaded"
    assert row(db, url)["status"] == "ok" and row(db, url)["error"] is None


def test_transient_failure_is_retried_next_run(cache, config, db, fake_lelang):
    url = serve(fake_lelang, "flaky.jpg", image_bytes(seed=60))
    fake_lelang.inject("flaky.jpg", Fault.error(503, times=None))
    result = cache.ensure(url)
    assert result.outcome == "failed" and "503" in result.error
    assert row(db, url)["status"] == "failed"
    fake_lelang.clear_faults()
    assert new_run(config, db).ensure(url, retry_bad=False).outcome == "downloaded"


# --- refused URLs: never fetched ---------------------------------------------------------------


@pytest.fixture
def elsewhere():
    ds = Dataset(files={"photo_barang/x.jpg": image_bytes(seed=70)})
    with FakeLelang(ds) as other:
        yield other


def test_foreign_and_internal_urls_are_refused_and_never_fetched(
    cache, config, db, fake_lelang, elsewhere, tmp_path
):
    local_file = tmp_path / "secret.jpg"
    local_file.write_bytes(image_bytes(seed=71))
    urls = [
        elsewhere.file_base + "photo_barang/x.jpg",  # another host (port) on loopback
        f"http://127.0.0.1:{elsewhere.port}/lelang/photo_barang/x.jpg",
        f"http://localhost:{fake_lelang.port}/lelang/photo_barang/x.jpg",  # other name
        "http://169.254.169.254/latest/meta-data/iam/x.jpg",
        local_file.as_uri(),
        f"{fake_lelang.file_base}photo_barang/../../../etc/passwd",
        "https://evil.example.com/x.jpg",
    ]
    before = files_under(tmp_path)
    results = [cache.ensure(u) for u in urls]
    assert [r.outcome for r in results] == ["refused"] * len(urls)
    assert elsewhere.requests == []
    assert fake_lelang.count("file") == 0
    assert files_under(tmp_path) - before <= {p for p in files_under(tmp_path)
                                              if p.name.startswith("promo.db")}
    assert not config.media_dir.exists() or not files_under(config.media_dir)
    assert {row(db, u)["status"] for u in urls} == {"refused"}
    assert "not a configured source host" in row(db, urls[0])["error"]
    assert "scheme 'file'" in row(db, local_file.as_uri())["error"]


def test_refused_stays_refused_without_network(cache, config, db, elsewhere):
    url = elsewhere.file_base + "photo_barang/x.jpg"
    cache.ensure(url)
    assert new_run(config, db).ensure(url, retry_bad=True).outcome == "refused"
    assert elsewhere.requests == []
