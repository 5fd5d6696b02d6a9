"""Configuration: every default in one place, loaded from `config.toml`, validated strictly.

Precedence (highest first): command-line flags > environment variables (secrets only) >
`config.toml` > the defaults in the dataclasses below.

Which file: ``--config PATH``, else ``$PROMO_CONFIG``, else ``./config.toml``. Relative paths in the
file are relative to the folder that holds it (:attr:`Config.base_dir`).

Unknown keys, wrong types and missing required keys raise
:class:`~promo_pipeline.errors.ConfigError`
naming the key (e.g. ``offices[0].timezone``). Secrets (tokens, passwords) are never read from the
file: only from the environment, through :func:`secret`.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from promo_pipeline.errors import ConfigError

ENV_CONFIG = "PROMO_CONFIG"
DEFAULT_CONFIG_NAME = "config.toml"

#: Environment variables that hold secrets; values are never logged or printed.
SECRET_ENV = {
    "telegram": "PROMO_TELEGRAM_TOKEN",
    "facebook": "PROMO_FACEBOOK_TOKEN",
    "instagram": "PROMO_INSTAGRAM_TOKEN",
    "smtp": "PROMO_SMTP_PASSWORD",
    "notify_telegram": "PROMO_TELEGRAM_TOKEN",
    "review_secret": "PROMO_SECRET_KEY",
}

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Office:
    """One KPKNL whose lots are collected."""

    id: str
    name: str
    timezone: str = "Asia/Jakarta"
    categories: list[str] = field(default_factory=list)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Source:
    """lelang.go.id endpoints and the HTTP politeness settings of the collector."""

    api_base: str = "https://api.lelang.go.id/api/v1"
    file_base: str = "https://file.lelang.go.id/lelang/"
    site_base: str = "https://lelang.go.id"
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    transfer_timeout: float = 120.0   # whole response body, so a dripping server cannot stall us
    retries: int = 4
    backoff_factor: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    requests_per_second: float = 2.0
    max_response_bytes: int = 10_000_000
    max_photo_bytes: int = 15_000_000
    max_photo_pixels: int = 50_000_000
    max_photo_side: int = 10_000
    page_size: int = 50
    max_pages: int = 200
    detail_max_age_hours: float = 24.0
    max_photos_per_lot: int = 5
    user_agent: str = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0 Safari/537.36 promo-pipeline"
    )


@dataclass(frozen=True)
class Storage:
    """Where the database, the photo cache and the rendered output live (resolved to absolute)."""

    database: str = "data/promo.db"
    media_dir: str = "data/media"
    output_dir: str = "data/out"


@dataclass(frozen=True)
class Brand:
    """The office's brand kit, usable in every image and caption template."""

    name: str = ""
    tagline: str = "Lelang resmi negara"
    primary_color: str = "#16306B"
    secondary_color: str = "#0E7C86"
    accent_color: str = "#F5B700"
    text_color: str = "#14213D"
    background_color: str = "#F4F6FB"
    logo: str = ""
    handle: str = ""
    contact: str = ""
    phone: str = ""
    website: str = ""
    helpline: str = "Halo DJKN 150991"
    hashtags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Render:
    """Image rendering: which designs, where templates live, output quality."""

    formats: list[str] = field(default_factory=lambda: ["feed", "story"])
    templates_dir: str = "templates"
    jpeg_quality: int = 90
    workers: int = 0
    urgent_days: int = 3


@dataclass(frozen=True)
class Captions:
    """Caption channels and the caption templates folder."""

    channels: list[str] = field(default_factory=lambda: ["instagram", "facebook", "telegram", "x"])
    primary: str = "instagram"
    templates_dir: str = "templates/captions"


@dataclass(frozen=True)
class Review:
    """The staff review page."""

    host: str = "127.0.0.1"
    port: int = 8765
    public_url: str = ""
    page_size: int = 50
    session_hours: float = 12.0
    max_login_failures: int = 5
    lockout_minutes: float = 15.0


@dataclass(frozen=True)
class Schedule:
    """The daily service (office-local times)."""

    daily_at: str = "06:00"
    digest_day: str = "mon"
    digest_at: str = "07:00"
    reminders: bool = False
    misfire_grace_hours: float = 6.0
    timezone: str = ""


