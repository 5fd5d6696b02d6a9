"""The review page through Flask's test client: every route, and every security case of issue 6.

Real parts throughout: a real SQLite file, real JPEGs in the output folder, the real caption
writer and lint, the real queue API. Only the HTTP transport is Flask's test client (the browser
tests in ``test_review_browser.py`` use a real server and a real Chromium).
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image
from review_fixtures import (
    OFFICE2_ID,
    add_post,
    make_config,
    make_lot,
    post_row,
    write_jpeg,
)

from promo_pipeline import accounts, clock, database, store
from promo_pipeline.errors import UsageError
from promo_pipeline.review import app as app_mod
from promo_pipeline.review import media, secret

PASSWORD = "kata-sandi-rahasia"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    """scrypt costs ~0.2 s a hash; these tests are about the page, not the hash's cost."""
    monkeypatch.setattr(accounts.users, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMO_SECRET_KEY", raising=False)
    return make_config(tmp_path)


@pytest.fixture
def db(cfg):
    opened = database.connect(cfg.database_path)
    yield opened
    opened.conn.close()


class BufferedClient(FlaskClient):
    """Reads every response fully, so file responses close their files."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def make_app(cfg):
    app = app_mod.create_app(cfg, testing=True)
    app.test_client_class = BufferedClient
    return app


@pytest.fixture
def app(cfg, db):
    accounts.add_user(db, "ani", PASSWORD, role="admin")
    accounts.add_user(db, "budi", PASSWORD, role="reviewer")
    return make_app(cfg)


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_of(client) -> str:
    """The session's CSRF token, read from a page the way a browser form carries it."""
    html = client.get("/login" if not _logged_in(client) else "/queue").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _logged_in(client) -> bool:
    with client.session_transaction() as s:
        return "sid" in s


def login(client, name="ani", password=PASSWORD, **kw):
    token = csrf_of(client)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token},
                       **kw)


@pytest.fixture
def admin(client):
    assert login(client).status_code == 303
    return client


@pytest.fixture
def reviewer(app):
    c = app.test_client()
    assert login(c, "budi").status_code == 303
    return c


def post_form(client, url, data=None, **kw):
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_of(client))
    return client.post(url, data=data, **kw)


def events_of(db, post_id):
    return [dict(r) for r in db["post_events"].rows_where("post_id = ?", [post_id],
                                                          order_by="id")]


# --- access without logging in -------------------------------------------------------------------

GET_ROUTES = ["/", "/queue", "/posts/1", "/history", "/users", "/posts/1/download.zip",
              "/media/out/x/feed.jpg", "/thumb/out/x/feed.jpg"]
POST_ROUTES = ["/posts/1/approve", "/posts/1/reject", "/posts/1/caption", "/posts/1/template",
               "/posts/1/deliveries/1/resolve", "/users", "/users/ani/remove",
               "/users/ani/update", "/logout", "/posts/1/restore"]


@pytest.mark.parametrize("path", GET_ROUTES)
def test_every_page_needs_login(client, db, cfg, path):
    pid = add_post(db, cfg, make_lot(1))
    assert pid == 1
    resp = client.get(path)
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("/login")
    assert b"Sebidang" not in resp.data


@pytest.mark.parametrize("path", POST_ROUTES)
def test_every_action_needs_login(client, db, cfg, path):
    add_post(db, cfg, make_lot(1))
    token = csrf_of(client)  # even a valid anonymous token gets nowhere
    resp = client.post(path, data={"csrf_token": token, "reason": "x", "text": "x"})
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("/login")
    assert post_row(db, 1)["status"] == "pending"
    assert accounts.get_user(db, "ani") is not None


def test_login_redirects_back_only_to_local_paths(client, db, cfg):
    add_post(db, cfg, make_lot(1))
    token = csrf_of(client)
    resp = client.post("/login", data={"name": "ani", "password": PASSWORD, "csrf_token": token,
                                       "next": "/posts/1"})
    assert resp.headers["Location"] == "/posts/1"
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        token = csrf_of(client)
        resp = client.post("/login", data={"name": "ani", "password": PASSWORD,
                                           "csrf_token": token, "next": evil})
        assert resp.headers["Location"] == "/queue", evil
        client.post("/logout", data={"csrf_token": csrf_of(client)})


# --- login, sessions, throttling -----------------------------------------------------------------


def test_login_wrong_password_is_refused(client):
    resp = login(client, password="salah-sekali")
    assert resp.status_code == 401
    assert "Nama atau kata sandi salah" in resp.get_data(as_text=True)
    assert not _logged_in(client)
    resp = login(client, name="tidak-ada")
    assert resp.status_code == 401


def test_session_cookie_flags(client):
    resp = login(client)
    cookie = next(v for k, v in resp.headers.items() if k == "Set-Cookie" and "promo_review" in v)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    # Local http by default; Secure is set when the page is published over https.
    assert "Secure" not in cookie


