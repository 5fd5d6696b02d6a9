"""The channel registry: every channel the pipeline knows, looked up by name.

Each module of this package (besides :mod:`~promo_pipeline.publish.channels.base`,
:mod:`~promo_pipeline.publish.channels.limits` and the Graph API channels' shared
:mod:`~promo_pipeline.publish.channels.graph_base`) declares one
:class:`~promo_pipeline.publish.channels.base.Channel` subclass; importing the package registers
them all, so adding a channel is adding one module here. Config (``publish.channels``,
``captions.channels``, the ``[publish.<name>]`` sections, secret names), captions (limits), the
CLI, the outbox and notifications look channels up here instead of keeping their own lists.

Importable without requests or Pillow: a channel imports its HTTP client only when it is opened
to send.

    channels.get("telegram")            # the class: .label, .caption, .env_secrets, .section
    channels.caption_limit("x")         # CaptionLimit(280, "weighted")
    channels.publishing()               # names allowed in publish.channels
    channels.captioned()                # names allowed in captions.channels
    channels.env_secrets()              # every environment variable a channel reads
    channels.office_env("PROMO_TELEGRAM_TOKEN", "DOMPU")   # PROMO_TELEGRAM_TOKEN_DOMPU

An office with its own channels (``[offices.publish]``) reads each secret from the variable named
:func:`office_env` (the declared name, an underscore, the office's suffix) and falls back to the
declared one.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from promo_pipeline.publish.channels.base import (
    CaptionLimit,
    Channel,
    DeliveryJob,
    Look,
    MediaLimit,
    SendContext,
    SendResult,
    Unit,
    office_env,
)

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_registry: dict[str, type[Channel]] = {}


def register(cls: type[Channel]) -> type[Channel]:
    """Add a channel class (usable as a decorator); its name must be new."""
    name = getattr(cls, "name", "")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"channel name must be a lowercase identifier, got {name!r}")
    if not getattr(cls, "label", ""):
        raise ValueError(f"channel {name!r} needs a label")
    if not cls.publishes and cls.caption is None:
        raise ValueError(f"channel {name!r} neither publishes nor has a caption limit")
    known = _registry.get(name)
    if known is not None and known is not cls:
        raise ValueError(f"channel {name!r} is registered already ({known.__module__})")
    _registry[name] = cls
    return cls


def unregister(name: str) -> None:
    """Remove a channel (tests that register a throwaway one)."""
    _registry.pop(name, None)


def get(name: str) -> type[Channel]:
    """The channel class called *name*; :class:`KeyError` naming the known ones otherwise."""
    try:
        return _registry[name]
    except KeyError:
        raise KeyError(f"unknown channel {name!r} (known: {', '.join(names())})") from None


def names() -> tuple[str, ...]:
    """Every registered channel, sorted."""
    return tuple(sorted(_registry))


def publishing() -> tuple[str, ...]:
    """Channels that deliver posts (allowed in ``publish.channels``), sorted."""
    return tuple(n for n in names() if _registry[n].publishes)


def captioned() -> tuple[str, ...]:
    """Channels that get a caption of their own (allowed in ``captions.channels``), sorted."""
    return tuple(n for n in names() if _registry[n].caption is not None)


def caption_limit(name: str) -> CaptionLimit:
    """The caption limit of *name* (:class:`KeyError` when it has none)."""
    limit = get(name).caption
    if limit is None:
        raise KeyError(f"channel {name!r} has no caption limit")
    return limit


def label(name: str) -> str:
    """How staff see channel *name* (the name itself when unknown)."""
    cls = _registry.get(name)
    return cls.label if cls is not None else name


def env_secrets() -> tuple[str, ...]:
    """Every environment variable that holds a channel's secret (no repeats)."""
    return tuple(dict.fromkeys(v for n in names() for v in _registry[n].env_secrets))


def is_secret_env(name: str) -> bool:
    """True when environment variable *name* holds a channel's secret, of the install or of an
    office (``PROMO_TELEGRAM_TOKEN``, ``PROMO_TELEGRAM_TOKEN_DOMPU``)."""
    return any(name == v or name.startswith(f"{v}_") for v in env_secrets())


def sections() -> dict[str, type]:
    """Channel name → settings dataclass of ``[publish.<name>]``, for channels that have one."""
    return {n: s for n in names() if (s := _registry[n].section) is not None}


def _discover() -> None:
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, Channel)
                    and obj.__module__ == module.__name__ and "name" in vars(obj)):
                register(obj)


_discover()

__all__ = [
    "CaptionLimit", "Channel", "DeliveryJob", "Look", "MediaLimit", "SendContext", "SendResult",
    "Unit",
    "caption_limit", "captioned", "env_secrets", "get", "is_secret_env", "label", "names",
    "office_env", "publishing",
    "register", "sections", "unregister",
]