@dataclass(frozen=True)
class TelegramChannel:
    chat_id: str = ""
    api_base: str = "https://api.telegram.org"
    min_interval: float = 3.0  # seconds between posts to one chat (Telegram allows ~20/min)


@dataclass(frozen=True)
class FacebookChannel:
    page_id: str = ""
    api_base: str = "https://graph.facebook.com/v21.0"


@dataclass(frozen=True)
class InstagramChannel:
    user_id: str = ""
    api_base: str = "https://graph.facebook.com/v21.0"
    public_base_url: str = ""
    poll_interval: float = 5.0  # seconds between container status checks
    poll_max: int = 60  # status checks before giving up for this run (the container is kept)


@dataclass(frozen=True)
class Publish:
    """Where approved posts go and when."""

    channels: list[str] = field(default_factory=lambda: ["export"])
    slots: list[str] = field(default_factory=lambda: ["09:00", "15:00"])
    timeout: float = 30.0
    retries: int = 3
    backoff_base: float = 5.0  # first retry delay in seconds; doubles per attempt
    max_wait: float = 60.0  # longest in-run wait for a retry; longer ones wait for a later run
    telegram: TelegramChannel = field(default_factory=TelegramChannel)
    facebook: FacebookChannel = field(default_factory=FacebookChannel)
    instagram: InstagramChannel = field(default_factory=InstagramChannel)


@dataclass(frozen=True)
class NotifyEmail:
    host: str = ""
    port: int = 587
    starttls: bool = True
    username: str = ""
    from_: str = ""  # TOML key "from"
    to: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NotifyTelegram:
    chat_id: str = ""
    api_base: str = "https://api.telegram.org"


@dataclass(frozen=True)
class Notify:
    email: NotifyEmail = field(default_factory=NotifyEmail)
    telegram: NotifyTelegram = field(default_factory=NotifyTelegram)


@dataclass(frozen=True)
class Logging:
    level: str = "INFO"
    file: str = "data/promo.log"


@dataclass(frozen=True)
class Config:
    """The whole, validated configuration. Paths in :attr:`storage` are absolute."""

    offices: list[Office] = field(default_factory=list)
    source: Source = field(default_factory=Source)
    storage: Storage = field(default_factory=Storage)
    brand: Brand = field(default_factory=Brand)
    render: Render = field(default_factory=Render)
    captions: Captions = field(default_factory=Captions)
    review: Review = field(default_factory=Review)
    schedule: Schedule = field(default_factory=Schedule)
    publish: Publish = field(default_factory=Publish)
    notify: Notify = field(default_factory=Notify)
    logging: Logging = field(default_factory=Logging)
    base_dir: Path = field(default_factory=Path.cwd)
    path: Path | None = None

    # --- resolved paths ---------------------------------------------------------------
    def resolve(self, value: str | Path) -> Path:
        """A path from the config, absolute (relative ones are relative to the config file)."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def database_path(self) -> Path:
        return self.resolve(self.storage.database)

    @property
    def media_dir(self) -> Path:
        return self.resolve(self.storage.media_dir)

    @property
    def output_dir(self) -> Path:
        return self.resolve(self.storage.output_dir)

    @property
    def lock_path(self) -> Path:
        return self.database_path.with_suffix(".lock")

    def office(self, office_id: str) -> Office | None:
        return next((o for o in self.offices if o.id == office_id), None)

    @property
    def default_timezone(self) -> str:
        if self.schedule.timezone:
            return self.schedule.timezone
        return self.offices[0].timezone if self.offices else "Asia/Jakarta"

    def timezone_of(self, office_id: str | None) -> str:
        """The zone an office's times are shown in: its own, else :attr:`default_timezone`."""
        office = self.office(office_id) if office_id else None
        return office.timezone if office is not None else self.default_timezone

    def display(self, path: Path) -> str:
        """A path as commands print it: relative to the config folder when inside it."""
        try:
            return str(Path(path).resolve().relative_to(self.base_dir.resolve()))
        except ValueError:
            return str(Path(path).resolve())


def secret(name: str) -> str | None:
    """A secret from the environment by its logical name (see :data:`SECRET_ENV`)."""
    value = os.environ.get(SECRET_ENV[name], "").strip()
    return value or None