def test_session_cookie_secure_behind_https(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMO_SECRET_KEY", raising=False)
    cfg = make_config(tmp_path, public_url="https://review.example.go.id")
    db = database.connect(cfg.database_path)
    accounts.add_user(db, "ani", PASSWORD, role="admin")
    client = make_app(cfg).test_client()
    resp = login(client)
    cookie = next(v for k, v in resp.headers.items() if k == "Set-Cookie")
    assert "Secure" in cookie


def test_login_rotates_the_session(client, db):
    # An attacker who planted an anonymous session (and knows its CSRF token) in the victim's
    # browser gains nothing: login replaces the whole session.
    with client.session_transaction() as s:
        s["csrf"] = "planted-token"
        s["other"] = "stale"
    assert client.get("/login").status_code == 200
    resp = client.post("/login", data={"name": "ani", "password": PASSWORD,
                                       "csrf_token": "planted-token"})
    assert resp.status_code == 303
    with client.session_transaction() as s:
        first_sid, first_csrf = s["sid"], s["csrf"]
        assert first_csrf != "planted-token"
        assert "other" not in s
    # Logging in again (e.g. as someone else on a shared PC) gives yet another session id.
    resp = login(client, "budi")
    with client.session_transaction() as s:
        assert s["sid"] != first_sid
    # The replaced session is gone on the server too.
    assert accounts.session_user(db, first_sid) is None


def test_unknown_session_id_is_dropped(client):
    with client.session_transaction() as s:
        s["sid"] = "planted-by-attacker"
    resp = client.get("/queue")
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/login")
    with client.session_transaction() as s:
        assert "sid" not in s


def test_logout_ends_the_session_on_the_server(app, admin):
    with admin.session_transaction() as s:
        stolen = dict(s)
    resp = admin.post("/logout", data={"csrf_token": stolen["csrf"]})
    assert resp.status_code == 303
    # Replaying the old cookie (copied before logout) no longer works.
    thief = app.test_client()
    with thief.session_transaction() as s:
        s.update(stolen)
    resp = thief.get("/queue")
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/login")


def test_removed_account_session_stops_on_next_request(app, db, cfg):
    add_post(db, cfg, make_lot(1))
    c = app.test_client()
    assert login(c, "budi").status_code == 303
    assert c.get("/queue").status_code == 200
    token = csrf_of(c)
    accounts.remove_user(db, "budi")
    resp = c.post("/posts/1/approve", data={"csrf_token": token})
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/login")
    assert post_row(db, 1)["status"] == "pending"
    assert c.get("/queue").status_code == 303


def test_password_change_ends_sessions(app, db):
    c = app.test_client()
    assert login(c, "budi").status_code == 303
    accounts.update_user(db, "budi", password="kata-sandi-baru-1")
    assert c.get("/queue").status_code == 303


def test_expired_session_is_refused(app, db):
    c = app.test_client()
    assert login(c, "budi").status_code == 303
    with store.write_tx(db):
        db.execute("update review_sessions set expires_at = ?",
                   [(clock.now() - timedelta(minutes=1)).isoformat()])
    assert c.get("/queue").status_code == 303


# --- CSRF and cross-origin -----------------------------------------------------------------------


def test_approve_without_csrf_token_is_refused(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1))
    resp = admin.post(f"/posts/{pid}/approve", data={})
    assert resp.status_code == 403
    assert "Akses ditolak" in resp.get_data(as_text=True)
    resp = admin.post(f"/posts/{pid}/approve", data={"csrf_token": "tebakan"})
    assert resp.status_code == 403
    assert post_row(db, pid)["status"] == "pending"
    assert events_of(db, pid) == []


def test_csrf_token_in_header_is_accepted(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1))
    resp = admin.post(f"/posts/{pid}/approve", headers={"X-CSRF-Token": csrf_of(admin)})
    assert resp.status_code == 303
    assert post_row(db, pid)["status"] == "approved"


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example"},
    {"Origin": "http://localhost.evil.example"},
    {"Origin": "null"},
])
def test_cross_site_post_is_refused_even_with_a_token(admin, db, cfg, headers):
    pid = add_post(db, cfg, make_lot(1))
    resp = admin.post(f"/posts/{pid}/approve", data={"csrf_token": csrf_of(admin)},
                      headers=headers)
    assert resp.status_code == 403
    assert post_row(db, pid)["status"] == "pending"


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin"},
    {"Origin": "http://localhost"},
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
])
def test_same_origin_post_passes(admin, db, cfg, headers):
    pid = add_post(db, cfg, make_lot(1))
    resp = admin.post(f"/posts/{pid}/approve", data={"csrf_token": csrf_of(admin)},
                      headers=headers)
    assert resp.status_code == 303
    assert post_row(db, pid)["status"] == "approved"


def test_cross_site_login_is_refused(client):
    token = csrf_of(client)
    resp = client.post("/login", data={"name": "ani", "password": PASSWORD, "csrf_token": token},
                       headers={"Sec-Fetch-Site": "cross-site"})
    assert resp.status_code == 403
    assert not _logged_in(client)
    resp = client.post("/login", data={"name": "ani", "password": PASSWORD})
    assert resp.status_code == 403  # no token: login CSRF refused too
    assert not _logged_in(client)


def test_logout_needs_post_and_token(admin):
    assert admin.get("/logout").status_code == 405
    assert admin.post("/logout").status_code == 403
    assert admin.get("/queue").status_code == 200


# --- roles ---------------------------------------------------------------------------------------


def test_reviewer_cannot_manage_accounts(reviewer, db):
    assert reviewer.get("/users").status_code == 403
    resp = post_form(reviewer, "/users", {"name": "eve", "password": "x" * 12,
                                          "password2": "x" * 12, "role": "admin"})
    assert resp.status_code == 403
    assert accounts.get_user(db, "eve") is None
    assert post_form(reviewer, "/users/ani/remove").status_code == 403
    assert post_form(reviewer, "/users/budi/update", {"role": "admin"}).status_code == 403
    assert accounts.get_user(db, "ani") is not None
    assert accounts.get_user(db, "budi").role == "reviewer"
    # No link to the accounts page for reviewers.
    assert 'href="/users"' not in reviewer.get("/queue").get_data(as_text=True)


def test_admin_manages_accounts(admin, db):
    page = admin.get("/users").get_data(as_text=True)
    assert "budi" in page and "Peninjau" in page
    resp = post_form(admin, "/users", {"name": "citra", "password": "sandi-citra-1",
                                       "password2": "sandi-citra-1", "role": "reviewer"})
    assert resp.status_code == 303
    assert accounts.verify(db, "citra", "sandi-citra-1").role == "reviewer"
    # Bad input: mismatched passwords, short password, bad name, a taken name. Nothing changes.
    for form in ({"name": "dedi", "password": "sandi-dedi-1", "password2": "lain-lain-1"},
                 {"name": "dedi", "password": "pendek", "password2": "pendek"},
                 {"name": "../dedi", "password": "sandi-dedi-1", "password2": "sandi-dedi-1"},
                 {"name": "CITRA", "password": "sandi-dedi-1", "password2": "sandi-dedi-1"}):
        resp = post_form(admin, "/users", form, follow_redirects=True)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200
        assert 'class="flash flash-error"' in html, form
        assert "dibuat." not in html
    assert [u.name for u in accounts.list_users(db)] == ["ani", "budi", "citra"]
    # Change role and password.
    post_form(admin, "/users/citra/update", {"role": "admin"})
    assert accounts.get_user(db, "citra").role == "admin"
    post_form(admin, "/users/citra/update", {"password": "sandi-baru-99",
                                             "password2": "sandi-baru-99"})
    assert accounts.verify(db, "citra", "sandi-baru-99") is not None
    assert accounts.verify(db, "citra", "sandi-citra-1") is None
    # Remove.
    assert post_form(admin, "/users/citra/remove").status_code == 303
    assert accounts.get_user(db, "citra") is None
    assert post_form(admin, "/users/nobody/remove").status_code == 404


