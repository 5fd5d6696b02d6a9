"""Publishing: approved posts go out through an outbox that never posts twice.

The outbox (:mod:`promo_pipeline.publish.outbox`) keeps one delivery per (post, channel) and
decides what may be sent; the channels (:mod:`promo_pipeline.publish.channels`) talk to the
export folder, Telegram, Facebook and Instagram. See ``outbox``'s docstring for the rules.
"""

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
