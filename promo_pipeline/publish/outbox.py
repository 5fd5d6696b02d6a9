"""The outbox: one delivery per (post, channel), claimed before the call, never sent twice.

Settings read: ``publish.*`` (channels, slots, retries, backoff_base, max_wait and the channel
tables), ``offices[].timezone``, ``storage.output_dir``; notifications: ``notify.*``.

The modules of the publish stage: :mod:`~promo_pipeline.publish.deliveries` (the tables and
the ``Delivery`` record), :mod:`~promo_pipeline.publish.enqueue` (approved posts → deliveries),
:mod:`~promo_pipeline.publish.slots` (when an office is due), :mod:`~promo_pipeline.publish.expiry`
(nothing after the auction), :mod:`~promo_pipeline.publish.settle` (post status from its
deliveries), :mod:`~promo_pipeline.publish.resolve` (a human's decision) and this module, which
runs one publish: claim, send, record.

A delivery's life (``deliveries``, migration set ``"publish"``)::

    queued ──claim──▶ sending ──▶ sent
       ▲                 ├──▶ queued again   (nothing can have been posted: refused, 429, 5xx)
       │                 ├──▶ failed         (the platform refused: token, permission, caption)
       │                 └──▶ unconfirmed    (sent, answer lost: a human decides)
       └── human "send again" (failed / unconfirmed);  human "mark sent" (unconfirmed / failed)
    queued ──▶ cancelled (the auction ended, or the channel was removed from the config)

- ``idem_key`` = sha256(post id | channel | content) is UNIQUE, and so is (post, channel):
  enqueuing an approved post again is a no-op.
- The claim is ``UPDATE … SET status='sending' WHERE id=? AND status='queued'`` in a
  ``BEGIN IMMEDIATE`` transaction and must change exactly one row; only then is the network
  touched. A delivery still in ``sending`` when the next publish starts was interrupted mid-call
  (crash, kill, power cut) and becomes ``unconfirmed`` — never re-sent automatically. The export
  channel is the exception: its result is a folder, so it is checked on disk instead.
- A post becomes ``published`` when all its deliveries are ``sent``; ``failed`` when one failed
  (the platform's reason in plain words); ``unconfirmed`` when one is unconfirmed.
- Nothing goes out after the auction has ended (or its deposit deadline passed): such posts are
  expired at publish time and their deliveries cancelled, checked again right before each claim.
- Without ``--now`` new posts go out only at the office's publishing slots (``publish.slots``,
  office-local): a slot that has passed and has not been served yet makes the office due.
  Deliveries already in the outbox (retries, a human's "send again") go out whenever due.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from promo_pipeline import clock as clock_mod
from promo_pipeline import crash, queue, runs, store
from promo_pipeline.config import Config
from promo_pipeline.config.secrets import (
    Redactor,
    env_value,
    guard_library_logs,
    secret_values,
)
from promo_pipeline.errors import (
    PermanentPublishError,
    RetryablePublishError,
    UnconfirmedPublishError,
)
from promo_pipeline.publish import channels as registry
from promo_pipeline.publish import deliveries, settle
from promo_pipeline.publish.channels import Channel, DeliveryJob, SendContext
from promo_pipeline.publish.channels.base import check_enabled
from promo_pipeline.publish.deliveries import (
    CANCELLED,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    UNCONFIRMED,
    Delivery,
)
from promo_pipeline.publish.enqueue import enqueue_approved
from promo_pipeline.publish.expiry import closed_reason, expire_ended, stop_post
from promo_pipeline.publish.results import DeliveryOutcome, PublishSummary
from promo_pipeline.publish.slots import Due, due_offices, mark_served

logger = logging.getLogger(__name__)

_MAX_ROUNDS = 50  # a bound on in-run retry rounds, whatever the clock does
_INTERRUPTED = ("proses berhenti di tengah pengiriman (mati mendadak atau dihentikan); "
                "unggahan mungkin sudah tayang — periksa akun, lalu tandai terkirim atau "
                "kirim ulang")


def make_channels(cfg: Config) -> dict[str, Channel]:
    """The configured channels, ready to send (raises ConfigError when one is incomplete)."""
    env = {var: value for var in registry.env_secrets() if (value := env_value(var))}
    wanted = [(registry.get(name), cfg.publish.sections.get(name))
              for name in cfg.publish.channels]
    for cls, section in wanted:
        check_enabled(cls, section, env)
    guard_library_logs(secret_values())
    return {cls.name: cls(section, secrets={v: env[v] for v in cls.env_secrets},
                          timeout=cfg.publish.timeout) for cls, section in wanted}


def backoff_delay(attempt: int, base: float, retry_after: float | None, *,
                  cap: float = 6 * 3600.0) -> float:
    """Delay before retry number *attempt* (1-based): ``base * 2**(attempt-1)`` plus up to 10%
    jitter, never less than the platform's ``retry_after``, never more than *cap*."""
    delay = base * (2.0 ** max(0, attempt - 1))
    delay += random.uniform(0, delay * 0.1)
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return min(delay, cap)