def test_admin_cannot_remove_self_or_the_last_admin(admin, db):
    post_form(admin, "/users/ani/remove")
    assert accounts.get_user(db, "ani") is not None
    resp = post_form(admin, "/users/ani/update", {"role": "reviewer"}, follow_redirects=True)
    assert "Admin terakhir" in resp.get_data(as_text=True)
    assert accounts.get_user(db, "ani").role == "admin"


# --- escaping ------------------------------------------------------------------------------------


def test_markup_in_every_field_is_escaped(admin, db, cfg):
    from promo_pipeline.lots import Item

    lot = make_lot(1, title=f"Rumah {XSS}",
                   items=(Item(name=f"Barang {XSS}", address=XSS, description=XSS),),
                   seller={"namaPenjual": XSS}, location=XSS)
    pid = add_post(db, cfg, lot, lint=[{"channel": "instagram", "level": "warn",
                                        "code": XSS, "message": XSS}],
                   changes=[{"field": "title", "old": XSS, "new": "baru"}])
    caption = f"Keterangan {XSS} {lot.url}"
    with store.write_tx(db):
        db["posts"].update(pid, {"captions": json.dumps({"instagram": caption})})
    post_form(admin, f"/posts/{pid}/reject", {"reason": f"Alasan {XSS}"})
    pages = [admin.get("/queue?status=all"), admin.get(f"/posts/{pid}"),
             admin.get(f"/history?post={pid}"), admin.get(f"/history?actor={XSS}")]
    for resp in pages:
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200
        assert "<script>alert" not in html
        assert "<img src=x" not in html
    post_html = pages[1].get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in post_html
    assert "Alasan &lt;script&gt;" in pages[2].get_data(as_text=True)


def test_non_lelang_link_is_not_made_clickable(admin, db, cfg):
    lot = make_lot(1, url="javascript:alert(1)")
    pid = add_post(db, cfg, lot, captions={"instagram": "x"}, lint=[])
    html = admin.get(f"/posts/{pid}").get_data(as_text=True)
    assert 'href="javascript:' not in html
    assert "tidak mengarah ke lelang.go.id" in html


# --- security headers and error pages ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/queue", "/nope", "/static/app.css"])
def test_security_headers_on_every_response(admin, path):
    resp = admin.get(path)
    h = resp.headers
    assert "script-src 'self'" in h["Content-Security-Policy"]
    assert "unsafe-inline" not in h["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1))
    for path in ("/login", "/queue", f"/posts/{pid}", "/history", "/users"):
        html = admin.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), path
        assert " style=" not in html and "<style" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path
        assert "http://" not in html.replace("http://localhost", ""), path  # no remote assets


def test_404_page_is_indonesian(admin):
    resp = admin.get("/posts/999999")
    assert resp.status_code == 404
    assert "Halaman tidak ditemukan" in resp.get_data(as_text=True)
    assert admin.get("/tidak-ada").status_code == 404


def test_500_page_has_no_traceback(admin, monkeypatch):
    from promo_pipeline.review import pages

    def boom(*a, **k):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(pages.q, "list_posts", boom)
    resp = admin.get("/queue")
    assert resp.status_code == 500
    html = resp.get_data(as_text=True)
    assert "Terjadi kesalahan" in html
    assert "Traceback" not in html and "secret internal detail" not in html


# --- media: path traversal, thumbnails, downloads ------------------------------------------------


@pytest.fixture
def outside(tmp_path):
    secret = tmp_path / "secret.jpg"
    write_jpeg(secret, (50, 50))
    (tmp_path / "passwd").write_text("root:x:0:0")
    return secret


@pytest.mark.parametrize("path", [
    "/media/out/../secret.jpg",
    "/media/out/..%2Fsecret.jpg",
    "/media/out/%2e%2e/secret.jpg",
    "/media/out/%2e%2e%2fsecret.jpg",
    "/media/out/%252e%252e%252fsecret.jpg",
    "/media/out/..%252fsecret.jpg",
    "/media/out/..%5csecret.jpg",
    "/media/out/%2Ftmp%2Fsecret.jpg",
    "/media/out//etc/passwd",
    "/media/out/x/../../secret.jpg",
    "/media/src/../../secret.jpg",
    "/media/etc/passwd",
    "/media/out/%00.jpg",
    "/thumb/out/../secret.jpg",
    "/thumb/out/%2e%2e%2fsecret.jpg",
    "/thumb/out/%252e%252e%252fsecret.jpg",
])
def test_media_path_traversal_is_refused(admin, cfg, outside, path):
    cfg.output_dir.mkdir(parents=True, exist_ok=True)
    resp = admin.get(path)
    if resp.status_code == 308:  # "//" merged into "/": still inside the media root
        location = resp.headers["Location"].removeprefix("http://localhost")
        assert location.startswith(path[:11])
        resp = admin.get(location)
    assert resp.status_code in (404, 400), (path, resp.status_code)
    assert resp.data[:3] != b"\xff\xd8\xff"
    assert b"root:x" not in resp.data


def test_media_absolute_path_is_refused(cfg, outside):
    from promo_pipeline.errors import NotFoundError

    for rel in (str(outside), "~/secret.jpg", "..\\secret.jpg", "a/../../secret.jpg"):
        with pytest.raises(NotFoundError):
            media.safe_path(cfg, "out", rel)


def test_media_symlink_out_of_the_folder_is_refused(admin, cfg, outside):
    link = cfg.output_dir / "lot" / "link.jpg"
    link.parent.mkdir(parents=True)
    os.symlink(outside, link)
    assert admin.get("/media/out/lot/link.jpg").status_code == 404
    assert admin.get("/thumb/out/lot/link.jpg").status_code == 404


