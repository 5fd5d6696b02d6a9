"""Each publishing channel against fake platforms on 127.0.0.1 (tests/fake_platforms.py).

The fakes check what a real platform would: a valid JPEG upload, captions within the limits,
the token; Instagram fetches the image from ``public_base_url`` itself (a StaticServer over
``output_dir`` here, as the README tells the IT officer to set up).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from fake_platforms import (
    FACEBOOK_TOKEN,
    INSTAGRAM_TOKEN,
    TELEGRAM_TOKEN,
    FakePlatforms,
    Project,
    StaticServer,
    add_lot,
    add_post,
    make_jpeg,
    write_config,
)

from promo_pipeline.config.secrets import Redactor
from promo_pipeline.errors import (
    PermanentPublishError,
    RetryablePublishError,
    UnconfirmedPublishError,
)
from promo_pipeline.publish import graph, transport
from promo_pipeline.publish.media import feed_images
from promo_pipeline.publish.outbox import publish
from promo_pipeline.publish.telegram_bot import split_text, utf16_len


@pytest.fixture
def fake():
    server = FakePlatforms().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def tokens(monkeypatch):
    monkeypatch.setenv("PROMO_TELEGRAM_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("PROMO_FACEBOOK_TOKEN", FACEBOOK_TOKEN)
    monkeypatch.setenv("PROMO_INSTAGRAM_TOKEN", INSTAGRAM_TOKEN)
    monkeypatch.delenv("PROMO_CRASH_AT", raising=False)


def project(tmp_path: Path, channels: list[str], fake: FakePlatforms, **kw) -> Project:
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    return Project(root, write_config(root, channels=channels, fake_url=fake.url, **kw))


@pytest.fixture
def static(tmp_path):
    out = tmp_path / "proj" / "data" / "out"
    out.mkdir(parents=True)
    server = StaticServer(out).start()
    yield server
    server.stop()


def long_caption(n: int) -> str:
    para = ("Lelang resmi KPKNL Bima: sebidang tanah SHM di Kota Bima, nilai limit "
            "Rp98.500.000, uang jaminan Rp20.000.000. ")
    text = ""
    while len(text) < n:
        text += para + "\n\n"
    return text[:n].rstrip() + " https://lelang.go.id/kpknl/off-bima/detail-auction/lot-1"


# --- Telegram ---------------------------------------------------------------------------------


def test_telegram_single_photo(tmp_path, fake):
    p = project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.sent == 1 and fake.violations == []
    (msg,) = fake.telegram
    assert msg["method"] == "sendPhoto" and msg["chat_id"] == "@kpknlbima"
    assert "Rp98.500.000" in msg["caption"]
    # The feed image went out, not the story (9:16) one.
    feed = (p.cfg.output_dir / "render/lot-1/feed-0.jpg").read_bytes()
    import hashlib

    assert msg["photos"] == [hashlib.sha256(feed).hexdigest()]
    assert summary.outcomes[0].remote_url == "https://t.me/kpknlbima/1"


def test_telegram_carousel_uses_send_media_group(tmp_path, fake):
    p = project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1", images=4)
    assert publish(p.cfg, p.db, now=True, notify=False).sent == 1
    (msg,) = fake.telegram
    assert msg["method"] == "sendMediaGroup" and len(msg["photos"]) == 4
    assert msg["caption"].startswith("LELANG")
    assert fake.violations == []


def test_telegram_long_caption_goes_in_a_following_message(tmp_path, fake):
    p = project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    text = long_caption(1500)
    post_id = add_post(p.db, p.cfg, "lot-1", caption=text)
    assert publish(p.cfg, p.db, now=True, notify=False).sent == 1
    assert [m["method"] for m in fake.telegram] == ["sendPhoto", "sendMessage"]
    assert fake.telegram[0]["caption"] == ""
    assert fake.telegram[1]["text"] == text.strip()
    assert fake.violations == []
    assert p.post_status(post_id) == "published"


def test_telegram_follow_up_retry_never_reposts_the_photo(tmp_path, fake):
    """The photo step is checkpointed; a 429 on the text step retries only the text."""
    p = project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1", caption=long_caption(1300))
    fake.expect("telegram.sendMessage", ("error", 429, {
        "ok": False, "error_code": 429, "description": "Too Many Requests",
        "parameters": {"retry_after": 1}}))
    slept = []
    summary = publish(p.cfg, p.db, now=True, sleep=slept.append, notify=False,
                      clock=_ticking(slept))
    assert summary.sent == 1
    assert [m["method"] for m in fake.telegram] == ["sendPhoto", "sendMessage"]
    assert slept and slept[0] >= 1
    (d,) = p.deliveries()
    assert json.loads(d["checkpoint"]) == {"message_ids": [1], "text_chunks_sent": 1}


def _ticking(slept: list[float]):
    start = datetime.now(UTC)

    def clock() -> datetime:
        from datetime import timedelta

        return start + timedelta(seconds=sum(slept))

    return clock


def test_telegram_very_long_text_is_split_under_4096(tmp_path, fake):
    p = project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    text = long_caption(9000)
    add_post(p.db, p.cfg, "lot-1", caption=text)
    assert publish(p.cfg, p.db, now=True, notify=False).sent == 1
    texts = [m["text"] for m in fake.telegram if m["method"] == "sendMessage"]
    assert len(texts) == 3 and all(utf16_len(t) <= 4096 for t in texts)
    assert " ".join(" ".join(texts).split()) == " ".join(text.split())
    assert fake.violations == []


def test_telegram_permission_error_is_plain(tmp_path, fake):
    p = project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    fake.expect("telegram.sendPhoto", ("error", 403, {
        "ok": False, "error_code": 403,
        "description": "Forbidden: bot is not a member of the channel chat"}))
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "failed"
    assert "tidak punya izin" in d["last_error"] and "not a member" in d["last_error"]


def test_telegram_500_is_retried_504_is_unconfirmed(tmp_path, fake):
    p = project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    add_lot(p.db, "lot-2")
    add_post(p.db, p.cfg, "lot-1")
    add_post(p.db, p.cfg, "lot-2")
    err = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
    fake.expect("telegram.sendPhoto", ("error", 500, err), "ok",
                ("error", 504, {"ok": False, "description": "Gateway Timeout"}))
    slept: list[float] = []
    publish(p.cfg, p.db, now=True, sleep=slept.append, clock=_ticking(slept), notify=False)
    # Post 1 meets the 500 (nothing posted: retried) and then a 504 on its retry (a gateway
    # timeout may hide an accepted post: unconfirmed); post 2 goes out in between.
    first, second = p.deliveries()
    assert first["status"] == "unconfirmed" and first["attempts"] == 2
    assert "504" in first["last_error"]
    assert second["status"] == "sent" and second["attempts"] == 1
    assert len(slept) == 1


def test_telegram_follows_a_group_upgraded_to_a_supergroup(tmp_path, fake, caplog):
    """A 400 with ``migrate_to_chat_id`` proves nothing was posted: the photo goes to the new
    chat once, and the log names the id to put in the config."""
    import dataclasses

    from promo_pipeline.publish.channels.telegram import TelegramSettings

    p = project(tmp_path, ["telegram"], fake)
    group = TelegramSettings(chat_id="-4001", api_base=fake.url, min_interval=0)
    p.cfg = dataclasses.replace(p.cfg, publish=dataclasses.replace(
        p.cfg.publish, sections={**p.cfg.publish.sections, "telegram": group}))
    fake.migrated_chats["-4001"] = -1009001
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    with caplog.at_level("WARNING"):
        summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.sent == 1 and p.post_status(post_id) == "published"
    (msg,) = fake.telegram
    assert msg["method"] == "sendPhoto" and msg["chat_id"] == "-1009001"
    assert 'chat_id = "-1009001"' in caplog.text and TELEGRAM_TOKEN not in caplog.text


# --- Facebook ---------------------------------------------------------------------------------


def test_facebook_photo_post(tmp_path, fake):
    p = project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.sent == 1 and fake.violations == []
    (post,) = fake.facebook
    assert post["page"] == "pg100" and "Rp98.500.000" in post["message"]
    assert summary.outcomes[0].remote_id == post["id"]
    assert summary.outcomes[0].remote_url == f"https://www.facebook.com/{post['id']}"


def test_facebook_multi_photo_post_is_one_post(tmp_path, fake):
    p = project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1", images=3)
    assert publish(p.cfg, p.db, now=True, notify=False).sent == 1
    (post,) = fake.facebook
    assert len(post["photos"]) == 3 and len(fake.fb_unpublished) == 3
    (d,) = p.deliveries()
    assert len(json.loads(d["checkpoint"])["photo_ids"]) == 3


def test_facebook_expired_token_fails_with_plain_reason(tmp_path, fake, monkeypatch):
    monkeypatch.setenv("PROMO_FACEBOOK_TOKEN", "EAA-expired-SECRET-value")
    p = project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "failed"
    assert "token akses Facebook kedaluwarsa" in d["last_error"]
    assert "PROMO_FACEBOOK_TOKEN" in d["last_error"]
    assert "expired-SECRET" not in d["last_error"]
    assert p.post_status(post_id) == "failed" and fake.facebook == []


def test_facebook_rate_limit_waits_for_a_later_run(tmp_path, fake):
    p = project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    fake.expect("fb.photos", ("error", 400, {"error": {
        "message": "(#32) Page request limit reached", "code": 32, "type": "OAuthException"}}))
    summary = publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "queued" and "batas kiriman" in d["last_error"]
    assert summary.waiting == 1 and fake.facebook == []


# --- Instagram --------------------------------------------------------------------------------


def test_instagram_single_image(tmp_path, fake, static):
    p = project(tmp_path, ["instagram"], fake, public_base_url=static.url)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.sent == 1, p.deliveries()
    assert fake.violations == []
    (media,) = fake.instagram
    assert "Rp98.500.000" in media["caption"]
    assert summary.outcomes[0].remote_id == media["id"]
    calls = [c for c in fake.calls if c.startswith(("GET ig.content", "POST ig"))]
    assert calls[0] == "GET ig.content_publishing_limit"  # the limit is read, not assumed
    assert calls.count("POST ig.media") == 1 and calls.count("POST ig.media_publish") == 1


def test_instagram_carousel(tmp_path, fake, static):
    p = project(tmp_path, ["instagram"], fake, public_base_url=static.url)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1", images=3)
    assert publish(p.cfg, p.db, now=True, notify=False).sent == 1
    (media,) = fake.instagram
    assert len(media["images"]) == 3 and fake.violations == []
    (d,) = p.deliveries()
    cp = json.loads(d["checkpoint"])
    assert len(cp["children"]) == 3 and cp["container_id"] == media["container"]


def test_instagram_waits_while_the_container_is_processed(tmp_path, fake, static):
    fake.ig_in_progress_polls = 3
    p = project(tmp_path, ["instagram"], fake, public_base_url=static.url)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    slept: list[float] = []
    assert publish(p.cfg, p.db, now=True, sleep=slept.append, notify=False).sent == 1
    assert slept == [0.01, 0.01, 0.01]


def test_instagram_lost_publish_answer_is_settled_by_the_container(tmp_path, fake, static):
    """media_publish answered nothing, but the container says PUBLISHED: sent, not unsure."""
    p = project(tmp_path, ["instagram"], fake, public_base_url=static.url, timeout=1.5)
    fake.hang_seconds = 4.0
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.expect("ig.media_publish", "hang_after_accept")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.sent == 1 and len(fake.instagram) == 1
    assert p.post_status(post_id) == "published"
    assert fake.violations == []


def test_instagram_resend_reuses_the_container(tmp_path, fake, static):
    """After a crash, a human's "send again" must not create a second container or post."""
    p = project(tmp_path, ["instagram"], fake, public_base_url=static.url, timeout=1.5)
    fake.hang_seconds = 4.0
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    # The publish answer is lost and the status check afterwards fails too: unconfirmed.
    fake.expect("ig.media_publish", "hang_after_accept")
    fake.expect("ig.node", "ok", ("error", 500, {"error": {"message": "x", "code": 2}}))
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "unconfirmed" and len(fake.instagram) == 1
    from promo_pipeline.publish.resolve import resolve_unconfirmed

    resolve_unconfirmed(p.db, d["id"], sent=False, actor="sari")
    summary = publish(p.cfg, p.db, notify=False)
    assert summary.sent == 1
    assert len(fake.instagram) == 1 and len(fake.containers) == 1
    assert fake.violations == []
    assert p.post_status(post_id) == "published"


