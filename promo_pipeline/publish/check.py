"""``promo publish --check``: one Indonesian line per configured channel, before anything is sent.

Settings read: ``publish.channels``, the ``[publish.<name>]`` tables, ``publish.timeout``,
``storage.output_dir``; the channels' tokens from the environment.

What is checked, read-only (nothing is posted):

- every channel: its settings and token are there (the same check as a publish);
- export: the outbox folder can be written;
- Telegram: the token (``getMe``), the chat (``getChat``) and that the bot may post there
  (``getChatMember``: an administrator with "Post Messages" in a channel);
- Facebook and Instagram: the Graph API version of ``api_base`` against Meta's list (still
  available? for how long? the newest known), the token's kind against the host (Facebook Login
  ``EAA…`` on graph.facebook.com, Instagram Login ``IG…`` on graph.instagram.com), and the
  token itself: the Page it belongs to, the Instagram account and its 24-hour publishing limit.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal

from promo_pipeline import clock as clock_mod
from promo_pipeline.config import Config, Office
from promo_pipeline.config.secrets import channel_secrets
from promo_pipeline.errors import ConfigError, PublishError
from promo_pipeline.publish import channels as registry
from promo_pipeline.publish.channels import Channel
from promo_pipeline.publish.channels.base import check_enabled

Level = Literal["ok", "warn", "fail"]
WORDS: dict[Level, str] = {"ok": "siap", "warn": "PERINGATAN", "fail": "GAGAL"}
#: Warn this many days before a Graph API version stops working.
VERSION_WARN_DAYS = 120


@dataclass(frozen=True)
class CheckLine:
    """The verdict on one channel."""

    channel: str
    level: Level
    text: str
    office: str = ""  # the office whose own channel this is ("" = the install's [publish])

    def line(self) -> str:
        where = f" ({self.office})" if self.office else ""
        return f"{registry.label(self.channel)}{where}: {WORDS[self.level]} — {self.text}"

    def to_json(self) -> dict[str, str]:
        out = {"channel": self.channel, "level": self.level, "text": self.text}
        if self.office:
            out["office"] = self.office
        return out


def check_publishing(cfg: Config, *, now: datetime | None = None) -> list[CheckLine]:
    """Check every configured publishing channel, the install's and each office's own (see
    :func:`~promo_pipeline.publish.outbox.own_channels`); never raises for a channel's problem."""
    from promo_pipeline.publish.outbox import own_channels

    today = (now or clock_mod.now()).date()
    lines = _check_channels(cfg, None, today)
    for office in cfg.offices:
        if own_channels(cfg, office):
            lines += _check_channels(cfg, office, today)
    return lines


def _check_channels(cfg: Config, office: Office | None, today: date) -> list[CheckLine]:
    pub = cfg.publish_for(office.id) if office is not None else cfg.publish
    table, suffix = "publish", ""
    if office is not None:
        table, suffix = f"offices[{cfg.offices.index(office)}].publish", office.env_suffix
    lines = []
    for name in pub.channels:
        cls = registry.get(name)
        section = pub.sections.get(name)
        env = channel_secrets(name, office)
        who = office.name if office is not None else ""
        try:
            check_enabled(cls, section, env, table=table, suffix=suffix)
        except ConfigError as exc:
            lines.append(CheckLine(name, "fail", str(exc), who))
            continue
        channel = cls(section, secrets=env, timeout=pub.timeout)
        try:
            checker = _CHECKS.get(name)
            found = checker(channel, cfg, today) if checker else (
                "ok", "tidak ada yang perlu diperiksa")
        except PublishError as exc:
            found = ("fail", str(exc))
        finally:
            channel.close()
        lines.append(CheckLine(name, *found, office=who))
    return lines


# --- per platform -----------------------------------------------------------------------------


def _export(channel: Channel, cfg: Config, today: date) -> tuple[Level, str]:
    folder = cfg.output_dir / "outbox"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".check-")
        os.close(fd)
        os.remove(probe)
    except OSError as exc:
        return "fail", f"folder {folder} tidak dapat ditulis: {exc}"
    return "ok", f"folder {folder} dapat ditulis"