def test_media_only_images_are_served(admin, cfg):
    (cfg.output_dir / "x").mkdir(parents=True)
    (cfg.output_dir / "x" / "caption.txt").write_text("hello")
    (cfg.output_dir / "x" / "post.json").write_text("{}")
    assert admin.get("/media/out/x/caption.txt").status_code == 404
    assert admin.get("/media/out/x/post.json").status_code == 404


def test_media_serves_output_and_source_images(admin, cfg):
    write_jpeg(cfg.output_dir / "lot" / "feed.jpg")
    write_jpeg(cfg.media_dir / "ab" / "photo.jpg", (640, 480))
    resp = admin.get("/media/out/lot/feed.jpg")
    assert resp.status_code == 200
    assert resp.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(resp.data)).size == (1080, 1350)
    resp = admin.get("/media/out/lot/feed.jpg?download=1")
    assert "attachment" in resp.headers["Content-Disposition"]
    assert admin.get("/media/src/ab/photo.jpg").status_code == 200


def test_thumbnails_are_small_cached_jpegs(admin, cfg):
    src = cfg.output_dir / "lot" / "story.jpg"
    src.parent.mkdir(parents=True)
    big = Image.effect_noise((1080, 1920), 60).convert("RGB")  # realistic, hard-to-compress
    big.paste((245, 183, 0), (0, 0, 1080, 960))  # top half yellow
    big.save(src, "JPEG", quality=90)
    resp = admin.get("/thumb/out/lot/story.jpg")
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    im = Image.open(io.BytesIO(resp.data))
    assert im.format == "JPEG"
    assert max(im.size) == media.THUMB_SIZE
    assert im.size[0] / im.size[1] == pytest.approx(1080 / 1920, rel=0.02)
    assert len(resp.data) < src.stat().st_size / 4
    # A picture of the source, not a placeholder: yellow on top, grey noise below.
    r, g, b = im.convert("RGB").getpixel((im.width // 2, im.height // 4))
    assert r > 200 and g > 150 and b < 80
    r, g, b = im.convert("RGB").getpixel((im.width // 2, im.height * 3 // 4))
    assert abs(r - g) < 40 and b > 60
    cached = list((cfg.output_dir / media.THUMB_DIR).rglob("*.jpg"))
    assert len(cached) == 1
    mtime = cached[0].stat().st_mtime_ns
    assert admin.get("/thumb/out/lot/story.jpg").data == resp.data
    assert cached[0].stat().st_mtime_ns == mtime  # made once
    # The cache itself is not served as a media folder.
    rel = cached[0].relative_to(cfg.output_dir).as_posix()
    assert admin.get(f"/thumb/out/{rel}").status_code == 404
    assert admin.get(f"/media/out/{rel}").status_code == 404


def test_thumbnail_of_a_broken_image_is_404(admin, cfg):
    bad = cfg.output_dir / "lot" / "bad.jpg"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    assert admin.get("/thumb/out/lot/bad.jpg").status_code == 404


def test_download_zip_has_images_and_captions(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1))
    resp = admin.get(f"/posts/{pid}/download.zip")
    assert resp.status_code == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    zf = zipfile.ZipFile(io.BytesIO(resp.data))
    names = zf.namelist()
    assert {"feed-v1.jpg", "story-v1.jpg"} <= set(names)
    caps = json.loads(post_row(db, pid)["captions"])
    for ch, text in caps.items():
        assert zf.read(f"keterangan-{ch}.txt").decode() == text
    assert Image.open(io.BytesIO(zf.read("feed-v1.jpg"))).size == (1080, 1350)


# --- queue page ----------------------------------------------------------------------------------


def test_queue_lists_pending_first_with_counts_and_filters(admin, db, cfg):
    p1 = add_post(db, cfg, make_lot(1, title="Mobil Toyota Avanza 2015"))
    p2 = add_post(db, cfg, make_lot(2, title="Tanah kebun di Woha"), status="approved")
    p3 = add_post(db, cfg, make_lot(3, title="Rumah di Mataram", office_id=OFFICE2_ID))
    html = admin.get("/queue").get_data(as_text=True)
    assert "Mobil Toyota Avanza 2015" in html and "Rumah di Mataram" in html
    assert "Tanah kebun di Woha" not in html  # default view: awaiting review
    assert re.search(r"Menunggu tinjauan <span class=\"count\">2</span>", html)
    assert re.search(r"Disetujui <span class=\"count\">1</span>", html)
    html = admin.get("/queue?status=approved").get_data(as_text=True)
    assert "Tanah kebun di Woha" in html and "Mobil Toyota" not in html
    html = admin.get(f"/queue?office={OFFICE2_ID}").get_data(as_text=True)
    assert "Rumah di Mataram" in html and "Mobil Toyota" not in html
    html = admin.get("/queue?status=all").get_data(as_text=True)
    assert all(f"/posts/{p}" in html for p in (p1, p2, p3))
    # Pending before approved in the "all" view.
    assert html.index(f"/posts/{p1}\"") < html.index(f"/posts/{p2}\"")
    # Thumbnails, not full images, on the list.
    assert "/thumb/out/" in html and "/media/out/" not in html
    # A bogus status falls back to the default view instead of failing.
    assert admin.get("/queue?status=<x>&page=abc").status_code == 200


def test_queue_shows_the_deposit_deadline_and_urgency(admin, db, cfg):
    soon = clock.now() + timedelta(days=2)
    lot = make_lot(1, title="Mobil dinas", ends_at=soon + timedelta(days=1),
                   deposit_deadline=soon)
    add_post(db, cfg, lot)
    add_post(db, cfg, make_lot(2, title="Tanah kebun"))  # ten days and more away
    html = admin.get("/queue").get_data(as_text=True)
    assert "Batas setor jaminan" in html and "Penawaran ditutup" in html
    row1 = html[html.index("Mobil dinas"):html.index("Tanah kebun")]
    assert re.search(r'flag-urgent">Mendesak: [23] hari lagi', row1)
    assert "Kode lot LOT-1" in row1 and "Unggahan #1 (lot)" in row1
    row2 = html[html.index("Tanah kebun"):]
    assert "flag-urgent" not in row2 and re.search(r"\d+ hari lagi", row2)


def test_queue_paginates(admin, db, cfg):
    for n in range(25):
        add_post(db, cfg, make_lot(n), captions={"instagram": f"post {n}"}, lint=[],
                 make_images=False, images=[])
    page1 = admin.get("/queue").get_data(as_text=True)
    page2 = admin.get("/queue?page=2").get_data(as_text=True)
    ids1 = set(re.findall(r'href="/posts/(\d+)"', page1))
    ids2 = set(re.findall(r'href="/posts/(\d+)"', page2))
    assert len(ids1) == cfg.review.page_size and len(ids2) == 25 - cfg.review.page_size
    assert not ids1 & ids2
    assert "Berikutnya" in page1 and "Berikutnya" not in page2 and "Sebelumnya" in page2


# --- post page and actions -----------------------------------------------------------------------


def test_post_page_shows_images_captions_facts_and_link(admin, db, cfg):
    lot = make_lot(1)
    pid = add_post(db, cfg, lot)
    html = admin.get(f"/posts/{pid}").get_data(as_text=True)
    # The first image large (the file itself, not a thumbnail), the others in the strip.
    assert f'src="/media/out/{lot.id}/feed-v1.jpg"' in html
    assert f'data-full="/media/out/{lot.id}/story-v1.jpg"' in html
    assert f'/thumb/out/{lot.id}/story-v1.jpg' in html
    assert 'width="1080" height="1350"' in html  # its own size: the aspect ratio is kept
    # ?gambar=2 shows the second large (works without scripts).
    html2 = admin.get(f"/posts/{pid}?gambar=2").get_data(as_text=True)
    assert f'src="/media/out/{lot.id}/story-v1.jpg"' in html2
    assert 'width="1080" height="1920"' in html2
    caps = json.loads(post_row(db, pid)["captions"])
    assert set(caps) == set(cfg.captions.channels)
    for ch in caps:
        assert f'id="caption-{ch}"' in html
    assert 'data-limit="2200"' in html and 'data-limit="280"' in html
    assert "Rp98.500.000" in html and "Rp20.000.000" in html
    assert "WITA" in html  # office zone, not the source's WIB
    assert f'href="{lot.url}"' in html
    assert "PT Bank Contoh" in html and "210 m²" in html


def test_facts_are_marked_where_a_caption_or_the_image_does_not_state_them(admin, db, cfg):
    lot = make_lot(1)
    pid = add_post(db, cfg, lot)
    page = admin.get(f"/posts/{pid}").get_data(as_text=True)
    assert page.count("✓ sesuai") == 4 and "✗" not in page
    # The X caption loses the limit; the lot's facts change after the images were drawn.
    caps = json.loads(post_row(db, pid)["captions"])
    x = caps["x"].replace("Rp98.500.000", "").replace("Rp98,5 juta", "")
    resp = post_form(admin, f"/posts/{pid}/caption", {"channel": "x", "text": x})
    assert resp.status_code == 303
    with store.write_tx(db):
        db["posts"].update(pid, {"content_hash": "sudah-berubah"})
    page = admin.get(f"/posts/{pid}").get_data(as_text=True)
    assert "✗ tidak ada/berbeda di X" in page
    assert page.count("✗ gambar dibuat dari data lama") == 5
    # The blocked approval says which caption to fix, and the lint's words come before its code.
    assert "Persetujuan diblokir: ada angka yang hilang atau tidak sama dengan data lot di " \
           "keterangan X." in page
    assert re.search(r"Nilai limit Rp98\.500\.000 tidak ada di keterangan\. "
                     r'<code class="lint-code">limit_missing</code>', page)


def test_approve_records_who(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1))
    resp = post_form(admin, f"/posts/{pid}/approve")
    assert resp.status_code == 303
    row = post_row(db, pid)
    assert row["status"] == "approved"
    ev = events_of(db, pid)[-1]
    assert (ev["actor"], ev["from_status"], ev["to_status"]) == ("ani", "pending", "approved")


def test_approve_is_refused_while_blocking(admin, db, cfg):
    lint = [{"channel": "instagram", "level": "block", "code": "limit_missing",
             "message": "Nilai limit tidak ada"}]
    pid = add_post(db, cfg, make_lot(1), lint=lint, blocking=True)
    html = admin.get(f"/posts/{pid}").get_data(as_text=True)
    assert re.search(r"<button[^>]*disabled[^>]*>Setujui</button>", html)
    assert "lint-block" in html
    resp = post_form(admin, f"/posts/{pid}/approve", follow_redirects=True)
    assert "Tidak dapat disetujui" in resp.get_data(as_text=True)
    assert post_row(db, pid)["status"] == "pending"


def test_approve_of_a_changed_post_is_refused(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1))
    seen = post_row(db, pid)["updated_at"]
    with store.write_tx(db):
        db["posts"].update(pid, {"updated_at": "2099-01-01T00:00:00+00:00"})
    resp = post_form(admin, f"/posts/{pid}/approve", {"seen": seen}, follow_redirects=True)
    assert "diubah orang lain" in resp.get_data(as_text=True)
    assert post_row(db, pid)["status"] == "pending"


def test_approve_twice_is_a_clear_error(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1))
    post_form(admin, f"/posts/{pid}/approve")
    resp = post_form(admin, f"/posts/{pid}/approve", follow_redirects=True)
    assert "Tidak dapat disetujui" in resp.get_data(as_text=True)
    assert [e["to_status"] for e in events_of(db, pid)].count("approved") == 1


