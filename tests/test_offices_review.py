"""Reviewers scoped to offices (issue 16): an account reviews only its offices' posts.

KPKNL Bima and KPKNL Mataram share one install. ``mataram`` may review Mataram only; ``kanwil``
(an admin without offices) every office. Out of scope: the review page answers 403 and the CLI
exits 2, and the attempt is in the post's history. Real SQLite, the real page through Flask's
test client, the real ``promo`` command through click.
"""

from __future__ import annotations

import json
import re

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
    # Revalidating a copy fetched by another account on the same PC is checked again.
    etag = kanwil.get(served.base + files["bima feed"], timeout=30).headers["ETag"]
    assert mataram.get(served.base + files["bima feed"], timeout=30,
                       headers={"If-None-Match": etag}).status_code == 404
    own = mataram.get(served.base + files["mataram feed"], timeout=30)
    assert mataram.get(served.base + files["mataram feed"], timeout=30, headers={
        "If-None-Match": own.headers["ETag"]}).status_code == 304
    assert len(refused(db, posts[OFFICE_ID])) == len(events) + 2


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
