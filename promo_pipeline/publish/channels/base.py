"""What a channel is: its declaration (name, caption limit, secrets, settings) and one send.

A channel is one :class:`Channel` subclass in one module of this package. The class declares,
as data that config, captions, the CLI and the outbox read without sending anything:

- :attr:`Channel.name` — the name used in ``publish.channels`` / ``captions.channels``;
- :attr:`Channel.label` — how staff see it (``Telegram``);
- :attr:`Channel.caption` — its :class:`CaptionLimit` (None: no caption of its own);
- :attr:`Channel.publishes` — False for a caption-only channel (``x``, ``threads``);
- :attr:`Channel.env_secrets` — the environment variables holding its tokens;
- :attr:`Channel.section` — the settings dataclass of ``[publish.<name>]`` (fields declared
  with :func:`setting`, which says which are required, URLs or bounded);

and implements :meth:`Channel.send` (and :meth:`Channel.reconcile` where it can check an
interrupted send locally). This module imports nothing heavy: HTTP clients and Pillow are
imported when a channel is opened to send.

A channel sends one delivery and either returns a :class:`SendResult` or raises one of the
three :class:`~promo_pipeline.errors.PublishError` kinds; which one is what keeps the outbox
from posting twice (see :mod:`promo_pipeline.publish.outbox`):
``RetryablePublishError`` (nothing can have been posted), ``PermanentPublishError`` (the
platform refused for good) or ``UnconfirmedPublishError`` (the answer was lost).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

from promo_pipeline.errors import ConfigError

#: How a platform counts a caption: code points, UTF-16 code units (Telegram; what a browser's
#: ``string.length`` shows), UTF-8 bytes (Threads) or X's weighted length (NFC, every URL 23,
#: CJK and emoji 2). The review page's live counter knows the same four names.
Unit = Literal["chars", "utf16", "utf8", "weighted"]
UNITS: tuple[Unit, ...] = ("chars", "utf16", "utf8", "weighted")


@dataclass(frozen=True)
class CaptionLimit:
    """The longest caption a channel accepts, counted the platform's way."""

    max_length: int
    unit: Unit = "chars"
    max_hashtags: int | None = None
    max_mentions: int | None = None

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown caption unit {self.unit!r} (one of {UNITS})")
        if self.max_length < 1:
            raise ValueError("max_length must be ≥ 1")

    def measure(self, text: str) -> int:
        """The length of *text* as this platform counts it."""
        if self.unit == "weighted":
            return _weighted_length(text)
        if self.unit == "utf8":
            return len(text.encode("utf-8"))
        if self.unit == "utf16":
            return len(text.encode("utf-16-le")) // 2
        return len(text)

    def over(self, text: str) -> bool:
        """True when *text* is longer than :attr:`max_length`."""
        return self.measure(text) > self.max_length


def _weighted_length(text: str) -> int:
    # X's count (twitter-text's), in linear time; loaded on first use (see the module).
    from promo_pipeline.captions.weighted import weighted_length

    return weighted_length(text)


# --- settings ([publish.<name>]) -----------------------------------------------------------------


def setting(default: Any, *, required: bool = False, url: bool = False,
            minimum: float | None = None) -> Any:
    """A field of a channel's settings dataclass. *required*: must be non-empty when the channel
    is enabled; *url*: an http(s) URL when set; *minimum*: the smallest allowed value."""
    return field(default=default,
                 metadata={"required": required, "url": url, "minimum": minimum})


def check_section(section: Any, prefix: str) -> None:
    """Value checks of a settings section, at config load (raises :class:`ConfigError`)."""
    for f in dataclasses.fields(section):
        low = f.metadata.get("minimum")
        value = getattr(section, f.name)
        if low is not None and value < low:
            raise ConfigError(f"config key '{prefix}.{f.name}' must be ≥ {low:g}")


def check_enabled(channel: type[Channel], section: Any, env: Mapping[str, str]) -> None:
    """What an enabled channel needs before anything is sent: its required keys (URLs well
    formed) and its tokens in *env* (raises :class:`ConfigError` naming the key or variable)."""
    prefix = f"publish.{channel.name}"
    for f in dataclasses.fields(section) if section is not None else ():
        value = getattr(section, f.name)
        if f.metadata.get("required") and not str(value).strip():
            raise ConfigError(f"channel '{channel.name}' needs config key '{prefix}.{f.name}'")
        if f.metadata.get("url") and value and not str(value).startswith(("http://", "https://")):
            raise ConfigError(f"config key '{prefix}.{f.name}' must be an http(s) URL, "
                              f"got {value!r}")
    for var in channel.env_secrets:
        if not env.get(var):
            raise ConfigError(f"channel '{channel.name}' needs its token in the environment "
                              f"variable {var}")


# --- one send -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    """What a channel returns when the platform accepted the post."""

    remote_id: str | None
    remote_url: str | None = None


@dataclass
class DeliveryJob:
    """One delivery as a channel sees it: a snapshot of the approved post for that channel."""

    id: int
    post_id: int
    channel: str
    idem_key: str
    payload: dict[str, Any]
    checkpoint: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0

    @property
    def caption(self) -> str:
        return str(self.payload.get("caption") or "")

    @property
    def images(self) -> list[str]:
        return [str(p) for p in self.payload.get("images") or []]

    @property
    def design(self) -> str | None:
        """The design the reviewer picked for the post, if any."""
        design = self.payload.get("template")
        return str(design) if design else None


@dataclass
class SendContext:
    """What the outbox lends a channel for one delivery."""

    output_dir: Path
    save_checkpoint: Callable[[dict[str, Any]], None]
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    office_timezone: str = "Asia/Jakarta"


class Channel:
    """Base class of every channel; see the module docstring for what a subclass declares."""

    name: ClassVar[str]
    label: ClassVar[str]
    caption: ClassVar[CaptionLimit | None] = None
    publishes: ClassVar[bool] = True
    env_secrets: ClassVar[tuple[str, ...]] = ()
    section: ClassVar[type[Any] | None] = None
    #: True when a delivery left in ``sending`` can be checked locally (the export folder).
    can_reconcile: ClassVar[bool] = False
    #: True when a delivery carries every caption and the lots' facts (the export folder),
    #: not only this channel's caption.
    takes_everything: ClassVar[bool] = False

    def __init__(self, settings: Any = None, *, secrets: Mapping[str, str] | None = None,
                 timeout: float = 30.0) -> None:
        self.settings = settings
        self.secrets = dict(secrets or {})
        self.timeout = timeout

    @property
    def token(self) -> str:
        """The channel's first secret (its access token)."""
        return self.secrets.get(self.env_secrets[0], "") if self.env_secrets else ""

    def send(self, job: DeliveryJob, ctx: SendContext) -> SendResult:
        raise NotImplementedError(f"channel {self.name!r} does not publish")

    def reconcile(self, job: DeliveryJob, ctx: SendContext) -> SendResult | None:
        """For a delivery interrupted mid-send: the result if it provably went out, else None."""
        return None

    def close(self) -> None:
        """Release network resources (sessions)."""
