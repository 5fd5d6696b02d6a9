"""The Telegram channel against the fake Bot API on 127.0.0.1 (tests/fake_telegram.py).

The fake checks what Telegram checks (photo files and their dimensions, caption lengths, albums,
the flood limit of 20 messages a minute per chat) and counts every message it accepted.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from fake_platforms import TELEGRAM_TOKEN, add_lot, add_post, make_jpeg
from publish_project import Sleeper, long_caption, make_project, with_publish

from promo_pipeline.publish.channels.telegram import TelegramSettings
from promo_pipeline.publish.outbox import publish
from promo_pipeline.publish.resolve import resolve_unconfirmed

pytestmark = pytest.mark.usefixtures("tokens")


def test_single_photo(tmp_path, fake):
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.sent == 1 and fake.violations == []
    (msg,) = fake.telegram
    assert msg["method"] == "sendPhoto" and msg["chat_id"] == "@kpknlbima"
    assert "Rp98.500.000" in msg["caption"]
    # The feed image went out, not the story (9:16) one.
    feed = (p.cfg.output_dir / "render/lot-1/feed-0.jpg").read_bytes()
    assert msg["photos"] == [hashlib.sha256(feed).hexdigest()]
    assert summary.outcomes[0].remote_url == "https://t.me/kpknlbima/1"


def test_album_uses_send_media_group(tmp_path, fake):
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1", images=4)
    assert publish(p.cfg, p.db, now=True, notify=False).sent == 1
    (msg,) = fake.telegram
    assert msg["method"] == "sendMediaGroup" and len(msg["photos"]) == 4
    assert msg["caption"].startswith("LELANG")
    assert fake.violations == []


def test_long_caption_goes_in_a_following_message(tmp_path, fake):
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    text = long_caption(1500)
    post_id = add_post(p.db, p.cfg, "lot-1", caption=text)
    assert publish(p.cfg, p.db, now=True, notify=False).sent == 1
    assert [m["method"] for m in fake.telegram] == ["sendPhoto", "sendMessage"]
    assert fake.telegram[0]["caption"] == ""
    assert fake.telegram[1]["text"] == text.strip()
    assert fake.violations == []
    assert p.post_status(post_id) == "published"


def test_flood_wait_on_the_follow_up_never_reposts_the_photo(tmp_path, fake):
    """The photo step is checkpointed; a 429 on the text step waits for the text only, and a
    wait is not a failure: no retry is used up."""
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1", caption=long_caption(1300))
    fake.expect("telegram.sendMessage", ("error", 429, {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1}}))
    t = Sleeper()
    summary = publish(p.cfg, p.db, now=True, sleep=t.sleep, clock=t.clock, notify=False)
    assert summary.sent == 1
    assert [m["method"] for m in fake.telegram] == ["sendPhoto", "sendMessage"]
    assert t.delays and t.delays[0] >= 1
    (d,) = p.deliveries()
    assert json.loads(d["checkpoint"]) == {"message_ids": [1], "text_chunks_sent": 1}
    assert d["attempts"] == 2 and d["failures"] == 0


def test_very_long_text_is_split_under_4096(tmp_path, fake):
    from promo_pipeline.publish.telegram_bot import utf16_len

    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    text = long_caption(9000)
    add_post(p.db, p.cfg, "lot-1", caption=text)
    assert publish(p.cfg, p.db, now=True, notify=False).sent == 1
    texts = [m["text"] for m in fake.telegram if m["method"] == "sendMessage"]
    assert len(texts) == 3 and all(utf16_len(t) <= 4096 for t in texts)
    assert " ".join(" ".join(texts).split()) == " ".join(text.split())
    assert fake.violations == []


def test_permission_error_is_plain(tmp_path, fake):
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    fake.expect("telegram.sendPhoto", ("error", 403, {
        "ok": False, "error_code": 403,
        "description": "Forbidden: bot is not a member of the channel chat"}))
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "failed"
    assert "tidak punya izin" in d["last_error"] and "not a member" in d["last_error"]


def test_server_errors_are_unconfirmed_and_never_resent(tmp_path, fake):
    """500/502/503 on sendPhoto may hide a message that went out: only a 429 (or another 4xx)
    proves nothing was sent. Telegram cannot be asked, so a person decides, and the message
    says where to look."""
    p = make_project(tmp_path, ["telegram"], fake)
    for i, status in enumerate((500, 502, 503)):
        add_lot(p.db, f"lot-{i}")
        add_post(p.db, p.cfg, f"lot-{i}")
        fake.expect("telegram.sendPhoto", ("error", status, {
            "ok": False, "error_code": status, "description": "Internal Server Error"}))
    t = Sleeper()
    summary = publish(p.cfg, p.db, now=True, sleep=t.sleep, clock=t.clock, notify=False)
    assert summary.unconfirmed == 3 and t.delays == []
    for d in p.deliveries():
        assert d["status"] == "unconfirmed" and d["attempts"] == 1
        assert d["next_attempt_at"] is None  # nothing to look up: a person decides
        assert "tidak dapat ditanya" in d["last_error"]
        assert "https://t.me/kpknlbima" in d["last_error"]
    t.advance(hours=2)
    assert publish(p.cfg, p.db, now=True, sleep=t.sleep, clock=t.clock,
                   notify=False).outcomes == []
    assert len([c for c in fake.calls if c.endswith("sendPhoto")]) == 3


def test_follows_a_group_upgraded_to_a_supergroup(tmp_path, fake, caplog):
    """A 400 with ``migrate_to_chat_id`` proves nothing was posted: the photo goes to the new
    chat once, and the log names the id to put in the config."""
    p = make_project(tmp_path, ["telegram"], fake)
    group = TelegramSettings(chat_id="-4001", api_base=fake.url, min_interval=0)
    p.cfg = with_publish(p.cfg, sections={"telegram": group})
    fake.migrated_chats["-4001"] = -1009001
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    with caplog.at_level("WARNING"):
        summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.sent == 1 and p.post_status(post_id) == "published"
    (msg,) = fake.telegram
    assert msg["method"] == "sendPhoto" and msg["chat_id"] == "-1009001"
    assert 'chat_id = "-1009001"' in caplog.text and TELEGRAM_TOKEN not in caplog.text


def test_flood_limit_is_counted_in_messages_not_requests(tmp_path, fake):
    """Three albums of 8 photos are 24 messages against 20 a minute in one channel: the third
    waits for the minute to free room, without a 429 and without using a retry."""
    p = make_project(tmp_path, ["telegram"], fake)
    p.cfg = with_publish(p.cfg, max_wait=120)
    t = Sleeper()
    fake.clock = t.seconds
    for i in range(3):
        add_lot(p.db, f"lot-{i}")
        add_post(p.db, p.cfg, f"lot-{i}", images=8, story=False)
    summary = publish(p.cfg, p.db, now=True, sleep=t.sleep, clock=t.clock, notify=False)
    assert summary.sent == 3, p.deliveries()
    assert fake.violations == []  # never a 429 from the fake's flood limit
    assert [len(m["photos"]) for m in fake.telegram_posts()] == [8, 8, 8]
    assert t.delays and 55 <= sum(t.delays) <= 61
    assert all(d["attempts"] == 1 and d["failures"] == 0 for d in p.deliveries())


@pytest.mark.parametrize(("size", "why"), [((9000, 1100), "10000"), ((150, 3100), "20×")])
def test_photo_limits_block_before_any_call(tmp_path, fake, size, why):
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1", images=0, story=False)
    big = make_jpeg(p.cfg.output_dir / "render/lot-1/odd.jpg", size, (20, 40, 60))
    p.db["posts"].update(post_id, {"images": json.dumps(
        [big.relative_to(p.cfg.output_dir).as_posix()])})
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "failed" and "diblokir sebelum dikirim" in d["last_error"]
    assert why in d["last_error"]
    assert [c for c in fake.calls if "send" in c] == []


def test_a_human_resend_after_an_unconfirmed_post_sends_once(tmp_path, fake):
    p = make_project(tmp_path, ["telegram"], fake, timeout=1.5)
    fake.hang_seconds = 4.0
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.expect("telegram.sendPhoto", "hang_after_accept")
    publish(p.cfg, p.db, now=True, notify=False)
    fake.telegram.clear()  # the reviewer found nothing on the channel (say it was deleted)
    (d,) = p.deliveries()
    row = resolve_unconfirmed(p.db, d["id"], sent=False, actor="budi")
    assert row.status == "queued" and row.resolved_by == "budi"
    assert p.post_status(post_id) == "approved"
    assert publish(p.cfg, p.db, notify=False).sent == 1
    assert len(fake.telegram_posts()) == 1 and p.post_status(post_id) == "published"