def test_reject_needs_a_reason(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1))
    resp = post_form(admin, f"/posts/{pid}/reject", {"reason": "   "}, follow_redirects=True)
    assert "alasan penolakan" in resp.get_data(as_text=True).lower()
    assert post_row(db, pid)["status"] == "pending"
    resp = post_form(admin, f"/posts/{pid}/reject", {"reason": "Foto tidak sesuai objek"})
    assert resp.status_code == 303
    row = post_row(db, pid)
    assert row["status"] == "rejected"
    ev = events_of(db, pid)[-1]
    assert (ev["actor"], ev["to_status"], ev["reason"]) == ("ani", "rejected",
                                                            "Foto tidak sesuai objek")


def test_after_a_decision_the_next_pending_post_opens(admin, db, cfg):
    p1 = add_post(db, cfg, make_lot(1))
    p2 = add_post(db, cfg, make_lot(2))
    resp = post_form(admin, f"/posts/{p1}/approve")
    assert resp.headers["Location"] == f"/posts/{p2}"
    resp = post_form(admin, f"/posts/{p2}/reject", {"reason": "duplikat"})
    assert resp.headers["Location"] == "/queue"


def test_edit_caption_saves_and_relints(admin, db, cfg):
    lot = make_lot(1)
    pid = add_post(db, cfg, lot)
    caps = json.loads(post_row(db, pid)["captions"])
    # Drop the limit figure: the lint must now block approval.
    broken = caps["instagram"].replace("Rp98.500.000", "").replace("Rp98,5 juta", "")
    assert broken != caps["instagram"]
    resp = post_form(admin, f"/posts/{pid}/caption", {"channel": "instagram", "text": broken})
    assert resp.status_code == 303
    row = post_row(db, pid)
    from promo_pipeline.captions import tidy

    assert json.loads(row["captions"])["instagram"] == tidy(broken)
    assert row["blocking"]
    html = admin.get(f"/posts/{pid}").get_data(as_text=True)
    assert re.search(r"<button[^>]*disabled[^>]*>Setujui</button>", html)
    # Put it back: no longer blocking.
    post_form(admin, f"/posts/{pid}/caption", {"channel": "instagram", "text": caps["instagram"]})
    assert not post_row(db, pid)["blocking"]


