"""One send attempt: send a claimed delivery and record what the platform's answer means.

Settings read: ``publish.retries`` and ``publish.backoff_base`` (of the post's office,
``Config.publish_for``).

The outbox (:mod:`~promo_pipeline.publish.outbox`) claims a delivery (``queued`` → ``sending``)
and hands it here. The answer is classified by its type, never by its text:

- accepted → ``sent`` (remote id and URL kept);
- :class:`~promo_pipeline.errors.RateLimitedPublishError` (the platform's window is full) →
  back to ``queued`` until it opens, not counted as a failure;
- :class:`~promo_pipeline.errors.RetryablePublishError` (nothing can have been posted) → back
  to ``queued`` after :func:`backoff_delay`, or ``failed`` after ``publish.retries`` failures;
- :class:`~promo_pipeline.errors.PermanentPublishError` (the platform refused) → ``failed``;
- :class:`~promo_pipeline.errors.UnconfirmedPublishError`, or any unexpected error mid-send
  (the request may have gone out) → ``unconfirmed``, looked up later where the platform allows
  (:func:`~promo_pipeline.publish.reconcile.first_look_at`), never re-sent blindly.

Each move is one write transaction, and the post's status follows (``settle``).
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from promo_pipeline import crash, store
from promo_pipeline.errors import (
    PermanentPublishError,
    RateLimitedPublishError,
    RetryablePublishError,
    UnconfirmedPublishError,
)
from promo_pipeline.publish import deliveries, reconcile
from promo_pipeline.publish.channels import Channel, DeliveryJob
from promo_pipeline.publish.deliveries import FAILED, QUEUED, SENDING, SENT, UNCONFIRMED
from promo_pipeline.publish.results import DeliveryOutcome

if TYPE_CHECKING:
    from promo_pipeline.publish.outbox import _Runner

logger = logging.getLogger(__name__)


def backoff_delay(attempt: int, base: float, retry_after: float | None, *,
                  cap: float = 6 * 3600.0) -> float:
    """Delay before retry number *attempt* (1-based): ``base * 2**(attempt-1)`` plus up to 10%
    jitter, never less than the platform's ``retry_after``, never more than *cap*."""
    delay = base * (2.0 ** max(0, attempt - 1))
    delay += random.uniform(0, delay * 0.1)
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return min(delay, cap)


def send(run: _Runner, channel: Channel, job: DeliveryJob, failures: int) -> DeliveryOutcome:
    """Send the claimed delivery *job* (it has failed *failures* times before) through
    *channel* and record the answer (see the module docstring)."""
    try:
        result = channel.send(job, run.ctx(job))
    except RateLimitedPublishError as exc:
        return _wait(run, job, run.redact(exc), exc.retry_after)
    except RetryablePublishError as exc:
        return _retry_or_fail(run, job, failures, run.redact(exc), exc.retry_after)
    except PermanentPublishError as exc:
        return _finish(run, job, FAILED, error=run.redact(exc))
    except UnconfirmedPublishError as exc:
        return _finish(run, job, UNCONFIRMED, error=run.redact(exc))
    except Exception as exc:  # a bug mid-send: the request may have gone out
        logger.exception("delivery %s: unexpected error while sending", job.id)
        return _finish(run, job, UNCONFIRMED, error=run.redact(
            f"kesalahan tak terduga saat mengirim ({type(exc).__name__}); unggahan mungkin "
            "sudah tayang — periksa akun sebelum mengirim ulang"))
    crash.point("after_platform_accepted")
    return _finish(run, job, SENT, remote_id=result.remote_id, remote_url=result.remote_url)


def _finish(run: _Runner, job: DeliveryJob, to: str, *, error: str | None = None,
            remote_id: str | None = None, remote_url: str | None = None,
            **extra: Any) -> DeliveryOutcome:
    now = run.clock()
    cols: dict[str, Any] = {"last_error": error, **extra}
    if to == SENT:
        cols.update(remote_id=remote_id, remote_url=remote_url,
                    sent_at=deliveries.iso(now), next_attempt_at=None)
    elif to == UNCONFIRMED:
        at = reconcile.first_look_at(run.channel_of(job.channel, job.payload), now)
        cols["next_attempt_at"] = deliveries.iso_us(at) if at else None
    with store.write_tx(run.db):
        deliveries.move(run.db, job.id, SENDING, to, now, note=error, **cols)
    level = logging.INFO if to == SENT else logging.WARNING
    logger.log(level, "delivery %s (%s, post %s): %s%s", job.id, job.channel, job.post_id,
               to, f": {error}" if error else "")
    run.settle(job.post_id)
    return DeliveryOutcome(job.id, job.post_id, job.channel, to, remote_id, remote_url, error)


def _retry_or_fail(run: _Runner, job: DeliveryJob, failures: int, error: str,
                   retry_after: float | None) -> DeliveryOutcome:
    failures += 1
    pub = run.cfg.publish_for(job.payload.get("office_id"))
    if failures > pub.retries:
        return _finish(run, job, FAILED, error=f"gagal setelah {failures} percobaan: {error}",
                       failures=failures)
    delay = backoff_delay(failures, pub.backoff_base, retry_after)
    return _requeue(run, job, delay, error, f"dicoba lagi dalam {delay:.0f} dtk",
                    failures=failures)


def _wait(run: _Runner, job: DeliveryJob, error: str,
          retry_after: float | None) -> DeliveryOutcome:
    """A full window: back to the queue until it opens, not counted as a failure."""
    delay = max(0.0, float(retry_after or 0.0))
    return _requeue(run, job, delay, error, f"menunggu batas platform {delay:.0f} dtk")


def _requeue(run: _Runner, job: DeliveryJob, delay: float, error: str, note: str,
             **cols: Any) -> DeliveryOutcome:
    now = run.clock()
    at = now + timedelta(seconds=delay)
    with store.write_tx(run.db):
        deliveries.move(run.db, job.id, SENDING, QUEUED, now, note=f"{note}: {error}",
                        last_error=error, next_attempt_at=deliveries.iso_us(at), **cols)
    logger.info("delivery %s (%s): %s: %s", job.id, job.channel, note, error)
    return DeliveryOutcome(job.id, job.post_id, job.channel, QUEUED, error=error,
                           retry_at=deliveries.iso(at))
