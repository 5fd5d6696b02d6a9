"""The outbox's retries and waits, lost answers and a person's decisions (fake Telegram on
127.0.0.1): a refusal is retried or failed, a wait never uses a retry, an answer that may hide a
live post is never resent blindly.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fake_platforms import add_lot, add_post
from publish_project import Sleeper, make_project, with_publish

from promo_pipeline.errors import ConfigError, NotFoundError, TransitionError
from promo_pipeline.publish import delivery_events
from promo_pipeline.publish.outbox import publish
from promo_pipeline.publish.resolve import resolve_post, resolve_unconfirmed


def test_429_retry_after_is_honoured_and_sends_once(tmp_path, tokens, fake):
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.expect("telegram.sendPhoto", ("error", 429, {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3}}))
    t = Sleeper()
    summary = publish(p.cfg, p.db, now=True, clock=t.clock, sleep=t.sleep, notify=False)
    assert summary.sent == 1 and summary.ok
    assert len(t.delays) == 1 and t.delays[0] >= 3
    assert len(fake.telegram_posts()) == 1
    (d,) = p.deliveries()
    assert d["attempts"] == 2 and d["status"] == "sent"
    events = [(e["from_status"], e["to_status"]) for e in delivery_events(p.db, d["id"])]
    assert events == [(None, "queued"), ("queued", "sending"), ("sending", "queued"),
                      ("queued", "sending"), ("sending", "sent")]
    assert p.post_status(post_id) == "published"


def test_long_retry_after_waits_for_a_later_run(tmp_path, tokens, fake):
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    fake.expect("telegram.sendPhoto", ("error", 429, {
        "ok": False, "error_code": 429, "description": "Too Many Requests",
        "parameters": {"retry_after": 600}}))
    t = Sleeper()
    first = publish(p.cfg, p.db, now=True, clock=t.clock, sleep=t.sleep, notify=False)
    assert first.sent == 0 and first.waiting == 1 and t.delays == []
    (d,) = p.deliveries()
    assert d["status"] == "queued" and "429" in d["last_error"]
    assert d["failures"] == 0  # waiting for Telegram's window is not a failed attempt
    assert datetime.fromisoformat(d["next_attempt_at"]) >= t.now + timedelta(seconds=600)
    assert publish(p.cfg, p.db, clock=t.clock, sleep=t.sleep, notify=False).sent == 0
    t.now += timedelta(seconds=601)
    assert publish(p.cfg, p.db, clock=t.clock, sleep=t.sleep, notify=False).sent == 1
    assert len(fake.telegram_posts()) == 1


def test_connection_refused_retries_with_backoff_then_fails(tmp_path, tokens):
    import socket

    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    p = make_project(tmp_path, ["telegram"])
    p.cfg = with_publish(p.cfg, channels=["telegram"], sections={"telegram": _tg(dead)})
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    t = Sleeper()
    summary = publish(p.cfg, p.db, now=True, clock=t.clock, sleep=t.sleep, notify=False)
    assert len(t.delays) == 3  # retries = 3
    assert t.delays[0] < t.delays[1] < t.delays[2]  # growing backoff
    (d,) = p.deliveries()
    assert d["status"] == "failed" and d["attempts"] == 4
    assert "gagal setelah 4 percobaan" in d["last_error"]
    assert "tidak dapat dihubungi" in d["last_error"]
    assert p.post_status(post_id) == "failed"
    assert summary.failed == 1 and not summary.ok


def _tg(api_base: str):
    from promo_pipeline.publish.channels.telegram import TelegramSettings

    return TelegramSettings(chat_id="@kpknlbima", api_base=api_base, min_interval=0)


def test_token_error_fails_with_a_plain_reason_and_is_not_retried(tmp_path, tokens, fake,
                                                                   monkeypatch):
    monkeypatch.setenv("PROMO_TELEGRAM_TOKEN", "999:WRONG-token-value")
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "failed" and d["attempts"] == 1
    assert "token bot ditolak" in d["last_error"] and "401" in d["last_error"]
    assert "WRONG-token-value" not in d["last_error"]
    assert p.post_status(post_id) == "failed"
    assert "token bot ditolak" in p.db["posts"].get(post_id)["reason"]
    calls = len(fake.calls)
    assert publish(p.cfg, p.db, now=True, notify=False).outcomes == []
    assert len(fake.calls) == calls  # never retried blindly
    assert summary.problems[0].status == "failed"

    # A human fixes the token and asks to send again: it goes out, once.
    from fake_platforms import TELEGRAM_TOKEN

    monkeypatch.setenv("PROMO_TELEGRAM_TOKEN", TELEGRAM_TOKEN)
    resolve_post(p.db, post_id, sent=False, actor="sari")
    assert p.post_status(post_id) == "approved"
    assert publish(p.cfg, p.db, notify=False).sent == 1
    assert len(fake.telegram_posts()) == 1 and p.post_status(post_id) == "published"


def test_timeout_after_acceptance_is_unconfirmed_and_never_resent(tmp_path, tokens, fake):
    p = make_project(tmp_path, ["telegram"], fake, timeout=1.5)
    fake.hang_seconds = 4.0
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.expect("telegram.sendPhoto", "hang_after_accept")
    first = publish(p.cfg, p.db, now=True, notify=False)
    assert first.unconfirmed == 1 and not first.ok
    (d,) = p.deliveries()
    assert d["status"] == "unconfirmed" and "jawabannya hilang" in d["last_error"]
    assert p.post_status(post_id) == "unconfirmed"
    assert len(fake.telegram_posts()) == 1

    second = publish(p.cfg, p.db, now=True, notify=False)
    assert second.outcomes == [] and len(fake.telegram_posts()) == 1

    # A human checks the channel, sees the post: mark it sent.
    resolve_unconfirmed(p.db, d["id"], sent=True, actor="sari")
    assert p.post_status(post_id) == "published"
    assert p.deliveries()[0]["resolved_by"] == "sari"
    with pytest.raises(TransitionError):
        resolve_unconfirmed(p.db, d["id"], sent=True, actor="sari")


def test_dropped_connection_after_acceptance_is_unconfirmed(tmp_path, tokens, fake):
    p = make_project(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    fake.expect("fb.photos", "drop_after_accept")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.unconfirmed == 1 and len(fake.facebook) == 1
    assert publish(p.cfg, p.db, now=True, notify=False).outcomes == []
    assert len(fake.facebook) == 1


def test_resolution_errors_are_clear(tmp_path, tokens, fake):
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    with pytest.raises(NotFoundError, match="#999"):
        resolve_unconfirmed(p.db, 999, sent=True, actor="sari")
    with pytest.raises(NotFoundError):
        resolve_post(p.db, post_id, sent=True, actor="sari")
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    with pytest.raises(TransitionError, match="berstatus sent"):
        resolve_unconfirmed(p.db, d["id"], sent=False, actor="sari")


def test_resend_is_refused_after_the_auction_ended(tmp_path, tokens, fake):
    p = make_project(tmp_path, ["telegram"], fake, timeout=1.5)
    fake.hang_seconds = 4.0
    add_lot(p.db, "lot-1", ends_in=timedelta(hours=1))
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.expect("telegram.sendPhoto", "hang_after_accept")
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    later = datetime.now(UTC) + timedelta(hours=2)
    with pytest.raises(TransitionError, match="berakhir"):
        resolve_unconfirmed(p.db, d["id"], sent=False, actor="sari", clock=lambda: later)
    assert p.post_status(post_id) == "unconfirmed"


def test_missing_channel_settings_are_config_errors(tmp_path, tokens, monkeypatch, fake):
    p = make_project(tmp_path, ["telegram"])  # no [publish.telegram] chat_id
    with pytest.raises(ConfigError, match=r"publish\.telegram\.chat_id"):
        publish(p.cfg, p.db, now=True)
    monkeypatch.delenv("PROMO_FACEBOOK_TOKEN")
    p2 = make_project(tmp_path, ["facebook"], fake)
    with pytest.raises(ConfigError, match="PROMO_FACEBOOK_TOKEN"):
        publish(p2.cfg, p2.db, now=True)
    assert p2.deliveries() == []


def test_image_file_missing_fails_before_any_call(tmp_path, tokens, fake):
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    (p.cfg.output_dir / "render/lot-1/feed-0.jpg").unlink()
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "failed" and "tidak ditemukan" in d["last_error"]
    assert fake.calls == [] and p.post_status(post_id) == "failed"


def test_image_path_outside_output_dir_is_refused(tmp_path, tokens, fake):
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    p.db["posts"].update(post_id, {"images": json.dumps(["../../../etc/passwd"])})
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "failed" and "di luar folder" in d["last_error"]
    assert fake.calls == []


