"""Publishing: approved posts go out through an outbox that never posts twice.

- :mod:`~promo_pipeline.publish.channels` — the channel registry (export, Telegram, Facebook,
  Instagram; caption-only X and Threads), one module per channel;
- :mod:`~promo_pipeline.publish.outbox` — one publish run: the rules that keep a post from
  going out twice (see its docstring);
- :mod:`~promo_pipeline.publish.deliveries` — the outbox's tables (schema; light, so opening
  the database imports no channel);
- :mod:`~promo_pipeline.publish.telegram_bot`, :mod:`~promo_pipeline.publish.graph` — the
  platform clients, over :mod:`~promo_pipeline.publish.transport`.

The names below are imported on first use, so looking a channel up in the registry (config
does, at every start) loads neither the outbox nor an HTTP library.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DELIVERY_STATUSES": "promo_pipeline.publish.outbox",
    "DeliveryOutcome": "promo_pipeline.publish.outbox",
    "PublishSummary": "promo_pipeline.publish.outbox",
    "deliveries_for_post": "promo_pipeline.publish.outbox",
    "delivery_events": "promo_pipeline.publish.outbox",
    "enqueue_approved": "promo_pipeline.publish.outbox",
    "expire_ended": "promo_pipeline.publish.outbox",
    "list_deliveries": "promo_pipeline.publish.outbox",
    "publish": "promo_pipeline.publish.outbox",
    "resolve_post": "promo_pipeline.publish.outbox",
    "resolve_unconfirmed": "promo_pipeline.publish.outbox",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = sorted(_EXPORTS)
