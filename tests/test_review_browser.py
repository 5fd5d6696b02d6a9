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
from review_fixtures import OFFICE2_ID, OFFICE_ID, Served, add_post, make_lot

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
    monkeypatch.setattr(accounts.users, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
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
    served = Served(app_mod.make_server(cfg, "127.0.0.1", 0))
    yield {"base": served.base, "config": config_path, "ids": ids, "cfg": cfg}
    served.stop()


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
    assert page.locator(".decision-bar button:has-text('Setujui')").is_visible()
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


# --- the view built around the image (issue 12) -----------------------------------------------

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def box(page, selector):
    b = page.locator(selector).first.bounding_box()
    assert b is not None, selector
    return b


def natural(page, selector="#main-image"):
    return page.eval_on_selector(selector, "e => [e.naturalWidth, e.naturalHeight]")


def test_desktop_the_image_is_large_uncropped_with_the_facts_beside_it(site, browser, shots):
    base, ids = site["base"], site["ids"]
    page = browser.new_page(viewport=DESKTOP)
    log_in(page, base)
    page.goto(f"{base}/posts/{ids[0]}")
    page.wait_for_load_state("networkidle")
    nw, nh = natural(page)
    assert (nw, nh) == (1080, 1350)
    img = box(page, "#main-image")
    # Large enough to read the figures (the old thumbnail was 135×169), fits the viewport,
    # and its own aspect ratio (no crop): rendered width/height equals the file's.
    assert img["height"] >= 550 and img["width"] >= 440, img
    assert img["height"] <= DESKTOP["height"]
    assert abs(img["width"] / img["height"] - nw / nh) < 0.01
    fit = page.eval_on_selector("#main-image", "e => getComputedStyle(e).objectFit")
    assert fit in ("contain", "fill") and fit != "cover"
    # Scrolled to the viewer, the whole image is on screen at once.
    page.locator("#gambar").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, document.getElementById('gambar').offsetTop)")
    top = page.eval_on_selector("#main-image", "e => e.getBoundingClientRect().top")
    bottom = page.eval_on_selector("#main-image", "e => e.getBoundingClientRect().bottom")
    assert top >= 0 and bottom <= DESKTOP["height"]
    page.evaluate("window.scrollTo(0, 0)")
    # The facts sit beside the image: to its right, starting within its height.
    facts = box(page, ".facts")
    assert facts["x"] >= img["x"] + img["width"]
    assert facts["y"] < img["y"] + img["height"]
    text = page.locator(".facts").first.inner_text()
    for fact in ("Nilai limit", "Rp98.500.000", "Uang jaminan", "Rp20.000.000",
                 "Batas setor jaminan", "Penawaran ditutup", "WITA", "Buka di lelang.go.id"):
        assert fact in text, fact
    # The captions state every fact and the images are from these facts: all ✓.
    assert page.locator(".facts .check-row").count() == 5
    assert page.locator(".facts .check-row.is-ok").count() == 4  # the auction end: image only
    assert page.locator(".facts .mark .ok").count() == 4
    page.screenshot(path=str(shots / "post-view-desktop.png"))

    # The strip switches the large image in place; a story stays whole (9:16).
    page.click(".strip-item:has-text('Story')")
    # A function, not an expression: polling an expression evals it, which the page's CSP
    # refuses whenever the image is not there on the first check.
    page.wait_for_function("() => document.getElementById('main-image').complete && "
                           "document.getElementById('main-image').naturalHeight == 1920")
    img = box(page, "#main-image")
    assert abs(img["width"] / img["height"] - 1080 / 1920) < 0.01
    assert img["height"] <= DESKTOP["height"]
    assert page.locator(".strip-item[aria-current=true]").inner_text().strip().startswith("Story")
    assert "gambar=2" in page.url
    # Zoom: the image at its natural size in a scrolling frame, and back.
    page.click("#zoom")
    zoomed = box(page, "#main-image")
    assert round(zoomed["width"]) == 1080
    assert page.get_attribute("#zoom", "aria-pressed") == "true"
    page.click("#zoom")
    assert box(page, "#main-image")["height"] <= DESKTOP["height"]


ON_SCREEN = """h => [...document.querySelectorAll('button')].some(b => {
  if (b.textContent.trim() !== 'Setujui' || b.closest('.is-hidden')) return false;
  const r = b.getBoundingClientRect();
  return r.height > 0 && r.top >= 0 && r.bottom <= h;
})"""