# --- loading ---------------------------------------------------------------------------------


def find_config_path(explicit: str | Path | None = None) -> Path:
    """``--config`` > ``$PROMO_CONFIG`` > ``./config.toml``."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_CONFIG, "").strip()
    if env:
        return Path(env).expanduser()
    return Path.cwd() / DEFAULT_CONFIG_NAME


def load(path: str | Path | None = None) -> Config:
    """Load and validate the configuration file (see the module docstring for which one)."""
    cfg_path = find_config_path(path)
    if not cfg_path.is_file():
        raise ConfigError(
            f"configuration file not found: {cfg_path} "
            f"(use --config PATH or set {ENV_CONFIG}; an example is config.toml in the project)"
        )
    try:
        data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{cfg_path}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{cfg_path}: cannot read: {exc}") from None
    return from_dict(data, base_dir=cfg_path.resolve().parent, path=cfg_path.resolve())


def from_dict(data: dict[str, Any], *, base_dir: Path, path: Path | None = None) -> Config:
    """Build a validated :class:`Config` from parsed TOML (used by :func:`load` and the tests)."""
    values = _build(Config, data, prefix="", skip={"base_dir", "path"})
    cfg = Config(**values, base_dir=base_dir, path=path)
    _check(cfg)
    return cfg


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        (inner,) = typing.get_args(tp)
        return f"list of {_type_name(inner)}"
    return {str: "string", int: "integer", float: "number", bool: "true/false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _coerce(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    if origin is list:
        (inner,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"config key '{key}' must be a {_type_name(tp)}, got {value!r}")
        if dataclasses.is_dataclass(inner):
            return [
                inner(**_build(inner, v, prefix=f"{key}[{i}]")) if isinstance(v, dict) else
                _bad_table(f"{key}[{i}]", v)
                for i, v in enumerate(value)
            ]
        return [_coerce(v, inner, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _coerce(value, args[0], key)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            _bad_table(key, value)
        return tp(**_build(tp, value, prefix=key))
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"config key '{key}' must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key '{key}' must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"config key '{key}' must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"config key '{key}' must be a string, got {value!r}")
        return value
    raise ConfigError(f"config key '{key}' has an unsupported type")  # pragma: no cover


def _bad_table(key: str, value: Any) -> typing.NoReturn:
    raise ConfigError(f"config key '{key}' must be a table, got {value!r}")


def _build(cls: Any, data: dict[str, Any], *, prefix: str, skip: set[str] = frozenset()) -> dict:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in skip}
    out: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}.{key}" if prefix else key
        if key == "from" and "from_" in fields:  # a Python keyword, so the field is from_
            key = "from_"
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(f"unknown config key '{full}' (known keys here: {known})")
        out[key] = _coerce(value, hints[key], full)
    for name, f in fields.items():
        if name in out:
            continue
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            full = f"{prefix}.{name}" if prefix else name
            raise ConfigError(f"missing required config key '{full}'")
    return out


def _check(cfg: Config) -> None:
    """Semantic checks that types alone cannot express."""
    seen: set[str] = set()
    for i, office in enumerate(cfg.offices):
        if not office.id.strip():
            raise ConfigError(f"config key 'offices[{i}].id' must not be empty")
        if office.id in seen:
            raise ConfigError(f"config key 'offices[{i}].id' repeats office {office.id!r}")
        seen.add(office.id)
        _check_zone(office.timezone, f"offices[{i}].timezone")
    if cfg.schedule.timezone:
        _check_zone(cfg.schedule.timezone, "schedule.timezone")
    for key in ("api_base", "file_base", "site_base"):
        value = getattr(cfg.source, key)
        if not value.startswith(("http://", "https://")):
            raise ConfigError(f"config key 'source.{key}' must be an http(s) URL, got {value!r}")
    for key in ("primary_color", "secondary_color", "accent_color", "text_color",
                "background_color"):
        value = getattr(cfg.brand, key)
        if not _HEX.match(value):
            raise ConfigError(f"config key 'brand.{key}' must be a colour like '#16306B'")
    for key, value in (("schedule.daily_at", cfg.schedule.daily_at),
                       ("schedule.digest_at", cfg.schedule.digest_at)):
        if not _HHMM.match(value):
            raise ConfigError(f"config key '{key}' must be a time like '06:00', got {value!r}")
    for i, slot in enumerate(cfg.publish.slots):
        if not _HHMM.match(slot):
            raise ConfigError(f"config key 'publish.slots[{i}]' must be a time like '09:00'")
    for key in ("timeout", "backoff_base", "max_wait"):
        if getattr(cfg.publish, key) < 0 or (key == "timeout" and cfg.publish.timeout == 0):
            raise ConfigError(f"config key 'publish.{key}' must be a positive number of seconds")
    if cfg.publish.retries < 0:
        raise ConfigError("config key 'publish.retries' must be ≥ 0")
    if cfg.publish.telegram.min_interval < 0 or cfg.publish.instagram.poll_interval < 0:
        raise ConfigError("config keys 'publish.telegram.min_interval' and "
                          "'publish.instagram.poll_interval' must be ≥ 0")
    if cfg.publish.instagram.poll_max < 1:
        raise ConfigError("config key 'publish.instagram.poll_max' must be ≥ 1")
    if cfg.schedule.misfire_grace_hours <= 0:
        raise ConfigError("config key 'schedule.misfire_grace_hours' must be > 0")
    days = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
    if cfg.schedule.digest_day not in days:
        raise ConfigError(f"config key 'schedule.digest_day' must be one of {sorted(days)}")
    known_channels = {"export", "telegram", "facebook", "instagram"}
    for i, ch in enumerate(cfg.publish.channels):
        if ch not in known_channels:
            raise ConfigError(f"config key 'publish.channels[{i}]' must be one of "
                              f"{sorted(known_channels)}, got {ch!r}")
    caption_channels = {"instagram", "facebook", "telegram", "x", "threads"}
    for i, ch in enumerate(cfg.captions.channels):
        if ch not in caption_channels:
            raise ConfigError(f"config key 'captions.channels[{i}]' must be one of "
                              f"{sorted(caption_channels)}, got {ch!r}")
    if cfg.captions.primary not in cfg.captions.channels:
        raise ConfigError("config key 'captions.primary' must be one of captions.channels")
    if not 1 <= cfg.render.jpeg_quality <= 95:
        raise ConfigError("config key 'render.jpeg_quality' must be between 1 and 95")
    if cfg.source.page_size < 1 or cfg.source.max_pages < 1:
        raise ConfigError("config keys 'source.page_size' and 'source.max_pages' must be ≥ 1")
    if cfg.source.requests_per_second <= 0:
        raise ConfigError("config key 'source.requests_per_second' must be > 0")
    for key in ("connect_timeout", "read_timeout", "transfer_timeout", "max_response_bytes",
                "max_photo_bytes", "max_photo_pixels", "max_photo_side"):
        if getattr(cfg.source, key) <= 0:
            raise ConfigError(f"config key 'source.{key}' must be > 0")
    for key in ("retries", "backoff_factor", "backoff_max", "retry_after_max",
                "detail_max_age_hours", "max_photos_per_lot"):
        if getattr(cfg.source, key) < 0:
            raise ConfigError(f"config key 'source.{key}' must be ≥ 0")
    if not 1 <= cfg.review.port <= 65535:
        raise ConfigError("config key 'review.port' must be between 1 and 65535")
    if not 1 <= cfg.review.page_size <= 500:
        raise ConfigError("config key 'review.page_size' must be between 1 and 500")
    if cfg.review.session_hours <= 0 or cfg.review.lockout_minutes <= 0:
        raise ConfigError("config keys 'review.session_hours' and 'review.lockout_minutes' "
                          "must be > 0")
    if cfg.review.max_login_failures < 1:
        raise ConfigError("config key 'review.max_login_failures' must be ≥ 1")
    if cfg.review.public_url and not cfg.review.public_url.startswith(("http://", "https://")):
        raise ConfigError("config key 'review.public_url' must be an http(s) URL")
    if cfg.logging.level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError("config key 'logging.level' must be DEBUG, INFO, WARNING or ERROR")


def _check_zone(name: str, key: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"config key '{key}' is not a known time zone: {name!r}") from None