def _telegram(channel: Channel, cfg: Config, today: date) -> tuple[Level, str]:
    from promo_pipeline.publish.channels.telegram import TelegramChannel

    assert isinstance(channel, TelegramChannel)
    bot = channel.bot
    me = bot.get_me()
    chat = bot.get_chat()
    name = f"@{me.get('username')}" if me.get("username") else "bot"
    where = f"@{chat['username']}" if chat.get("username") else str(chat.get("id", bot.chat_id))
    status = bot.member_status(int(me.get("id") or 0))
    if chat.get("type") == "channel" and status not in ("administrator", "creator"):
        return "fail", (f"{name} bukan admin kanal {where} (status: {status or '?'}); jadikan "
                        "admin dengan izin 'Post Messages'")
    return "ok", f"{name} dapat memposting ke {where} ({chat.get('type', '?')}, {status})"


def _facebook(channel: Channel, cfg: Config, today: date) -> tuple[Level, str]:
    from promo_pipeline.publish.channels.facebook import FacebookChannel

    assert isinstance(channel, FacebookChannel)
    level, notes = graph_setup(channel.api.base, channel.token, today)
    if level == "fail":
        return level, "; ".join(notes)
    page = channel.api.get("me", what="me", params={"fields": "id,name"})
    if str(page.get("id")) != channel.page_id:
        return "fail", (f"token ini milik {page.get('name') or page.get('id')} "
                        f"({page.get('id')}), bukan Halaman {channel.page_id}: pakai token "
                        "Halaman yang benar")
    notes.append(f"Halaman {page.get('name') or channel.page_id} ({channel.page_id})")
    return level, "; ".join(notes)


def _instagram(channel: Channel, cfg: Config, today: date) -> tuple[Level, str]:
    from promo_pipeline.publish.channels.instagram import InstagramChannel
    from promo_pipeline.publish.graph import host_kind

    assert isinstance(channel, InstagramChannel)
    level, notes = graph_setup(channel.api.base, channel.token, today)
    if level == "fail":
        return level, "; ".join(notes)
    if host_kind(channel.api.base) == "instagram":
        account = channel.api.get("me", what="me", params={"fields": "user_id,username"})
    else:
        account = channel.api.get(channel.user_id, what="account",
                                  params={"fields": "id,username"})
    notes.append(f"akun @{account.get('username') or channel.user_id}")
    quota = channel.quota()
    if quota is not None:
        usage, total = quota
        notes.append(f"{usage}/{total} unggahan lewat API dalam 24 jam")
        if usage >= total:
            level = "warn"
    if not channel.public_base.startswith("https://"):
        level = "warn" if level == "ok" else level
        notes.append("public_base_url bukan https: Instagram harus dapat mengunduh gambar")
    return level, "; ".join(notes)


_CHECKS: dict[str, Callable[[Channel, Config, date], tuple[Level, str]]] = {
    "export": _export, "telegram": _telegram, "facebook": _facebook, "instagram": _instagram,
}


def graph_setup(api_base: str, token: str, today: date) -> tuple[Level, list[str]]:
    """The version of *api_base* and the pairing of *token* with its host, in Indonesian."""
    from promo_pipeline.publish.graph import (
        GRAPH_VERSION,
        VERSIONS,
        api_version,
        host_kind,
        pairing_problem,
        token_kind,
    )

    level: Level = "ok"
    notes = []
    version = api_version(api_base)
    if version is None:
        level = "warn"
        notes.append(f"api_base tanpa versi Graph API; tulis versinya, mis. …/{GRAPH_VERSION}")
    elif version not in VERSIONS:
        level = "warn"
        notes.append(f"Graph API {version} tidak dikenal (terbaru yang dikenal {GRAPH_VERSION})")
    else:
        until = VERSIONS[version][1]
        newest = "" if version == GRAPH_VERSION else f"; terbaru {GRAPH_VERSION}"
        if until is None:
            notes.append(f"Graph API {version}{newest}")
        elif until <= today:
            return "fail", [f"Graph API {version} tidak tersedia lagi sejak {_date(until)}; "
                            f"ganti api_base ke {GRAPH_VERSION}"]
        else:
            left = (until - today).days
            if left <= VERSION_WARN_DAYS:
                level = "warn"
            notes.append(f"Graph API {version} tersedia sampai {_date(until)} ({left} hari "
                         f"lagi){newest}")
    problem = pairing_problem(token, api_base)
    if problem:
        return "fail", [*notes, problem]
    kinds = {"facebook": "Facebook Login", "instagram": "Instagram Login"}
    kind, host = token_kind(token), host_kind(api_base)
    if kind != "unknown":
        where = f" di {api_base.split('/')[2]}" if host != "unknown" else ""
        notes.append(f"token {kinds[kind]}{where}")
    return level, notes


def _date(day: date) -> str:
    from promo_pipeline import formats

    return formats.date_medium(datetime.combine(day, time(12), tzinfo=UTC), "UTC")