def _job(d: Delivery) -> DeliveryJob:
    return DeliveryJob(id=d.id, post_id=d.post_id, channel=d.channel, idem_key=d.idem_key,
                       payload=dict(d.payload), checkpoint=dict(d.checkpoint),
                       attempts=d.attempts)


class _Runner:
    """One publish pass: holds the channels, the clock and the results."""

    def __init__(self, cfg: Config, db: Database, channels: dict[str, Channel],
                 clock: Callable[[], datetime], sleep: Callable[[float], None],
                 summary: PublishSummary):
        self.cfg, self.db, self.channels = cfg, db, channels
        self.clock, self.sleep, self.summary = clock, sleep, summary
        self.redact = Redactor(secret_values())

    def ctx(self, job: DeliveryJob) -> SendContext:
        def save(cp: dict[str, Any]) -> None:
            # Committed at once: it records a step that has happened on the platform.
            with store.write_tx(self.db):
                deliveries.save_checkpoint(self.db, job.id, cp, self.clock())
            job.checkpoint = dict(cp)

        tz = self.cfg.timezone_of(job.payload.get("office_id"))
        return SendContext(output_dir=self.cfg.output_dir, save_checkpoint=save,
                           clock=self.clock, sleep=self.sleep, office_timezone=tz)

    def _settle(self, post_id: int) -> None:
        if settle.settle_post(self.db, post_id) == "published":
            self.summary.published_posts.append(post_id)

    # -- before sending --
    def recover_interrupted(self) -> None:
        """Deliveries left in ``sending`` by a crash: checked (export) or made unconfirmed."""
        for d in deliveries.with_status(self.db, SENDING):
            job = _job(d)
            now = self.clock()
            channel = self.channels.get(d.channel)
            checkable = channel is not None and channel.can_reconcile
            found = channel.reconcile(job, self.ctx(job)) if channel and checkable else None
            with store.write_tx(self.db):
                if found is not None:
                    deliveries.move(self.db, d.id, SENDING, SENT, now,
                                    note="ditemukan sudah terkirim setelah proses terhenti",
                                    remote_id=found.remote_id, remote_url=found.remote_url,
                                    sent_at=deliveries.iso(now), last_error=None)
                    outcome = DeliveryOutcome(d.id, d.post_id, d.channel, SENT,
                                              found.remote_id, found.remote_url)
                elif checkable:
                    deliveries.move(self.db, d.id, SENDING, QUEUED, now,
                                    note="belum tertulis; diantrekan")
                    outcome = DeliveryOutcome(d.id, d.post_id, d.channel, QUEUED)
                else:
                    deliveries.move(self.db, d.id, SENDING, UNCONFIRMED, now,
                                    note=_INTERRUPTED, last_error=_INTERRUPTED)
                    outcome = DeliveryOutcome(d.id, d.post_id, d.channel, UNCONFIRMED,
                                              error=_INTERRUPTED)
            logger.warning("delivery %s (%s, post %s) was interrupted mid-send: now %s",
                           d.id, d.channel, d.post_id, outcome.status)
            self.summary.recovered.append(outcome)
            self._settle(d.post_id)

    def cancel_unconfigured(self) -> None:
        for d in deliveries.with_status(self.db, QUEUED):
            if d.channel in self.channels:
                continue
            with store.write_tx(self.db):
                deliveries.move(self.db, d.id, QUEUED, CANCELLED, self.clock(),
                                note="channel removed from publish.channels",
                                last_error=f"kanal {d.channel} tidak lagi dikonfigurasi")
            self._settle(d.post_id)

    # -- sending --
    def due(self) -> list[Delivery]:
        return [d for d in deliveries.due(self.db, self.clock(), settle.approved_ids(self.db))
                if d.channel in self.channels]

    def next_retry(self) -> datetime | None:
        return deliveries.next_retry(self.db, settle.approved_ids(self.db))

    def claim(self, d: Delivery) -> bool:
        """Take the delivery (``queued`` → ``sending``) in one write transaction, after checking
        in that same transaction that its post is still approved and its auction still open."""
        now = self.clock()
        with store.write_tx(self.db):
            post = settle.get_post(self.db, d.post_id)
            if post.status != queue.APPROVED:
                return False
            found = closed_reason(self.db, post, now)
            if found:  # the auction ended while this run was busy: never publish it now
                stop_post(self.db, d.post_id, *found, now)
                self.summary.expired_posts.append(d.post_id)
                return False
            return deliveries.claim(self.db, d.id, now)

    def deliver(self, d: Delivery) -> DeliveryOutcome | None:
        channel = self.channels[d.channel]
        if not self.claim(d):
            return None
        crash.point("after_delivery_claimed")
        job = _job(deliveries.get(self.db, d.id))
        try:
            result = channel.send(job, self.ctx(job))
        except RetryablePublishError as exc:
            return self._retry_or_fail(job, self.redact(exc), exc.retry_after)
        except PermanentPublishError as exc:
            return self._finish(job, FAILED, error=self.redact(exc))
        except UnconfirmedPublishError as exc:
            return self._finish(job, UNCONFIRMED, error=self.redact(exc))
        except Exception as exc:  # a bug mid-send: the request may have gone out
            logger.exception("delivery %s: unexpected error while sending", job.id)
            return self._finish(job, UNCONFIRMED, error=self.redact(
                f"kesalahan tak terduga saat mengirim ({type(exc).__name__}); unggahan mungkin "
                "sudah tayang — periksa akun sebelum mengirim ulang"))
        crash.point("after_platform_accepted")
        return self._finish(job, SENT, remote_id=result.remote_id, remote_url=result.remote_url)

    def _finish(self, job: DeliveryJob, to: str, *, error: str | None = None,
                remote_id: str | None = None, remote_url: str | None = None) -> DeliveryOutcome:
        now = self.clock()
        cols: dict[str, Any] = {"last_error": error}
        if to == SENT:
            cols.update(remote_id=remote_id, remote_url=remote_url,
                        sent_at=deliveries.iso(now), next_attempt_at=None)
        with store.write_tx(self.db):
            deliveries.move(self.db, job.id, SENDING, to, now, note=error, **cols)
        level = logging.INFO if to == SENT else logging.WARNING
        logger.log(level, "delivery %s (%s, post %s): %s%s", job.id, job.channel, job.post_id,
                   to, f": {error}" if error else "")
        self._settle(job.post_id)
        return DeliveryOutcome(job.id, job.post_id, job.channel, to, remote_id, remote_url, error)

    def _retry_or_fail(self, job: DeliveryJob, error: str,
                       retry_after: float | None) -> DeliveryOutcome:
        attempts = job.attempts or 1  # the claim counted this attempt already
        if attempts > self.cfg.publish.retries:
            return self._finish(job, FAILED, error=f"gagal setelah {attempts} percobaan: {error}")
        delay = backoff_delay(attempts, self.cfg.publish.backoff_base, retry_after)
        now = self.clock()
        at = now + timedelta(seconds=delay)
        with store.write_tx(self.db):
            deliveries.move(self.db, job.id, SENDING, QUEUED, now,
                            note=f"dicoba lagi dalam {delay:.0f} dtk", last_error=error,
                            next_attempt_at=deliveries.iso_us(at))
        logger.info("delivery %s (%s): retry in %.1f s: %s", job.id, job.channel, delay, error)
        return DeliveryOutcome(job.id, job.post_id, job.channel, QUEUED, error=error,
                               retry_at=deliveries.iso(at))

    # -- the run --
    def prepare(self, *, ignore_slots: bool) -> Due:
        """Everything before sending: recover, expire, enqueue what is due; returns the slots."""
        db, cfg, summary = self.db, self.cfg, self.summary
        self.recover_interrupted()
        before = settle.approved_ids(db)
        queue.apply_lot_states(db, now=self.clock())
        expire_ended(db, self.clock())
        summary.expired_posts.extend(sorted(before - settle.approved_ids(db)))
        self.cancel_unconfigured()
        due = due_offices(cfg, db, self.clock(), ignore_slots=ignore_slots)
        summary.due_offices = sorted(o for o in due.offices if o)
        first = due.first_waiting()
        if first is not None:
            summary.next_slot = first.strftime("%H.%M") + " " + (first.tzname() or "")
        summary.enqueued = enqueue_approved(db, cfg, office_ids=list(due.offices),
                                            clock=self.clock)
        for post_id in deliveries.posts_with_deliveries(db, settle.approved_ids(db)):
            self._settle(post_id)  # a crash between 'sent' and the post's own mark
        return due

    def send_due(self) -> None:
        """Send what is due, waiting in-run for retries due within ``publish.max_wait``."""
        rows = self.due()
        if rows or self.summary.recovered or self.summary.expired_posts:
            self.summary.run_id = runs.start_run(self.db, "publish")
        for _ in range(_MAX_ROUNDS):
            for d in rows:
                outcome = self.deliver(d)
                if outcome is not None:
                    self.summary.outcomes.append(outcome)
            nxt = self.next_retry()
            if nxt is None:
                break
            wait = (nxt - self.clock()).total_seconds()
            if wait > self.cfg.publish.max_wait:
                break
            if wait > 0:
                self.sleep(wait)
            rows = self.due()

    def record(self, started: float) -> None:
        """The run's counts: in the summary and in the ``runs`` table."""
        summary = self.summary
        summary.waiting = deliveries.count_queued(self.db, settle.approved_ids(self.db))
        summary.duration_s = round(time.monotonic() - started, 3)
        if summary.run_id is not None:
            runs.finish_run(
                self.db, summary.run_id,
                counts={"sent": summary.sent, "failed": summary.failed,
                        "unconfirmed": summary.unconfirmed, "waiting": summary.waiting,
                        "expired": len(summary.expired_posts), "enqueued": summary.enqueued},
                errors=[f"#{p.delivery_id} {p.channel}: {p.error}" for p in summary.problems],
                status="ok" if summary.ok else "partial")


def publish(
    cfg: Config,
    db: Database,
    *,
    now: bool = False,
    clock: Callable[[], datetime] | None = None,
    sleep: Callable[[float], None] | None = None,
    channels: dict[str, Channel] | None = None,
    notify: bool = True,
) -> PublishSummary:
    """Deliver the approved posts that are due; the library entry point of ``promo publish``.

    *now* ignores the publishing slots. *clock* (aware UTC datetimes) and *sleep* are
    injectable for tests. The caller holds the project lock (the CLI command, a daemon job).
    Raises :class:`ConfigError` when a configured channel lacks a setting or token.
    """
    own_channels = channels is None
    channels = make_channels(cfg) if channels is None else channels
    started = time.monotonic()
    summary = PublishSummary(now=now)
    try:
        runner = _Runner(cfg, db, channels, clock or clock_mod.now, sleep or time.sleep,
                         summary)
        due = runner.prepare(ignore_slots=now)
        runner.send_due()
        mark_served(db, due, runner.clock())
        runner.record(started)
    finally:
        if own_channels:
            for ch in channels.values():
                ch.close()
    if notify and summary.problems:
        from promo_pipeline import notify as notify_mod

        notify_mod.publish_problems(cfg, db, summary.problems)
    return summary
