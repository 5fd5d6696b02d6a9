"""``promo publish --check``: one Indonesian line per channel (settings, token, Graph API version,
token kind per host), against the fake platforms on 127.0.0.1; nothing is ever posted."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from fake_platforms import (
    INSTAGRAM_LOGIN_TOKEN,
    TELEGRAM_TOKEN,
    FakePlatforms,
    env_with_tokens,
    promo,
)
from publish_project import make_project, with_publish

from promo_pipeline.publish.channels.facebook import FacebookSettings
from promo_pipeline.publish.channels.instagram import InstagramSettings
from promo_pipeline.publish.check import check_publishing, graph_setup

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
ALL = ["export", "telegram", "facebook", "instagram"]


pytestmark = pytest.mark.usefixtures("tokens")


def lines(p) -> dict[str, tuple[str, str]]:
    return {c.channel: (c.level, c.line()) for c in check_publishing(p.cfg, now=NOW)}


def test_every_channel_ready(tmp_path, fake):
    p = make_project(tmp_path, ALL, fake, public_base_url="https://kpknl.example/media")
    got = lines(p)
    assert {k: v[0] for k, v in got.items()} == dict.fromkeys(ALL, "ok"), got
    assert got["telegram"][1] == ("Telegram: siap — @kpknl_bot dapat memposting ke @kpknlbima "
                                  "(channel, administrator)")
    assert "Graph API v26.0" in got["facebook"][1] and "KPKNL Bima (pg100)" in got["facebook"][1]
    assert "akun @kpknlbima" in got["instagram"][1] and "0/50" in got["instagram"][1]
    assert got["export"][1].startswith("Ekspor: siap — folder ")
    assert fake.total_posts == 0 and not [c for c in fake.calls if c.startswith("POST ig")]


def test_graph_versions_are_checked_against_metas_list():
    level, notes = graph_setup("https://graph.facebook.com/v21.0", "EAAx", NOW.date())
    assert level == "warn"
    assert notes[0] == ("Graph API v21.0 tersedia sampai 21 Januari 2027 (47 hari lagi); "
                        "terbaru v26.0")
    assert notes[1] == "token Facebook Login di graph.facebook.com"
    level, notes = graph_setup("https://graph.facebook.com/v20.0", "EAAx", NOW.date())
    assert level == "fail" and "tidak tersedia lagi sejak 24 September 2026" in notes[0]
    assert graph_setup("https://graph.facebook.com/v25.0", "EAAx", NOW.date())[0] == "ok"
    assert graph_setup("https://graph.facebook.com/v99.0", "EAAx", NOW.date())[0] == "warn"
    assert "tanpa versi" in graph_setup("https://graph.facebook.com", "EAAx", NOW.date())[1][0]


def test_token_kind_per_host(tmp_path, fake, monkeypatch):
    """An Instagram Login token on graph.facebook.com (or a Facebook Login one on
    graph.instagram.com) cannot work: said before any call; a token the host refuses is
    reported with the platform's words."""
    p = make_project(tmp_path, ["instagram"], fake, public_base_url="https://x.example")
    ig_host = InstagramSettings(user_id="igu200", api_base="https://graph.instagram.com/v26.0",
                                public_base_url="https://x.example")
    p.cfg = with_publish(p.cfg, sections={"instagram": ig_host})
    level, text = lines(p)["instagram"]
    assert level == "fail" and "token Facebook Login (EAA…) tidak berlaku di " \
                               "graph.instagram.com" in text
    calls = len(fake.calls)

    ig_fake = FakePlatforms(graph_host="instagram").start()
    try:
        section = dataclasses.replace(ig_host, api_base=f"{ig_fake.url}/v26.0")
        p.cfg = with_publish(p.cfg, sections={"instagram": section})
        level, text = lines(p)["instagram"]
        assert level == "fail" and "Cannot parse access token" in text  # EAA on the IG host
        monkeypatch.setenv("PROMO_INSTAGRAM_TOKEN", INSTAGRAM_LOGIN_TOKEN)
        level, text = lines(p)["instagram"]
        assert level == "ok" and "token Instagram Login" in text and "@kpknlbima" in text
    finally:
        ig_fake.stop()
    assert len(fake.calls) == calls  # the pairing was refused without a call


def test_problems_are_one_line_each_and_the_others_are_still_checked(tmp_path, fake,
                                                                     monkeypatch):
    monkeypatch.delenv("PROMO_TELEGRAM_TOKEN")
    p = make_project(tmp_path, ["telegram", "facebook"], fake)
    p.cfg = with_publish(p.cfg, sections={"facebook": FacebookSettings(
        page_id="pg999", api_base=f"{fake.url}/v26.0")})
    got = lines(p)
    assert got["telegram"][0] == "fail" and "PROMO_TELEGRAM_TOKEN" in got["telegram"][1]
    assert got["facebook"][0] == "fail" and "bukan Halaman pg999" in got["facebook"][1]


def test_the_command_prints_a_line_per_channel_and_never_the_token(tmp_path, fake):
    p = make_project(tmp_path, ["telegram", "facebook"], fake)
    out = promo(p, "-vv", "publish", "--check", env=env_with_tokens())
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Telegram: siap" in out.stdout and "Facebook: siap" in out.stdout
    assert "getMe" in out.stderr  # urllib3's debug line was there, scrubbed
    assert TELEGRAM_TOKEN not in out.stdout + out.stderr
    bad = promo(p, "publish", "--check", env=env_with_tokens(PROMO_FACEBOOK_TOKEN="EAA-old"))
    assert bad.returncode == 1 and "Facebook: GAGAL" in bad.stderr
    assert "Traceback" not in bad.stderr and fake.total_posts == 0


def test_a_run_with_telegram_notifications_never_logs_the_token(cfg_factory, fake_lelang, fake):
    """`promo -vv run` notifies reviewers through the same bot: urllib3's debug line holds the
    Bot API path, and so the token, unless the console handler scrubs it."""
    import os
    import subprocess
    import sys

    cfg = cfg_factory(fake_lelang, render={"formats": ["feed"]},
                      notify={"telegram": {"chat_id": "-100200", "api_base": fake.url}})
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMO_")}
    env["PROMO_TELEGRAM_TOKEN"] = TELEGRAM_TOKEN
    out = subprocess.run([sys.executable, "-m", "promo_pipeline", "--config", str(cfg.path),
                          "-vv", "run"], env=env, capture_output=True, text=True, timeout=300,
                         cwd=cfg.path.parent, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    (msg,) = fake.telegram
    assert msg["method"] == "sendMessage" and "unggahan baru" in msg["text"]
    assert "sendMessage" in out.stderr and "/bot***/sendMessage" in out.stderr
    assert TELEGRAM_TOKEN not in out.stdout + out.stderr
