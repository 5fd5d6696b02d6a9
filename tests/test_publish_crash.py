"""Crashes and kills of `promo publish` (named crash points and a real SIGKILL), and the
command itself: the real `promo` in a subprocess against fake platforms on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from fake_platforms import add_lot, add_post, env_with_tokens, promo
from publish_project import make_project

from promo_pipeline import accounts, store
from promo_pipeline.publish.outbox import publish

# --- crashes and kills ---------------------------------------------------------------------------


@pytest.mark.crash
@pytest.mark.parametrize("point", ["after_delivery_claimed", "after_platform_accepted"])
def test_crash_points_never_lead_to_a_second_post(tmp_path, tokens, fake, point):
    p = make_project(tmp_path, ["telegram"], fake)
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
    accounts.add_user(p.db, "sari", "kata-sandi-uji")
    resolved = promo(p, "queue", "resolve", str(post_id), decision, "--as", "sari")
    assert resolved.returncode == 0, resolved.stderr
    final = promo(p, "publish")
    assert final.returncode == 0, final.stderr
    assert len(fake.telegram_posts()) == 1
    assert p.post_status(post_id) == "published"


@pytest.mark.crash
@pytest.mark.parametrize("channel", ["telegram", "facebook"])
def test_sigkill_mid_call_then_rerun_posts_nothing_more(tmp_path, tokens, fake, channel):
    """A real `kill -9` of `promo publish` while the platform holds the request it accepted.
    Telegram cannot be asked: the rerun leaves it to a person. The Facebook Page can: the rerun
    finds the post there and records it as sent, with its id."""
    p = make_project(tmp_path, [channel], fake, timeout=20)
    fake.hang_seconds = 20
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    fake.expect("fb.photos" if channel == "facebook" else "telegram.sendPhoto",
                "hang_after_accept")
    proc = subprocess.Popen(
        [sys.executable, "-m", "promo_pipeline", "--config", str(p.cfg_path), "publish", "--now"],
        env=env_with_tokens(), cwd=p.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not fake.total_posts and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake.total_posts == 1  # the platform has accepted the post
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    rerun = promo(p, "publish", "--now")
    (d,) = p.deliveries()
    if channel == "telegram":
        assert rerun.returncode == 1 and d["status"] == "unconfirmed"
        assert p.post_status(post_id) == "unconfirmed"
    else:
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert d["status"] == "sent" and d["remote_id"] == fake.facebook[0]["id"]
        assert "terputus di tengah pengiriman → terkirim" in rerun.stdout
        assert p.post_status(post_id) == "published"
    assert promo(p, "publish", "--now").returncode == 0
    assert fake.total_posts == 1
    assert store.integrity_check(p.db) == "ok"


@pytest.mark.crash
@pytest.mark.parametrize("point", ["after_delivery_claimed", "after_platform_accepted"])
def test_instagram_crash_is_settled_by_the_container(tmp_path, tokens, fake, point):
    """Killed before or after media_publish: the container says whether it went out, so the
    rerun either records the post (with its media id) or publishes the same container — one
    post either way, and no person is needed."""
    from fake_platforms import StaticServer

    out = tmp_path / "proj" / "data" / "out"
    out.mkdir(parents=True)
    static = StaticServer(out).start()
    try:
        p = make_project(tmp_path, ["instagram"], fake, public_base_url=static.url)
        add_lot(p.db, "lot-1")
        post_id = add_post(p.db, p.cfg, "lot-1")
        crashed = promo(p, "publish", "--now", env=env_with_tokens(PROMO_CRASH_AT=point))
        assert crashed.returncode == 137
        rerun = promo(p, "publish", "--now")
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        (d,) = p.deliveries()
        assert d["status"] == "sent" and d["remote_id"] == fake.instagram[0]["id"]
        assert len(fake.instagram) == 1 and len(fake.containers) <= 1
        assert p.post_status(post_id) == "published" and fake.violations == []
    finally:
        static.stop()


# --- the command ---------------------------------------------------------------------------------


def test_cli_publish_json_and_queue_deliveries(tmp_path, tokens, fake):
    p = make_project(tmp_path, ["export", "telegram"], fake)
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
    p = make_project(tmp_path, ["export"])
    out = promo(p, "queue", "resolve", "1")
    assert out.returncode == 2 and "--sent" in out.stderr and "Traceback" not in out.stderr


def test_cli_resolve_needs_a_named_account_of_the_posts_office(tmp_path, tokens, fake,
                                                                monkeypatch):
    """Like approve: no --as, an --as naming no account, or an account of other offices exits
    2 with one Indonesian line and resolves nothing (the OS user is never taken); the office
    refusal is recorded in the post's history; a named account of the office resolves."""
    monkeypatch.setenv("PROMO_TELEGRAM_TOKEN", "999:WRONG-token-value")
    p = make_project(tmp_path, ["telegram"], fake)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    publish(p.cfg, p.db, now=True, notify=False)
    assert [d["status"] for d in p.deliveries()] == ["failed"]
    accounts.add_user(p.db, "sari", "kata-sandi-uji", offices=["off-bima"])
    accounts.add_user(p.db, "dompu", "kata-sandi-uji", offices=["off-dompu"])

    for args, words in (((), "sebutkan akun peninjau dengan --as NAMA"),
                        (("--as", "nobody"), "akun peninjau 'nobody' tidak ada"),
                        (("--as", "  "), "sebutkan akun peninjau dengan --as NAMA"),
                        (("--as", "dompu"), "tidak berwenang atas unggahan")):
        out = promo(p, "queue", "resolve", str(post_id), "--resend", *args)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert words in out.stderr and "Traceback" not in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr
        assert [d["status"] for d in p.deliveries()] == ["failed"]
    refused = [e for e in p.db["post_events"].rows_where("post_id = ?", [post_id])
               if e["action"] == "refused"]
    assert [(e["actor"], json.loads(e["detail"])["attempted"]) for e in refused] == [
        ("dompu", "resolve")]

    out = promo(p, "queue", "resolve", str(post_id), "--resend", "--as", "SARI")
    assert out.returncode == 0, out.stderr
    assert "oleh sari" in out.stdout
    (d,) = p.deliveries()
    assert d["status"] == "queued" and d["resolved_by"] == "sari"


def test_secrets_never_printed_even_in_debug_logs(tmp_path, tokens, fake):
    from fake_platforms import TELEGRAM_TOKEN

    p = make_project(tmp_path, ["telegram"], fake)
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
