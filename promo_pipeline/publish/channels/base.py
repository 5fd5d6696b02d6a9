"""What a channel is: its declaration (name, caption limit, secrets, settings) and one send.

A channel is one :class:`Channel` subclass in one module of this package. The class declares,
as data that config, captions, the CLI and the outbox read without sending anything:

- :attr:`Channel.name` — the name used in ``publish.channels`` / ``captions.channels``;
- :attr:`Channel.label` — how staff see it (``Telegram``);
- :attr:`Channel.caption` — its :class:`CaptionLimit` (None: no caption of its own);
- :attr:`Channel.media` — its :class:`MediaLimit` (formats, size, ratio, album size);
- :attr:`Channel.video` and :attr:`Channel.clip_designs` — its :class:`VideoLimit` and the video
  designs it publishes (a post's clip; :meth:`Channel.clip` picks it);
- :attr:`Channel.publishes` — False for a caption-only channel (``x``, ``threads``);
- :attr:`Channel.env_secrets` — the environment variables holding its tokens;
- :attr:`Channel.section` — the settings dataclass of ``[publish.<name>]`` (fields declared
  with :func:`setting`, which says which are required, URLs or bounded);

and implements :meth:`Channel.send`, and where the platform lets us look,
:meth:`Channel.look` (did an uncertain send go out?) and :meth:`Channel.window` (how long until
the platform's limits allow the next post). Both limits are blocking: :meth:`Channel.preflight`
re-checks them just before a send (the limit classes live in
:mod:`~promo_pipeline.publish.channels.limits`, re-exported here). This module imports nothing
heavy: HTTP clients and Pillow are imported when a channel is opened to send.

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
from promo_pipeline.publish.channels.limits import (
    UNITS,
    CaptionLimit,
    MediaFacts,
    MediaLimit,
    Unit,
    VideoFacts,
    VideoLimit,
)

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


def office_env(var: str, suffix: str) -> str:
    """The variable holding secret *var* for one office (*suffix*: its
    :attr:`~promo_pipeline.config.Office.env_suffix`; empty: *var* itself)."""
    return f"{var}_{suffix}" if suffix else var


def check_enabled(channel: type[Channel], section: Any, env: Mapping[str, str], *,
                  table: str = "publish", suffix: str = "") -> None:
    """What an enabled channel needs before anything is sent: its required keys (URLs well
    formed) and its tokens in *env* (raises :class:`ConfigError` naming the key or variable).
    *table*: where its settings come from (``offices[1].publish``); *suffix*: the office's
    secret suffix, so a missing token names the office's own variable too."""
    prefix = f"{table}.{channel.name}"
    for f in dataclasses.fields(section) if section is not None else ():
        value = getattr(section, f.name)
        if f.metadata.get("required") and not str(value).strip():
            raise ConfigError(f"channel '{channel.name}' needs config key '{prefix}.{f.name}'")
        if f.metadata.get("url") and value and not str(value).startswith(("http://", "https://")):
            raise ConfigError(f"config key '{prefix}.{f.name}' must be an http(s) URL, "
                              f"got {value!r}")
    for var in channel.env_secrets:
        if not env.get(var):
            own = f"{office_env(var, suffix)} (or {var})" if suffix else var
            raise ConfigError(f"channel '{channel.name}' needs its token in the environment "
                              f"variable {own}")


# --- one send -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    """What a channel returns when the platform accepted the post."""

    remote_id: str | None
    remote_url: str | None = None


