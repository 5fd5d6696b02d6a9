"""The configuration's value checks: what types alone cannot say (zones, times, ranges, names).

Channel names are checked against the registry (:mod:`promo_pipeline.publish.channels`): a
name in ``publish.channels`` must be a publishing channel, one in ``captions.channels`` a
channel with a caption limit. A channel's own keys are checked by its settings dataclass.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from promo_pipeline.config.model import Brand, Config, Publish
from promo_pipeline.errors import ConfigError
from promo_pipeline.publish import channels as channel_registry
from promo_pipeline.publish.channels.base import check_enabled, check_section
from promo_pipeline.resources import design_names

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


def check(cfg: Config) -> None:
    """Semantic checks that types alone cannot express."""
    seen: set[str] = set()
    for i, office in enumerate(cfg.offices):
        if not office.id.strip():
            raise ConfigError(f"config key 'offices[{i}].id' must not be empty")
        if office.id in seen:
            raise ConfigError(f"config key 'offices[{i}].id' repeats office {office.id!r}")
        seen.add(office.id)
        _check_zone(office.timezone, f"offices[{i}].timezone")
        if office.brand is not None:
            _check_brand(office.brand, f"offices[{i}].brand")
        if office.publish is not None:
            _check_publish(office.publish, f"offices[{i}].publish")
    suffixes = [o.env_suffix for o in cfg.offices]
    for i, office in enumerate(cfg.offices):
        if not office.env_suffix or suffixes.count(office.env_suffix) > 1:
            raise ConfigError(f"config key 'offices[{i}].secret_suffix' must give each office "
                              f"its own secret variables, got {office.env_suffix!r}")
    if cfg.schedule.timezone:
        _check_zone(cfg.schedule.timezone, "schedule.timezone")
    for key in ("api_base", "file_base", "site_base"):
        value = getattr(cfg.source, key)
        if not value.startswith(("http://", "https://")):
            raise ConfigError(f"config key 'source.{key}' must be an http(s) URL, got {value!r}")
    _check_brand(cfg.brand, "brand")
    for key, value in (("schedule.daily_at", cfg.schedule.daily_at),
                       ("schedule.digest_at", cfg.schedule.digest_at),
                       ("report.insights_at", cfg.report.insights_at),
                       ("report.send_at", cfg.report.send_at)):
        if not _HHMM.match(value):
            raise ConfigError(f"config key '{key}' must be a time like '06:00', got {value!r}")
    _check_publish(cfg.publish, "publish")
    if cfg.report.insights_days < 0:
        raise ConfigError("config key 'report.insights_days' must be ≥ 0 (0 = never fetch)")
    if cfg.schedule.misfire_grace_hours <= 0:
        raise ConfigError("config key 'schedule.misfire_grace_hours' must be > 0")
    days = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
    if cfg.schedule.digest_day not in days:
        raise ConfigError(f"config key 'schedule.digest_day' must be one of {sorted(days)}")
    _check_names("captions.channels", cfg.captions.channels, channel_registry.captioned())
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
                "detail_max_age_hours", "category_refresh_hours", "max_photos_per_lot"):
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
    for i, proxy in enumerate(cfg.review.trusted_proxies):
        try:
            ipaddress.ip_network(proxy.strip(), strict=False)
        except ValueError:
            raise ConfigError(f"config key 'review.trusted_proxies[{i}]' must be an IP address "
                              f"or network such as 10.0.0.0/8, got {proxy!r}") from None
    if cfg.review.public_url and not cfg.review.public_url.startswith(("http://", "https://")):
        raise ConfigError("config key 'review.public_url' must be an http(s) URL")
    if cfg.logging.level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError("config key 'logging.level' must be DEBUG, INFO, WARNING or ERROR")
    _check_designs(cfg)
    for key, path in (("storage.database", cfg.database_path.parent),
                      ("storage.media_dir", cfg.media_dir), ("storage.output_dir", cfg.output_dir),
                      ("logging.file", cfg.resolve(cfg.logging.file).parent)):
        _check_writable(path, key)


def check_ready(cfg: Config, env: Mapping[str, str] | None = None) -> None:
    """What a service needs before it starts (``promo daemon``), on top of :func:`check`: a
    real office, and every publishing channel with its settings and its token in *env*."""
    from promo_pipeline.collect import check_offices

    check_offices(cfg)
    env = os.environ if env is None else env
    for name in cfg.publish.channels:
        check_enabled(channel_registry.get(name), cfg.publish.sections.get(name), env)


def _check_designs(cfg: Config) -> None:
    """``render.formats`` names designs that exist (a typo fails here, not at render time)."""
    known = design_names(cfg.resolve(cfg.render.templates_dir))
    for i, name in enumerate(cfg.render.formats):
        if name not in known:
            raise ConfigError(f"config key 'render.formats[{i}]': desain {name!r} tidak dikenal "
                              f"(pilihan: {', '.join(known)})")


def _check_writable(path: Path, key: str) -> None:
    """*path* is a folder that exists and can be written, or can be made: its nearest existing
    ancestor is a writable folder. Nothing is created here (read-only commands stay so)."""
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(f"config key '{key}': {path} tidak bisa dibuat karena {probe} adalah "
                          "berkas, bukan folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"config key '{key}': folder {probe} tidak boleh ditulis oleh pengguna "
                          "ini; periksa hak aksesnya atau pilih folder lain")


def _check_brand(brand: Brand, prefix: str) -> None:
    for key in ("primary_color", "secondary_color", "accent_color", "text_color",
                "background_color"):
        if not _HEX.match(getattr(brand, key)):
            raise ConfigError(f"config key '{prefix}.{key}' must be a colour like '#16306B'")


def _check_publish(publish: Publish, prefix: str) -> None:
    for i, slot in enumerate(publish.slots):
        if not _HHMM.match(slot):
            raise ConfigError(f"config key '{prefix}.slots[{i}]' must be a time like '09:00'")
    for key in ("timeout", "backoff_base", "max_wait"):
        if getattr(publish, key) < 0 or (key == "timeout" and publish.timeout == 0):
            raise ConfigError(f"config key '{prefix}.{key}' must be a positive number of "
                              "seconds")
    if publish.retries < 0:
        raise ConfigError(f"config key '{prefix}.retries' must be ≥ 0")
    for name, section in publish.sections.items():
        check_section(section, f"{prefix}.{name}")
    _check_names(f"{prefix}.channels", publish.channels, channel_registry.publishing())


def _check_names(key: str, names: list[str], allowed: tuple[str, ...]) -> None:
    for i, ch in enumerate(names):
        if ch not in allowed:
            raise ConfigError(f"config key '{key}[{i}]' must be one of "
                              f"{sorted(allowed)}, got {ch!r}")


def _check_zone(name: str, key: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"config key '{key}' is not a known time zone: {name!r}") from None
