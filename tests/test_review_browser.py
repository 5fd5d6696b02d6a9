"""The review page in a real headless Chromium (Playwright), served by waitress on 127.0.0.1.

A reviewer logs in, approves a post, rejects one with a reason and edits a caption while the
live counter follows; every change is then read back through ``promo queue --json`` with the same
config file. Screenshots of the queue and a post page (desktop and phone widths) are written to
``$PROMO_SCREENSHOT_DIR`` when set (else into the test's temporary folder).

Uses the system Chromium at ``/usr/bin/chromium``; never downloads a browser.
"""

from __future__ import annotations

import http.server
import json
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from review_fixtures import OFFICE2_ID, OFFICE_ID, add_post, make_lot

from promo_pipeline import accounts, database
from promo_pipeline import config as config_mod
from promo_pipeline.cli import cli
from promo_pipeline.review import app as app_mod

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "kata-sandi-rahasia"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} is not installed (apt-get install chromium)"),
]

CONFIG = f"""
[[offices]]
id = "{OFFICE_ID}"
name = "KPKNL Bima"
timezone = "Asia/Makassar"

[[offices]]
id = "{OFFICE2_ID}"
name = "KPKNL Mataram"
timezone = "Asia/Makassar"

[brand]
name = "KPKNL Bima"
handle = "@kpknlbima"
phone = "0374-5550115"
hashtags = ["#LelangNegara", "#KPKNLBima"]

[storage]
database = "data/promo.db"
media_dir = "data/media"
output_dir = "data/out"
"""


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A config file, a queue of posts, and the page served by waitress in a thread."""
    monkeypatch.delenv("PROMO_SECRET_KEY", raising=False)
    monkeypatch.setattr(accounts, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    config_path = tmp_path / "config.toml"
    config_path.write_text(CONFIG, encoding="utf-8")
    cfg = config_mod.load(config_path)
    db = database.connect(cfg.database_path)
    accounts.add_user(db, "ani", PASSWORD, role="reviewer")
    titles = [
        "Sebidang tanah SHM seluas 210 m² di Kelurahan Penatoi, Kota Bima",
        "1 (satu) unit mobil Toyota Kijang Innova 2.0 G M/T tahun 2015, warna hitam",
        'Rumah tinggal <script>alert("x")</script> di Jalan Sultan Kaharuddin',
        "Sepeda motor Honda Vario 125 tahun 2019",
    ]
    ids = [add_post(db, cfg, make_lot(i + 1, title=t,
                                      office_id=OFFICE_ID if i != 3 else OFFICE2_ID))
           for i, t in enumerate(titles)]
    db.conn.close()
    server = app_mod.make_server(cfg, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    yield {"base": base, "config": config_path, "ids": ids, "cfg": cfg}
    server.close()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("PROMO_SCREENSHOT_DIR") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def queue_json(config_path: Path) -> dict[int, dict]:
    res = CliRunner().invoke(cli, ["--config", str(config_path), "queue", "--json"])
    assert res.exit_code == 0, res.output
    return {p["id"]: p for p in json.loads(res.output)}


def log_in(page, base):
    page.goto(f"{base}/queue")
    assert "/login" in page.url
    page.fill("input[name=name]", "ani")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Masuk')")
    page.wait_for_url(f"{base}/queue")


def test_reviewer_works_through_the_queue(site, browser, shots):
    base, ids = site["base"], site["ids"]
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base)

    # The queue: four pending posts, markup in a title shown as text, thumbnails loaded.
    assert page.locator(".post-row").count() == 4
    assert page.locator("text=<script>alert(\"x\")</script>").count() == 1
    page.wait_for_load_state("networkidle")
    widths = page.eval_on_selector_all(".thumb img", "els => els.map(e => e.naturalWidth)")
    assert widths and all(0 < w <= 360 for w in widths)
    page.screenshot(path=str(shots / "queue-desktop.png"), full_page=True)

    # Approve the first post.
    page.click(f"a[href='/posts/{ids[0]}']")
    page.wait_for_url(f"{base}/posts/{ids[0]}")
    assert page.locator(".facts").first.inner_text().count("Rp98.500.000") == 1
    page.screenshot(path=str(shots / "post-desktop.png"), full_page=True)
    page.click("button:has-text('Setujui')")
    page.wait_for_url(f"{base}/posts/{ids[1]}")  # on to the next post awaiting review
    assert "disetujui" in page.locator(".flash-success").inner_text()
    q = queue_json(site["config"])
    assert q[ids[0]]["status"] == "approved"

    # Reject the second with a reason.
    page.fill("textarea[name=reason]", "Foto tidak sesuai objek lelang")
    page.click("button:has-text('Tolak')")
    page.wait_for_url(f"{base}/posts/{ids[2]}")
    q = queue_json(site["config"])
    assert q[ids[1]]["status"] == "rejected"
    res = CliRunner().invoke(cli, ["--config", str(site["config"]), "queue", "history",
                                   "--post", str(ids[1]), "--json"])
    assert res.exit_code == 0, res.output
    last = json.loads(res.output)[0]
    assert (last["actor"], last["to_status"], last["reason"]) == (
        "ani", "rejected", "Foto tidak sesuai objek lelang")

    # Edit the third post's X caption: the live counter follows every keystroke.
    page.goto(f"{base}/posts/{ids[2]}")
    area = page.locator("#caption-x")
    counter = page.locator("[data-counter-for='caption-x']")
    before = int(counter.get_attribute("data-count"))
    assert before > 0 and "/ 280" in counter.inner_text()
    area.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Cek")
    assert int(counter.get_attribute("data-count")) == before + 4
    area.fill("Lelang rumah di Bima https://lelang.go.id/x")
    # X counts a URL as 23: 21 characters of text + 23.
    assert int(counter.get_attribute("data-count")) == 21 + 23
    area.fill("a" * 300)
    assert "over" in counter.get_attribute("class")
    # The Instagram counter shows hashtags against the limit of 30.
    assert "/30 tagar" in page.locator("[data-counter-for='caption-instagram']").inner_text()
    # Save a real edit of the Telegram caption.
    original = q[ids[2]]["captions"]["telegram"]
    tg = page.locator("#caption-telegram")
    tg.fill(original + "\n\nInfo lebih lanjut: kantor KPKNL Bima.")
    tg_counter = page.locator("[data-counter-for='caption-telegram']")
    assert int(tg_counter.get_attribute("data-count")) == len(
        (original + "\n\nInfo lebih lanjut: kantor KPKNL Bima.").encode("utf-16-le")) // 2
    page.once("dialog", lambda d: d.accept())  # "leave page?" must not fire for a save
    page.locator("#kanal-telegram button:has-text('Simpan')").click()
    page.wait_for_url(f"{base}/posts/{ids[2]}#kanal-telegram")
    q = queue_json(site["config"])
    assert q[ids[2]]["captions"]["telegram"].endswith("kantor KPKNL Bima.")
    assert q[ids[2]]["status"] == "pending"
    # Markup in the title is text on the post page too; no script ran.
    assert page.locator("h1").inner_text().count("<script>") == 1
    assert not errors, errors

    # The copy button puts the caption on the clipboard (a secure context: 127.0.0.1).
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("#kanal-instagram button:has-text('Salin')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#caption-instagram").input_value()


def test_phone_layout(site, browser, shots):
    base, ids = site["base"], site["ids"]
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, base)
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / "queue-phone.png"), full_page=True)
    page.goto(f"{base}/posts/{ids[0]}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("button:has-text('Setujui')").is_visible()
    page.screenshot(path=str(shots / "post-phone.png"), full_page=True)
    page.goto(f"{base}/history")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_cross_site_form_cannot_approve(site, browser):
    """Another site on the same machine (127.0.0.1, another port: same-site, so the Lax
    session cookie *is* sent) posts a form to the review page, even with the right CSRF token:
    the browser's Sec-Fetch-Site header gets it refused."""
    base, ids = site["base"], site["ids"]
    page = browser.new_page()
    log_in(page, base)
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    evil_html = (f"<!doctype html><form method=post action='{base}/posts/{ids[3]}/approve'>"
                 f"<input type=hidden name=csrf_token value='{token}'>"
                 "<button id=go>Klik</button></form>").encode()

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(evil_html)))
            self.end_headers()
            self.wfile.write(evil_html)

        def log_message(self, *args):
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
        with page.expect_navigation() as nav:
            page.click("#go")
        assert nav.value.status == 403
        assert "Akses ditolak" in page.content()
    finally:
        evil.shutdown()
        evil.server_close()
    assert queue_json(site["config"])[ids[3]]["status"] == "pending"
