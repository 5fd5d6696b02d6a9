"""Configuration: every default in one place, loaded from ``config.toml``, validated strictly.

Precedence (highest first): command-line flags > environment variables (secrets only) >
``config.toml`` > the defaults in the dataclasses.

- :mod:`~promo_pipeline.config.model` — the dataclasses (:class:`Config` and its tables);
- :mod:`~promo_pipeline.config.loading` — which file, strict keys and types (:func:`load`);
- :mod:`~promo_pipeline.config.checks` — value checks (zones, times, ranges, channel names);
- :mod:`~promo_pipeline.config.secrets` — secrets from the environment only (:func:`secret`).

Which file: ``--config PATH``, else ``$PROMO_CONFIG``, else ``./config.toml``. Relative paths in the
file are relative to the folder that holds it (:attr:`Config.base_dir`). A bad key raises
:class:`~promo_pipeline.errors.ConfigError` naming it (e.g. ``offices[0].timezone``). Channel
names and each channel's ``[publish.<name>]`` table come from the channel registry
(:mod:`promo_pipeline.publish.channels`).
"""

from promo_pipeline.config.loading import (
    DEFAULT_CONFIG_NAME,
    ENV_CONFIG,
    find_config_path,
    from_dict,
    load,
)
from promo_pipeline.config.model import (
    Brand,
    Captions,
    Config,
    Logging,
    Notify,
    NotifyEmail,
    NotifyTelegram,
    Office,
    Publish,
    Render,
    Review,
    Schedule,
    Source,
    Storage,
)
from promo_pipeline.config.secrets import secret, secret_env

__all__ = [
    "DEFAULT_CONFIG_NAME", "ENV_CONFIG", "Brand", "Captions", "Config", "Logging", "Notify",
    "NotifyEmail", "NotifyTelegram", "Office", "Publish", "Render", "Review", "Schedule",
    "Source", "Storage", "find_config_path", "from_dict", "load", "secret", "secret_env",
]
