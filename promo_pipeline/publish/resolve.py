"""A human's decision on a delivery the tool cannot settle: it went out, or send it again.

Settings read: none.

An ``unconfirmed`` delivery may be live. Where the platform can be asked (Instagram, Facebook,
the export folder) the outbox looks by itself (:mod:`~promo_pipeline.publish.reconcile`); for
Telegram, or when the platform cannot tell, only a person who looked at the channel can say.
"Sent" marks it ``sent`` (the post becomes ``published`` once all its channels are sent).
"Send again" (also for a ``failed`` one) queues it for the next ``promo publish`` and returns
the post to ``approved`` — refused once the auction has ended; Instagram and Facebook still
look at the platform once more before anything is resent. Used by ``promo queue resolve`` and
the review page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlite_utils import Database

from promo_pipeline import clock as clock_mod
from promo_pipeline import queue, store
from promo_pipeline.errors import NotFoundError, TransitionError
from promo_pipeline.publish import deliveries, settle
from promo_pipeline.publish.deliveries import FAILED, QUEUED, SENT, UNCONFIRMED, Delivery
from promo_pipeline.publish.expiry import closed_reason

logger = logging.getLogger(__name__)


def resolve_unconfirmed(
    db: Database, delivery_id: int, *, sent: bool, actor: str,
    clock: Callable[[], datetime] | None = None,
) -> Delivery:
    """A human's decision on an unconfirmed delivery (or, to send again, a failed one).

    ``sent=True``: the post is on the platform — mark the delivery sent. ``sent=False``: it is
    not — queue it to be sent again at the next ``promo publish``. Returns the updated delivery.
    """
    now = (clock or clock_mod.now)()
    found = deliveries.get(db, delivery_id)
    allowed = (UNCONFIRMED,) if sent else (UNCONFIRMED, FAILED)
    if found.status not in allowed:
        what = "belum pasti" if sent else "belum pasti atau gagal"
        raise TransitionError(
            f"pengiriman #{delivery_id} berstatus {found.status}; hanya pengiriman yang "
            f"{what} yang dapat {'ditandai terkirim' if sent else 'dikirim ulang'}")
    stamp = deliveries.iso(now)
    if sent:
        note = f"ditandai terkirim oleh {actor}"
        with store.write_tx(db):
            deliveries.move(db, delivery_id, found.status, SENT, now, actor=actor, note=note,
                            sent_at=found.sent_at or stamp, resolved_by=actor,
                            resolved_at=stamp)
        settle.settle_post(db, found.post_id, actor=actor)
    else:
        post = settle.get_post(db, found.post_id)
        closed = closed_reason(db, post, now)
        if closed:
            raise TransitionError(f"tidak dikirim ulang: {closed[1]}")
        note = f"dikirim ulang atas permintaan {actor}"
        with store.write_tx(db):
            deliveries.move(db, delivery_id, found.status, QUEUED, now, actor=actor, note=note,
                            attempts=0, failures=0, next_attempt_at=None, resolved_by=actor,
                            resolved_at=stamp)
            if post.status in (queue.UNCONFIRMED, queue.FAILED) and not settle.reopen(
                    db, found.post_id, actor=actor, reason=f"{found.channel}: {note}"):
                raise TransitionError(
                    f"unggahan #{found.post_id} tidak dapat dikembalikan ke antrean kirim")
    logger.info("delivery %s resolved by %s: %s", delivery_id, actor, "sent" if sent else "resend")
    return deliveries.get(db, delivery_id)


def resolve_post(
    db: Database, post_id: int, *, sent: bool, actor: str, channel: str | None = None,
) -> list[int]:
    """Resolve every unconfirmed (and, to send again, failed) delivery of a post."""
    statuses = (UNCONFIRMED,) if sent else (UNCONFIRMED, FAILED)
    todo = [d for d in deliveries.of_post(db, post_id, statuses=statuses)
            if channel is None or d.channel == channel]
    if not todo:
        raise NotFoundError(f"unggahan #{post_id} tidak punya pengiriman yang perlu diselesaikan")
    for d in todo:
        resolve_unconfirmed(db, d.id, sent=sent, actor=actor)
    return [d.id for d in todo]
