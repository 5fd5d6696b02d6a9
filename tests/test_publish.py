"""The outbox: every approved post goes out exactly once, or a human is asked.

Real parts throughout: a SQLite file, real JPEGs, the real HTTP code against fake Telegram and
Graph API servers on 127.0.0.1 (tests/fake_platforms.py), and the real `promo` command in a
subprocess for the crash tests (named crash points, and a real SIGKILL).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fake_platforms import (
    FakePlatforms,
    Project,
    add_lot,
    add_post,
    env_with_tokens,
    promo,
    write_config,
)

from promo_pipeline import store
from promo_pipeline.errors import ConfigError, NotFoundError, TransitionError
from promo_pipeline.publish import delivery_events
from promo_pipeline.publish.enqueue import enqueue_approved, idem_key
from promo_pipeline.publish.outbox import publish
from promo_pipeline.publish.resolve import resolve_post, resolve_unconfirmed
from promo_pipeline.publish.settle import post_outcome


@pytest.fixture
def fake():
    server = FakePlatforms().start()
    yield server
    server.stop()


@pytest.fixture
def tokens(monkeypatch):
    from fake_platforms import FACEBOOK_TOKEN, INSTAGRAM_TOKEN, TELEGRAM_TOKEN

    monkeypatch.setenv("PROMO_TELEGRAM_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("PROMO_FACEBOOK_TOKEN", FACEBOOK_TOKEN)
    monkeypatch.setenv("PROMO_INSTAGRAM_TOKEN", INSTAGRAM_TOKEN)
    for var in ("PROMO_CRASH_AT", "PROMO_SMTP_PASSWORD"):
        monkeypatch.delenv(var, raising=False)


def make(tmp_path: Path, channels: list[str], fake: FakePlatforms | None = None, **kw) -> Project:
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    return Project(root, write_config(root, channels=channels,
                                      fake_url=fake.url if fake else None, **kw))


class Sleeper:
    """An injected sleep that advances an injected clock, and remembers every delay."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime.now(UTC)
        self.delays: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += timedelta(seconds=seconds)


# --- export ---------------------------------------------------------------------------------------


def test_export_writes_one_complete_folder_once(tmp_path, tokens):
    p = make(tmp_path, ["export"])
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1", images=2)

    first = publish(p.cfg, p.db, now=True, notify=False)
    assert first.sent == 1 and first.ok
    folders = list((p.cfg.output_dir / "outbox").glob("*/*"))
    assert [f.name for f in folders] == ["off-bima-lot-1-v1"]
    folder = folders[0]
    names = sorted(x.name for x in folder.iterdir())
    assert names == ["01-feed-0.jpg", "02-feed-1.jpg", "03-story.jpg", "caption-facebook.txt",
                     "caption-instagram.txt", "caption-telegram.txt", "caption-x.txt",
                     "post.json"]
    meta = json.loads((folder / "post.json").read_text(encoding="utf-8"))
    assert meta["post_id"] == post_id and meta["lot_id"] == "lot-1" and meta["version"] == 1
    assert meta["images"] == ["01-feed-0.jpg", "02-feed-1.jpg", "03-story.jpg"]
    assert meta["lots"][0]["url"].endswith("/detail-auction/lot-1")
    src = p.cfg.output_dir / "render/lot-1/feed-0.jpg"
    assert (folder / "01-feed-0.jpg").read_bytes() == src.read_bytes()
    assert "Rp98.500.000" in (folder / "caption-instagram.txt").read_text(encoding="utf-8")
    assert p.post_status(post_id) == "published"
    (d,) = p.deliveries()
    assert d["status"] == "sent" and d["remote_id"] == "outbox/" + folder.parent.name + \
        "/off-bima-lot-1-v1"
    mtime = (folder / "post.json").stat().st_mtime_ns

    second = publish(p.cfg, p.db, now=True, notify=False)
    assert second.sent == 0 and second.outcomes == []
    assert (folder / "post.json").stat().st_mtime_ns == mtime
    assert not list((p.cfg.output_dir / "outbox").rglob("*.tmp"))


def test_export_of_an_already_exported_post_is_not_rewritten(tmp_path, tokens):
    """A folder of that name under any date means the post went out: reuse it, write nothing."""
    p = make(tmp_path, ["export"])
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    old = p.cfg.output_dir / "outbox" / "2020-01-01" / "off-bima-lot-1-v1"
    old.mkdir(parents=True)
    (old / "post.json").write_text("{}", encoding="utf-8")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.sent == 1
    assert summary.outcomes[0].remote_id == "outbox/2020-01-01/off-bima-lot-1-v1"
    assert [f for f in (p.cfg.output_dir / "outbox").glob("*/*")] == [old]
    assert (old / "post.json").read_text(encoding="utf-8") == "{}"


