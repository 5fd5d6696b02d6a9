"""Hostile input through the whole tool, where the stage tests stop short.

Already covered elsewhere (not repeated here): HTTP faults (HTML 200, garbage JSON, Retry-After
in seconds/HTTP-date/huge, stalls, drips, oversize bodies, drops, truncation, redirects off host:
``test_http.py``), pagination caps and loops (``test_fetch.py``), bad lot facts and any-JSON
parsing (``test_parse.py``, hypothesis), truncated/random/TIFF/GIF/bomb photos and refused photo
URLs at the cache level (``test_photos.py``), bad config keys (``test_config.py``), secrets in
publish output (``test_publish.py``), and the review page (``test_review.py``,
``test_review_security.py``).

Added here, each through the real collector/renderer/CLI against the fake servers:

- EPS and SVG disguised as ``.png`` are refused by the format allowlist and Ghostscript is never
  started (no ``gs`` on PATH, and any ``subprocess.Popen`` during the photo check fails the test);
- hostile values inside the API data (``../../x`` as lot id, photo folder or file name,
  ``file://``, another port on 127.0.0.1, the cloud metadata address, a foreign host) are never
  fetched and nothing is written outside the project's data folder; the other lots are stored;
- wrongly typed listing envelopes (``totalPage`` as text, ``data`` null, items that are not
  objects) end as a clear error or a skipped item, never an exception, and lose nothing stored;
- a full disk or a read-only output folder while rendering: nothing at the final path, no image
  row, no post for that lot, the error in the run's summary, the other lots rendered and queued;
- publishing to Telegram without ``PROMO_TELEGRAM_TOKEN``: exit 2 and a message naming the
  variable; a token is never printed, logged or stored even when the platform fails.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import BIMA, image_bytes
from fake_platforms import TELEGRAM_TOKEN, FakePlatforms

from promo_pipeline import collect, database, pipeline
from promo_pipeline.demo.dataset import Dataset
from promo_pipeline.demo.server import FakeLelang, Fault
from promo_pipeline.http import HttpClient
from promo_pipeline.photos import PhotoCache

EPS = (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n"
       b"/Times-Roman findfont 12 scalefont setfont 10 10 moveto (pwned) show\n"
       b"(%pipe%touch /tmp/h7-gs-was-here) (w) file\nshowpage\n%%EOF\n")
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
       b'<image href="file:///etc/passwd"/><script>alert(1)</script></svg>')


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


# --- photos that pretend to be PNG ---------------------------------------------------------------


@pytest.mark.parametrize("name, data", [("eps.png", EPS), ("svg.png", SVG),
                                        ("eps-binary.png", b"\xc5\xd0\xd3\xc6" + EPS)])
def test_eps_and_svg_named_png_are_refused_and_ghostscript_never_runs(
        config, db, fake_lelang, monkeypatch, tmp_path, name, data):
    popen_calls: list = []

    def no_subprocess(*args, **kwargs):
        popen_calls.append(args)
        raise AssertionError(f"a subprocess was started during the photo check: {args!r}")

    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    fake_lelang.dataset.files[f"photo_barang/{name}"] = data
    client = HttpClient(config.source)
    try:
        result = PhotoCache(config, db, client).ensure(
            f"{fake_lelang.file_base}photo_barang/{name}")
    finally:
        client.close()
    assert result.outcome == "bad"
    assert "not a JPEG, PNG or WebP" in result.error
    assert popen_calls == []
    assert not config.media_dir.exists() or not files_under(config.media_dir)
    assert not Path("/tmp/h7-gs-was-here").exists()


# --- hostile values in the API data --------------------------------------------------------------


@pytest.fixture
def elsewhere():
    """Another local server, standing in for anything a hostile URL could point at."""
    ds = Dataset(files={"photo_barang/x.jpg": image_bytes(seed=70),
                        "latest/meta-data/x.jpg": image_bytes(seed=71)})
    with FakeLelang(ds) as other:
        yield other


def _photo(**file) -> dict:
    return {"iscover": True, "deletedAt": None, "file": file}


def test_hostile_values_in_the_data_are_never_fetched_nor_written_outside(
        cfg_factory, fake_lelang, elsewhere, tmp_path):
    cfg = cfg_factory(fake_lelang)
    outside_before = files_under(tmp_path.parent) - files_under(tmp_path)
    ds = fake_lelang.dataset
    items = ds.listings[BIMA]
    victim = items[0]["lotLelangId"]
    hostile = [
        _photo(folder="../../..", fileName="x.jpg"),
        _photo(folder="photo_barang", fileName="../../../../etc/passwd"),
        _photo(fileUrl="../../../../../x.jpg"),
        _photo(fileUrl="file:///etc/passwd"),
        _photo(fileUrl=f"http://127.0.0.1:{elsewhere.port}/lelang/photo_barang/x.jpg"),
        _photo(fileUrl=f"{elsewhere.file_base}photo_barang/x.jpg"),
        _photo(fileUrl="http://169.254.169.254/latest/meta-data/x.jpg"),
        _photo(fileUrl="https://evil.example.com/x.jpg"),
        _photo(fileUrl=f"http://localhost:{fake_lelang.port}/lelang/photo_barang/x.jpg"),
    ]
    items[0]["photos"] = hostile
    if victim in ds.details:
        ds.details[victim]["photos"] = hostile
    evil = dict(items[1], lotLelangId="../../x", namaLotLelang="Lot jahat")
    items.append(evil)
    db = database.connect(cfg.database_path)
    try:
        stats = collect.collect_all(cfg, db)
        lots = {r[0] for r in db.execute("select id from lots")}
        assert victim in lots and "../../x" not in lots
        assert len(lots) == 5  # the hostile lot skipped, every other lot stored
        assert stats.lots_skipped >= 1
        photos = {r[0]: r[1] for r in db.execute("select url, status from photos")}
        assert not any(s == "ok" for u, s in photos.items()
                       if "evil" in u or "169.254" in u or u.startswith("file:")
                       or str(elsewhere.port) in u)
    finally:
        db.close()
    assert elsewhere.requests == []
    # Nothing appeared outside the project's own folder; nothing named x / passwd anywhere.
    # (Files may vanish out there: other tests' SQLite -wal/-shm go when their connections are
    # collected, so only new files count.)
    assert files_under(tmp_path.parent) - files_under(tmp_path) - outside_before == set()
    written = files_under(tmp_path)
    assert all(p.is_relative_to(tmp_path / "data") or p.parent == tmp_path for p in written)
    assert not [p for p in written if p.name in ("x", "x.jpg", "passwd")]
    # Requests that did go out stayed on the configured file host, under /lelang/.
    assert all(path.startswith("/lelang/photo_barang/") for path in fake_lelang.paths("file"))


# --- wrongly typed envelopes ---------------------------------------------------------------------


def _envelope(data, **extra) -> Fault:
    body = json.dumps({"code": 200, "data": data, **extra}).encode()
    return Fault(status=200, headers={"Content-Type": "application/json"}, body=body, times=None)


@pytest.mark.parametrize("case", ["totalPage text", "totalPage number as text", "data null",
                                  "items not objects", "totalItem negative"])
def test_wrongly_typed_listing_envelopes_never_escape_and_lose_nothing(config, fake_lelang,
                                                                       case):
    db = database.connect(config.database_path)
    try:
        first = collect.collect_all(config, db)
        assert first.lots_new == 5
        before = {r[0]: r[1] for r in db.execute("select id, content_hash from lots")}
        item = fake_lelang.dataset.listings[BIMA][0]
        payload = {
            "totalPage text": _envelope([item], page=1, totalPage="banyak", totalItem=5),
            "totalPage number as text": _envelope([item], page=1, totalPage="1", totalItem=1),
            "data null": _envelope(None, page=1, totalPage=1),
            "items not objects": _envelope([None, 7, "lot", [item], item], page=1, totalPage=1),
            "totalItem negative": _envelope([item], page=1, totalPage=1, totalItem=-3),
        }[case]
        fake_lelang.inject("/katalog-lot-lelang", payload)
        stats = collect.collect_all(config, db)  # must not raise
        after = {r[0]: r[1] for r in db.execute("select id, content_hash from lots")}
        assert set(after) == set(before)  # nothing lost
        assert after == before  # and nothing corrupted
        statuses = {r[0] for r in db.execute("select status from lots")}
        # A listing that could not be read completely never withdraws lots.
        # (A readable page that says "one page, one lot" is believed: the others are withdrawn.)
        believed = case in ("totalPage number as text", "totalItem negative")
        assert "withdrawn" not in statuses or believed
        if case in ("totalPage text", "data null", "items not objects"):
            # Said out loud: an error (unreadable page) or a warning (listing incomplete).
            assert stats.errors or stats.warnings, f"{case}: nothing reported"
    finally:
        db.close()


# --- full disk and read-only output folder while rendering ---------------------------------------


@pytest.mark.parametrize("fault", ["ENOSPC on write", "ENOSPC on rename", "EROFS on create"])
def test_render_fault_for_one_lot_is_reported_and_the_run_goes_on(cfg_factory, fake_lelang,
                                                                  monkeypatch, fault):
    cfg = cfg_factory(fake_lelang, render={"workers": 1, "formats": ["feed"]})
    victim = fake_lelang.dataset.listings[BIMA][0]["lotLelangId"]
    out = cfg.output_dir
    real_replace, real_mkstemp, real_fdopen = os.replace, tempfile.mkstemp, os.fdopen

    def hits(path) -> bool:
        return victim in str(path) and str(out) in str(path)

    if fault == "ENOSPC on rename":
        def replace(src, dst, *a, **kw):
            if hits(dst):
                raise OSError(errno.ENOSPC, "No space left on device", str(dst))
            return real_replace(src, dst, *a, **kw)
        monkeypatch.setattr(os, "replace", replace)
    elif fault == "EROFS on create":
        def mkstemp(*a, **kw):
            if hits(kw.get("dir", "")):
                raise OSError(errno.EROFS, "Read-only file system", str(kw.get("dir")))
            return real_mkstemp(*a, **kw)
        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    else:
        class FullFile:
            def __init__(self, fh):
                self.fh = fh

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.fh.close()

            def write(self, data):
                self.fh.write(data[: len(data) // 2])
                raise OSError(errno.ENOSPC, "No space left on device")

            def __getattr__(self, name):
                return getattr(self.fh, name)

        def fdopen(fd, *a, **kw):
            fh = real_fdopen(fd, *a, **kw)
            target = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else ""
            return FullFile(fh) if hits(target) else fh
        monkeypatch.setattr(os, "fdopen", fdopen)

    db = database.connect(cfg.database_path)
    try:
        summary = pipeline.run(cfg, db)
        assert summary.status == "partial"
        assert any(victim in e and ("No space" in e or "Read-only" in e)
                   for e in summary.errors), summary.errors
        assert db.execute("select count(*) from images where lot_id = ?",
                          [victim]).fetchone()[0] == 0
        assert db.execute("select count(*) from posts where lot_id = ?",
                          [victim]).fetchone()[0] == 0
        others = db.execute("select count(distinct lot_id) from posts").fetchone()[0]
        assert others == summary.counts["render"]["lots"] - 1 >= 1
        run_row = db.execute("select status, errors from runs order by id desc").fetchone()
        assert run_row[0] == "partial" and victim in run_row[1]
    finally:
        db.close()
    victim_dir = [p for p in out.rglob("*") if victim in str(p) and p.is_file()]
    assert victim_dir == [], "something was left at (or next to) the final path"
    assert not list(out.rglob("*.tmp"))

    # Once the disk has room again, the next run draws and queues the missing lot.
    monkeypatch.undo()
    db = database.connect(cfg.database_path)
    try:
        again = pipeline.run(cfg, db)
        assert again.status == "ok", again.errors
        assert again.counts["render"]["rendered"] == 1 and again.counts["queue"]["queued"] == 1
    finally:
        db.close()


# --- secrets -------------------------------------------------------------------------------------


def _promo(cfg_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "promo_pipeline", "--config", str(cfg_path),
                           *args], env=env, capture_output=True, text=True, timeout=60,
                          cwd=cfg_path.parent, check=False)


@pytest.fixture
def platforms():
    server = FakePlatforms().start()
    yield server
    server.stop()


def _publish_project(tmp_path: Path, platforms: FakePlatforms):
    from fake_platforms import Project, add_lot, add_post, write_config

    root = tmp_path / "proj"
    root.mkdir()
    extra = '\n[logging]\nfile = "data/promo.log"\nlevel = "DEBUG"\n'
    p = Project(root, write_config(root, channels=["telegram"], fake_url=platforms.url,
                                   extra=extra))
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    return p


def test_missing_telegram_token_is_a_clear_config_error(tmp_path, platforms):
    p = _publish_project(tmp_path, platforms)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMO_")}
    out = _promo(p.cfg_path, "publish", "--now", env=env)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "PROMO_TELEGRAM_TOKEN" in out.stderr
    assert "Traceback" not in out.stderr
    assert platforms.total_posts == 0
    assert p.deliveries() == [] or {d["status"] for d in p.deliveries()} <= {"queued"}


def test_token_never_printed_logged_or_stored_when_the_platform_fails(tmp_path, platforms):
    marker = "123456:MARKER-never-print-me-7f3a"
    p = _publish_project(tmp_path, platforms)
    platforms.expect("telegram.sendPhoto", ("error", 500, {
        "ok": False, "error_code": 500, "description": f"Internal error for bot{marker}"}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMO_")}
    env["PROMO_TELEGRAM_TOKEN"] = marker
    outputs = []
    for args in (("-vv", "publish", "--now"), ("queue", "deliveries", "--json"),
                 ("queue", "deliveries"), ("-vv", "publish", "--now")):
        out = _promo(p.cfg_path, *args, env=env)
        outputs.append(out.stdout + out.stderr)
    assert TELEGRAM_TOKEN not in "".join(outputs)  # the fake's own token never leaks either
    leaks = [f for f in files_under(p.root) if marker.encode() in f.read_bytes()]
    assert leaks == [], f"token found in {leaks}"
    for text in outputs:
        assert marker not in text and "MARKER-never" not in text
