"""Logging in to the review page: backoff instead of lockout, per address and per account, the
trusted reverse proxy's forwarded address, and where the page may send a browser after login.

The rules are :mod:`promo_pipeline.accounts`' (``login_wait``, ``record_failure``,
``record_success``); these tests drive them through the page (Flask's test client, a real SQLite
file) with the one injectable clock, so a wait can be stepped over without sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from review_fixtures import add_post, make_config, make_lot
from test_review import PASSWORD, csrf_of, fast_hashes, make_app  # noqa: F401

from promo_pipeline import accounts, clock, database

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def step(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def now():
    source = Clock()
    with clock.use(source):
        yield source


def _setup(tmp_path, monkeypatch, **review):
    monkeypatch.delenv("PROMO_SECRET_KEY", raising=False)
    cfg = make_config(tmp_path, **review)
    db = database.connect(cfg.database_path)
    accounts.add_user(db, "ani", PASSWORD, role="admin")
    accounts.add_user(db, "budi", PASSWORD, role="reviewer")
    return cfg, db, make_app(cfg)


@pytest.fixture
def site(tmp_path, monkeypatch, now):
    cfg, db, app = _setup(tmp_path, monkeypatch)
    yield cfg, db, app
    db.conn.close()


@pytest.fixture
def proxied(tmp_path, monkeypatch, now):
    cfg, db, app = _setup(tmp_path, monkeypatch, trusted_proxies=["10.0.0.1", "fd00::/8"])
    yield cfg, db, app
    db.conn.close()


def attempt(app, name, password, *, addr="127.0.0.1", forwarded=None):
    client = app.test_client()
    env = {"REMOTE_ADDR": addr}
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    token = csrf_of(client)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token},
                       environ_base=env, headers=headers)


def rows(db, scope):
    return {r[0]: r[1] for r in db.execute(
        "select key, failures from login_failures where scope = ?", [scope])}


# --- backoff -------------------------------------------------------------------------------


def test_failures_back_off_per_address_and_the_right_password_works_after_the_wait(site, now):
    cfg, db, app = site
    free = cfg.review.max_login_failures
    for _ in range(free - 1):
        assert attempt(app, "ani", "salah-salah").status_code == 401
    # The last free failure starts a wait of one second: the next try is not even checked.
    assert attempt(app, "ani", "salah-salah").status_code == 401
    resp = attempt(app, "ani", PASSWORD)
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "1"
    text = resp.get_data(as_text=True)
    assert "Kata sandi belum diperiksa; coba lagi dalam 1 detik" in text
    assert "dari alamat ini" in text
    # After the wait the right password is accepted: a wait, never a lockout.
    now.step(seconds=1.5)
    assert attempt(app, "ani", PASSWORD).status_code == 303
    # Each failure past the free ones doubles the wait.
    addr = "10.9.9.9"
    for _ in range(free - 1):
        assert attempt(app, "budi", "salah-salah", addr=addr).status_code == 401
    observed = []
    for _ in range(4):
        assert attempt(app, "budi", "salah-salah", addr=addr).status_code == 401
        wait = accounts.login_wait(db, "budi", addr)
        assert wait is not None and wait.scope == accounts.ADDRESS
        observed.append(wait.seconds(now.now))
        now.step(seconds=observed[-1])
    assert observed == [1, 2, 4, 8]
    assert attempt(app, "budi", PASSWORD, addr=addr).status_code == 303


def test_the_wait_never_exceeds_lockout_minutes_and_failures_are_forgotten(site, now):
    cfg, db, app = site
    for _ in range(40):
        attempt(app, "ani", "salah-salah", addr="192.0.2.7")
        wait = accounts.login_wait(db, "ani", "192.0.2.7")
        if wait is not None:
            assert wait.until - now.now <= timedelta(minutes=cfg.review.lockout_minutes)
            now.now = wait.until + timedelta(seconds=1)
    # A quiet spell as long as the longest wait wipes the slate.
    now.step(minutes=cfg.review.lockout_minutes + 1)
    assert attempt(app, "ani", "salah-salah", addr="192.0.2.7").status_code == 401
    assert rows(db, "address")["192.0.2.7"] == 1


def test_guessing_one_account_from_many_addresses_is_slowed_for_unknown_addresses(site, now):
    cfg, db, app = site
    # Ani logs in from her office PC once: that address is known to her account from now on.
    assert attempt(app, "ani", PASSWORD, addr="192.168.1.20").status_code == 303
    # An attacker guesses her password from many addresses (one try each: no address waits).
    for i in range(cfg.review.max_login_failures):
        assert attempt(app, "ani", f"tebakan-{i}", addr=f"198.51.100.{i}").status_code == 401
    wait = accounts.login_wait(db, "ani", "198.51.100.250")
    assert wait is not None and wait.scope == accounts.ACCOUNT
    # A new address must wait, even with the right password (it is not checked)...
    resp = attempt(app, "ani", PASSWORD, addr="198.51.100.250")
    assert resp.status_code == 429
    assert "untuk akun ini" in resp.get_data(as_text=True)
    # ...but Ani at her known address is never kept out by what happens elsewhere.
    assert attempt(app, "ani", PASSWORD, addr="192.168.1.20").status_code == 303
    # Another account is not affected at all.
    assert attempt(app, "budi", PASSWORD, addr="198.51.100.251").status_code == 303


def test_spraying_many_names_from_one_address_is_limited_and_stores_no_names(site, now):
    _cfg, db, app = site
    refused = 0
    for i in range(30):
        status = attempt(app, f"orang{i}", "kata-sandi-umum", addr="203.0.113.66").status_code
        refused += status == 429
        assert status in (401, 429)
    assert refused > 0
    # Unknown names leave no rows (the table cannot be filled with made-up names).
    assert rows(db, "account") == {}
    assert rows(db, "address") == {"203.0.113.66": 30 - refused}
    # Budi, elsewhere, logs in.
    assert attempt(app, "budi", PASSWORD, addr="203.0.113.67").status_code == 303


def test_removing_an_account_forgets_its_failures_and_addresses(site, now):
    _cfg, db, app = site
    assert attempt(app, "budi", PASSWORD, addr="192.0.2.1").status_code == 303
    attempt(app, "budi", "salah-salah", addr="192.0.2.2")
    assert rows(db, "account") == {"budi": 1}
    accounts.remove_user(db, "budi", actor="ani")
    assert rows(db, "account") == {}
    assert db.execute("select count(*) from login_known").fetchone()[0] == 0


# --- behind a reverse proxy ----------------------------------------------------------------


def test_forwarded_address_is_believed_only_from_a_trusted_proxy(proxied, now):
    cfg, db, app = proxied
    free = cfg.review.max_login_failures
    for _ in range(free):
        attempt(app, "ani", "salah-salah", addr="10.0.0.1", forwarded="203.0.113.9")
    # The attacker behind the proxy waits; a colleague behind the same proxy does not.
    assert attempt(app, "ani", PASSWORD, addr="10.0.0.1",
                   forwarded="203.0.113.9").status_code == 429
    assert attempt(app, "budi", PASSWORD, addr="10.0.0.1",
                   forwarded="192.168.5.5").status_code == 303
    assert set(rows(db, "address")) == {"203.0.113.9"}
    # The proxy appends the peer it saw; addresses the client wrote itself are not believed.
    resp = attempt(app, "budi", PASSWORD, addr="10.0.0.1",
                   forwarded="192.168.5.5, 203.0.113.9")
    assert resp.status_code == 429
    # A chain of trusted proxies (IPv6 network) is walked from the right.
    assert attempt(app, "budi", PASSWORD, addr="fd00::2",
                   forwarded="192.168.5.6, 10.0.0.1").status_code == 303
    # A malformed entry: only the proxy itself is believed.
    attempt(app, "budi", "salah-salah", addr="10.0.0.1", forwarded="bukan-alamat")
    assert "10.0.0.1" in rows(db, "address")


def test_a_client_that_is_no_trusted_proxy_cannot_pick_its_address(site, now):
    cfg, db, app = site  # no trusted proxies configured
    for i in range(cfg.review.max_login_failures):
        attempt(app, "ani", "salah-salah", addr="198.51.100.7", forwarded=f"192.0.2.{i}")
    assert set(rows(db, "address")) == {"198.51.100.7"}
    assert attempt(app, "ani", PASSWORD, addr="198.51.100.7",
                   forwarded="192.0.2.200").status_code == 429


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path):
    from promo_pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match=r"review.trusted_proxies\[1\]"):
        make_config(tmp_path, trusted_proxies=["10.0.0.1", "proxy.kantor"])


# --- where login sends the browser ---------------------------------------------------------

EVIL_NEXT = [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example/x", "/\n/evil.example", "\t//evil.example", " //evil.example",
    "/\r\n/evil.example", "/%09/evil.example", "http:evil.example", "javascript:alert(1)",
    "/\x00/evil.example", "/ok\r\nSet-Cookie: x=1", "\x7f//evil.example", "/\\/evil.example",
    "/login?next=//evil.example", "x" * 5000,
]


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_login_never_redirects_off_site(site, evil):
    _cfg, _db, app = site
    client = app.test_client()
    token = csrf_of(client)
    resp = client.post("/login", data={"name": "ani", "password": PASSWORD,
                                       "csrf_token": token, "next": evil})
    assert resp.status_code == 303
    location = resp.headers["Location"]
    # What the browser would do with the Location: strip tabs and line breaks, read \ as /.
    browser = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    assert browser.startswith("/") and not browser.startswith("//"), location
    # Already logged in, GET /login?next=... too.
    resp = client.get("/login", query_string={"next": evil})
    assert resp.status_code == 303
    location = resp.headers["Location"]
    assert location.startswith("/") and not location.replace("\t", "").startswith("//")


def test_login_redirect_keeps_a_local_target(site):
    cfg, db, app = site
    add_post(db, cfg, make_lot(1))
    client = app.test_client()
    resp = client.get("/posts/1?x=1")
    assert resp.status_code == 303
    target = resp.headers["Location"]
    assert "next=" in target
    token = csrf_of(client)
    resp = client.post(target, data={"name": "ani", "password": PASSWORD, "csrf_token": token})
    assert resp.headers["Location"] == "/posts/1?x=1"


def test_raw_request_with_an_encoded_tab_gets_a_safe_location(site):
    _cfg, _db, app = site
    client = app.test_client()
    token = csrf_of(client)
    client.post("/login", data={"name": "ani", "password": PASSWORD, "csrf_token": token})
    for raw in ("/login?next=/%09/evil.example/x", "/login?next=/%0a/evil.example",
                "/login?next=%0d%0aLocation:%20//evil.example", "/login?next=/%5Cevil.example"):
        resp = client.get(raw)
        assert resp.status_code == 303, raw
        assert resp.headers["Location"] == "/queue", raw
