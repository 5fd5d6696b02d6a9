"""The Facebook channel against the fake Graph API on 127.0.0.1 (tests/fake_graph.py): photo
posts, throttling that waits without using a retry, and uncertain posts looked up on the Page.
"""

from __future__ import annotations

import json

import pytest
from fake_platforms import add_lot, add_post
from publish_project import Sleeper, make_project, with_publish

from promo_pipeline.publish.outbox import publish
from promo_pipeline.publish.resolve import resolve_unconfirmed

CODE_2 = {"error": {"message": "An unexpected error has occurred. Please retry your request "
                               "later.", "type": "OAuthException", "code": 2,
                    "is_transient": True}}


pytestmark = pytest.mark.usefixtures("tokens")


def run(p, t: Sleeper, **kw):
    return publish(p.cfg, p.db, now=True, clock=t.clock, sleep=t.sleep, notify=False, **kw)


def test_photo_post(tmp_path, fake):
    p = make_project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.sent == 1 and fake.violations == []
    (post,) = fake.facebook
    assert post["page"] == "pg100" and "Rp98.500.000" in post["message"]
    assert summary.outcomes[0].remote_id == post["id"]
    assert summary.outcomes[0].remote_url == f"https://www.facebook.com/{post['id']}"
    assert fake.graph_versions == {"v26.0"}


def test_multi_photo_post_is_one_post(tmp_path, fake):
    p = make_project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1", images=3)
    assert publish(p.cfg, p.db, now=True, notify=False).sent == 1
    (post,) = fake.facebook
    assert len(post["photos"]) == 3 and len(fake.fb_unpublished) == 3
    (d,) = p.deliveries()
    assert len(json.loads(d["checkpoint"])["photo_ids"]) == 3


def test_expired_token_fails_with_plain_reason(tmp_path, fake, monkeypatch):
    monkeypatch.setenv("PROMO_FACEBOOK_TOKEN", "EAA-expired-SECRET-value")
    p = make_project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "failed"
    assert "token akses kedaluwarsa" in d["last_error"] and "190/463" in d["last_error"]
    assert "PROMO_FACEBOOK_TOKEN" in d["last_error"]
    assert "expired-SECRET" not in d["last_error"]
    assert p.post_status(post_id) == "failed" and fake.facebook == []


def test_page_limit_waits_for_the_window_without_using_a_retry(tmp_path, fake):
    """Throttles move the delivery to when Meta says the window opens (its business-use-case
    header, else an hour) and never use the retry budget: more throttles than
    ``publish.retries`` and the post still goes out."""
    from datetime import datetime, timedelta

    p = make_project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    limit = {"error": {"message": "(#32) Page request limit reached", "code": 32,
                       "type": "OAuthException"}}
    usage = json.dumps({"pg100": [{"type": "pages", "call_count": 100,
                                   "estimated_time_to_regain_access": 7}]})
    fake.expect("fb.photos", ("error", 400, limit, {"x-business-use-case-usage": usage}),
                *[("error", 400, limit)] * 4)
    t = Sleeper()
    for i in range(5):
        summary = run(p, t)
        (d,) = p.deliveries()
        assert d["status"] == "queued" and "batas permintaan Halaman" in d["last_error"]
        assert d["failures"] == 0 and summary.waiting == 1 and fake.facebook == []
        wait = datetime.fromisoformat(d["next_attempt_at"]) - t.now
        assert wait == timedelta(minutes=7) if i == 0 else wait == timedelta(hours=1)
        t.advance(seconds=wait.total_seconds() + 1)
    assert run(p, t).sent == 1 and len(fake.facebook) == 1


@pytest.mark.parametrize("answer", [("after_accept", 500, CODE_2), ("after_accept", 502, {}),
                                    "drop_after_accept"])