def test_instagram_full_quota_waits(tmp_path, fake, static):
    fake.ig_quota_usage = fake.ig_quota_total = 50
    p = project(tmp_path, ["instagram"], fake, public_base_url=static.url)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "queued" and "50/50" in d["last_error"]
    assert fake.containers == {} and fake.instagram == []


def test_instagram_unreachable_image_fails_with_the_platform_reason(tmp_path, fake):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    p = project(tmp_path, ["instagram"], fake, public_base_url=dead)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "failed" and "Media fetch failed" in d["last_error"]
    assert p.post_status(post_id) == "failed"


def test_instagram_refuses_story_only_posts(tmp_path, fake, static):
    p = project(tmp_path, ["instagram"], fake, public_base_url=static.url)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1", images=0, story=True)
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "failed" and "4:5" in d["last_error"]
    assert fake.containers == {} and p.post_status(post_id) == "failed"


# --- pure helpers and error classes -------------------------------------------------------------


def test_split_text_keeps_words_and_limits():
    text = ("kata " * 3000).strip()
    parts = split_text(text, 1000)
    assert all(utf16_len(x) <= 1000 for x in parts)
    assert " ".join(parts).split() == text.split()
    assert split_text("pendek", 1000) == ["pendek"]
    assert split_text("", 10) == []


