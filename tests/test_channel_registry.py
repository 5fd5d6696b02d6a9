"""The channel registry: what each channel declares, and a new channel as one class.

A throwaway channel registered here (a notice board at a fake on 127.0.0.1) is accepted by
config, has a caption limit and is delivered exactly once by the outbox, with no other module
touched.
"""

from __future__ import annotations

import re

import pytest
import requests
from fake_platforms import Project, add_lot, add_post, write_config

from promo_pipeline.publish.outbox import publish


def test_registry_declares_every_channel():
    from promo_pipeline.publish import channels as registry

    assert registry.publishing() == ("export", "facebook", "instagram", "telegram")
    assert registry.captioned() == ("facebook", "instagram", "telegram", "threads", "x")
    assert registry.caption_limit("telegram") == registry.CaptionLimit(1024, "utf16", hard=False)
    assert registry.caption_limit("x").unit == "weighted"
    assert registry.caption_limit("threads") == registry.CaptionLimit(500, "utf8")
    ig = registry.caption_limit("instagram")
    assert (ig.max_length, ig.max_hashtags, ig.max_mentions) == (2200, 30, 20)
    assert registry.get("facebook").env_secrets == ("PROMO_FACEBOOK_TOKEN",)
    assert registry.env_secrets() == ("PROMO_FACEBOOK_TOKEN", "PROMO_INSTAGRAM_TOKEN",
                                      "PROMO_TELEGRAM_TOKEN")
    assert set(registry.sections()) == {"telegram", "facebook", "instagram"}
    assert registry.label("telegram") == "Telegram" and registry.label("nope") == "nope"
    with pytest.raises(KeyError, match="unknown channel 'nope'"):
        registry.get("nope")
    with pytest.raises(KeyError, match="no caption limit"):
        registry.caption_limit("export")


def test_caption_limits_count_the_platforms_way():
    from promo_pipeline.publish.channels import CaptionLimit

    text = "Rumah 🏠 di Bima"  # one emoji: 1 code point, 2 UTF-16 units, 4 UTF-8 bytes
    assert CaptionLimit(10, "chars").measure(text) == 15
    assert CaptionLimit(10, "utf16").measure(text) == 16
    assert CaptionLimit(10, "utf8").measure(text) == 18
    url = "https://lelang.go.id/kpknl/off-bima/detail-auction/" + "a" * 80
    assert CaptionLimit(280, "weighted").measure(f"Lot {url}") == 4 + 23  # every URL is 23
    assert CaptionLimit(15, "chars").over(text) is False
    assert CaptionLimit(15, "utf16").over(text) is True
    with pytest.raises(ValueError, match="unknown caption unit"):
        CaptionLimit(10, "bytes")


