"""The outbox: every approved post goes out exactly once, or a human is asked.

Real parts throughout: a SQLite file, real JPEGs, the real HTTP code against fake Telegram and
Graph API servers on 127.0.0.1 (tests/fake_platforms.py). This file: the export channel and the
outbox's rules (enqueue, slots, the auction's end); retries and human decisions are in
test_publish_retries.py, crashes and the command in test_publish_crash.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fake_platforms import add_lot, add_post, env_with_tokens, promo
from publish_project import Sleeper, make_project, with_publish

from promo_pipeline import store
from promo_pipeline.publish.enqueue import enqueue_approved, idem_key
from promo_pipeline.publish.outbox import publish
from promo_pipeline.publish.settle import post_outcome

# --- export ---------------------------------------------------------------------------------------


def test_export_writes_one_complete_folder_once(tmp_path, tokens):
    p = make_project(tmp_path, ["export"])
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1", images=2)

    first = publish(p.cfg, p.db, now=True, notify=False)
    assert first.sent == 1 and first.ok
    folders = list((p.cfg.output_dir / "outbox").glob("*/*"))
    # Named by the lot's headline and id prefix (tests/test_export.py: names of real titles).
    assert [f.name for f in folders] == ["sebidang-tanah-shm-lot-1-lot-1"]
    folder = folders[0]
    names = sorted(x.name for x in folder.iterdir())
    assert names == ["01-feed-0.jpg", "02-feed-1.jpg", "03-story.jpg", "BACA-SAYA.txt",
                     "caption-facebook.txt",
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
        "/sebidang-tanah-shm-lot-1-lot-1"
    mtime = (folder / "post.json").stat().st_mtime_ns

    second = publish(p.cfg, p.db, now=True, notify=False)
    assert second.sent == 0 and second.outcomes == []
    assert (folder / "post.json").stat().st_mtime_ns == mtime
    assert not list((p.cfg.output_dir / "outbox").rglob("*.tmp"))


def test_export_of_an_already_exported_post_is_not_rewritten(tmp_path, tokens):
    """A folder of that name under any date means the post went out: reuse it, write nothing."""
    p = make_project(tmp_path, ["export"])
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
    p = make_project(tmp_path, ["export"])
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
    assert len(list((p.cfg.output_dir / "outbox").glob("*/sebidang-tanah-shm-lot-1-lot-1"))) == 1
    assert p.post_status(post_id) == "published"


def test_export_crash_after_write_finds_the_folder(tmp_path, tokens):
    p = make_project(tmp_path, ["export"])
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
    p = make_project(tmp_path, ["export", "telegram"], fake)
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
    p = make_project(tmp_path, ["telegram"], fake)
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
    p = make_project(tmp_path, ["export", "telegram", "facebook"], fake)
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
    p = make_project(tmp_path, ["telegram"], fake, slots=["09:00", "15:00"])
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
    p = make_project(tmp_path, ["telegram"], fake, slots=["09:00"])
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
    p = make_project(tmp_path, ["export", "telegram"], fake)
    add_lot(p.db, "lot-ended", ends_in=timedelta(hours=-1))
    ended = add_post(p.db, p.cfg, "lot-ended")
    add_lot(p.db, "lot-ok")
    ok = add_post(p.db, p.cfg, "lot-ok")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.expired_posts == [ended]
    assert p.post_status(ended) == "expired" and p.post_status(ok) == "published"
    assert [m["caption"] for m in fake.telegram_posts() if "lot-ended" in m["caption"]] == []
    exported = [json.loads(f.read_text(encoding="utf-8"))["lot_id"]
                for f in (p.cfg.output_dir / "outbox").glob("*/*/post.json")]
    assert exported == ["lot-ok"]
    assert {d["post_id"] for d in p.deliveries()} == {ok}


def test_auction_ending_while_queued_cancels_the_delivery(tmp_path, tokens, fake):
    """The end is checked again right before each claim, with the clock of that moment."""
    p = make_project(tmp_path, ["telegram"], fake)
    t = Sleeper()
    add_lot(p.db, "lot-1", ends_in=timedelta(seconds=30), now=t.now)
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.expect("telegram.sendPhoto", ("error", 429, {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 40",
        "parameters": {"retry_after": 40}}))
    p.cfg = with_publish(p.cfg, max_wait=120)
    summary = publish(p.cfg, p.db, now=True, clock=t.clock, sleep=t.sleep, notify=False)
    assert t.delays and t.delays[0] >= 40
    assert fake.telegram_posts() == []
    assert p.post_status(post_id) == "expired"
    (d,) = p.deliveries()
    assert d["status"] == "cancelled" and "berakhir" in d["last_error"]
    assert summary.expired_posts == [post_id]