def test_utf16_len_counts_emoji_twice():
    assert utf16_len("Rp") == 2 and utf16_len("🏠") == 2


def test_feed_images_leaves_out_stories(tmp_path):
    feed = make_jpeg(tmp_path / "feed.jpg", (108, 135), (10, 20, 30))
    square = make_jpeg(tmp_path / "square.jpg", (108, 108), (10, 20, 30))
    story = make_jpeg(tmp_path / "story.jpg", (108, 192), (10, 20, 30))
    assert feed_images([feed, story, square], limit=10) == [feed, square]
    assert feed_images([story], limit=10) == [story]
    assert feed_images([feed, square], limit=1) == [feed]


def test_feed_images_picks_one_design_of_the_renderer(tmp_path):
    """Renderer files are ``<design>[-<slide>]-<hash16>.jpg``: a feed post shows one design."""
    def img(stem: str, size: tuple[int, int]) -> Path:
        return make_jpeg(tmp_path / f"{stem}-0123456789abcdef.jpg", size, (40, 60, 90))

    feed, story = img("feed", (108, 135)), img("story", (108, 192))
    urgent, square = img("urgent", (108, 135)), img("square", (108, 108))
    slides = [img(f"carousel-{n}", (108, 135)) for n in (2, 1, 10)]
    everything = [story, feed, urgent, square, *slides]
    assert feed_images(everything, limit=10) == [slides[1], slides[0], slides[2]]
    assert feed_images(everything, limit=2) == [slides[1], slides[0]]
    assert feed_images(everything, limit=10, design="square") == [square]
    assert feed_images([story, feed, urgent], limit=10) == [urgent]
    assert feed_images([story, feed], limit=10) == [feed]
    assert feed_images([story, feed], limit=10, design="story") == [feed]  # never a story