def test_the_registry_and_config_load_no_http_or_imaging_library():
    import subprocess
    import sys

    code = ("import sys; from promo_pipeline import config; "
            "from promo_pipeline.publish import channels; config.Config(); "
            "channels.caption_limit('telegram').measure('x'); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'requests', 'urllib3', 'PIL', 'twitter_text', 'jinja2', 'flask'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_a_registered_channel_name_must_be_new():
    from promo_pipeline.publish import channels as registry

    class Again(registry.Channel):
        name = "telegram"
        label = "Telegram lagi"
        caption = registry.CaptionLimit(10)

    with pytest.raises(ValueError, match="registered already"):
        registry.register(Again)
    assert registry.get("telegram").__name__ == "TelegramChannel"


BOARD_TOKEN = "board-SECRET-token"


@pytest.fixture
def board_channel():
    """A throwaway channel, written here as one class and registered, like a new module in
    ``promo_pipeline/publish/channels/`` would be; removed again after the test."""
    from dataclasses import dataclass

    from promo_pipeline.errors import PermanentPublishError
    from promo_pipeline.publish import channels as registry
    from promo_pipeline.publish.channels.base import setting

    @dataclass(frozen=True)
    class BoardSettings:
        url: str = setting("", required=True, url=True)
        board: str = setting("umum")

    class BoardChannel(registry.Channel):
        name = "papan"
        label = "Papan pengumuman"
        caption = registry.CaptionLimit(300, "chars", max_hashtags=3)
        env_secrets = ("PROMO_PAPAN_TOKEN",)
        section = BoardSettings

        def send(self, job, ctx):
            resp = requests.post(f"{self.settings.url}/posts", timeout=self.timeout, json={
                "board": self.settings.board, "text": job.caption, "images": job.images},
                headers={"Authorization": f"Bearer {self.token}"})
            if resp.status_code != 201:
                raise PermanentPublishError(f"papan menolak: {resp.text}", channel=self.name)
            return registry.SendResult(resp.json()["id"])

    registry.register(BoardChannel)
    yield BoardChannel
    registry.unregister("papan")


def test_a_new_channel_is_one_class(tmp_path, board_channel, monkeypatch):
    """Registered once, the channel is accepted by config (its table, both channel lists and
    its token), has a caption limit, and the outbox delivers to it exactly once."""
    from fake_platforms import FakeBoard

    from promo_pipeline import config
    from promo_pipeline.config.secrets import secret_values
    from promo_pipeline.errors import ConfigError
    from promo_pipeline.publish import channels as registry

    board = FakeBoard(BOARD_TOKEN).start()
    try:
        root = tmp_path / "proj"
        root.mkdir()
        cfg_path = write_config(root, channels=["export", "papan"], extra=(
            f'\n[publish.papan]\nurl = "{board.url}"\nboard = "lelang"\n\n'
            '[captions]\nchannels = ["instagram", "papan"]\n'))
        p = Project(root, cfg_path)
        assert p.cfg.publish.section("papan").board == "lelang"
        assert registry.caption_limit("papan").max_length == 300
        # Without its token the channel stops the publish before anything is sent.
        monkeypatch.delenv("PROMO_PAPAN_TOKEN", raising=False)
        add_lot(p.db, "lot-1")
        post_id = add_post(p.db, p.cfg, "lot-1")
        with pytest.raises(ConfigError, match="needs its token in the environment variable "
                           "PROMO_PAPAN_TOKEN"):
            publish(p.cfg, p.db, now=True, notify=False)
        monkeypatch.setenv("PROMO_PAPAN_TOKEN", BOARD_TOKEN)
        assert config.secret("papan") == BOARD_TOKEN and BOARD_TOKEN in secret_values()

        summary = publish(p.cfg, p.db, now=True, notify=False)
        assert summary.sent == 2 and p.post_status(post_id) == "published"
        (post,) = board.posts
        assert post["board"] == "lelang" and "Rp98.500.000" in post["text"]
        assert post["images"] == ["render/lot-1/feed-0.jpg", "render/lot-1/story.jpg"]
        assert {d["channel"]: d["remote_id"] for d in p.deliveries()}["papan"] == "board-1"
        publish(p.cfg, p.db, now=True, notify=False)
        assert len(board.posts) == 1 and board.refused == []
    finally:
        board.stop()


@pytest.mark.parametrize(("extra", "message"), [
    ('[publish.papan]\nurl = "ftp://x"\n', "'publish.papan.url' must be an http(s) URL"),
    ('[publish.papan]\nadres = "x"\n', "unknown config key 'publish.papan.adres'"),
    ('[publish.papn]\nurl = "x"\n', "unknown config key 'publish.papn' (known keys here: "
                                   "backoff_base, channels, facebook, instagram, max_wait, papan,"),
])
def test_a_new_channels_table_is_checked_like_the_others(tmp_path, board_channel, extra,
                                                         message):
    from promo_pipeline import config
    from promo_pipeline.errors import ConfigError

    root = tmp_path / "proj"
    root.mkdir()
    path = write_config(root, channels=["papan"], extra="\n" + extra)
    if "must be an http" in message:  # a value check: when the channel is enabled
        p = Project(root, path)
        with pytest.raises(ConfigError, match=re.escape(message)):
            publish(p.cfg, p.db, now=True, notify=False)
        return
    with pytest.raises(ConfigError, match=re.escape(message)):
        config.load(path)


def test_channel_names_come_from_the_registry(tmp_path, board_channel):
    from promo_pipeline import config
    from promo_pipeline.errors import ConfigError

    cfg = config.from_dict({"publish": {"channels": ["papan"]},
                            "captions": {"channels": ["papan"], "primary": "papan"}},
                           base_dir=tmp_path)
    assert cfg.publish.channels == ["papan"]
    with pytest.raises(ConfigError, match=r"'publish.channels\[0\]' must be one of "
                       r"\['export', 'facebook', 'instagram', 'papan', 'telegram'\]"):
        config.from_dict({"publish": {"channels": ["x"]}}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"'captions.channels\[1\]' must be one of"):
        config.from_dict({"captions": {"channels": ["x", "export"]}}, base_dir=tmp_path)
