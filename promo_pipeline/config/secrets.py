"""Secrets: tokens and passwords come only from environment variables, and never show.

Which variables: each channel declares its own in the registry (``PROMO_TELEGRAM_TOKEN``,
``PROMO_FACEBOOK_TOKEN``, ``PROMO_INSTAGRAM_TOKEN``; :mod:`promo_pipeline.publish.channels`);
the application's own are in :data:`APP_SECRETS`. An office with its own channels reads each
channel secret from the declared name plus ``_`` and the office's suffix
(``PROMO_TELEGRAM_TOKEN_DOMPU``; :attr:`~promo_pipeline.config.Office.env_suffix`), else from the
declared name (:func:`channel_secrets`). Secrets are never read from ``config.toml``
and never written to logs, messages or the database: :class:`Redactor` scrubs them from text,
:class:`RedactingFilter` from log records.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import quote

from promo_pipeline.publish import channels as channel_registry

if TYPE_CHECKING:
    from promo_pipeline.config.model import Office

#: The application's own secrets by logical name (the channels' are in the registry).
APP_SECRETS = {
    "smtp": "PROMO_SMTP_PASSWORD",
    "review_secret": "PROMO_SECRET_KEY",
}


def secret_env(name: str) -> str:
    """The environment variable of secret *name*: an :data:`APP_SECRETS` name, or a channel's
    name for that channel's token (:class:`KeyError` when neither)."""
    if name in APP_SECRETS:
        return APP_SECRETS[name]
    envs = channel_registry.get(name).env_secrets
    if not envs:
        raise KeyError(f"channel {name!r} has no secret")
    return envs[0]


def secret(name: str) -> str | None:
    """A secret from the environment by its logical name (see :func:`secret_env`)."""
    return env_value(secret_env(name))


def env_value(var: str) -> str | None:
    """The value of environment variable *var*, stripped; None when unset or blank."""
    value = os.environ.get(var, "").strip()
    return value or None


def secret_values() -> list[str]:
    """Every secret currently set, of every channel (the offices' own too) and of the
    application (for redaction)."""
    offices = [n for n in os.environ if channel_registry.is_secret_env(n)
               or n.startswith(f"{APP_SECRETS['smtp']}_")]  # an office's own SMTP password
    names = dict.fromkeys([*channel_registry.env_secrets(), *offices, *APP_SECRETS.values()])
    return [v for v in (env_value(n) for n in names) if v]


def channel_secrets(channel: str, office: Office | None = None) -> dict[str, str]:
    """The secrets channel *channel* sends with, by their declared names: an office's own
    variable (``PROMO_TELEGRAM_TOKEN_DOMPU``) when it is set, else the declared one. Unset
    secrets are left out."""
    out = {}
    for var in channel_registry.get(channel).env_secrets:
        own = channel_registry.office_env(var, office.env_suffix) if office is not None else var
        value = env_value(own) or env_value(var)
        if value:
            out[var] = value
    return out


class Redactor:
    """Replaces every known secret in a text by ``***`` (also in URL-encoded form)."""

    def __init__(self, secrets: Iterable[str | None]):
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: object) -> str:
        out = str(text)
        for s in self._secrets:
            out = out.replace(s, "***")
            out = out.replace(quote(s, safe=""), "***")
        return out


class RedactingFilter(logging.Filter):
    """Scrubs secrets from log records (urllib3 logs request lines, and a Telegram token is part
    of every Bot API path)."""

    def __init__(self, secrets: Iterable[str | None] = ()):
        super().__init__()
        self.redact = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def guard_library_logs(secrets: Iterable[str | None]) -> None:
    """Attach a :class:`RedactingFilter` for *secrets* to the loggers of the HTTP libraries."""
    flt = RedactingFilter(secrets)
    for name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
        lg = logging.getLogger(name)
        for old in [f for f in lg.filters if isinstance(f, RedactingFilter)]:
            lg.removeFilter(old)
        lg.addFilter(flt)
