"""The Instagram channel against the fake Graph API on 127.0.0.1 (tests/fake_graph.py).

Instagram fetches the image from ``public_base_url`` itself (a StaticServer over ``output_dir``
here, as the README tells the IT officer to set up). Containers, their status, expiry, the
24-hour publishing limit and Instagram's limits are as strict as Meta documents them.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from fake_platforms import INSTAGRAM_LOGIN_TOKEN, FakePlatforms, add_lot, add_post
from publish_project import Sleeper, make_project, with_publish

from promo_pipeline.publish.channels.instagram import InstagramSettings
from promo_pipeline.publish.outbox import publish
from promo_pipeline.publish.resolve import resolve_unconfirmed


def limit_error(code: int, sub: int, message: str = "x") -> tuple:
    return ("error", 400, {"error": {"message": message, "type": "OAuthException",
                                     "code": code, "error_subcode": sub}})


pytestmark = pytest.mark.usefixtures("tokens")


def ig(tmp_path, fake, static, **kw):
    p = make_project(tmp_path, ["instagram"], fake, public_base_url=static.url, **kw)
    add_lot(p.db, "lot-1", ends_in=timedelta(days=5))
    return p


def run(p, t: Sleeper):
    return publish(p.cfg, p.db, now=True, clock=t.clock, sleep=t.sleep, notify=False)


def test_single_image_stores_the_media_id_and_permalink(tmp_path, fake, static, t):
    p = ig(tmp_path, fake, static)
    add_post(p.db, p.cfg, "lot-1")
    summary = run(p, t)
    assert summary.sent == 1, p.deliveries()
    assert fake.violations == []
    (media,) = fake.instagram
    assert "Rp98.500.000" in media["caption"]
    assert summary.outcomes[-1].remote_id == media["id"]
    assert summary.outcomes[-1].remote_url == media["permalink"]
    calls = [c for c in fake.calls if c.startswith(("GET ig.content", "POST ig"))]
    assert calls[0] == "GET ig.content_publishing_limit"  # the limit is read, not assumed
    assert calls.count("POST ig.media") == 1 and calls.count("POST ig.media_publish") == 1


def test_carousel(tmp_path, fake, static, t):
    p = ig(tmp_path, fake, static)
    add_post(p.db, p.cfg, "lot-1", images=3)
    assert run(p, t).sent == 1
    (media,) = fake.instagram
    assert len(media["images"]) == 3 and fake.violations == []
    (d,) = p.deliveries()
    cp = json.loads(d["checkpoint"])
    assert len(cp["children"]) == 3 and cp["container_id"] == media["container"]


def test_status_is_polled_at_the_documented_cadence(tmp_path, fake, static, t):
    """Meta: query a container's status once a minute, for at most five minutes. Between
    checks the delivery waits in the outbox (not a failure); after five checks a retry is
    counted and the container is kept."""
    assert (InstagramSettings().poll_interval, InstagramSettings().poll_max) == (60.0, 5)
    p = ig(tmp_path, fake, static)
    section = InstagramSettings(user_id="igu200", api_base=fake.graph_url,
                                public_base_url=static.url)
    p.cfg = with_publish(p.cfg, sections={"instagram": section}, max_wait=600)
    add_post(p.db, p.cfg, "lot-1")
    fake.ig_in_progress_polls = 3
    assert run(p, t).sent == 1
    assert t.delays == [60.0, 60.0, 60.0] and fake.violations == []
    (d,) = p.deliveries()
    assert d["failures"] == 0 and d["attempts"] == 4

    # A container that stays IN_PROGRESS: every five checks use one retry; the container is
    # never made again, and the delivery fails once publish.retries (3) are used up.
    add_lot(p.db, "lot-2")
    add_post(p.db, p.cfg, "lot-2")
    fake.expect("ig.container", "stuck")
    t.delays.clear()
    run(p, t)
    d = p.deliveries()[1]
    assert d["status"] == "failed" and d["failures"] == 4 and d["attempts"] == 20
    assert "IN_PROGRESS" in d["last_error"] and set(t.delays) == {60.0}
    assert len(fake.containers) == 2 and len(fake.instagram) == 1


def test_lost_publish_answer_is_settled_by_the_container(tmp_path, fake, static, t):
    """media_publish answered nothing, but the container says PUBLISHED: sent, with the media
    id insights need (read back from the account's media), not the container's id."""
    p = ig(tmp_path, fake, static, timeout=1.5)
    fake.hang_seconds = 4.0
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.expect("ig.media_publish", "hang_after_accept")
    summary = run(p, t)
    assert summary.sent == 1 and len(fake.instagram) == 1
    (d,) = p.deliveries()
    assert d["remote_id"] == fake.instagram[0]["id"] and not d["remote_id"].startswith("container")
    assert d["remote_url"] == fake.instagram[0]["permalink"]
    assert p.post_status(post_id) == "published" and fake.violations == []


def test_unconfirmed_publish_is_looked_up_later_and_a_resend_reuses_the_container(
        tmp_path, fake, static, t):
    p = ig(tmp_path, fake, static, timeout=1.5)
    fake.hang_seconds = 4.0
    post_id = add_post(p.db, p.cfg, "lot-1")
    # The publish answer is lost and the status check afterwards fails too: unconfirmed.
    fake.expect("ig.media_publish", "hang_after_accept")
    fake.expect("ig.node", "ok", ("error", 500, {"error": {"message": "x", "code": 2}}))
    run(p, t)
    (d,) = p.deliveries()
    assert d["status"] == "unconfirmed" and len(fake.instagram) == 1
    assert d["next_attempt_at"] is not None  # Instagram can be asked: looked up again
    # A reviewer asks to send again before the look: the container says it went out.
    resolve_unconfirmed(p.db, d["id"], sent=False, actor="sari")
    assert run(p, t).sent == 1
    assert len(fake.instagram) == 1 and len(fake.containers) == 1
    assert fake.violations == [] and p.post_status(post_id) == "published"
    assert p.deliveries()[0]["remote_id"] == fake.instagram[0]["id"]


def test_a_full_daily_limit_waits_for_the_window_not_the_retry_budget(tmp_path, fake, static,
                                                                     t):
    """50/50 posts in the rolling 24 hours: no container is made, no attempt is used; the
    delivery is checked again at least hourly and goes out when a place frees."""
    p = ig(tmp_path, fake, static)
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.ig_quota_base = 50
    for _ in range(6):  # six hours of a full limit: never failed
        run(p, t)
        (d,) = p.deliveries()
        assert d["status"] == "queued" and "50/50" in d["last_error"]
        assert d["attempts"] == 0 and d["failures"] == 0
        assert datetime.fromisoformat(d["next_attempt_at"]) - t.now == timedelta(hours=1)
        t.advance(hours=1)
    assert fake.containers == {} and fake.instagram == []
    fake.ig_quota_base = 49
    assert run(p, t).sent == 1 and p.post_status(post_id) == "published"


def test_the_window_follows_our_own_oldest_post(tmp_path, fake, static, t):
    p = ig(tmp_path, fake, static)
    fake.ig_quota_total = 2
    for lot in ("lot-1", "lot-2", "lot-3"):
        add_lot(p.db, lot)
        add_post(p.db, p.cfg, lot)
        run(p, t)
        t.advance(minutes=30)
    waiting = p.deliveries()[2]
    assert waiting["status"] == "queued" and waiting["attempts"] == 0
    # Our first post leaves the window 24 h after it went out (re-checked hourly until then).
    t.advance(hours=23)
    run(p, t)
    assert p.deliveries()[2]["status"] == "sent" and len(fake.instagram) == 3


def test_limit_reached_at_media_publish_waits_and_keeps_the_container(tmp_path, fake, static,
                                                                       t):
    p = ig(tmp_path, fake, static)
    p.cfg = with_publish(p.cfg, max_wait=120)
    add_post(p.db, p.cfg, "lot-1")
    fake.expect("ig.media_publish", limit_error(9, 2207042, "Application request limit"),
                limit_error(9007, 2207027, "Media ID is not available"))
    run(p, t)
    (d,) = p.deliveries()
    assert d["status"] == "queued" and d["failures"] == 0
    assert "batas harian unggahan" in d["last_error"]
    t.advance(hours=1, seconds=1)
    assert run(p, t).sent == 1  # not ready (9007) waits too, then goes out
    assert len(fake.containers) == 1 and len(fake.instagram) == 1
    assert p.deliveries()[0]["failures"] == 0


@pytest.mark.parametrize(("caption", "why"), [
    ("Lelang " + "x" * 2200, "2.20"),
    (" ".join(f"#tag{i}" for i in range(31)) + " https://lelang.go.id/x", "31 tagar"),
    (" ".join(f"@akun{i}" for i in range(21)) + " https://lelang.go.id/x", "21 sebutan"),
])
def test_an_edited_caption_over_instagrams_limits_is_never_sent(tmp_path, fake, static, t,
                                                                caption, why):
    p = ig(tmp_path, fake, static)
    post_id = add_post(p.db, p.cfg, "lot-1", caption=caption)
    run(p, t)
    (d,) = p.deliveries()
    assert d["status"] == "failed" and "diblokir sebelum dikirim" in d["last_error"]
    assert why in d["last_error"]
    assert [c for c in fake.calls if c.startswith("POST")] == []
    assert p.post_status(post_id) == "failed"


def test_refuses_story_only_posts_before_any_call(tmp_path, fake, static, t):
    p = ig(tmp_path, fake, static)
    post_id = add_post(p.db, p.cfg, "lot-1", images=0, story=True)
    run(p, t)
    (d,) = p.deliveries()
    assert d["status"] == "failed" and "4:5" in d["last_error"]
    assert fake.containers == {} and p.post_status(post_id) == "failed"


def test_unreachable_image_fails_with_the_platform_reason(tmp_path, fake, t):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    p = make_project(tmp_path, ["instagram"], fake, public_base_url=dead)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    run(p, t)
    (d,) = p.deliveries()
    assert d["status"] == "failed" and "could not be fetched" in d["last_error"]
    assert "public_base_url" in d["last_error"] and p.post_status(post_id) == "failed"


def test_a_failed_container_shows_its_status_and_is_made_again_when_that_can_help(
        tmp_path, fake, static, t):
    p = ig(tmp_path, fake, static)
    add_post(p.db, p.cfg, "lot-1")
    fake.expect("ig.container", ("error", "-2/2207003"))  # a download timeout: try again
    assert run(p, t).sent == 1
    assert len(fake.containers) == 2 and len(fake.instagram) == 1
    from promo_pipeline.publish import delivery_events

    notes = " ".join(e["note"] or "" for e in delivery_events(p.db, p.deliveries()[0]["id"]))
    assert "ERROR: -2/2207003" in notes and "mengunduh gambar habis" in notes

    add_lot(p.db, "lot-2")
    add_post(p.db, p.cfg, "lot-2")
    fake.expect("ig.container", ("error", "25/2207050"))  # the account is restricted
    run(p, t)
    d = p.deliveries()[1]
    assert d["status"] == "failed" and "25/2207050" in d["last_error"]
    assert "tidak aktif" in d["last_error"] and len(fake.instagram) == 1


def test_containers_older_than_instagram_keeps_them_are_made_again(tmp_path, fake, static, t):
    """Child containers expire after 24 h: a resend a day later makes new ones instead of
    failing with 2207020."""
    p = ig(tmp_path, fake, static)
    p.cfg = with_publish(p.cfg, max_wait=1)
    add_post(p.db, p.cfg, "lot-1", images=3)
    fake.expect("ig.media_publish", limit_error(4, 2207051, "restricted"))
    run(p, t)
    (d,) = p.deliveries()
    assert d["status"] == "failed" and "dicurigai spam" in d["last_error"]
    assert d["attempts"] == 1  # suspected spam is never retried by itself
    old = set(json.loads(d["checkpoint"])["children"])
    t.advance(hours=25)
    resolve_unconfirmed(p.db, d["id"], sent=False, actor="sari")
    assert run(p, t).sent == 1
    new = set(json.loads(p.deliveries()[0]["checkpoint"])["children"])
    assert len(new) == 3 and not new & old
    assert fake.violations == [] and len(fake.instagram) == 1


@pytest.mark.parametrize(("code", "sub"), [(-1, 2207001), (-2, 2207003), (-1, 2207032)])
def test_documented_try_again_errors_are_retried(tmp_path, fake, static, t, code, sub):
    p = ig(tmp_path, fake, static)
    add_post(p.db, p.cfg, "lot-1")
    fake.expect("ig.media", limit_error(code, sub))
    assert run(p, t).sent == 1
    (d,) = p.deliveries()
    assert d["failures"] == 1 and len(fake.instagram) == 1


def test_token_kinds_per_host(tmp_path, static, t, monkeypatch):
    """graph.instagram.com takes Instagram Login tokens only: a Facebook Login token there
    fails with code 190, and the reason says which token or host to use."""
    server = FakePlatforms(graph_host="instagram").start()
    try:
        server.clock = t.seconds
        p = ig(tmp_path, server, static)
        add_post(p.db, p.cfg, "lot-1")
        run(p, t)
        (d,) = p.deliveries()
        assert d["status"] == "failed" and "Cannot parse access token" in d["last_error"]
        assert "PROMO_INSTAGRAM_TOKEN" in d["last_error"]
        monkeypatch.setenv("PROMO_INSTAGRAM_TOKEN", INSTAGRAM_LOGIN_TOKEN)
        resolve_unconfirmed(p.db, d["id"], sent=False, actor="sari")
        assert run(p, t).sent == 1 and len(server.instagram) == 1
    finally:
        server.stop()


def test_an_edited_caption_over_the_limits_cannot_be_approved(tmp_path, fake, static, t):
    """The same limits are blocking lint findings: an Instagram caption edited to 31 hashtags
    goes back to review and cannot be approved."""
    from promo_pipeline import queue
    from promo_pipeline.errors import TransitionError

    p = ig(tmp_path, fake, static)
    post_id = add_post(p.db, p.cfg, "lot-1")
    tags = " ".join(f"#tag{i}" for i in range(31))
    post = queue.edit_caption(p.db, p.cfg, post_id, "instagram", f"Lelang tanah {tags}",
                              actor="sari")
    assert post.status == "pending" and post.blocked
    found = [f for f in post.lint if f["code"] == "too_many_hashtags"]
    assert found and found[0]["level"] == "block" and found[0]["channel"] == "instagram"
    with pytest.raises(TransitionError, match="belum bisa disetujui"):
        queue.approve(p.db, post_id, actor="sari")
