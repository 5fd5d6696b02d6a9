"""Review page: CSRF and cross-origin checks on *every* state-changing route, found from the
app's own URL map, so a route added later cannot be missed.

The per-case security tests (XSS in every field, cookie flags, session fixation, throttling, a
removed account, a reviewer trying admin actions, media path traversal) are in
``tests/test_review.py``; this file adds the exhaustive sweeps over ``url_map`` (CSRF and
origin, login, admin-only routes).
"""

from __future__ import annotations

import re

import pytest
from review_fixtures import add_post, make_lot, post_row
from test_review import PASSWORD, csrf_of, login, make_app

from promo_pipeline import accounts

#: Values for the URL variables the review routes use.
_ARGS = {"post_id": 1, "delivery_id": 1, "name": "budi", "user": "budi", "filename": "x.jpg",
         "path": "out/x.jpg"}


def _state_changing_rules(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.methods & {"POST", "PUT", "PATCH", "DELETE"} or rule.endpoint == "static":
            continue
        missing = set(rule.arguments) - set(_ARGS)
        assert not missing, f"add a value for {missing} of {rule.rule} to _ARGS"
        urls.append(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(_ARGS[m[1]]), rule.rule))
    return sorted(set(urls))


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    monkeypatch.setattr(accounts.users, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def setup(tmp_path, monkeypatch):
    from review_fixtures import make_config

    from promo_pipeline import database

    monkeypatch.delenv("PROMO_SECRET_KEY", raising=False)
    cfg = make_config(tmp_path)
    db = database.connect(cfg.database_path)
    accounts.add_user(db, "ani", PASSWORD, role="admin")
    accounts.add_user(db, "budi", PASSWORD, role="reviewer")
    add_post(db, cfg, make_lot(1))
    app = make_app(cfg)
    yield app, db
    db.conn.close()


def _snapshot(db) -> tuple:
    return (post_row(db, 1)["status"], post_row(db, 1)["captions"],
            sorted((u["name"], u["role"]) for u in db["users"].rows),
            db.execute("select count(*) from post_events").fetchone()[0])


def test_the_sweep_finds_the_known_routes(setup):
    app, _ = setup
    urls = _state_changing_rules(app)
    for known in ("/posts/1/approve", "/posts/1/reject", "/posts/1/caption", "/users",
                  "/logout", "/login"):
        assert known in urls
    assert len(urls) >= 9


@pytest.mark.parametrize("case", ["no token", "forged token", "forged Origin",
                                  "cross-site fetch"])
def test_every_state_changing_route_refuses_without_a_valid_same_origin_request(setup, case):
    app, db = setup
    client = app.test_client()
    assert login(client).status_code == 303
    token = csrf_of(client)
    before = _snapshot(db)
    form = {"reason": "x", "text": "<b>x</b>", "channel": "telegram", "name": "eve",
            "password": "kata-sandi-baru-panjang", "role": "admin", "template": "story",
            "decision": "sent"}
    data, headers = dict(form), {}
    if case == "forged token":
        data["csrf_token"] = "tebakan"
    elif case == "forged Origin":
        data["csrf_token"], headers["Origin"] = token, "https://evil.example"
    elif case == "cross-site fetch":
        data["csrf_token"], headers["Sec-Fetch-Site"] = token, "cross-site"
    for url in _state_changing_rules(app):
        resp = client.post(url, data=data, headers=headers)
        assert resp.status_code in (400, 403), f"{url} accepted a {case} request"
        assert _snapshot(db) == before, f"{url} changed something on a {case} request"
    # The session still works: the refusals were about the request, not a lucky logout.
    assert client.get("/queue").status_code == 200


def test_every_state_changing_route_needs_login(setup):
    app, db = setup
    client = app.test_client()
    token = csrf_of(client)  # a valid anonymous token gets nowhere either
    before = _snapshot(db)
    for url in _state_changing_rules(app):
        if url == "/login":
            continue
        resp = client.post(url, data={"csrf_token": token, "reason": "x", "text": "x",
                                      "name": "eve", "password": "kata-sandi-baru-panjang"})
        assert resp.status_code in (303, 401, 403), f"{url} answered {resp.status_code}"
        if resp.status_code == 303:
            assert resp.headers["Location"].startswith("/login"), url
        assert _snapshot(db) == before, f"{url} changed something without a login"


def test_a_reviewer_is_refused_every_admin_route(setup):
    app, db = setup
    client = app.test_client()
    assert login(client, "budi").status_code == 303
    token = csrf_of(client)
    before = _snapshot(db)
    admin_urls = [u for u in _state_changing_rules(app) if u.startswith("/users")]
    assert admin_urls
    for url in admin_urls:
        resp = client.post(url, data={"csrf_token": token, "name": "eve", "role": "admin",
                                      "password": "kata-sandi-baru-panjang"})
        assert resp.status_code == 403, f"{url} answered {resp.status_code} to a reviewer"
        assert _snapshot(db) == before