def test_redactor_removes_tokens_in_plain_and_url_encoded_form():
    r = Redactor(["123:AB/C", None, ""])
    assert r("url /bot123:AB/C/sendPhoto and 123%3AAB%2FC") == "url /bot***/sendPhoto and ***"


def test_no_retries_below_the_outbox():
    """urllib3 must never retry a POST on its own: the adapter's Retry is zero everywhere."""
    s = transport.make_session()
    retry = s.get_adapter("https://api.telegram.org").max_retries
    assert retry.total == 0 and retry.connect == 0 and retry.read == 0 and retry.status == 0


def test_http_errors_are_classified(fake):
    import socket

    http = transport.Http("Telegram", "telegram", 1.5, Redactor([]))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RetryablePublishError, match="tidak dapat dihubungi"):
        http.request("POST", f"http://127.0.0.1:{port}/x", what="t", irreversible=True)
    fake.hang_seconds = 4.0
    fake.expect("telegram.sendMessage", "hang_after_accept", "hang_after_accept")
    url = f"{fake.url}/bot{TELEGRAM_TOKEN}/sendMessage"
    with pytest.raises(UnconfirmedPublishError, match="jawabannya hilang"):
        http.request("POST", url, what="t", irreversible=True, data={"chat_id": 1, "text": "a"})
    with pytest.raises(RetryablePublishError):  # a step that publishes nothing: safe to retry
        http.request("POST", url, what="t", irreversible=False, data={"chat_id": 1, "text": "a"})
    http.close()