def test_phone_image_facts_and_decision_come_first(site, browser, shots):
    base, ids = site["base"], site["ids"]
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    log_in(page, base)
    page.goto(f"{base}/posts/{ids[0]}")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    img = box(page, "#main-image")
    # Full width (less the page's and the card's padding), whole (aspect kept).
    assert img["width"] >= PHONE["width"] - 60, img
    assert abs(img["width"] / img["height"] - 1080 / 1350) < 0.01
    # The image and the facts within the first two screens.
    facts = box(page, ".facts")
    assert facts["y"] + facts["height"] <= 2 * PHONE["height"], facts
    # The decision is always on screen: at the top of the page and anywhere below (the bar,
    # or the decision card itself while it is in view).
    for y in (0, 1500, 4000, 100_000):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_function(ON_SCREEN, arg=PHONE["height"])
    b = page.locator(".decision-bar button:has-text('Setujui')").bounding_box()
    assert b["height"] >= 44
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "post-view-phone.png"))
    # Every control is at least 24×24 CSS px (WCAG 2.5.8).
    small = page.eval_on_selector_all(
        "main button, main .btn, main summary, main select, main .strip-item, main input, "
        ".decision-bar .btn, .topbar a, .topbar button",
        """els => els.filter(e => e.offsetParent !== null && e.type !== 'hidden').map(e => {
              const r = e.getBoundingClientRect();
              return [e.textContent.trim().slice(0, 30) || e.name, r.width, r.height];
           }).filter(([, w, h]) => w < 24 || h < 24)""")
    assert not small, small
    # "Tolak…" in the bar takes the reviewer to the reason box.
    page.click(".decision-bar a:has-text('Tolak')")
    assert page.evaluate("location.hash") == "#tolak"
    context.close()


def _luminance(rgb):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(float(x)) for x in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a, b):
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


FOCUS_STYLE = r"""e => {
  const s = getComputedStyle(e);
  let p = e.parentElement, bg = null;
  while (p) {
    const c = getComputedStyle(p).backgroundColor;
    const m = c.match(/[\d.]+/g);
    if (m && (m.length < 4 || parseFloat(m[3]) > 0.5)) { bg = m.slice(0, 3).map(Number); break; }
    p = p.parentElement;
  }
  const o = s.outlineColor.match(/[\d.]+/g).map(Number);
  return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: o,
          alpha: o.length > 3 ? o[3] : 1, bg: bg || [255, 255, 255]};
}"""


def test_keyboard_the_decision_is_first_and_the_focus_ring_is_visible(site, browser):
    base, ids = site["base"], site["ids"]
    page = browser.new_page(viewport=DESKTOP)
    log_in(page, base)
    page.goto(f"{base}/posts/{ids[0]}")
    # The first Tab reaches the skip link; Enter on it puts the focus on "Setujui".
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Langsung ke keputusan"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "approve"
    # The focus ring on it: solid, ≥ 2 px, ≥ 3:1 against what surrounds the button.
    ring = page.evaluate(f"({FOCUS_STYLE})(document.activeElement)")
    assert ring["style"] == "solid" and ring["width"] >= 2 and ring["alpha"] == 1, ring
    assert _contrast(ring["color"], ring["bg"]) >= 3.0, ring
    # The rest of the decision follows in order: the reason, then "Tolak".
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "reason"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Tolak"
    ring = page.evaluate(f"({FOCUS_STYLE})(document.activeElement)")
    assert _contrast(ring["color"], ring["bg"]) >= 3.0, ring
    # On the navy top bar the ring contrasts with navy.
    page.focus(".topbar .btn")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = page.evaluate(f"({FOCUS_STYLE})(document.activeElement)")
    assert _contrast(ring["color"], ring["bg"]) >= 3.0, ring
    # Every caption box has an accessible name.
    for name in ("Instagram", "Facebook", "Telegram", "X"):
        assert page.get_by_role("textbox", name=f"Keterangan {name}").count() == 1, name


def test_captions_expand_and_a_save_is_confirmed_where_the_reviewer_looks(site, browser):
    base, ids = site["base"], site["ids"]
    page = browser.new_page(viewport=DESKTOP)
    log_in(page, base)
    page.goto(f"{base}/posts/{ids[1]}")
    area = page.locator("#caption-instagram")
    assert area.evaluate("e => e.scrollHeight > e.clientHeight + 10")  # longer than its box
    page.click("#kanal-instagram [data-expand]")
    assert area.evaluate("e => e.scrollHeight <= e.clientHeight + 2")
    assert page.get_attribute("#kanal-instagram [data-expand]", "aria-expanded") == "true"
    tg = page.locator("#caption-telegram")
    tg.fill(tg.input_value() + "\nSalam.")
    page.locator("#kanal-telegram button:has-text('Simpan')").click()
    page.wait_for_url(f"{base}/posts/{ids[1]}#kanal-telegram")
    note = page.locator("#kanal-telegram .saved-note")
    assert "disimpan" in note.inner_text()
    b = note.bounding_box()
    assert b is not None and 0 <= b["y"] <= DESKTOP["height"], b