def test_edit_caption_bad_input_changes_nothing(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1))
    before = post_row(db, pid)["captions"]
    for form in ({"channel": "myspace", "text": "hai"}, {"channel": "instagram", "text": "  "}):
        resp = post_form(admin, f"/posts/{pid}/caption", form)
        assert resp.status_code == 303
    assert post_row(db, pid)["captions"] == before
    assert post_form(admin, "/posts/9999/caption", {"channel": "x", "text": "a"}).status_code \
        == 404


def test_changes_since_previous_version_are_shown(admin, db, cfg):
    from promo_pipeline.queue.changes import lot_changes

    # The change list as the queue writes it: labelled, values already readable.
    changes = lot_changes(make_lot(1).to_json(), make_lot(1, limit=90_000_000).to_json(),
                          "Asia/Makassar")
    old = add_post(db, cfg, make_lot(1), status="outdated")
    pid = add_post(db, cfg, make_lot(1, limit=90_000_000), version=2, previous_post_id=old,
                   changes=[c.to_json() for c in changes])
    html = admin.get(f"/posts/{pid}").get_data(as_text=True)
    assert "Yang berubah" in html
    assert "Rp98.500.000" in html and "Rp90.000.000" in html
    assert "Nilai limit" in html and "limit_value" not in html
    assert f'href="/posts/{old}"' in html


def test_read_only_post_has_no_actions(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1), status="published")
    html = admin.get(f"/posts/{pid}").get_data(as_text=True)
    assert "Setujui</button>" not in html and "Tolak</button>" not in html
    assert "readonly" in html and "Simpan perubahan" not in html
    assert "Kembalikan ke antrean" not in html
    assert "Salin keterangan" in html  # copying for manual posting still works


def test_rerender_without_renderer_or_with_unknown_design(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1))
    before = post_row(db, pid)["images"]
    resp = post_form(admin, f"/posts/{pid}/template", {"design": "../../etc"},
                     follow_redirects=True)
    assert resp.status_code == 200
    assert ("belum tersedia" in resp.get_data(as_text=True)
            or "tidak dikenal" in resp.get_data(as_text=True))
    assert post_row(db, pid)["images"] == before


def test_rerender_with_another_design_adds_it_and_can_be_undone(admin, db, cfg):
    lot = make_lot(1)
    pid = add_post(db, cfg, lot)
    before = json.loads(post_row(db, pid)["images"])
    html = admin.get(f"/posts/{pid}").get_data(as_text=True)
    assert '<option value="square"' in html and '<option value="digest"' not in html
    assert "Persegi 1:1" in html  # designs by their Indonesian names
    resp = post_form(admin, f"/posts/{pid}/template", {"design": "square"})
    assert resp.status_code == 303
    # The new design is shown large right away.
    assert resp.headers["Location"] == f"/posts/{pid}?gambar=3#gambar"
    row = post_row(db, pid)
    images = json.loads(row["images"])
    assert row["template"] == "square"
    # The other images are kept; the square one is added after them.
    assert images[:2] == before and len(images) == 3
    assert "square" in Path(images[2]).name
    with Image.open(cfg.output_dir / images[2]) as im:
        assert im.size == (1080, 1080)
    ev = events_of(db, pid)[-1]
    assert ev["actor"] == "ani" and "square" in ev["reason"]
    page = admin.get(f"/posts/{pid}?gambar=3").get_data(as_text=True)
    assert f'src="/media/out/{images[2]}"' in page
    assert "Urungkan perubahan gambar" in page
    # Picking the same design again replaces it in place (no duplicate).
    resp = post_form(admin, f"/posts/{pid}/template", {"design": "square"})
    assert json.loads(post_row(db, pid)["images"]) == images
    # Picking a design the post already has (feed, from the fixture's name) replaces that one.
    resp = post_form(admin, f"/posts/{pid}/template", {"design": "feed"})
    now = json.loads(post_row(db, pid)["images"])
    assert len(now) == 3 and now[1:] == images[1:]
    assert now[0] != images[0] and "feed" in Path(now[0]).name
    assert resp.headers["Location"] == f"/posts/{pid}?gambar=1#gambar"
    # Undo puts back the images before the last change, and is recorded too.
    resp = post_form(admin, f"/posts/{pid}/images/undo")
    assert resp.status_code == 303
    assert json.loads(post_row(db, pid)["images"]) == images
    assert events_of(db, pid)[-1]["action"] == "images"
    # Someone else changed the images meanwhile: a stale change is refused, nothing lost.
    from promo_pipeline.queue import actions as qa
    with pytest.raises(Exception, match="diubah orang lain"):
        qa.set_images(db, cfg, pid, before, actor="budi", replaces=before)
    assert json.loads(post_row(db, pid)["images"]) == images


