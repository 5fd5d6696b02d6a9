"""Publishing: approved posts go out through an outbox that never posts twice.

The outbox (:mod:`promo_pipeline.publish.outbox`) keeps one delivery per (post, channel) and
decides what may be sent; the channels (:mod:`promo_pipeline.publish.channels`) talk to the
export folder, Telegram, Facebook and Instagram. See ``outbox``'s docstring for the rules. The
tables are defined in :mod:`promo_pipeline.publish.deliveries`.

The outbox and the channels load on first use, so opening the database (which applies the
``deliveries`` schema) does not import requests.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promo_pipeline.publish.outbox import (
        DELIVERY_STATUSES,
        DeliveryOutcome,
        PublishSummary,
        deliveries_for_post,
        delivery_events,
        enqueue_approved,
        list_deliveries,
        publish,
        resolve_post,
        resolve_unconfirmed,
    )

__all__ = [
    "DELIVERY_STATUSES",
    "DeliveryOutcome",
    "PublishSummary",
    "deliveries_for_post",
    "delivery_events",
    "enqueue_approved",
    "list_deliveries",
    "publish",
    "resolve_post",
    "resolve_unconfirmed",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'promo_pipeline.publish' has no attribute {name!r}")
    value = getattr(importlib.import_module("promo_pipeline.publish.outbox"), name)
    globals()[name] = value
    return value