def test_what_counts_as_nothing_sent():
    """DNS failure and refused connections happen before a byte is sent; a reset after
    sending or a read timeout may hide an accepted post. (Shapes as requests raises them; no
    real DNS lookup, since tests stay on loopback.)"""
    import socket as s

    from urllib3.exceptions import MaxRetryError, NameResolutionError, ProtocolError

    dns = NameResolutionError("h.invalid", None, s.gaierror(-2, "Name or service not known"))
    assert transport.nothing_sent(requests.ConnectionError(MaxRetryError(None, "/x", dns)))
    assert transport.nothing_sent(requests.ConnectTimeout())
    reset = ProtocolError("Connection aborted.", ConnectionResetError())
    assert not transport.nothing_sent(requests.ConnectionError(reset))
    assert not transport.nothing_sent(requests.ReadTimeout())


def test_graph_error_classes(fake):
    fb = graph.GraphAPI("Facebook", "facebook", fake.graph_url, FACEBOOK_TOKEN,
                        token_env="PROMO_FACEBOOK_TOKEN", timeout=2.0)

    def answer(status, body):
        resp = requests.Response()
        resp.status_code = status
        resp._content = json.dumps(body).encode()
        return resp

    cases = [
        ({"error": {"message": "Invalid OAuth access token.", "code": 190}},
         PermanentPublishError, "kedaluwarsa"),
        ({"error": {"message": "Permissions error", "code": 200}}, PermanentPublishError,
         "izin"),
        ({"error": {"message": "Application request limit reached", "code": 4}},
         RetryablePublishError, "batas"),
        ({"error": {"message": "Please reduce", "code": 9, "error_subcode": 2207042}},
         RetryablePublishError, "batas"),
        ({"error": {"message": "An unexpected error", "code": 2, "is_transient": True}},
         RetryablePublishError, "bermasalah"),
        ({"error": {"message": "Invalid parameter", "code": 100}}, PermanentPublishError,
         "menolak"),
    ]
    for body, exc, text in cases:
        with pytest.raises(exc, match=text):
            fb.answer(answer(400, body), "photos", irreversible=True)
    with pytest.raises(UnconfirmedPublishError):
        fb.answer(answer(200, "not an object"), "photos", irreversible=True)
    assert fb.answer(answer(200, {"id": "1"}), "photos", irreversible=True) == {"id": "1"}
    fb.close()