def _tiny_clip(path: Path) -> Path:
    """A real (tiny) H.264 MP4 written with PyAV, and its poster frame beside it."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 112, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_image(Image.new("RGB", (64, 112), (20 * i, 48, 107)))
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    write_jpeg(path.with_name(path.stem + ".poster.jpg"), (1080, 1920))
    return path


def test_a_clip_is_shown_in_a_video_player_beside_the_images_and_approved_with_them(
        admin, db, cfg):
    lot = make_lot(1)
    clip_rel = f"images/{lot.id}/reel-0123456789abcdef.mp4"
    _tiny_clip(cfg.output_dir / clip_rel)
    images = [f"{lot.id}/feed-v1.jpg", clip_rel]
    write_jpeg(cfg.output_dir / images[0])
    pid = add_post(db, cfg, lot, images=images)
    page = admin.get(f"/posts/{pid}").get_data(as_text=True)
    assert "Video reel ▶" in page  # in the strip, by its design's name
    page = admin.get(f"/posts/{pid}?gambar=2").get_data(as_text=True)
    poster = clip_rel.replace(".mp4", ".poster.jpg")
    assert re.search(r'<video class="main-media" controls preload="metadata" '
                     rf'poster="/media/out/{re.escape(poster)}"', page)
    assert f'<source src="/media/out/{clip_rel}" type="video/mp4">' in page
    assert 'width="1080" height="1920"' in page  # the poster's size keeps the player's shape
    # The clip is served as video/mp4 and by byte ranges (a browser seeks with them).
    resp = admin.get(f"/media/out/{clip_rel}", headers={"Range": "bytes=0-99"})
    assert resp.status_code == 206 and resp.mimetype == "video/mp4"
    assert len(resp.data) == 100
    assert admin.get(f"/thumb/out/{clip_rel}").status_code == 404
    assert admin.get(f"/thumb/out/{poster}").status_code == 200
    # The post, clip included, is approved as one.
    resp = post_form(admin, f"/posts/{pid}/approve")
    assert resp.status_code == 303 and post_row(db, pid)["status"] == "approved"
    assert json.loads(post_row(db, pid)["images"]) == images
    # Undoing nothing, and the zip carries the clip too.
    with zipfile.ZipFile(io.BytesIO(admin.get(f"/posts/{pid}/download.zip").data)) as zf:
        assert Path(clip_rel).name in zf.namelist()


# --- unconfirmed deliveries ----------------------------------------------------------------------


def _delivery(db, post_id, channel, status):
    db["deliveries"].insert({"post_id": post_id, "channel": channel, "status": status,
                             "idem_key": f"{post_id}:{channel}", "attempts": 1,
                             "last_error": "jawaban hilang setelah dikirim",
                             "created_at": clock.iso(), "updated_at": clock.iso()})
    return db.execute("select max(id) from deliveries").fetchone()[0]


def test_unconfirmed_delivery_is_marked_sent_by_a_human(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1), status="approved")
    assert "Pengiriman perlu keputusan" not in admin.get(f"/posts/{pid}").get_data(as_text=True)
    with store.write_tx(db):
        db["posts"].update(pid, {"status": "unconfirmed"})
    did = _delivery(db, pid, "telegram", "unconfirmed")
    html = admin.get(f"/posts/{pid}").get_data(as_text=True)
    assert "Pengiriman perlu keputusan" in html and "Tandai terkirim" in html
    assert "jawaban hilang setelah dikirim" in html
    # Bad input: an unknown action, a delivery of another post. Nothing changes.
    assert post_form(admin, f"/posts/{pid}/deliveries/{did}/resolve",
                     {"action": "hapus"}).status_code == 400
    assert post_form(admin, f"/posts/{pid + 1}/deliveries/{did}/resolve",
                     {"action": "sent"}).status_code == 404
    assert db["deliveries"].get(did)["status"] == "unconfirmed"
    resp = post_form(admin, f"/posts/{pid}/deliveries/{did}/resolve", {"action": "sent"})
    assert resp.status_code == 303
    row = db["deliveries"].get(did)
    assert (row["status"], row["resolved_by"]) == ("sent", "ani")
    assert post_row(db, pid)["status"] == "published"
    assert "Pengiriman perlu keputusan" not in admin.get(f"/posts/{pid}").get_data(as_text=True)


def test_unconfirmed_delivery_can_be_sent_again(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1), status="unconfirmed")
    did = _delivery(db, pid, "telegram", "unconfirmed")
    resp = post_form(admin, f"/posts/{pid}/deliveries/{did}/resolve", {"action": "resend"})
    assert resp.status_code == 303
    assert db["deliveries"].get(did)["status"] == "queued"
    assert post_row(db, pid)["status"] == "approved"


def test_reopen_an_approved_or_rejected_post(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1), status="approved")
    html = admin.get(f"/posts/{pid}").get_data(as_text=True)
    assert "Batalkan persetujuan" in html
    post_form(admin, f"/posts/{pid}/reopen", {"reason": "foto perlu diganti"})
    assert post_row(db, pid)["status"] == "pending"
    ev = events_of(db, pid)[-1]
    assert (ev["actor"], ev["from_status"], ev["to_status"]) == ("ani", "approved", "pending")
    assert "foto perlu diganti" in ev["reason"]
    # A pending post cannot be "reopened"; nothing happens.
    n = len(events_of(db, pid))
    post_form(admin, f"/posts/{pid}/reopen")
    assert len(events_of(db, pid)) == n


def test_editing_an_approved_caption_sends_it_back_to_review(admin, db, cfg):
    pid = add_post(db, cfg, make_lot(1), status="approved")
    caps = json.loads(post_row(db, pid)["captions"])
    post_form(admin, f"/posts/{pid}/caption",
              {"channel": "telegram", "text": caps["telegram"] + "\n\nInfo: hubungi kantor."})
    row = post_row(db, pid)
    assert row["status"] == "pending"
    assert json.loads(row["captions"])["telegram"].endswith("hubungi kantor.")


# --- history -------------------------------------------------------------------------------------


def test_history_filters_by_post_and_actor(admin, reviewer, db, cfg):
    p1 = add_post(db, cfg, make_lot(1))
    p2 = add_post(db, cfg, make_lot(2))
    post_form(admin, f"/posts/{p1}/approve")
    post_form(reviewer, f"/posts/{p2}/reject", {"reason": "Judul salah ketik"})
    html = admin.get("/history").get_data(as_text=True)
    assert f'href="/posts/{p1}"' in html and f'href="/posts/{p2}"' in html
    html = admin.get(f"/history?post={p2}").get_data(as_text=True)
    assert f'href="/posts/{p1}"' not in html and "Judul salah ketik" in html
    html = admin.get("/history?actor=ani").get_data(as_text=True)
    assert f'href="/posts/{p1}"' in html and f'href="/posts/{p2}"' not in html
    html = admin.get("/history?post=abc").get_data(as_text=True)
    assert f'href="/posts/{p1}"' in html  # a bad filter is ignored, not an error


def test_who_did_what_on_the_post_header_and_the_history_names_the_lot_with_diffs(
        admin, reviewer, db, cfg):
    lot = make_lot(1, title="Rumah tinggal di Jalan Sultan Kaharuddin")
    pid = add_post(db, cfg, lot)
    old = json.loads(post_row(db, pid)["captions"])["telegram"]
    new = old.replace("Uang jaminan", "Jaminan", 1) + "\nSalam dari KPKNL Bima."
    assert post_form(reviewer, f"/posts/{pid}/caption",
                     {"channel": "telegram", "text": new}).status_code == 303
    post_form(admin, f"/posts/{pid}/reject", {"reason": "Foto kurang jelas"})
    page = admin.get(f"/posts/{pid}").get_data(as_text=True)
    assert re.search(r"ditolak oleh <strong>ani</strong>", page)
    assert re.search(r"terakhir disunting oleh <strong>budi</strong>", page)
    assert f"Unggahan #{pid} (lot)" in page and "Kode lot LOT-1" in page
    html = admin.get("/history").get_data(as_text=True)
    assert "Rumah tinggal di Jalan Sultan Kaharuddin" in html and "Kode lot LOT-1" in html
    assert "Lihat perubahan keterangan" in html
    assert "<ins><span class=\"sr-only\">ditambah: </span>+ Salam dari KPKNL Bima.</ins>" in html
    assert re.search(r"<del><span class=\"sr-only\">dihapus: </span>− [^<]*Uang jaminan", html)


def test_a_reviewer_changes_their_own_password(app, reviewer, db):
    other = app.test_client()
    assert login(other, "budi").status_code == 303  # budi on another device
    assert "Ganti kata sandi" in reviewer.get("/akun").get_data(as_text=True)
    before = db["users"].get("budi")["password_hash"]
    resp = post_form(reviewer, "/akun", {"current": "salah-sekali", "password": "baru-sekali-1",
                                         "password2": "baru-sekali-1"}, follow_redirects=True)
    assert "Kata sandi sekarang salah" in resp.get_data(as_text=True)
    resp = post_form(reviewer, "/akun", {"current": PASSWORD, "password": "baru-sekali-1",
                                         "password2": "lain-sekali-1"}, follow_redirects=True)
    assert "tidak sama" in resp.get_data(as_text=True)
    assert db["users"].get("budi")["password_hash"] == before
    resp = post_form(reviewer, "/akun", {"current": PASSWORD, "password": "baru-sekali-1",
                                         "password2": "baru-sekali-1"}, follow_redirects=True)
    assert "Kata sandi diganti" in resp.get_data(as_text=True)
    # This browser stays logged in; the other device is logged out; the new password works.
    assert reviewer.get("/queue").status_code == 200
    assert other.get("/queue").status_code == 303
    assert accounts.verify(db, "budi", "baru-sekali-1") is not None
    assert accounts.get_user(db, "budi").role == "reviewer"  # and nothing else changed


# --- serving -------------------------------------------------------------------------------------


def test_serve_refuses_public_address_without_accounts(cfg):
    with pytest.raises(UsageError, match="belum ada akun"):
        app_mod.make_server(cfg, "0.0.0.0", 0)
    # Loopback is fine without accounts (the login page says how to make one).
    server = app_mod.make_server(cfg, "127.0.0.1", 0)
    server.close()


def test_serve_allows_public_address_once_an_account_exists(cfg, db):
    accounts.add_user(db, "ani", PASSWORD, role="admin")
    server = app_mod.make_server(cfg, "0.0.0.0", 0)
    server.close()


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("192.168.1.10", False), ("::", False),
    ("review.example", False),
])
def test_is_loopback(host, loopback):
    assert app_mod.is_loopback(host) is loopback


def test_secret_key_file_is_private_and_reused(cfg, monkeypatch):
    key = secret.secret_key(cfg)
    path = cfg.database_path.parent / secret.SECRET_FILE_NAME
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(key) >= 32 and secret.secret_key(cfg) == key
    monkeypatch.setenv("PROMO_SECRET_KEY", "k" * 40)
    assert secret.secret_key(cfg) == "k" * 40
    path.write_text("short")
    monkeypatch.delenv("PROMO_SECRET_KEY")
    with pytest.raises(Exception, match="rusak"):
        secret.secret_key(cfg)


def test_passwords_are_stored_as_scrypt_hashes(db, monkeypatch):
    monkeypatch.setattr(accounts.users, "PASSWORD_HASH_METHOD", "scrypt")
    accounts.add_user(db, "ani", PASSWORD)
    stored = db.execute("select password_hash from users").fetchone()[0]
    assert stored.startswith("scrypt:") and PASSWORD not in stored
    assert accounts.verify(db, "ani", PASSWORD).name == "ani"
    assert accounts.verify(db, "ANI", PASSWORD).name == "ani"  # names are case-insensitive
    assert accounts.verify(db, "ani", PASSWORD.upper()) is None


def test_login_page_tells_how_to_create_the_first_account(cfg, db):
    client = make_app(cfg).test_client()
    html = client.get("/login").get_data(as_text=True)
    assert "promo users add" in html