def test_removed_personal_data_is_shown_and_restored_only_on_purpose(site, browser, shots):
    """Issue 10: the post page says what was removed from the title as personal data and why;
    'Pulihkan' needs a reason and a ticked confirmation, is recorded under the signed-in
    account, and only then may the reviewer write the name into a caption (still warned)."""
    base, cfg = site["base"], site["cfg"]
    db = database.connect(cfg.database_path)
    title = ("1 (satu) unit Sepeda Motor Honda Beat tahun 2018, Nomor Polisi EA 4321 AB, "
             "STNK a.n. YOHANES LATUHARHARY di Kota Bima")
    pid = add_post(db, cfg, make_lot(9, title=title, category=None))
    db.conn.close()
    errors: list[str] = []
    page = browser.new_page(viewport=DESKTOP)
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base)
    page.goto(f"{base}/posts/{pid}")
    section = page.locator("#data-pribadi")
    assert section.is_visible()                      # not hidden behind "Data lot lainnya"
    text = section.inner_text()
    assert "YOHANES LATUHARHARY" in text and "Nama orang" in text and "UU 27/2022" in text
    assert "YOHANES" not in page.locator("#caption-instagram").input_value().upper()
    page.screenshot(path=str(shots / "post-personal-data.png"), full_page=True)

    # Typed back into a caption, the name blocks approval.
    ig = page.locator("#caption-instagram")
    typed = ig.input_value() + "\nSTNK a.n. Yohanes Latuharhary"
    ig.fill(typed)
    page.locator("#kanal-instagram button:has-text('Simpan')").click()
    page.wait_for_url(f"{base}/posts/{pid}#kanal-instagram")
    assert page.locator("#kanal-instagram .lint-block").count() >= 1
    assert page.locator("#approve").is_disabled()

    # Opening the form and pressing the button without a reason or the box sends nothing.
    page.click("#data-pribadi summary:has-text('Pulihkan')")
    form = page.locator("#data-pribadi form.restore-form")
    form.locator("button:has-text('Pulihkan')").click()
    page.fill("#data-pribadi input[name=reason]", "Pemilik meminta namanya dicantumkan")
    form.locator("button:has-text('Pulihkan')").click()   # box not ticked: still nothing
    assert page.url == f"{base}/posts/{pid}#kanal-instagram"
    res = CliRunner().invoke(cli, ["--config", str(site["config"]), "queue", "history",
                                   "--post", str(pid), "--json"])
    assert "restore" not in {e["action"] for e in json.loads(res.output)}

    page.check("#data-pribadi input[name=confirm]")
    form.locator("button:has-text('Pulihkan')").click()
    page.wait_for_url(f"{base}/posts/{pid}#data-pribadi")
    assert "dipulihkan" in page.locator(".flash-success").inner_text()
    assert "oleh ani" in page.locator("#data-pribadi .restored-note").inner_text()
    assert page.locator("#data-pribadi form.restore-form").count() == 0
    res = CliRunner().invoke(cli, ["--config", str(site["config"]), "queue", "history",
                                   "--post", str(pid), "--json"])
    last = json.loads(res.output)[0]
    assert (last["actor"], last["action"], last["detail"]["text"]) == (
        "ani", "restore", "YOHANES LATUHARHARY")
    assert "Pemilik meminta namanya dicantumkan" in last["reason"]
    # The name in the caption is now a warning, not a block: the post can be approved.
    assert page.locator("#kanal-instagram .lint-block").count() == 0
    warning = page.locator("#kanal-instagram .lint-warn:has-text('dipulihkan peninjau')")
    assert warning.count() == 1 and "YOHANES LATUHARHARY" in warning.inner_text()
    assert not page.locator("#approve").is_disabled()
    page.click("#approve")
    page.wait_for_load_state()
    post = queue_json(site["config"])[pid]
    assert (post["status"], post["approved_by"]) == ("approved", "ani")
    assert "Yohanes Latuharhary" in post["captions"]["instagram"]
    assert not errors, errors
