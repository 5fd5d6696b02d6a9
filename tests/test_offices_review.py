"""Reviewers scoped to offices (issue 16): an account reviews only its offices' posts.

KPKNL Bima and KPKNL Mataram share one install. ``mataram`` may review Mataram only; ``kanwil``
(an admin without offices) every office. Out of scope: the review page answers 403 and the CLI
exits 2, and the attempt is in the post's history. Real SQLite, the real page through Flask's
test client, the real ``promo`` command through click.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import to_toml
from review_fixtures import OFFICE2_ID, OFFICE_ID, add_post, make_config, make_lot

from promo_pipeline import accounts, database, store
from promo_pipeline import cli as cli_mod
from promo_pipeline import queue as q
from promo_pipeline.errors import OfficeScopeError
from promo_pipeline.review import app as app_mod

PASSWORD = "kata-sandi-rahasia"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    monkeypatch.setattr(accounts.users, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    monkeypatch.delenv("PROMO_SECRET_KEY", raising=False)


@pytest.fixture
def cfg(tmp_path):
    return make_config(tmp_path)


@pytest.fixture
def db(cfg):
    opened = database.connect(cfg.database_path)
    yield opened
    opened.conn.close()


@pytest.fixture
def posts(cfg, db):
    """One pending post of each office: {office id: post id}."""
    return {OFFICE_ID: add_post(db, cfg, make_lot(1)),
            OFFICE2_ID: add_post(db, cfg, make_lot(2, office_id=OFFICE2_ID))}


@pytest.fixture
def users(db):
    accounts.add_user(db, "kanwil", PASSWORD, role="admin")
    accounts.add_user(db, "mataram", PASSWORD, offices=[OFFICE2_ID])


def refused(db, post_id):
    return [e for e in q.events(db, post_id=post_id) if e.action == "refused"]


# --- the rule and the accounts table --------------------------------------------------------------


def test_the_office_rule_and_its_storage(db, users):
    kanwil, mataram = accounts.get_user(db, "kanwil"), accounts.get_user(db, "MATARAM")
    assert kanwil.every_office and kanwil.may_review(OFFICE_ID) and kanwil.may_review(None)
    assert mataram.offices == (OFFICE2_ID,)
    assert mataram.may_review(OFFICE2_ID) and not mataram.may_review(OFFICE_ID)
    assert not mataram.may_review(None)  # a post of no office is not a scoped reviewer's
    assert [u.to_json()["offices"] for u in accounts.list_users(db)] == [None, [OFFICE2_ID]]
    both = accounts.update_user(db, "mataram", offices=[OFFICE2_ID, OFFICE_ID, OFFICE2_ID])
    assert both.offices == (OFFICE2_ID, OFFICE_ID) == accounts.get_user(db, "mataram").offices
    assert accounts.update_user(db, "mataram", offices=()).every_office
    assert accounts.reviewers_of(accounts.list_users(db), OFFICE_ID) == 2


def test_an_install_from_before_offices_keeps_its_accounts_reviewing_everything(tmp_path):
    from sqlite_utils import Database

    path = tmp_path / "old.db"
    old = Database(path)
    accounts.migrations.apply(old, stop_before="m002_office_scope")
    old.execute("insert into users (name, role, password_hash, created_at) "
                "values ('lama', 'reviewer', 'x', '2026-01-01T00:00:00+00:00')")
    old.conn.commit()
    old.conn.close()
    db = database.connect(path)  # applies m002: the column, NULL for every existing account
    try:
        assert accounts.get_user(db, "lama").every_office
    finally:
        db.conn.close()


def test_the_queue_refuses_and_records_an_action_outside_the_accounts_offices(db, users, posts):
    mataram = accounts.get_user(db, "mataram")
    with pytest.raises(OfficeScopeError, match=r"tidak berwenang atas unggahan"):
        q.check_office(db, posts[OFFICE_ID], mataram, action="approve")
    (event,) = refused(db, posts[OFFICE_ID])
    assert event.actor == "mataram" and event.to_status is None
    assert q.get_post(db, posts[OFFICE_ID]).status == "pending"
    assert q.check_office(db, posts[OFFICE2_ID], mataram, action="approve").id == posts[
        OFFICE2_ID]
    assert refused(db, posts[OFFICE2_ID]) == []


# --- the CLI --------------------------------------------------------------------------------------


def cli_config(tmp_path) -> str:
    """The review fixtures' two offices as a config file for the CLI."""
    data = {
        "offices": [{"id": OFFICE_ID, "name": "KPKNL Bima", "timezone": "Asia/Makassar"},
                    {"id": OFFICE2_ID, "name": "KPKNL Mataram", "timezone": "Asia/Makassar"}],
        "brand": {"name": "KPKNL Bima", "handle": "@kpknlbima", "phone": "0374-5550115",
                  "hashtags": ["#LelangNegara", "#KPKNLBima"]},
        "storage": {"database": "data/promo.db", "media_dir": "data/media",
                    "output_dir": "data/out"},
    }
    path = tmp_path / "config.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    return str(path)


