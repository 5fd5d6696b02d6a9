"""Enqueueing: each approved post becomes one delivery per configured channel, once.

Settings read: ``publish.channels`` (the post's office's: ``Config.publish_for``),
``captions.primary``.

A delivery's payload is a snapshot of what is sent (caption, images, design, lot facts for the
export folder); its ``idem_key`` is sha256(post id | channel | content). Enqueueing again
changes nothing, except that a delivery that has not started yet takes the post's current
content (a caption edited after approval is what goes out).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from promo_pipeline import clock as clock_mod
from promo_pipeline import store
from promo_pipeline.config import Config
from promo_pipeline.lots import get_lots
from promo_pipeline.publish import channels as registry
from promo_pipeline.publish import deliveries, settle
from promo_pipeline.publish.deliveries import CANCELLED, QUEUED
from promo_pipeline.queue import Post

logger = logging.getLogger(__name__)


def idem_key(post_id: int, channel: str, content: dict[str, Any]) -> str:
    """sha256 of ``post id | channel | content`` (content as canonical JSON)."""
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{post_id}|{channel}|{blob}".encode()).hexdigest()


def _lot_facts(cfg: Config, db: Database, lot_ids: list[str]) -> list[dict[str, Any]]:
    out = []
    for lot in get_lots(db, lot_ids):
        # The export folder's name and note are made of the reading without personal data.
        reading = lot.reading(cfg.brand_for(lot.office_id).office_phones)
        out.append({
            "id": lot.id, "title": lot.title, "url": lot.url, "code": lot.code,
            "office_name": lot.office_name, "headline": reading.headline,
            "public_title": reading.title,
            "ends_at": lot.ends_at.isoformat(),
            "deposit_deadline": (lot.deposit_deadline.isoformat()
                                 if lot.deposit_deadline else None),
            "limit_value": lot.limit_value, "deposit": lot.deposit, "status": lot.status,
        })
    return out


def payload(cfg: Config, db: Database, post: Post, channel: str) -> dict[str, Any]:
    """What a delivery of *post* to *channel* sends."""
    captions = dict(post.captions)
    primary = cfg.captions.primary
    everything = registry.get(channel).takes_everything
    first = next(iter(captions.values()), "")
    if everything:
        caption = captions.get(primary) or first
    else:
        caption = captions.get(channel) or captions.get(primary) or first
    lot_ids = list(post.lot_ids)
    return {
        "post_id": post.id,
        "kind": post.kind,
        "office_id": post.office_id,
        "lot_id": post.lot_id,
        "lot_ids": lot_ids,
        "version": post.version,
        "caption": caption,
        "captions": captions if everything else {},
        "images": list(post.images),
        "template": post.template,
        "lots": _lot_facts(cfg, db, lot_ids) if everything else [],
        "approved_by": post.approved_by,
        "approved_at": post.approved_at,
    }


def content_key(post_id: int, channel: str, body: dict[str, Any]) -> str:
    """The idempotency key of a delivery's payload (what is published, not who approved it)."""
    content = {"caption": body["caption"], "captions": body["captions"],
               "images": body["images"], "version": body["version"]}
    return idem_key(post_id, channel, content)


def enqueue_approved(
    db: Database, cfg: Config, *, office_ids: list[str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """Create the missing deliveries of approved posts (all offices, or only *office_ids*).

    Idempotent: a (post, channel) has at most one delivery, and enqueuing again changes
    nothing. A delivery that has not started yet (``queued`` without a checkpoint, or
    ``cancelled`` because its channel had been removed) takes the post's current content, so a
    caption a reviewer edited after approval is what goes out. Returns how many deliveries were
    created or re-queued.
    """
    now = (clock or clock_mod.now)()
    wanted = None if office_ids is None else set(office_ids)
    created = 0
    for post in settle.approved_posts(db):
        may_create = wanted is None or (post.office_id or "") in wanted
        for channel in cfg.publish_for(post.office_id).channels:
            body = payload(cfg, db, post, channel)
            key = content_key(post.id, channel, body)
            with store.write_tx(db):
                found = deliveries.find(db, post.id, channel)
                if found is None:
                    if may_create:
                        deliveries.insert_queued(db, post.id, channel, key, body, now)
                        created += 1
                elif found.status == CANCELLED and may_create and not found.started:
                    if deliveries.take_content(db, found, key, body, now,
                                               note="post approved again"):
                        created += 1
                elif found.status == QUEUED and not found.started and found.idem_key != key:
                    deliveries.take_content(db, found, key, body, now,
                                            note="content updated before sending")
    if created:
        logger.info("outbox: %d deliveries queued", created)
    return created