@dataclass(frozen=True)
class Look:
    """What a channel found when it looked for an uncertain send on the platform.

    ``found``: the post is there (*result*); ``absent``: it provably is not, so sending it is
    safe; ``unknown``: the platform cannot tell (yet) — look again later, or a human decides.
    """

    state: Literal["found", "absent", "unknown"]
    result: SendResult | None = None
    note: str = ""

    @classmethod
    def found(cls, result: SendResult, note: str = "") -> Look:
        return cls("found", result, note)

    @classmethod
    def absent(cls, note: str = "") -> Look:
        return cls("absent", None, note)

    @classmethod
    def unknown(cls, note: str = "") -> Look:
        return cls("unknown", None, note)


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
    """What the outbox lends a channel for one delivery. *sent_since*: when this channel's
    deliveries went out since an instant (for quotas counted over a rolling window)."""

    output_dir: Path
    save_checkpoint: Callable[[dict[str, Any]], None]
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    office_timezone: str = "Asia/Jakarta"
    sent_since: Callable[[datetime], list[datetime]] = field(default=lambda _since: [])


class Channel:
    """Base class of every channel; see the module docstring for what a subclass declares."""

    name: ClassVar[str]
    label: ClassVar[str]
    caption: ClassVar[CaptionLimit | None] = None
    publishes: ClassVar[bool] = True
    env_secrets: ClassVar[tuple[str, ...]] = ()
    section: ClassVar[type[Any] | None] = None
    media: ClassVar[MediaLimit | None] = None
    #: Its :class:`VideoLimit` when it publishes a post's clip (None: stills only).
    video: ClassVar[VideoLimit | None] = None
    #: The video designs it takes, in order of preference (the first the post has is sent).
    clip_designs: ClassVar[tuple[str, ...]] = ()
    #: True when :meth:`look` can tell whether an uncertain send went out (the export folder,
    #: Instagram's container, the Facebook Page's posts). False: a human decides (Telegram).
    can_look: ClassVar[bool] = False
    #: Seconds after an uncertain attempt before :meth:`look` may believe "not there" (a post
    #: can appear on a Page a little after a server error).
    look_settle: ClassVar[float] = 0.0
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

    def look(self, job: DeliveryJob, ctx: SendContext) -> Look:
        """Did an uncertain send of *job* go out? Read-only; never sends anything."""
        return Look.unknown("platform ini tidak dapat ditanya")

    def window(self, job: DeliveryJob, ctx: SendContext) -> tuple[float, str]:
        """Seconds until the platform's limits allow this delivery (0: now) and why, in
        Indonesian. Called before the claim; nothing is sent."""
        return 0.0, ""

    def images(self, job: DeliveryJob, ctx: SendContext) -> list[Path]:
        """The image files this channel sends for *job*, checked (all of them by default)."""
        from promo_pipeline.publish.media import resolve_images

        return resolve_images(job, ctx)

    def clip(self, job: DeliveryJob, ctx: SendContext) -> Path | None:
        """The clip (MP4) this channel sends for *job*, checked; None: it sends stills only
        (the channel takes no video, its ``video`` setting is off, or the post has no clip
        of a design it takes)."""
        if self.video is None or not getattr(self.settings, "video", True):
            return None
        from promo_pipeline.publish.media import pick_clip

        return pick_clip(job, ctx, self.clip_designs, self.video.ratio)

    def caption_problems(self, job: DeliveryJob) -> list[str]:
        """What in the caption this channel sends the platform would refuse."""
        if self.caption is None or not self.caption.hard:
            return []
        return self.caption.problems(job.caption.strip(), self.label)

    def preflight(self, job: DeliveryJob, ctx: SendContext) -> None:
        """Re-check the blocking limits just before a send (the caption may have been edited
        after approval); raises :class:`~promo_pipeline.errors.PermanentPublishError`."""
        from promo_pipeline.publish.media import check_limits

        check_limits(self, job, ctx)

    def close(self) -> None:
        """Release network resources (sessions)."""


__all__ = [  # the limits are re-exported: channels and callers import them from here
    "UNITS", "CaptionLimit", "Channel", "DeliveryJob", "Look", "MediaFacts", "MediaLimit",
    "SendContext", "SendResult", "Unit", "VideoFacts", "VideoLimit", "check_enabled",
    "check_section", "office_env", "setting",
]