def promo(path: str, *args: str, stdin: str | None = None):
    return CliRunner().invoke(cli_mod.cli, ["--config", path, *args], input=stdin)


def test_cli_users_with_offices(tmp_path, cfg, db):
    path = cli_config(tmp_path)
    made = promo(path, "users", "add", "mataram", "--offices", OFFICE2_ID, "--password-stdin",
                 stdin=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    assert "KPKNL Mataram" in made.output
    both = promo(path, "users", "add", "dua", "--office", OFFICE_ID, "--office", OFFICE2_ID,
                 "--password-stdin", stdin=PASSWORD + "\n")
    assert both.exit_code == 0 and accounts.get_user(db, "dua").offices == (OFFICE_ID,
                                                                             OFFICE2_ID)
    bad = promo(path, "users", "add", "x1", "--offices", "no-such-office", "--password-stdin",
                stdin=PASSWORD + "\n")
    assert bad.exit_code == 2 and "no-such-office" in bad.stderr
    assert accounts.get_user(db, "x1") is None
    listed = json.loads(promo(path, "users", "list", "--json").output)
    assert {u["name"]: u["offices"] for u in listed} == {
        "dua": [OFFICE_ID, OFFICE2_ID], "mataram": [OFFICE2_ID]}
    text = promo(path, "users", "list").output
    assert re.search(r"mataram\s+peninjau.*KPKNL Mataram", text)
    edited = promo(path, "users", "edit", "mataram", "--all-offices", "--role", "admin")
    assert edited.exit_code == 0 and "semua kantor" in edited.output
    assert accounts.get_user(db, "mataram").every_office
    assert promo(path, "users", "edit", "mataram").exit_code == 2


def test_cli_scope_lists_and_refuses_with_exit_2(tmp_path, cfg, db, users, posts):
    path = cli_config(tmp_path)
    mine = json.loads(promo(path, "queue", "--json", "--as", "mataram").output)
    assert [p["id"] for p in mine] == [posts[OFFICE2_ID]]
    assert all(p["office_id"] == OFFICE2_ID for p in mine)
    every = json.loads(promo(path, "queue", "--json", "--as", "kanwil").output)
    assert sorted(p["id"] for p in every) == sorted(posts.values())
    only = json.loads(promo(path, "queue", "--json", "--office", OFFICE_ID).output)
    assert [p["id"] for p in only] == [posts[OFFICE_ID]]

    result = promo(path, "queue", "approve", str(posts[OFFICE_ID]), "--as", "mataram")
    assert result.exit_code == 2 and "tidak berwenang" in result.stderr
    assert "Traceback" not in result.output
    assert q.get_post(db, posts[OFFICE_ID]).status == "pending"
    (event,) = refused(db, posts[OFFICE_ID])
    assert event.actor == "mataram"
    history = promo(path, "queue", "history", "--post", str(posts[OFFICE_ID])).output
    assert (f"mataram: ditolak: di luar kantor akun (tindakan approve, kantor {OFFICE_ID})"
            in history)
    rejected = promo(path, "queue", "reject", str(posts[OFFICE_ID]), "--reason", "x",
                     "--as", "mataram")
    assert rejected.exit_code == 2 and len(refused(db, posts[OFFICE_ID])) == 2
    ok = promo(path, "queue", "approve", str(posts[OFFICE2_ID]), "--as", "mataram")
    assert ok.exit_code == 0, ok.output
    assert promo(path, "queue", "approve", str(posts[OFFICE_ID]), "--as", "kanwil").exit_code == 0


# --- the review page ------------------------------------------------------------------------------


def page_client(cfg, name):
    app = app_mod.create_app(cfg, testing=True)
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    resp = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 303
    return client


def csrf(client) -> str:
    html = client.get("/queue").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_page_shows_and_acts_only_on_the_accounts_offices(cfg, db, users, posts):
    client = page_client(cfg, "mataram")
    html = client.get("/queue?status=all").get_data(as_text=True)
    assert f"/posts/{posts[OFFICE2_ID]}" in html and f"/posts/{posts[OFFICE_ID]}" not in html
    assert client.get(f"/posts/{posts[OFFICE_ID]}").status_code == 403
    assert client.get(f"/posts/{posts[OFFICE2_ID]}").status_code == 200
    assert refused(db, posts[OFFICE_ID]) == []  # looking is refused, not recorded
    resp = client.post(f"/posts/{posts[OFFICE_ID]}/approve", data={"csrf_token": csrf(client)})
    assert resp.status_code == 403
    assert q.get_post(db, posts[OFFICE_ID]).status == "pending"
    (event,) = refused(db, posts[OFFICE_ID])
    assert event.actor == "mataram" and "approve" in (event.reason or "")
    resp = client.post(f"/posts/{posts[OFFICE2_ID]}/approve", data={"csrf_token": csrf(client)})
    assert resp.status_code == 303 and q.get_post(db, posts[OFFICE2_ID]).status == "approved"


def test_page_a_kanwil_admin_sees_and_approves_every_office(cfg, db, users, posts):
    client = page_client(cfg, "kanwil")
    html = client.get("/queue?status=all").get_data(as_text=True)
    assert all(f"/posts/{pid}" in html for pid in posts.values())
    resp = client.post(f"/posts/{posts[OFFICE_ID]}/approve", data={"csrf_token": csrf(client)})
    assert resp.status_code == 303 and q.get_post(db, posts[OFFICE_ID]).status == "approved"


# --- files on the review page: images, clips, posters, thumbnails, source photos -----------------


@pytest.fixture
def files(cfg, db, posts):
    """Files of each office, each tied to its lot the way the pipeline ties it, plus a file
    tied to nothing: {name: URL path}."""
    from review_fixtures import write_jpeg

    from promo_pipeline.render.images import ImageRecord, record_images

    bima, mataram = q.get_post(db, posts[OFFICE_ID]), q.get_post(db, posts[OFFICE2_ID])
    clip = f"images/{bima.lot_id}/reel-0123456789abcdef.mp4"
    (cfg.output_dir / clip).parent.mkdir(parents=True, exist_ok=True)
    (cfg.output_dir / clip).write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(4000))
    poster = clip.replace(".mp4", ".poster.jpg")
    write_jpeg(cfg.output_dir / poster, (108, 192))
    with store.write_tx(db):
        db["posts"].update(bima.id, {"images": json.dumps([*bima.images, clip])})
    # Drawn by the renderer for Bima's lot but in no post (a replaced design).
    drawn = f"images/{bima.lot_id}/square-00000000000000aa.jpg"
    write_jpeg(cfg.output_dir / drawn, (108, 108))
    record_images(db, [ImageRecord("img-a", bima.lot_id, "square", 0, drawn, "square.toml")])
    # Cached source photos of each lot (photos + lot_photos rows, as the collector leaves them).
    photo = {}
    for post in (bima, mataram):
        rel = f"photos/ab/{post.lot_id}.jpg"
        write_jpeg(cfg.media_dir / rel, (64, 48))
        url = f"https://file.lelang.go.id/{post.lot_id}.jpg"
        with store.write_tx(db):
            db["photos"].insert({"url": url, "status": "ok", "path": rel, "format": "jpeg"})
            db["lot_photos"].insert({"lot_id": post.lot_id, "position": 0, "url": url,
                                     "is_cover": 1})
        photo[post.office_id] = rel
    write_jpeg(cfg.output_dir / "ekspor" / "lain.jpg", (64, 48))
    return {
        "bima feed": f"/media/out/{bima.images[0]}",
        "bima feed download": f"/media/out/{bima.images[0]}?download=1",
        "bima story thumb": f"/thumb/out/{bima.images[1]}",
        "bima clip": f"/media/out/{clip}",
        "bima poster": f"/media/out/{poster}",
        "bima poster thumb": f"/thumb/out/{poster}",
        "bima drawn": f"/media/out/{drawn}",
        "bima drawn thumb": f"/thumb/out/{drawn}",
        "bima photo": f"/media/src/{photo[OFFICE_ID]}",
        "bima photo thumb": f"/thumb/src/{photo[OFFICE_ID]}",
        "mataram feed": f"/media/out/{mataram.images[0]}",
        "mataram story thumb": f"/thumb/out/{mataram.images[1]}",
        "mataram photo": f"/media/src/{photo[OFFICE2_ID]}",
        "mataram photo thumb": f"/thumb/src/{photo[OFFICE2_ID]}",
        "no owner": "/media/out/ekspor/lain.jpg",
    }


