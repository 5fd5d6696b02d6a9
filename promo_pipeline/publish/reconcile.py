"""Reconciliation: an uncertain delivery is looked up on the platform before anything is resent.

Settings read: ``publish.retries``.

A delivery is uncertain when a call that may have published lost its answer (or got an answer
that does not prove nothing was written), or when the process died mid-send. For a channel
that can look (:attr:`~promo_pipeline.publish.channels.base.Channel.can_look`: the export
folder, Instagram's container, the Facebook Page's posts) the outbox asks
:meth:`~promo_pipeline.publish.channels.base.Channel.look`:

- found → ``sent`` (with the platform's id), and the post is published;
- absent → ``queued`` again (a failure against the retry budget), and the post approved again;
- unknown → stays ``unconfirmed``; looked at again every :data:`LOOK_EVERY` until
  :data:`LOOK_FOR` after the attempt, then left to a person (``promo queue resolve``).

Telegram cannot be looked up (see :mod:`promo_pipeline.publish.channels.telegram`): its
uncertain deliveries go to a person at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from promo_pipeline import store
from promo_pipeline.publish import deliveries, settle
from promo_pipeline.publish.channels import Channel, Look
from promo_pipeline.publish.deliveries import (
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    UNCONFIRMED,
    Delivery,
)
from promo_pipeline.publish.expiry import closed_reason
from promo_pipeline.publish.results import DeliveryOutcome

if TYPE_CHECKING:
    from promo_pipeline.publish.outbox import _Runner

logger = logging.getLogger(__name__)

#: How often an unconfirmed delivery is looked up again.
LOOK_EVERY = timedelta(minutes=10)
#: How long after the uncertain attempt the outbox keeps looking by itself.
LOOK_FOR = timedelta(hours=24)
#: The first look after an uncertain attempt, at the earliest.
FIRST_LOOK = timedelta(seconds=60)

_INTERRUPTED = ("proses berhenti di tengah pengiriman (mati mendadak atau dihentikan); "
                "unggahan mungkin sudah tayang — periksa akun, lalu tandai terkirim atau "
                "kirim ulang")
_HUMAN = "; tidak dapat dipastikan otomatis — periksa akun, lalu tandai terkirim atau kirim ulang"


def first_look_at(channel: Channel | None, now: datetime) -> datetime | None:
    """When to look at a delivery that just became unconfirmed (None: a person decides)."""
    if channel is None or not channel.can_look:
        return None
    return now + FIRST_LOOK  # a post found is believed at once; "not there" only later


def recover_interrupted(run: _Runner) -> None:
    """Deliveries left in ``sending`` by a crash: looked up where the platform allows, else
    made unconfirmed for a person."""
    for d in deliveries.with_status(run.db, SENDING):
        channel = run.channel_of(d.channel, d.payload)
        now = run.clock()
        seen = _look(run, channel, d) if channel is not None and channel.can_look else None
        with store.write_tx(run.db):
            if seen is not None and seen.state == "found" and seen.result is not None:
                _found(run, d, SENDING, seen, now, "setelah proses terhenti")
                outcome = DeliveryOutcome(d.id, d.post_id, d.channel, SENT,
                                          seen.result.remote_id, seen.result.remote_url)
            elif seen is not None and seen.state == "absent":
                deliveries.move(run.db, d.id, SENDING, QUEUED, now,
                                note=f"proses terhenti; {seen.note}; diantrekan")
                outcome = DeliveryOutcome(d.id, d.post_id, d.channel, QUEUED)
            else:
                why = _INTERRUPTED + (f" ({seen.note})" if seen is not None else "")
                at = first_look_at(channel, now)
                deliveries.move(run.db, d.id, SENDING, UNCONFIRMED, now, note=why,
                                last_error=why,
                                next_attempt_at=deliveries.iso_us(at) if at else None)
                outcome = DeliveryOutcome(d.id, d.post_id, d.channel, UNCONFIRMED, error=why)
        logger.warning("delivery %s (%s, post %s) was interrupted mid-send: now %s",
                       d.id, d.channel, d.post_id, outcome.status)
        run.summary.recovered.append(outcome)
        run.settle(d.post_id)


def look_unconfirmed(run: _Runner) -> None:
    """Look up every unconfirmed delivery whose next look is due."""
    for d in deliveries.to_look(run.db, run.clock()):
        channel = run.channel_of(d.channel, d.payload)
        now = run.clock()
        if channel is None or not channel.can_look:
            with store.write_tx(run.db):
                deliveries.schedule(run.db, d.id, UNCONFIRMED, None, now)
            continue
        seen = _look(run, channel, d)
        outcome = _apply(run, d, seen, now)
        if outcome is not None:
            run.summary.outcomes.append(outcome)
            run.settle(d.post_id)


def _look(run: _Runner, channel: Channel, d: Delivery) -> Look:
    from promo_pipeline.publish.outbox import job_of

    job = job_of(d)
    try:
        return channel.look(job, run.ctx(job))
    except Exception as exc:  # a look is read-only: whatever fails, nothing is decided
        logger.warning("delivery %s: looking up %s failed: %s", d.id, d.channel,
                       run.redact(exc))
        return Look.unknown(f"pemeriksaan gagal ({type(exc).__name__})")


def _found(run: _Runner, d: Delivery, frm: str, seen: Look, now: datetime, why: str) -> None:
    result = seen.result
    assert result is not None
    deliveries.move(run.db, d.id, frm, SENT, now, note=f"{seen.note} {why}".strip(),
                    remote_id=result.remote_id, remote_url=result.remote_url,
                    sent_at=deliveries.iso(now), last_error=None, next_attempt_at=None)


def _apply(run: _Runner, d: Delivery, seen: Look, now: datetime) -> DeliveryOutcome | None:
    if seen.state == "found" and seen.result is not None:
        with store.write_tx(run.db):
            _found(run, d, UNCONFIRMED, seen, now, "(pemeriksaan otomatis)")
        logger.info("delivery %s (%s): found on the platform: sent", d.id, d.channel)
        return DeliveryOutcome(d.id, d.post_id, d.channel, SENT, seen.result.remote_id,
                               seen.result.remote_url)
    if seen.state == "absent":
        return _absent(run, d, seen, now)
    started = datetime.fromisoformat(d.claimed_at) if d.claimed_at else now
    with store.write_tx(run.db):
        if now - started < LOOK_FOR:
            deliveries.schedule(run.db, d.id, UNCONFIRMED, now + LOOK_EVERY, now)
        else:
            note = seen.note + _HUMAN
            deliveries.move(run.db, d.id, UNCONFIRMED, UNCONFIRMED, now, note=note,
                            last_error=note, next_attempt_at=None)
    return None


def _absent(run: _Runner, d: Delivery, seen: Look, now: datetime) -> DeliveryOutcome:
    post = settle.get_post(run.db, d.post_id)
    closed = closed_reason(run.db, post, now)
    failures = d.failures + 1
    with store.write_tx(run.db):
        if closed is not None or failures > run.cfg.publish_for(d.payload.get("office_id")).retries:
            why = (f"{seen.note}; tidak dikirim ulang: "
                   + (closed[1] if closed else f"gagal setelah {failures} percobaan"))
            deliveries.move(run.db, d.id, UNCONFIRMED, FAILED, now, note=why, last_error=why,
                            failures=failures, next_attempt_at=None)
            return DeliveryOutcome(d.id, d.post_id, d.channel, FAILED, error=why)
        note = f"{seen.note}; dikirim ulang (aman: pemeriksaan otomatis)"
        deliveries.move(run.db, d.id, UNCONFIRMED, QUEUED, now, note=note, last_error=note,
                        failures=failures, next_attempt_at=None)
        settle.reopen(run.db, d.post_id, actor=deliveries.SYSTEM,
                      reason=f"{d.channel}: {note}")
    logger.info("delivery %s (%s): not on the platform: queued again", d.id, d.channel)
    return DeliveryOutcome(d.id, d.post_id, d.channel, QUEUED, error=note)
