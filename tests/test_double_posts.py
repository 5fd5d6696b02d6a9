"""Issue 11's double-post paths, each counted on the fake platform: exactly one post.

The fakes accept the post and *then* fail the way Meta and Telegram do: a 5xx, Graph code 1/2
or ``is_transient``, a dropped connection, a broken TLS record. Every test runs the outbox
again (and again, with time moving on past the automatic looks) and counts what the platform
received.
"""

from __future__ import annotations

import pytest
from fake_platforms import FakePlatforms, StaticServer, add_lot, add_post
from publish_project import Sleeper, make_project

from promo_pipeline.publish.outbox import publish

pytestmark = pytest.mark.usefixtures("tokens")


def meta_error(code: int, *, transient: bool = False) -> dict:
    return {"error": {"message": "An unexpected error has occurred. Please retry your request "
                                 "later.", "type": "OAuthException", "code": code,
                      "is_transient": transient}}


def runs(p, t: Sleeper, times: int = 4) -> None:
    """Publish again and again, an hour apart: every look and every resend gets its chance."""
    for _ in range(times):
        publish(p.cfg, p.db, now=True, clock=t.clock, sleep=t.sleep, notify=False)
        t.advance(hours=1)


FACEBOOK_AFTER_ACCEPT = [
    ("after_accept", 500, meta_error(2, transient=True)),
    ("after_accept", 400, meta_error(1)),
    ("after_accept", 400, meta_error(2)),
    ("after_accept", 400, meta_error(99, transient=True)),
    ("after_accept", 500, {}),
    ("after_accept", 502, {}),
    ("after_accept", 503, {}),
]


@pytest.mark.parametrize("images", [1, 3], ids=["photo", "multi-photo feed"])
@pytest.mark.parametrize("answer", FACEBOOK_AFTER_ACCEPT,
                         ids=["500-code2", "code1", "code2", "is_transient", "500", "502", "503"])
def test_path_1_facebook_transient_answers_after_the_post_is_live(tmp_path, fake, images,
                                                                  answer):
    p = make_project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1", images=images)
    fake.expect("fb.photos" if images == 1 else "fb.feed", answer)
    t = Sleeper()
    runs(p, t)
    assert len(fake.facebook) == 1, fake.facebook
    (d,) = p.deliveries()
    assert d["status"] == "sent" and d["remote_id"] == fake.facebook[0]["id"]
    assert p.post_status(post_id) == "published"


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.parametrize("images", [1, 4], ids=["sendPhoto", "sendMediaGroup"])
def test_path_2_telegram_server_errors_after_the_message_went_out(tmp_path, fake, status,
                                                                   images):
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1", images=images)
    method = "sendPhoto" if images == 1 else "sendMediaGroup"
    fake.expect(f"telegram.{method}", ("after_accept", status, {
        "ok": False, "error_code": status, "description": "Bad Gateway"}))
    t = Sleeper()
    runs(p, t)
    assert len(fake.telegram_posts()) == 1
    (d,) = p.deliveries()
    assert d["status"] == "unconfirmed" and p.post_status(post_id) == "unconfirmed"


def test_path_3_a_tls_error_after_the_body_went_out(tmp_path, monkeypatch):
    server = FakePlatforms(tls=True).start()
    try:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
        p = make_project(tmp_path, ["telegram", "facebook"], server)
        add_lot(p.db, "lot-1")
        post_id = add_post(p.db, p.cfg, "lot-1")
        server.expect("telegram.sendPhoto", "tls_garbage_after_accept")
        server.expect("fb.photos", "tls_garbage_after_accept")
        t = Sleeper()
        runs(p, t)
        assert len(server.telegram_posts()) == 1 and len(server.facebook) == 1
        status = {d["channel"]: d["status"] for d in p.deliveries()}
        # Telegram cannot be asked: a person decides. The Page is read: found.
        assert status == {"telegram": "unconfirmed", "facebook": "sent"}
        assert "galat TLS setelah permintaan terkirim" in p.deliveries()[0]["last_error"]
        assert p.post_status(post_id) == "unconfirmed"
    finally:
        server.stop()


def test_holdout_accepted_then_502_code_2_or_dropped(tmp_path, fake):
    """Approved posts to fakes that accept each post and then answer 502, code 2 or drop the
    connection: one post received per approved post and channel; every delivery unconfirmed or
    reconciled to published — never failed with a second copy."""
    out = tmp_path / "proj" / "data" / "out"
    out.mkdir(parents=True)
    static = StaticServer(out).start()
    try:
        p = make_project(tmp_path, ["telegram", "facebook", "instagram"], fake,
                         public_base_url=static.url)
        faults = [("after_accept", 502, {"ok": False, "description": "Bad Gateway"}),
                  ("after_accept", 500, meta_error(2, transient=True)),
                  "drop_after_accept"]
        posts = []
        for i, fault in enumerate(faults * 2):
            add_lot(p.db, f"lot-{i}")
            posts.append(add_post(p.db, p.cfg, f"lot-{i}", images=1 + i % 3))
            fake.expect("telegram.sendPhoto" if i % 3 == 0 else "telegram.sendMediaGroup",
                        fault)
            fake.expect("fb.photos" if i % 3 == 0 else "fb.feed", fault)
            fake.expect("ig.media_publish", fault)
        t = Sleeper()
        fake.clock = t.seconds
        runs(p, t, times=6)
        assert len(fake.telegram_posts()) == len(posts)
        assert len(fake.facebook) == len(posts)
        assert len(fake.instagram) == len(posts)
        for channel in ("telegram", "facebook", "instagram"):
            sent = [m.get("caption") or m.get("message") for m in
                    {"telegram": fake.telegram_posts(), "facebook": fake.facebook,
                     "instagram": fake.instagram}[channel]]
            assert len(set(sent)) == len(posts), f"{channel}: a post went out twice"
        statuses = {(d["channel"], d["status"]) for d in p.deliveries()}
        assert statuses <= {("telegram", "unconfirmed"), ("facebook", "sent"),
                            ("instagram", "sent")}, statuses
        assert not [d for d in p.deliveries() if d["status"] == "failed"]
        assert fake.violations == []
    finally:
        static.stop()
