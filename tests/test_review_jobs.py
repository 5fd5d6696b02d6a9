"""Background renders of video designs from the review page (:mod:`promo_pipeline.review.jobs`).

Real parts: a real SQLite file, the real review app (Flask test client), the real queue API and
the real job worker thread with its own connection. The encoder is the one stand-in: a function
that blocks on an Event (so a test proves the request answered while the render still ran) and
then writes a small MP4-named file where the renderer would.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from review_fixtures import OFFICE2_ID, OFFICE_ID, add_post, make_config, make_lot, post_row
from test_review import (  # noqa: F401  (fast_hashes: an autouse fixture)
    PASSWORD,
        events_of,
    fast_hashes,
    login,
    make_app,
    post_form,
)

from promo_pipeline import accounts, database
from promo_pipeline import queue as q
from promo_pipeline.review import jobs


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMO_SECRET_KEY", raising=False)
    return make_config(tmp_path)


@pytest.fixture
def db(cfg):
    opened = database.connect(cfg.database_path)
    yield opened
    opened.conn.close()


@pytest.fixture
def app(cfg, db):
    accounts.add_user(db, "ani", PASSWORD, role="admin")
    accounts.add_user(db, "budi", PASSWORD, role="reviewer")
    accounts.add_user(db, "mataram", PASSWORD, offices=[OFFICE2_ID])
    return make_app(cfg)


def signed_in(app, name):
    c = app.test_client()
    assert login(c, name).status_code == 303
    return c


@pytest.fixture
def admin(app):
    return signed_in(app, "ani")


@pytest.fixture
def reviewer(app):
    return signed_in(app, "budi")


class BlockingEncoder:
    """Stands in for the renderer: waits for :attr:`go`, then writes ``<lot>/<design>-v1.mp4``."""

    def __init__(self, cfg, *, fail: str | None = None) -> None:
        self.cfg = cfg
        self.go = threading.Event()
        self.started = threading.Event()
        self.calls: list[tuple[str, str, str]] = []
        self.fail = fail

    def __call__(self, cfg, db, lot, design):
        self.calls.append((lot.id, design, threading.current_thread().name))
        self.started.set()
        assert self.go.wait(20), "the test never released the encoder"
        if self.fail:
            from promo_pipeline.errors import RenderError

            raise RenderError(self.fail)
        path = self.cfg.output_dir / lot.id / f"{design}-v1.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
        return [Path(path)]


@pytest.fixture
def encoder(monkeypatch, cfg, app):
    enc = BlockingEncoder(cfg)
    monkeypatch.setattr(jobs, "render_lot", enc)
    yield enc
    enc.go.set()
    jobs.of_app(app).shutdown()


def status(client, pid):
    resp = client.get(f"/posts/{pid}/render-status")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    return resp.get_json()


def wait_finished(client, pid, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = status(client, pid)
        if not data["running"]:
            return data
        time.sleep(0.05)
    raise AssertionError("the background render did not finish")


def test_a_video_design_renders_in_the_background_and_sets_the_images(admin, db, cfg, encoder):
    pid = add_post(db, cfg, make_lot(1))
    before = json.loads(post_row(db, pid)["images"])
    resp = post_form(admin, f"/posts/{pid}/template", {"design": "reel"})
    # The request answered while the encoder is still blocked: nothing waited for the encode.
    assert resp.status_code == 303 and not encoder.go.is_set()
    assert resp.headers["Location"] == f"/posts/{pid}#gambar"
    assert encoder.started.wait(10)
    assert encoder.calls[0][1] == "reel" and encoder.calls[0][2].startswith("review-render")
    assert json.loads(post_row(db, pid)["images"]) == before  # not yet
    page = admin.get(f"/posts/{pid}").get_data(as_text=True)
    assert "Sedang membuat video… (desain Video reel, diminta ani)" in page
    assert 'id="render-status"' in page and f'data-status-url="/posts/{pid}/render-status"' in page
    assert "<script>" not in page  # the polling lives in the static app.js (CSP)
    running = status(admin, pid)
    assert [(j["design"], j["state"]) for j in running["running"]] == [("reel", "running")]
    assert "Sedang membuat video" in running["running"][0]["message"]

    encoder.go.set()
    finished = wait_finished(admin, pid)
    assert [(j["design"], j["state"], j["shown"]) for j in finished["finished"]] == [
        ("reel", "done", 2)]
    images = json.loads(post_row(db, pid)["images"])
    assert images == [*before, f"{make_lot(1).id}/reel-v1.mp4"]  # the stills are kept
    assert post_row(db, pid)["template"] == "reel"
    ev = events_of(db, pid)[-1]
    assert ev["action"] == "images" and ev["actor"] == "ani" and "reel" in ev["reason"]
    # The result is shown once, as a message on the next page; then the status is quiet.
    page = admin.get(f"/posts/{pid}?gambar=3").get_data(as_text=True)
    assert "Desain Video reel selesai dibuat" in page
    assert 'id="render-status"' not in page
    assert status(admin, pid) == {"running": [], "finished": []}
    assert "selesai dibuat" not in admin.get(f"/posts/{pid}").get_data(as_text=True)
    # Undo works as for a still design: back to the stills.
    post_form(admin, f"/posts/{pid}/images/undo")
    assert json.loads(post_row(db, pid)["images"]) == before


def test_a_second_start_for_the_same_post_and_design_joins_the_running_job(
        admin, reviewer, db, cfg, encoder):
    pid = add_post(db, cfg, make_lot(1))
    assert post_form(admin, f"/posts/{pid}/template", {"design": "reel"}).status_code == 303
    assert encoder.started.wait(10)
    again = post_form(reviewer, f"/posts/{pid}/template", {"design": "reel"},
                      follow_redirects=True)
    assert "sudah sedang dibuat" in again.get_data(as_text=True)
    assert len(status(admin, pid)["running"]) == 1
    encoder.go.set()
    wait_finished(admin, pid)
    assert len(encoder.calls) == 1  # encoded once
    # The images are set under the reviewer who started it.
    assert events_of(db, pid)[-1]["actor"] == "ani"
    assert len(json.loads(post_row(db, pid)["images"])) == 3


def test_another_design_waits_for_the_one_worker(admin, db, cfg, encoder):
    pid = add_post(db, cfg, make_lot(1))
    post_form(admin, f"/posts/{pid}/template", {"design": "reel"})
    post_form(admin, f"/posts/{pid}/template", {"design": "clip"})
    assert encoder.started.wait(10)
    states = {j["design"]: j["state"] for j in status(admin, pid)["running"]}
    assert states == {"reel": "running", "clip": "queued"}  # one encode at a time
    encoder.go.set()
    wait_finished(admin, pid)
    images = json.loads(post_row(db, pid)["images"])
    assert [Path(i).name for i in images[2:]] == ["reel-v1.mp4", "clip-v1.mp4"]


def test_the_queue_of_renders_is_bounded(admin, db, cfg, encoder, monkeypatch):
    monkeypatch.setattr(jobs, "MAX_PENDING", 1)
    pid = add_post(db, cfg, make_lot(1))
    post_form(admin, f"/posts/{pid}/template", {"design": "reel"})
    refused = post_form(admin, f"/posts/{pid}/template", {"design": "clip"},
                        follow_redirects=True)
    assert "belum dapat dibuat" in refused.get_data(as_text=True)
    assert [j["design"] for j in status(admin, pid)["running"]] == ["reel"]


def test_a_post_approved_meanwhile_keeps_its_images(admin, db, cfg, encoder):
    pid = add_post(db, cfg, make_lot(1))
    before = json.loads(post_row(db, pid)["images"])
    post_form(admin, f"/posts/{pid}/template", {"design": "reel"})
    assert encoder.started.wait(10)
    q.approve(db, pid, actor="budi")
    encoder.go.set()
    finished = wait_finished(admin, pid)["finished"]
    assert [j["state"] for j in finished] == ["skipped"]
    assert "tidak dipasang" in finished[0]["message"]
    assert "kini disetujui" in finished[0]["message"]
    row = post_row(db, pid)
    assert row["status"] == "approved" and json.loads(row["images"]) == before
    assert [e["action"] for e in events_of(db, pid)].count("images") == 0


def test_a_failed_render_is_reported_in_indonesian(admin, db, cfg, encoder):
    encoder.fail = "PyAV tidak terpasang"
    pid = add_post(db, cfg, make_lot(1))
    before = json.loads(post_row(db, pid)["images"])
    post_form(admin, f"/posts/{pid}/template", {"design": "clip"})
    encoder.go.set()
    finished = wait_finished(admin, pid)["finished"]
    assert finished[0]["state"] == "failed"
    assert finished[0]["message"].startswith("Desain Video klip tidak dibuat")
    assert "tidak dibuat" in finished[0]["message"] and "PyAV" in finished[0]["message"]
    assert json.loads(post_row(db, pid)["images"]) == before


def test_start_and_status_keep_the_office_scope_and_csrf(app, admin, db, cfg, encoder):
    pid = add_post(db, cfg, make_lot(1, office_id=OFFICE_ID))
    other = signed_in(app, "mataram")
    # Another office's post: neither the start nor the status.
    assert post_form(other, f"/posts/{pid}/template", {"design": "reel"}).status_code == 403
    assert other.get(f"/posts/{pid}/render-status").status_code == 403
    # Without the CSRF token, or without a session: nothing starts.
    assert admin.post(f"/posts/{pid}/template", data={"design": "reel"}).status_code == 403
    anon = app.test_client()
    assert anon.get(f"/posts/{pid}/render-status").status_code == 303  # to the login page
    assert not encoder.started.wait(0.3) and encoder.calls == []
    assert status(admin, pid) == {"running": [], "finished": []}
    assert admin.get("/posts/999999/render-status").status_code == 404


def test_a_still_design_still_renders_in_the_request(admin, db, cfg, encoder):
    pid = add_post(db, cfg, make_lot(1))
    resp = post_form(admin, f"/posts/{pid}/template", {"design": "square"})
    assert resp.headers["Location"] == f"/posts/{pid}?gambar=3#gambar"
    assert "square" in json.loads(post_row(db, pid)["images"])[2]
    assert encoder.calls == []


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="/usr/bin/chromium missing")
def test_the_post_page_follows_the_render_and_shows_the_video(cfg, db, monkeypatch):
    """In Chromium: the page says the video is being made, polls (static JS, under the CSP),
    and opens the post with the new video and the result message once the encode is done."""
    from playwright.sync_api import sync_playwright
    from review_fixtures import Served

    from promo_pipeline.review import app as app_mod

    accounts.add_user(db, "ani", PASSWORD, role="reviewer")
    pid = add_post(db, cfg, make_lot(1))
    enc = BlockingEncoder(cfg)
    monkeypatch.setattr(jobs, "render_lot", enc)
    server = app_mod.make_server(cfg, "127.0.0.1", 0)
    served = Served(server)
    errors: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{served.base}/login")
            page.fill("input[name=name]", "ani")
            page.fill("input[name=password]", PASSWORD)
            page.click("button:has-text('Masuk')")
            page.goto(f"{served.base}/posts/{pid}")
            page.click("summary:has-text('Buat gambar dengan desain lain')")
            page.select_option("select[name=design]", "reel")
            page.click("button:has-text('Buat gambar')")
            status = page.locator("#render-status")
            status.wait_for(timeout=10_000)
            assert "Sedang membuat video" in status.inner_text()
            enc.go.set()
            # No click: the page finds out by itself and shows the video, large.
            page.wait_for_url(f"{served.base}/posts/{pid}?gambar=3#gambar", timeout=20_000)
            assert "Desain Video reel selesai dibuat" in page.inner_text(".flashes")
            assert page.locator("#render-status").count() == 0
            assert page.locator("video.main-media source").get_attribute("src").endswith(
                "reel-v1.mp4")
            browser.close()
    finally:
        enc.go.set()
        served.stop()  # the released job ends by itself; its worker thread then idles
    assert not [e for e in errors if "Content Security Policy" in e]
