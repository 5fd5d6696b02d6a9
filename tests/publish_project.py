"""A project to publish from, for the publishing tests: config, database, lots, approved posts
with real JPEG images, and the real `promo` command in a subprocess. Re-exported by
``fake_platforms``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

TELEGRAM_TOKEN = "123456:TEST-telegram-SECRET-token"
FACEBOOK_TOKEN = "EAA-test-facebook-SECRET"
#: A Facebook Login token (the default host, graph.facebook.com, takes only those).
INSTAGRAM_TOKEN = "EAA-test-instagram-SECRET"
#: An Instagram Login token (graph.instagram.com takes only those).
INSTAGRAM_LOGIN_TOKEN = "IGAA-test-instagram-login-SECRET"
GRAPH_VERSION = "v26.0"



def make_jpeg(path: Path, size: tuple[int, int], color: tuple[int, int, int]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", size, color)
    for x in range(0, size[0], 40):  # some structure, so files differ and are real JPEGs
        im.paste((255 - color[0], color[1], 255 - color[2]), (x, 0, x + 8, size[1]))
    im.save(path, "JPEG", quality=80)
    return path


def write_config(root: Path, *, channels: list[str], fake_url: str | None = None,
                 public_base_url: str = "", slots: list[str] | None = None,
                 timeout: float = 2.0, extra: str = "") -> Path:
    """A config.toml for one office (KPKNL Bima, WITA) publishing to *channels*."""
    slots = [] if slots is None else slots
    lines = [
        "[[offices]]",
        'id = "off-bima"',
        'name = "KPKNL Bima"',
        'timezone = "Asia/Makassar"',
        "",
        "[storage]",
        'database = "data/promo.db"',
        'media_dir = "data/media"',
        'output_dir = "data/out"',
        "",
        "[publish]",
        f"channels = {json.dumps(channels)}",
        f"slots = {json.dumps(slots)}",
        f"timeout = {timeout}",
        "retries = 3",
        "backoff_base = 0.2",
        "max_wait = 5",
    ]
    if fake_url:
        lines += [
            "",
            "[publish.telegram]",
            'chat_id = "@kpknlbima"',
            f'api_base = "{fake_url}"',
            "min_interval = 0",
            "",
            "[publish.facebook]",
            'page_id = "pg100"',
            f'api_base = "{fake_url}/{GRAPH_VERSION}"',
            "",
            "[publish.instagram]",
            'user_id = "igu200"',
            f'api_base = "{fake_url}/{GRAPH_VERSION}"',
            f'public_base_url = "{public_base_url}"',
            "poll_interval = 0.01",
            "poll_max = 5",
        ]
    path = root / "config.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def add_lot(db: Any, lot_id: str, *, ends_in: timedelta = timedelta(days=5),
            now: datetime | None = None, status: str = "active") -> None:
    from promo_pipeline import store
    from promo_pipeline.lots import Lot, lot_to_row

    now = now or datetime.now(UTC)
    wib = now.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Jakarta"))
    lot = Lot(id=lot_id, office_id="off-bima", office_name="KPKNL Bima",
              title=f"Sebidang tanah SHM {lot_id}", limit_value=98_500_000, deposit=20_000_000,
              ends_at=(wib + ends_in).replace(microsecond=0),
              url=f"https://lelang.go.id/kpknl/off-bima/detail-auction/{lot_id}", status=status)
    row = lot_to_row(lot)
    row.update(first_seen_at=now.isoformat(), last_seen_at=now.isoformat())
    with store.write_tx(db):
        db["lots"].upsert(row, pk="id")


def add_post(db: Any, cfg: Any, lot_id: str, *, images: int = 1, story: bool = True,
             status: str = "approved", caption: str | None = None, kind: str = "lot",
             version: int = 1, color: tuple[int, int, int] = (22, 48, 107)) -> int:
    """An approved post for *lot_id* with real JPEGs: *images* feed images (+ a story)."""
    from promo_pipeline import store

    out = cfg.output_dir
    rels = []
    for i in range(images):
        p = make_jpeg(out / "render" / lot_id / f"feed-{i}.jpg", (432, 540),
                      (color[0], (color[1] + 40 * i) % 256, color[2]))
        rels.append(p.relative_to(out).as_posix())
    if story:
        p = make_jpeg(out / "render" / lot_id / "story.jpg", (432, 768), color)
        rels.append(p.relative_to(out).as_posix())
    text = caption if caption is not None else (
        f"LELANG Sebidang tanah SHM {lot_id}\nNilai limit Rp98.500.000\n"
        f"https://lelang.go.id/kpknl/off-bima/detail-auction/{lot_id}\n#LelangNegara")
    captions = {"instagram": text, "facebook": text, "telegram": text, "x": text[:200]}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with store.write_tx(db):
        db["posts"].insert({
            "kind": kind, "dedupe_key": f"{kind}:{lot_id}:{version}", "lot_id": lot_id,
            "lot_ids": json.dumps([lot_id]), "office_id": "off-bima", "version": version,
            "content_hash": "h", "status": status, "images": json.dumps(rels),
            "captions": json.dumps(captions), "lint": "[]", "blocking": 0,
            "approved_by": "sari" if status == "approved" else None,
            "approved_at": now if status == "approved" else None,
            "created_at": now, "updated_at": now,
        })
        return db.execute("select last_insert_rowid()").fetchone()[0]


class Project:
    """A project folder with its config, database and (optionally) fake platforms."""

    def __init__(self, root: Path, cfg_path: Path):
        from promo_pipeline import config, database

        self.root = root
        self.cfg_path = cfg_path
        self.cfg = config.load(cfg_path)
        self.db = database.connect(self.cfg.database_path)

    def close(self) -> None:
        self.db.conn.close()

    def deliveries(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db["deliveries"].rows_where(order_by="id")]

    def post_status(self, post_id: int) -> str:
        return self.db["posts"].get(post_id)["status"]


def env_with_tokens(**extra: str) -> dict[str, str]:
    """The environment for a `promo` subprocess: tokens set, no crash point unless given."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMO_")}
    env.update(PROMO_TELEGRAM_TOKEN=TELEGRAM_TOKEN, PROMO_FACEBOOK_TOKEN=FACEBOOK_TOKEN,
               PROMO_INSTAGRAM_TOKEN=INSTAGRAM_TOKEN)
    env.update(extra)
    return env