def test_export_crash_after_claim_is_reconciled_on_disk(tmp_path, tokens):
    """Export results are local: a delivery interrupted mid-write is checked, not left unsure."""
    p = make(tmp_path, ["export"])
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    crashed = promo(p, "publish", "--now", env=env_with_tokens(PROMO_CRASH_AT=
                                                              "after_delivery_claimed"))
    assert crashed.returncode == 137
    assert [d["status"] for d in p.deliveries()] == ["sending"]
    assert not (p.cfg.output_dir / "outbox").exists() or not list(
        (p.cfg.output_dir / "outbox").glob("*/*"))

    rerun = promo(p, "publish", "--now")
    assert rerun.returncode == 0, rerun.stderr
    assert [d["status"] for d in p.deliveries()] == ["sent"]
    assert len(list((p.cfg.output_dir / "outbox").glob("*/off-bima-lot-1-v1"))) == 1
    assert p.post_status(post_id) == "published"


def test_export_crash_after_write_finds_the_folder(tmp_path, tokens):
    p = make(tmp_path, ["export"])
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    crashed = promo(p, "publish", "--now", env=env_with_tokens(PROMO_CRASH_AT=
                                                              "after_platform_accepted"))
    assert crashed.returncode == 137
    rerun = promo(p, "publish", "--now")
    assert rerun.returncode == 0, rerun.stderr
    assert "terputus di tengah pengiriman → terkirim" in rerun.stdout
    assert len(list((p.cfg.output_dir / "outbox").glob("*/*"))) == 1
    assert [d["status"] for d in p.deliveries()] == ["sent"]


# --- the outbox rules ----------------------------------------------------------------------------


def test_enqueue_is_idempotent_and_keys_are_unique(tmp_path, tokens, fake):
    p = make(tmp_path, ["export", "telegram"], fake)
    add_lot(p.db, "lot-1")
    add_lot(p.db, "lot-2")
    a = add_post(p.db, p.cfg, "lot-1")
    add_post(p.db, p.cfg, "lot-2")
    add_post(p.db, p.cfg, "lot-2", status="pending", version=2)
    assert enqueue_approved(p.db, p.cfg) == 4
    assert enqueue_approved(p.db, p.cfg) == 0
    rows = p.deliveries()
    assert len(rows) == 4 and len({r["idem_key"] for r in rows}) == 4
    assert {r["status"] for r in rows} == {"queued"}
    # The key is sha256(post | channel | content): recomputable, content-sensitive.
    payload = json.loads(rows[0]["payload"])
    content = {"caption": payload["caption"], "captions": payload["captions"],
               "images": payload["images"], "version": payload["version"]}
    assert rows[0]["idem_key"] == idem_key(a, rows[0]["channel"], content)
    # The database itself refuses a second delivery for the same post and channel.
    with pytest.raises(Exception, match="UNIQUE"):
        p.db.execute("insert into deliveries (post_id, channel, idem_key, status) "
                     "values (?, 'export', 'other', 'queued')", [a])


