"""Publishing: approved posts go out through an outbox that never posts twice.

- :mod:`~promo_pipeline.publish.channels` — the channel registry (export, Telegram, Facebook,
  Instagram; caption-only X and Threads), one module per channel;
- :mod:`~promo_pipeline.publish.outbox` — one publish run and the rules that keep a post from
  going out twice (see its docstring), over :mod:`~promo_pipeline.publish.deliveries` (the
  tables), ``enqueue``, ``slots``, ``expiry``, ``settle`` and ``resolve``;
- :mod:`~promo_pipeline.publish.telegram_bot`, :mod:`~promo_pipeline.publish.graph` — the
  platform clients, over :mod:`~promo_pipeline.publish.transport`.

The names below are imported on first use, so looking a channel up in the registry (config
does, at every start) loads neither the outbox nor an HTTP library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promo_pipeline import lazy

if TYPE_CHECKING:
    from sqlite_utils import Database

_EXPORTS = {
    "DELIVERY_STATUSES": "promo_pipeline.publish.deliveries",
    "DeliveryOutcome": "promo_pipeline.publish.results",
    "PublishSummary": "promo_pipeline.publish.results",
    "enqueue_approved": "promo_pipeline.publish.enqueue",
    "expire_ended": "promo_pipeline.publish.expiry",
    "publish": "promo_pipeline.publish.outbox",
    "resolve_post": "promo_pipeline.publish.resolve",
    "resolve_unconfirmed": "promo_pipeline.publish.resolve",
}


__getattr__ = lazy.exports(__name__, _EXPORTS)


def deliveries_for_post(db: Database, post_id: int) -> list[dict[str, Any]]:
    """The deliveries of one post as commands print them (no payload), oldest first."""
    from promo_pipeline.publish import deliveries

    return [d.to_json() for d in deliveries.of_post(db, post_id)]


def list_deliveries(db: Database, *, status: str | None = None) -> list[dict[str, Any]]:
    """All deliveries (optionally of one status) as commands print them, newest first."""
    from promo_pipeline.publish import deliveries

    return [d.to_json() for d in deliveries.listing(db, status=status)]


def delivery_events(db: Database, delivery_id: int) -> list[dict[str, Any]]:
    """Every move of one delivery (who, when, from, to, why), oldest first."""
    from promo_pipeline.publish import deliveries

    return [e.to_json() for e in deliveries.events(db, delivery_id)]


__all__ = sorted([*_EXPORTS, "deliveries_for_post", "delivery_events", "list_deliveries"])
