"""Review page: the personal data removed from a post's lot (what, why) and the audited restore
(``POST /posts/<id>/restore``), through Flask's test client. Issue 10, item 4.

The same flow in a real Chromium is in ``test_review_browser.py``.
"""

from __future__ import annotations

import html as htmllib
import json

import pytest
from review_fixtures import OFFICE2_ID, add_post, make_lot, post_row
from test_review import PASSWORD, csrf_of, events_of, login, make_app, post_form

from promo_pipeline import accounts, database
from promo_pipeline import queue as q

PERSONAL_TITLE = ("1 (satu) unit Sepeda Motor Honda Beat tahun 2018, Nomor Polisi EA 4321 AB, "
                  "STNK a.n. YOHANES LATUHARHARY di Kota Bima")
RESTORE = {"kind": "person_name", "text": "YOHANES LATUHARHARY",
           "reason": "pemilik meminta namanya dicantumkan", "confirm": "1"}


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    monkeypatch.setattr(accounts.users, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    from review_fixtures import make_config

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
    accounts.add_user(db, "mataram", PASSWORD, offices=[OFFICE2_ID])
    return make_app(cfg)


@pytest.fixture
def ani(app):
    client = app.test_client()
    assert login(client).status_code == 303
    return client


def page(client, pid) -> str:
    return htmllib.unescape(client.get(f"/posts/{pid}").get_data(as_text=True))


def test_the_post_page_shows_what_was_removed_and_why(ani, db, cfg):
    pid = add_post(db, cfg, make_lot(1, title=PERSONAL_TITLE, category=None))
    caps = json.loads(post_row(db, pid)["captions"])
    assert "YOHANES" not in caps["instagram"].upper() and "EA 4321 AB" in caps["instagram"]
    html = page(ani, pid)
    assert "Data pribadi yang dihapus" in html and 'id="data-pribadi"' in html
    assert "YOHANES LATUHARHARY" in html and "Nama orang" in html
    assert "UU 27/2022" in html                                   # why
    assert '<dd class="reading-headline">Honda Beat 2018</dd>' in html
    assert '<dd class="reading-title">1 (satu) unit Sepeda Motor Honda Beat tahun 2018, Nomor ' \
        'Polisi EA 4321 AB, STNK di Kota Bima</dd>' in html
    assert 'action="/posts/1/restore"' in html and "Pulihkan" in html
    # A lot without personal data has no such section.
    other = add_post(db, cfg, make_lot(2))
    assert "Data pribadi yang dihapus" not in page(ani, other)


def test_restore_only_by_an_explicit_audited_action(ani, db, cfg):
    pid = add_post(db, cfg, make_lot(1, title=PERSONAL_TITLE, category=None))
    caps = json.loads(post_row(db, pid)["captions"])
    # Typed back into a caption, the name blocks approval.
    edited = caps["instagram"] + "\nSTNK a.n. Yohanes Latuharhary"
    post_form(ani, f"/posts/{pid}/caption", {"channel": "instagram", "text": edited})
    assert post_row(db, pid)["blocking"]
    before = len(events_of(db, pid))
    # Not by accident: no confirmation, no reason, no CSRF token, or a text never removed.
    resp = post_form(ani, f"/posts/{pid}/restore", {**RESTORE, "confirm": ""},
                     follow_redirects=True)
    assert "centang konfirmasi dan tuliskan alasannya" in resp.get_data(as_text=True)
    post_form(ani, f"/posts/{pid}/restore", {**RESTORE, "reason": "  "})
    assert ani.post(f"/posts/{pid}/restore", data=RESTORE).status_code == 403
    resp = post_form(ani, f"/posts/{pid}/restore", {**RESTORE, "text": "BUDI"},
                     follow_redirects=True)
    assert "Tidak dapat dipulihkan" in resp.get_data(as_text=True)
    assert len(events_of(db, pid)) == before and post_row(db, pid)["blocking"]

    resp = post_form(ani, f"/posts/{pid}/restore", RESTORE)
    assert resp.status_code == 303 and resp.headers["Location"].endswith("#data-pribadi")
    ev = events_of(db, pid)[-1]
    assert (ev["actor"], ev["action"]) == ("ani", "restore")
    assert json.loads(ev["detail"]) == {"kind": "person_name", "text": "YOHANES LATUHARHARY"}
    assert ev["reason"] == "data pribadi dipulihkan: pemilik meminta namanya dicantumkan"
    row = post_row(db, pid)
    assert not row["blocking"]
    lint = json.loads(row["lint"])
    # Still flagged as personal data, as a warning the reviewer reads.
    assert "personal_redacted" not in {f["code"] for f in lint}
    assert [(f["channel"], f["level"]) for f in lint if f["code"] == "personal_restored"] == \
        [("instagram", "warn")]
    html = page(ani, pid)
    assert "dipulihkan</span> oleh <strong>ani</strong>" in html
    assert "adalah data pribadi yang dipulihkan peninjau" in html          # the warning
    assert "data pribadi dipulihkan: pemilik meminta namanya dicantumkan" in html   # history
    assert 'action="/posts/1/restore"' not in html     # nothing left to restore
    assert post_form(ani, f"/posts/{pid}/approve", {}).status_code == 303
    assert post_row(db, pid)["status"] == "approved"


@pytest.mark.parametrize("status", ["published", "rejected", "expired"])
def test_a_closed_post_offers_no_restore_and_refuses_one(ani, db, cfg, status):
    pid = add_post(db, cfg, make_lot(1, title=PERSONAL_TITLE, category=None), status=status)
    html = page(ani, pid)
    assert "YOHANES LATUHARHARY" in html and 'action="/posts/1/restore"' not in html
    resp = post_form(ani, f"/posts/{pid}/restore", RESTORE, follow_redirects=True)
    assert "Tidak dapat dipulihkan" in resp.get_data(as_text=True)
    assert q.restored_redactions(db, pid) == ()


def test_restore_outside_the_accounts_offices_is_refused_and_recorded(app, db, cfg):
    pid = add_post(db, cfg, make_lot(1, title=PERSONAL_TITLE, category=None))   # office 1
    client = app.test_client()
    assert login(client, "mataram").status_code == 303
    token = csrf_of(client)
    resp = client.post(f"/posts/{pid}/restore", data={**RESTORE, "csrf_token": token})
    assert resp.status_code == 403
    assert q.restored_redactions(db, pid) == ()
    (event,) = [e for e in q.events(db, post_id=pid) if e.action == "refused"]
    assert event.actor == "mataram" and event.detail["attempted"] == "restore"


def test_the_form_fields_are_bounded(ani, db, cfg):
    pid = add_post(db, cfg, make_lot(1, title=PERSONAL_TITLE, category=None))
    resp = post_form(ani, f"/posts/{pid}/restore", {**RESTORE, "reason": "x" * 1001})
    assert resp.status_code == 413
    assert q.restored_redactions(db, pid) == ()