def test_caption_edited_after_approval_is_what_goes_out(tmp_path, tokens, fake):
    p = make(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    enqueue_approved(p.db, p.cfg)
    old_key = p.deliveries()[0]["idem_key"]
    captions = json.loads(p.db["posts"].get(post_id)["captions"])
    captions["telegram"] = "Teks yang sudah disunting peninjau https://lelang.go.id/x"
    p.db["posts"].update(post_id, {"captions": json.dumps(captions)})
    publish(p.cfg, p.db, now=True, notify=False)
    assert fake.telegram_posts()[0]["caption"] == captions["telegram"]
    assert p.deliveries()[0]["idem_key"] != old_key


def test_post_outcome_rules():
    assert post_outcome(["sent", "sent"]) == "published"
    assert post_outcome(["sent", "queued"]) is None
    assert post_outcome(["sending"]) is None
    assert post_outcome(["sent", "failed", "unconfirmed"]) == "failed"
    assert post_outcome(["sent", "unconfirmed"]) == "unconfirmed"
    assert post_outcome(["sent", "cancelled"]) == "published"
    assert post_outcome(["cancelled"]) is None
    assert post_outcome([]) is None


def test_every_approved_post_goes_out_once_across_channels(tmp_path, tokens, fake):
    p = make(tmp_path, ["export", "telegram", "facebook"], fake)
    for i in range(3):
        add_lot(p.db, f"lot-{i}")
        add_post(p.db, p.cfg, f"lot-{i}", images=1 + i)
    add_lot(p.db, "lot-pending")
    add_post(p.db, p.cfg, "lot-pending", status="pending")
    add_lot(p.db, "lot-rejected")
    add_post(p.db, p.cfg, "lot-rejected", status="rejected")

    first = publish(p.cfg, p.db, now=True, notify=False)
    again = publish(p.cfg, p.db, now=True, notify=False)
    assert first.sent == 9 and first.ok
    assert again.sent == 0
    assert len(fake.telegram_posts()) == 3 and len(fake.facebook) == 3
    assert fake.violations == []
    captions = [m["caption"] for m in fake.telegram_posts()]
    assert not any("lot-pending" in c or "lot-rejected" in c for c in captions)
    assert sorted(len(m["photos"]) for m in fake.telegram_posts()) == [1, 2, 3]
    statuses = {r["id"]: r["status"] for r in p.db["posts"].rows}
    assert sorted(statuses.values()) == ["pending", "published", "published", "published",
                                         "rejected"]
    assert store.integrity_check(p.db) == "ok"
    (run,) = p.db["runs"].rows_where("kind = 'publish'")
    assert run["status"] == "ok" and json.loads(run["counts"])["sent"] == 9


def test_slots_gate_new_posts_but_not_now(tmp_path, tokens, fake):
    from zoneinfo import ZoneInfo

    wita = ZoneInfo("Asia/Makassar")
    p = make(tmp_path, ["telegram"], fake, slots=["09:00", "15:00"])
    t = Sleeper(datetime(2026, 3, 10, 8, 0, tzinfo=wita).astimezone(UTC))
    add_lot(p.db, "lot-1", now=t.now)
    add_post(p.db, p.cfg, "lot-1")

    early = publish(p.cfg, p.db, clock=t.clock, sleep=t.sleep, notify=False)
    assert early.sent == 0 and fake.telegram == []
    assert "slot berikutnya 09.00 WITA" in early.line()

    t.now = datetime(2026, 3, 10, 9, 5, tzinfo=wita).astimezone(UTC)
    at_slot = publish(p.cfg, p.db, clock=t.clock, sleep=t.sleep, notify=False)
    assert at_slot.sent == 1 and at_slot.due_offices == ["off-bima"]

    # Approved after the 09:00 slot ran: waits for 15:00, unless --now.
    add_lot(p.db, "lot-2", now=t.now)
    add_post(p.db, p.cfg, "lot-2")
    t.now = datetime(2026, 3, 10, 10, 0, tzinfo=wita).astimezone(UTC)
    later = publish(p.cfg, p.db, clock=t.clock, sleep=t.sleep, notify=False)
    assert later.sent == 0 and "15.00 WITA" in later.line()
    forced = publish(p.cfg, p.db, now=True, clock=t.clock, sleep=t.sleep, notify=False)
    assert forced.sent == 1
    assert len(fake.telegram_posts()) == 2


def test_a_missed_slot_is_served_once_when_the_machine_wakes(tmp_path, tokens, fake):
    from zoneinfo import ZoneInfo

    wita = ZoneInfo("Asia/Makassar")
    p = make(tmp_path, ["telegram"], fake, slots=["09:00"])
    t = Sleeper(datetime(2026, 3, 10, 8, 0, tzinfo=wita).astimezone(UTC))
    add_lot(p.db, "lot-1", now=t.now)
    add_post(p.db, p.cfg, "lot-1")
    t.now = datetime(2026, 3, 10, 13, 30, tzinfo=wita).astimezone(UTC)  # slept through 09:00
    assert publish(p.cfg, p.db, clock=t.clock, sleep=t.sleep, notify=False).sent == 1
    add_lot(p.db, "lot-2", now=t.now)
    add_post(p.db, p.cfg, "lot-2")
    assert publish(p.cfg, p.db, clock=t.clock, sleep=t.sleep, notify=False).sent == 0
    t.now = datetime(2026, 3, 11, 9, 0, tzinfo=wita).astimezone(UTC)
    assert publish(p.cfg, p.db, clock=t.clock, sleep=t.sleep, notify=False).sent == 1


def test_nothing_is_published_after_the_auction_ended(tmp_path, tokens, fake):
    p = make(tmp_path, ["export", "telegram"], fake)
    add_lot(p.db, "lot-ended", ends_in=timedelta(hours=-1))
    ended = add_post(p.db, p.cfg, "lot-ended")
    add_lot(p.db, "lot-ok")
    ok = add_post(p.db, p.cfg, "lot-ok")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.expired_posts == [ended]
    assert p.post_status(ended) == "expired" and p.post_status(ok) == "published"
    assert [m["caption"] for m in fake.telegram_posts() if "lot-ended" in m["caption"]] == []
    assert not list((p.cfg.output_dir / "outbox").glob("*/off-bima-lot-ended-v1"))
    assert {d["post_id"] for d in p.deliveries()} == {ok}


def test_auction_ending_while_queued_cancels_the_delivery(tmp_path, tokens, fake):
    """The end is checked again right before each claim, with the clock of that moment."""
    p = make(tmp_path, ["telegram"], fake)
    t = Sleeper()
    add_lot(p.db, "lot-1", ends_in=timedelta(seconds=30), now=t.now)
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.expect("telegram.sendPhoto", ("error", 429, {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 40",
        "parameters": {"retry_after": 40}}))
    p.cfg = _with_publish(p.cfg, max_wait=120)
    summary = publish(p.cfg, p.db, now=True, clock=t.clock, sleep=t.sleep, notify=False)
    assert t.delays and t.delays[0] >= 40
    assert fake.telegram_posts() == []
    assert p.post_status(post_id) == "expired"
    (d,) = p.deliveries()
    assert d["status"] == "cancelled" and "berakhir" in d["last_error"]
    assert summary.expired_posts == [post_id]


def _with_publish(cfg, sections=None, **changes):
    """*cfg* with ``publish`` keys changed; *sections*: channel tables to replace."""
    import dataclasses

    if sections:
        changes["sections"] = {**cfg.publish.sections, **sections}
    return dataclasses.replace(cfg, publish=dataclasses.replace(cfg.publish, **changes))


def test_429_retry_after_is_honoured_and_sends_once(tmp_path, tokens, fake):
    p = make(tmp_path, ["telegram"], fake)
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
    p = make(tmp_path, ["telegram"], fake)
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
    p = make(tmp_path, ["telegram"])
    p.cfg = _with_publish(p.cfg, channels=["telegram"], sections={"telegram": _tg(dead)})
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
    p = make(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "failed" and d["attempts"] == 1
    assert "token bot Telegram ditolak" in d["last_error"] and "401" in d["last_error"]
    assert "WRONG-token-value" not in d["last_error"]
    assert p.post_status(post_id) == "failed"
    assert "token bot Telegram ditolak" in p.db["posts"].get(post_id)["reason"]
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
    p = make(tmp_path, ["telegram"], fake, timeout=1.5)
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
    p = make(tmp_path, ["facebook"], fake)
    add_lot(p.db, "lot-1")
    add_post(p.db, p.cfg, "lot-1")
    fake.expect("fb.photos", "drop_after_accept")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.unconfirmed == 1 and len(fake.facebook) == 1
    assert publish(p.cfg, p.db, now=True, notify=False).outcomes == []
    assert len(fake.facebook) == 1


def test_human_resend_of_an_unconfirmed_post_sends_once(tmp_path, tokens, fake):
    p = make(tmp_path, ["telegram"], fake, timeout=1.5)
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


def test_resolution_errors_are_clear(tmp_path, tokens, fake):
    p = make(tmp_path, ["telegram"], fake)
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
    p = make(tmp_path, ["telegram"], fake, timeout=1.5)
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
    p = make(tmp_path, ["telegram"])  # no [publish.telegram] chat_id
    with pytest.raises(ConfigError, match=r"publish\.telegram\.chat_id"):
        publish(p.cfg, p.db, now=True)
    monkeypatch.delenv("PROMO_FACEBOOK_TOKEN")
    p2 = make(tmp_path, ["facebook"], fake)
    with pytest.raises(ConfigError, match="PROMO_FACEBOOK_TOKEN"):
        publish(p2.cfg, p2.db, now=True)
    assert p2.deliveries() == []


def test_image_file_missing_fails_before_any_call(tmp_path, tokens, fake):
    p = make(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    (p.cfg.output_dir / "render/lot-1/feed-0.jpg").unlink()
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "failed" and "tidak ditemukan" in d["last_error"]
    assert fake.calls == [] and p.post_status(post_id) == "failed"


def test_image_path_outside_output_dir_is_refused(tmp_path, tokens, fake):
    p = make(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    p.db["posts"].update(post_id, {"images": json.dumps(["../../../etc/passwd"])})
    publish(p.cfg, p.db, now=True, notify=False)
    (d,) = p.deliveries()
    assert d["status"] == "failed" and "di luar folder" in d["last_error"]
    assert fake.calls == []


# --- crashes and kills ---------------------------------------------------------------------------


@pytest.mark.crash
@pytest.mark.parametrize("point", ["after_delivery_claimed", "after_platform_accepted"])
def test_crash_points_never_lead_to_a_second_post(tmp_path, tokens, fake, point):
    p = make(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    crashed = promo(p, "publish", "--now", env=env_with_tokens(PROMO_CRASH_AT=point))
    assert crashed.returncode == 137
    posted = 1 if point == "after_platform_accepted" else 0
    assert len(fake.telegram_posts()) == posted
    assert [d["status"] for d in p.deliveries()] == ["sending"]

    rerun = promo(p, "publish", "--now")
    assert rerun.returncode == 1  # something needs a human
    assert "BELUM PASTI" in rerun.stdout + rerun.stderr or "belum pasti 1" in rerun.stdout
    assert [d["status"] for d in p.deliveries()] == ["unconfirmed"]
    assert p.post_status(post_id) == "unconfirmed"
    again = promo(p, "publish", "--now")
    assert again.returncode == 0
    assert len(fake.telegram_posts()) == posted
    assert store.integrity_check(p.db) == "ok"

    # The human decides; the post then goes out exactly once in total.
    decision = "--sent" if posted else "--resend"
    resolved = promo(p, "queue", "resolve", str(post_id), decision, "--as", "sari")
    assert resolved.returncode == 0, resolved.stderr
    final = promo(p, "publish")
    assert final.returncode == 0, final.stderr
    assert len(fake.telegram_posts()) == 1
    assert p.post_status(post_id) == "published"


@pytest.mark.crash
def test_sigkill_mid_call_then_rerun_posts_nothing_more(tmp_path, tokens, fake):
    """A real `kill -9` of `promo publish` while the platform holds the request."""
    p = make(tmp_path, ["facebook"], fake, timeout=20)
    fake.hang_seconds = 20
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.expect("fb.photos", "hang_after_accept")
    proc = subprocess.Popen(
        [sys.executable, "-m", "promo_pipeline", "--config", str(p.cfg_path), "publish", "--now"],
        env=env_with_tokens(), cwd=p.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not fake.facebook and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(fake.facebook) == 1  # the platform has accepted the post
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    rerun = promo(p, "publish", "--now")
    assert rerun.returncode == 1
    assert [d["status"] for d in p.deliveries()] == ["unconfirmed"]
    assert promo(p, "publish", "--now").returncode == 0
    assert len(fake.facebook) == 1
    assert p.post_status(post_id) == "unconfirmed"
    assert store.integrity_check(p.db) == "ok"


# --- the command ---------------------------------------------------------------------------------


def test_cli_publish_json_and_queue_deliveries(tmp_path, tokens, fake):
    p = make(tmp_path, ["export", "telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    out = promo(p, "publish", "--now", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["sent"] == 2 and data["failed"] == 0
    listing = promo(p, "queue", "deliveries", "--json")
    rows = json.loads(listing.stdout)
    assert {(r["post_id"], r["channel"], r["status"]) for r in rows} == {
        (post_id, "export", "sent"), (post_id, "telegram", "sent")}
    assert "payload" not in rows[0]
    text = promo(p, "queue", "deliveries", "--post", str(post_id))
    assert "telegram" in text.stdout and "https://t.me/kpknlbima/1" in text.stdout


def test_cli_resolve_needs_a_decision(tmp_path, tokens):
    p = make(tmp_path, ["export"])
    out = promo(p, "queue", "resolve", "1")
    assert out.returncode == 2 and "--sent" in out.stderr and "Traceback" not in out.stderr


def test_secrets_never_printed_even_in_debug_logs(tmp_path, tokens, fake):
    from fake_platforms import TELEGRAM_TOKEN

    p = make(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    add_lot(p.db, "lot-2")
    add_post(p.db, p.cfg, "lot-1")
    add_post(p.db, p.cfg, "lot-2")
    fake.expect("telegram.sendPhoto", "ok", ("error", 400, {
        "ok": False, "error_code": 400,
        "description": f"Bad Request: token {TELEGRAM_TOKEN} echoed back"}))
    out = promo(p, "-vv", "publish", "--now")
    assert out.returncode == 1
    both = out.stdout + out.stderr
    assert "sendPhoto" in both  # urllib3's debug line was there, token scrubbed
    assert TELEGRAM_TOKEN not in both
    assert TELEGRAM_TOKEN not in json.dumps(p.deliveries())
    assert TELEGRAM_TOKEN not in json.dumps(list(p.db["post_events"].rows))