def test_an_uncertain_post_is_found_on_the_page(tmp_path, fake, answer):
    """The Page accepted the photo post and then answered 500 / code 2, 502, or dropped the
    connection: unconfirmed, then found by reading the Page — sent, never a second copy."""
    p = make_project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.expect("fb.photos", answer)
    t = Sleeper()
    first = run(p, t)
    assert first.unconfirmed == 1 and len(fake.facebook) == 1
    (d,) = p.deliveries()
    assert d["status"] == "unconfirmed" and "diperiksa otomatis" in d["last_error"]
    assert p.post_status(post_id) == "unconfirmed"
    t.advance(seconds=61)
    run(p, t)  # too early to believe "not there" — but it is there: found at once
    (d,) = p.deliveries()
    assert d["status"] == "sent" and d["remote_id"] == fake.facebook[0]["id"]
    assert p.post_status(post_id) == "published"
    assert len(fake.facebook) == 1 and fake.violations == []


def test_a_post_that_did_not_go_out_is_sent_again_after_the_page_was_read(tmp_path, fake):
    p = make_project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.expect("fb.photos", ("error", 503, CODE_2))  # refused before anything was written
    t = Sleeper()
    run(p, t)
    (d,) = p.deliveries()
    assert d["status"] == "unconfirmed" and fake.facebook == []
    t.advance(seconds=120)
    assert run(p, t).sent == 0  # not on the Page yet, but a late post is still possible
    assert p.deliveries()[0]["status"] == "unconfirmed"
    t.advance(minutes=10)
    summary = run(p, t)
    assert summary.sent == 1 and len(fake.facebook) == 1
    (d,) = p.deliveries()
    assert d["status"] == "sent" and d["failures"] == 1 and d["attempts"] == 2
    assert p.post_status(post_id) == "published"


def test_multi_photo_feed_post_lost_after_code_2_is_found(tmp_path, fake):
    p = make_project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1", images=3)
    fake.expect("fb.feed", ("after_accept", 500, CODE_2))
    t = Sleeper()
    run(p, t)
    t.advance(minutes=11)
    run(p, t)
    (d,) = p.deliveries()
    assert d["status"] == "sent" and d["remote_id"] == fake.facebook[0]["id"]
    assert len(fake.facebook) == 1 and len(fake.fb_unpublished) == 3


def test_duplicate_post_answer_means_look_at_the_page(tmp_path, fake):
    p = make_project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    fake.expect("fb.photos", ("after_accept", 400, {"error": {
        "message": "(#506) Duplicate status message", "code": 506, "type": "OAuthException"}}))
    t = Sleeper()
    run(p, t)
    (d,) = p.deliveries()
    assert d["status"] == "unconfirmed" and "unggahan kembar" in d["last_error"]
    t.advance(minutes=2)
    run(p, t)
    assert p.deliveries()[0]["status"] == "sent" and len(fake.facebook) == 1


def test_a_human_resend_reads_the_page_first(tmp_path, fake):
    """A reviewer asks to send again while the post is in fact live: the Page is read before
    anything is sent, and nothing is posted twice."""
    p = make_project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.expect("fb.photos", "drop_after_accept")
    t = Sleeper()
    run(p, t)
    (d,) = p.deliveries()
    resolve_unconfirmed(p.db, d["id"], sent=False, actor="sari")
    assert run(p, t).sent == 1
    assert len(fake.facebook) == 1 and p.post_status(post_id) == "published"
    assert p.deliveries()[0]["remote_id"] == fake.facebook[0]["id"]


def test_unpublished_photos_older_than_a_day_are_uploaded_again(tmp_path, fake):
    p = make_project(tmp_path, ["facebook"], fake)
    p.cfg = with_publish(p.cfg, max_wait=1)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1", images=2)
    t = Sleeper()
    fake.clock = t.seconds
    fake.expect("fb.feed", ("error", 400, {"error": {
        "message": "(#4) Application request limit reached", "code": 4}}))
    run(p, t)
    first_ids = json.loads(p.deliveries()[0]["checkpoint"])["photo_ids"]
    t.advance(hours=25)
    assert run(p, t).sent == 1
    assert len(fake.facebook) == 1
    (d,) = p.deliveries()
    again = json.loads(d["checkpoint"])["photo_ids"]
    assert len(again) == 2 and not set(again) & set(first_ids)
    assert len(fake.fb_unpublished) == 4 and fake.violations == []