@pytest.fixture
def served(cfg, users):
    from review_fixtures import Served

    server = Served(app_mod.make_server(cfg, "127.0.0.1", 0))
    yield server
    server.stop()


def http_session(base: str, name: str):
    import requests

    s = requests.Session()
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      s.get(f"{base}/login", timeout=30).text).group(1)
    resp = s.post(f"{base}/login", timeout=30,
                  data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 200 and resp.url.endswith("/queue")
    return s


def raw_get(base: str, path: str, cookies) -> tuple[int, bytes]:
    """GET *path* byte for byte (requests/urllib3 would remove dot segments first)."""
    import http.client

    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        cookie = "; ".join(f"{c.name}={c.value}" for c in cookies)
        conn.request("GET", path, headers={"Cookie": cookie})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_files_of_another_office_are_404_and_recorded_over_http(cfg, db, posts, files, served):
    mataram = http_session(served.base, "mataram")
    missing = mataram.get(f"{served.base}/media/out/tidak/ada.jpg", timeout=30)
    assert missing.status_code == 404
    for name, path in files.items():
        resp = mataram.get(served.base + path, timeout=30)
        if name.startswith("mataram"):
            assert resp.status_code == 200, name
            assert resp.content[:3] == b"\xff\xd8\xff"
            assert resp.headers["Cache-Control"] == "private, no-cache"
        else:
            # Exactly what a missing file gets: nothing tells that the file exists.
            assert resp.status_code == 404, name
            assert resp.text == missing.text, name
            assert resp.content[:3] != b"\xff\xd8\xff"
    # Every refused file of a post or lot is in that post's history; a file of no office
    # (nothing to attach it to) is only logged.
    events = refused(db, posts[OFFICE_ID])
    assert len(events) == sum(1 for n in files if n.startswith("bima"))
    assert {e.actor for e in events} == {"mataram"}
    reasons = " ".join(e.reason or "" for e in events)
    assert f"berkas out/{files['bima feed'].removeprefix('/media/out/')}" in reasons
    assert "berkas src/photos/ab/" in reasons and "reel-0123456789abcdef.poster.jpg" in reasons
    assert refused(db, posts[OFFICE2_ID]) == []
    assert q.get_post(db, posts[OFFICE_ID]).status == "pending"

    kanwil = http_session(served.base, "kanwil")
    for name, path in files.items():
        assert kanwil.get(served.base + path, timeout=30).status_code == 200, name
    ranged = kanwil.get(served.base + files["bima clip"], timeout=30,
                        headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100
    assert mataram.get(served.base + files["bima clip"], timeout=30,
                       headers={"Range": "bytes=0-99"}).status_code == 404
    # The post's images as one ZIP: refused the same way.
    zipped = mataram.get(f"{served.base}/posts/{posts[OFFICE_ID]}/download.zip", timeout=30)
    assert zipped.status_code == 404 and zipped.text == missing.text
    assert refused(db, posts[OFFICE_ID])[0].reason.startswith("tindakan download_zip")
    assert mataram.get(f"{served.base}/posts/{posts[OFFICE2_ID]}/download.zip",
                       timeout=30).status_code == 200
    # Revalidating a copy fetched by another account on the same PC is checked again.
    etag = kanwil.get(served.base + files["bima feed"], timeout=30).headers["ETag"]
    assert mataram.get(served.base + files["bima feed"], timeout=30,
                       headers={"If-None-Match": etag}).status_code == 404
    own = mataram.get(served.base + files["mataram feed"], timeout=30)
    assert mataram.get(served.base + files["mataram feed"], timeout=30, headers={
        "If-None-Match": own.headers["ETag"]}).status_code == 304
    assert len(refused(db, posts[OFFICE_ID])) == len(events) + 3


def test_path_tricks_do_not_reach_another_offices_files(cfg, db, posts, files, served):
    import os

    bima, mataram = q.get_post(db, posts[OFFICE_ID]), q.get_post(db, posts[OFFICE2_ID])
    own_dir = (cfg.output_dir / mataram.images[0]).parent
    os.symlink(cfg.output_dir / bima.images[0], own_dir / "tautan.jpg")
    theirs = bima.images[0]
    session = http_session(served.base, "mataram")
    tricks = [
        f"/media/out/{mataram.lot_id}/../{theirs}",
        f"/media/out/{mataram.lot_id}/%2e%2e/{theirs}",
        f"/media/out/{mataram.lot_id}/..%2f{theirs}",
        f"/media/out/./{theirs}",
        f"/media/out/{theirs.replace('/', '//')}",
        f"/media/out/{theirs.replace('/', '%2f')}",
        f"/media/out/{theirs.replace('/', '%5c')}",
        f"/media/out/{theirs.upper()}",
        f"/media/out/{mataram.lot_id}/tautan.jpg",
        f"/thumb/out/{mataram.lot_id}/tautan.jpg",
        f"/thumb/out/{mataram.lot_id}/../{theirs}",
        f"/media/src/../out/{theirs}",
        f"/media/out/{theirs}%00.jpg",
        f"/media/out/{theirs}?download=1&root=src",
    ]
    for path in tricks:
        status, body = raw_get(served.base, path, session.cookies)
        if status == 308:  # "//" merged by the router: follow it, as a browser would
            resp = session.get(served.base + path, timeout=30)
            status, body = resp.status_code, resp.content
        assert status in (400, 404), (path, status)
        assert body[:3] != b"\xff\xd8\xff", path
    # The admin gets the same file through the plain path, so the tricks were the only thing
    # between the reviewer and it.
    kanwil = http_session(served.base, "kanwil")
    assert kanwil.get(f"{served.base}/media/out/{theirs}", timeout=30).status_code == 200


# --- the header's brand ---------------------------------------------------------------------------


def branded_config(base):
    """Bima with its own brand and logo, Mataram with its own colours, the Kanwil's top level."""
    from PIL import Image

    from promo_pipeline import config as config_mod

    Image.new("RGB", (64, 64), (11, 79, 108)).save(base / "logo-bima.png")
    data = {
        "offices": [
            {"id": OFFICE_ID, "name": "KPKNL Bima", "timezone": "Asia/Makassar",
             "brand": {"name": "KPKNL Bima", "primary_color": "#0B4F6C",
                       "logo": "logo-bima.png"}},
            {"id": OFFICE2_ID, "name": "KPKNL Mataram", "timezone": "Asia/Makassar",
             "brand": {"name": "KPKNL Mataram", "primary_color": "#7A1F2B",
                       "accent_color": "#FFD166"}},
        ],
        "brand": {"name": "Kanwil DJKN Nusa Tenggara", "primary_color": "#16306B"},
        "storage": {"database": "data/promo.db", "media_dir": "data/media",
                    "output_dir": "data/out"},
    }
    return config_mod.from_dict(data, base_dir=base)


@pytest.fixture
def branded(tmp_path):
    from review_fixtures import Served

    cfg = branded_config(tmp_path)
    db = database.connect(cfg.database_path)
    accounts.add_user(db, "kanwil", PASSWORD, role="admin")
    accounts.add_user(db, "mataram", PASSWORD, offices=[OFFICE2_ID])
    accounts.add_user(db, "dua", PASSWORD, offices=[OFFICE_ID, OFFICE2_ID])
    ids = {OFFICE_ID: add_post(db, cfg, make_lot(1)),
           OFFICE2_ID: add_post(db, cfg, make_lot(2, office_id=OFFICE2_ID))}
    server = Served(app_mod.make_server(cfg, "127.0.0.1", 0))
    yield cfg, server.base, ids
    server.stop()
    db.conn.close()


def header(html: str) -> tuple[str, str, str | None]:
    """(name in the header, its stylesheet URL, its logo URL or None)."""
    name = re.search(r'<span class="brand-text"><strong>([^<]*)</strong>', html).group(1)
    css = re.search(r'href="(/brand/[^"]+\.css\?v=[0-9a-f]+)"', html).group(1)
    logo = re.search(r'<img class="brand-logo" src="([^"]+)"', html)
    return name, css, logo.group(1) if logo else None


def test_the_header_shows_the_brand_of_the_accounts_office_or_the_posts(branded):
    import requests

    cfg, base, ids = branded
    anonymous = requests.get(f"{base}/login", timeout=30).text
    name, css, logo = header(anonymous)
    assert name == "Kanwil DJKN Nusa Tenggara" and css.startswith("/brand/utama.css")
    assert "#16306B" in requests.get(base + css, timeout=30).text
    # An office's brand is not served to someone not signed in.
    assert requests.get(f"{base}/brand/{OFFICE2_ID}.css", timeout=30).status_code == 404

    # One office: that office's brand on every page, the queue included.
    mataram = http_session(base, "mataram")
    for page in ("/queue", f"/posts/{ids[OFFICE2_ID]}", "/history", "/akun"):
        name, css, logo = header(mataram.get(base + page, timeout=30).text)
        assert (name, logo) == ("KPKNL Mataram", None), page
        assert css.startswith(f"/brand/{OFFICE2_ID}.css")
    sheet = mataram.get(base + css, timeout=30)
    assert sheet.status_code == 200 and sheet.headers["Content-Type"].startswith("text/css")
    assert ".topbar { background: #7A1F2B; color: #FFFFFF; }" in sheet.text
    assert ".brand-mark { background: #FFD166; color: #7A1F2B; }" in sheet.text
    # Nor is another office's brand served to an account of one office; the 403 page of a
    # post of that office keeps the account's own brand.
    assert mataram.get(f"{base}/brand/{OFFICE_ID}.css", timeout=30).status_code == 404
    assert mataram.get(f"{base}/brand/{OFFICE_ID}/logo", timeout=30).status_code == 404
    refused_page = mataram.get(f"{base}/posts/{ids[OFFICE_ID]}", timeout=30)
    assert refused_page.status_code == 403 and header(refused_page.text)[0] == "KPKNL Mataram"

    # Several offices: the install's brand on the list, the post's office on a post.
    for who in ("dua", "kanwil"):
        s = http_session(base, who)
        assert header(s.get(f"{base}/queue", timeout=30).text)[0] == "Kanwil DJKN Nusa Tenggara"
        name, css, logo = header(s.get(f"{base}/posts/{ids[OFFICE_ID]}", timeout=30).text)
        assert name == "KPKNL Bima" and css.startswith(f"/brand/{OFFICE_ID}.css") and logo
        assert "#0B4F6C" in s.get(base + css, timeout=30).text
        served_logo = s.get(base + logo, timeout=30)
        assert served_logo.headers["Content-Type"] == "image/png"
        assert served_logo.content == (cfg.base_dir / "logo-bima.png").read_bytes()
        assert header(s.get(f"{base}/posts/{ids[OFFICE2_ID]}", timeout=30).text)[0] == (
            "KPKNL Mataram")


def test_header_text_colour_reads_on_the_brand_colour():
    from promo_pipeline.review.branding import text_on

    assert text_on("#16306B", "#14213D") == "#FFFFFF"   # dark navy: white text
    assert text_on("#F5F5F5", "#14213D") == "#14213D"   # near white: the brand's ink
    assert text_on("#F5B700", "#14213D") == "#14213D"   # amber: ink reads better


def test_an_office_without_its_own_brand_shows_its_name_in_the_installs_colours(tmp_path):
    from promo_pipeline.review.branding import brand_of, header_brand

    cfg = make_config(tmp_path)  # no [offices.brand]: the top-level [brand] is KPKNL Bima's
    mataram = accounts.User(name="m", role="reviewer", created_at="", offices=(OFFICE2_ID,))
    shown = header_brand(cfg, mataram)
    assert shown.name == "KPKNL Mataram" and shown.primary == cfg.brand.primary_color
    assert header_brand(cfg, mataram, OFFICE_ID).name == "KPKNL Bima"  # a post of Bima
    assert brand_of(cfg, "utama").name == "KPKNL Bima"
    assert header_brand(cfg, None).key == "utama"


def browser_sign_in(browser, base: str, name: str):
    """A fresh browser context signed in as *name*: (page, console errors)."""
    page = browser.new_context().new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/login")
    assert page.url.startswith(f"{base}/login"), page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Masuk')")
    assert page.url.startswith(f"{base}/queue"), (page.url, page.title())
    return page, errors


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="/usr/bin/chromium missing")
def test_the_brand_colours_and_logo_apply_in_a_real_browser(branded):
    """Under the page's strict CSP: the office stylesheet colours the bar, the logo loads."""
    from playwright.sync_api import sync_playwright

    _cfg, base, ids = branded
    bar = "getComputedStyle(document.querySelector('.topbar')).backgroundColor"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            anonymous = browser.new_context().new_page()
            anonymous.goto(f"{base}/login")
            assert anonymous.evaluate(bar) == "rgb(22, 48, 107)"  # #16306B, the Kanwil's
            page, errors = browser_sign_in(browser, base, "mataram")
            assert page.evaluate(bar) == "rgb(122, 31, 43)"  # #7A1F2B, Mataram's
            mark = "getComputedStyle(document.querySelector('.brand-mark')).backgroundColor"
            assert page.evaluate(mark) == "rgb(255, 209, 102)"
            page, more = browser_sign_in(browser, base, "kanwil")
            page.goto(f"{base}/posts/{ids[OFFICE_ID]}")
            assert page.evaluate(bar) == "rgb(11, 79, 108)"  # #0B4F6C, Bima's
            assert page.evaluate("document.querySelector('.brand-logo').naturalWidth") == 64
            assert not [e for e in errors + more if "Content Security Policy" in e]
        finally:
            browser.close()
