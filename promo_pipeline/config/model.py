"""The configuration's shape: one frozen dataclass per ``config.toml`` table, with every default.

A channel's own table (``[publish.telegram]`` …) is declared by the channel in the registry
(:mod:`promo_pipeline.publish.channels`) and kept in :attr:`Publish.sections`.

An office may carry its own ``[offices.brand]`` and ``[offices.publish]`` (with its channels'
tables, ``[offices.publish.telegram]`` …): merged key by key over the top-level ``[brand]`` /
``[publish]`` when the file is loaded, kept on :attr:`Office.brand` / :attr:`Office.publish`, and
read only through :meth:`Config.brand_for` / :meth:`Config.publish_for`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from promo_pipeline.publish import channels as channel_registry


@dataclass(frozen=True)
class Office:
    """One KPKNL whose lots are collected, with its own brand kit and channels when it has them."""

    id: str
    name: str
    timezone: str = "Asia/Jakarta"
    categories: list[str] = field(default_factory=list)
    #: Suffix of this office's secret variables (``PROMO_TELEGRAM_TOKEN_<suffix>``); empty: the
    #: id in upper case, every character other than A-Z and 0-9 an underscore.
    secret_suffix: str = ""
    #: ``[offices.brand]`` merged over ``[brand]``; None: the office has no brand table.
    brand: Brand | None = None
    #: ``[offices.publish]`` merged over ``[publish]``; None: the office has no publish table.
    publish: Publish | None = None
    #: ``[offices.notify]`` merged over ``[notify]``: where this office's reviewers are told
    #: about its posts; None: the office has no notify table (the top-level one serves it).
    notify: Notify | None = None
    #: ``[offices.report]`` (``email_to``, ``telegram_chat_id``): who gets this office's monthly
    #: report; None: the top-level ``[report]`` recipients.
    report: Report | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def env_suffix(self) -> str:
        """What this office's secret variables end with, after an underscore (upper case)."""
        return _ENV_UNSAFE.sub("_", (self.secret_suffix or self.id).upper()).strip("_")


_ENV_UNSAFE = re.compile(r"[^A-Z0-9]")


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
    #: How often each office's lots' categories are learned again (0: never; see categories.py).
    category_refresh_hours: float = 24.0
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

    @property
    def office_phones(self) -> tuple[str, ...]:
        """The office's own contact texts: their phone numbers and e-mail addresses are never
        personal data (:mod:`promo_pipeline.personal`), in a title or a caption."""
        return tuple(t for t in (self.phone, self.contact, self.helpline, self.website) if t)


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
    #: Addresses (or networks, ``10.0.0.0/8``) of reverse proxies whose ``X-Forwarded-For`` is
    #: believed; empty: the header is ignored and the peer address is the client.
    trusted_proxies: list[str] = field(default_factory=list)


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
class Publish:
    """Where approved posts go and when."""

    channels: list[str] = field(default_factory=lambda: ["export"])
    slots: list[str] = field(default_factory=lambda: ["09:00", "15:00"])
    timeout: float = 30.0
    retries: int = 3
    backoff_base: float = 5.0  # first retry delay in seconds; doubles per attempt
    max_wait: float = 60.0  # longest in-run wait for a retry; longer ones wait for a later run
    #: Channel name → its ``[publish.<name>]`` settings (defaults where the file has none).
    sections: Mapping[str, Any] = field(default_factory=lambda: default_sections())

    def section(self, channel: str) -> Any:
        """The settings of ``[publish.<channel>]`` (:class:`KeyError` if it has none)."""
        return self.sections[channel]


def default_sections() -> dict[str, Any]:
    """Every registered channel's settings with their defaults."""
    return {name: cls() for name, cls in channel_registry.sections().items()}


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
class Report:
    """The monthly report and the platform numbers behind it (``[report]``)."""

    #: Published posts younger than this many days get their numbers fetched once a day.
    insights_days: int = 30
    #: When (office-local) the daemon fetches them.
    insights_at: str = "05:00"
    #: Where the daemon sends last month's report on the first day of a month (empty: nowhere):
    #: e-mail addresses (through ``[notify.email]``'s server) and a Telegram chat.
    email_to: list[str] = field(default_factory=list)
    telegram_chat_id: str = ""
    #: When (office-local) on the first day of a month it is sent.
    send_at: str = "07:00"


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
    report: Report = field(default_factory=Report)
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

    def brand_for(self, office_id: str | None) -> Brand:
        """The brand kit of an office's posts: its own merged over ``[brand]``, else ``[brand]``."""
        office = self.office(office_id) if office_id else None
        return office.brand if office is not None and office.brand is not None else self.brand

    def publish_for(self, office_id: str | None) -> Publish:
        """Where and when an office's posts go: its ``[offices.publish]`` merged over
        ``[publish]``, else ``[publish]``."""
        office = self.office(office_id) if office_id else None
        if office is not None and office.publish is not None:
            return office.publish
        return self.publish

    def notify_for(self, office_id: str | None) -> Notify:
        """Where an office's reviewers are told about its posts: its ``[offices.notify]``
        merged over ``[notify]``, else ``[notify]``."""
        office = self.office(office_id) if office_id else None
        if office is not None and office.notify is not None:
            return office.notify
        return self.notify

    def report_for(self, office_id: str | None) -> Report:
        """The monthly report settings of an office: its ``[offices.report]`` recipients over
        ``[report]``, else ``[report]``."""
        office = self.office(office_id) if office_id else None
        if office is not None and office.report is not None:
            return office.report
        return self.report

    def display(self, path: Path) -> str:
        """A path as commands print it: relative to the config folder when inside it."""
        try:
            return str(Path(path).resolve().relative_to(self.base_dir.resolve()))
        except ValueError:
            return str(Path(path).resolve())