def promo(project: Project, *args: str, env: dict[str, str] | None = None,
          timeout: float = 60) -> Any:
    """Run the real `promo` command (``python -m promo_pipeline``) in a subprocess."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "promo_pipeline", "--config", str(project.cfg_path), *args],
        capture_output=True, text=True, timeout=timeout, env=env or env_with_tokens(),
        cwd=project.root)


# --- time and config for the publishing tests --------------------------------------------------


class Sleeper:
    """An injected sleep that advances an injected clock, and remembers every delay. Give its
    :meth:`seconds` to a fake platform as its clock and both sides share one time."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime.now(UTC)
        self.delays: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def seconds(self) -> float:
        return self.now.timestamp()

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += timedelta(seconds=seconds)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def with_publish(cfg: Any, sections: dict[str, Any] | None = None, **changes: Any) -> Any:
    """*cfg* with ``publish`` keys changed; *sections*: channel tables to replace."""
    import dataclasses

    if sections:
        changes["sections"] = {**cfg.publish.sections, **sections}
    return dataclasses.replace(cfg, publish=dataclasses.replace(cfg.publish, **changes))


def long_caption(n: int) -> str:
    para = ("Lelang resmi KPKNL Bima: sebidang tanah SHM di Kota Bima, nilai limit "
            "Rp98.500.000, uang jaminan Rp20.000.000. ")
    text = ""
    while len(text) < n:
        text += para + "\n\n"
    return text[:n].rstrip() + " https://lelang.go.id/kpknl/off-bima/detail-auction/lot-1"


def make_project(tmp_path: Path, channels: list[str], fake: Any = None, **kw: Any) -> Project:
    """A project in ``tmp_path/proj`` publishing to *channels* (on *fake* when given)."""
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    return Project(root, write_config(root, channels=channels,
                                      fake_url=fake.url if fake else None, **kw))


def set_tokens(monkeypatch: Any) -> None:
    """The channels' tokens in the environment, no crash point."""
    monkeypatch.setenv("PROMO_TELEGRAM_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("PROMO_FACEBOOK_TOKEN", FACEBOOK_TOKEN)
    monkeypatch.setenv("PROMO_INSTAGRAM_TOKEN", INSTAGRAM_TOKEN)
    for var in ("PROMO_CRASH_AT", "PROMO_SMTP_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
