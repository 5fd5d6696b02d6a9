"""The outbox: one delivery per (post, channel), claimed before the call, never sent twice.

Settings read: ``publish.*`` (channels, slots, retries, backoff_base, max_wait and the channel
tables) and each office's ``[offices.publish]`` merged over it (``Config.publish_for``: a post goes
through its office's channels, with the office's own secret variables),
``offices[].timezone``, ``storage.output_dir``; notifications: ``notify.*``.

The modules of the publish stage: :mod:`~promo_pipeline.publish.deliveries` (the tables and
the ``Delivery`` record), :mod:`~promo_pipeline.publish.enqueue` (approved posts → deliveries),
:mod:`~promo_pipeline.publish.slots` (when an office is due), :mod:`~promo_pipeline.publish.expiry`
(nothing after the auction), :mod:`~promo_pipeline.publish.settle` (post status from its
deliveries), :mod:`~promo_pipeline.publish.resolve` (a human's decision) and this module, which
runs one publish: recover, expire, enqueue, then claim each due delivery and hand it to
:mod:`~promo_pipeline.publish.attempt` (the send, and what its answer means: sent, failed,
unconfirmed, or queued again after a backoff).

A delivery's life (``deliveries``, migration set ``"publish"``)::

    queued ──claim──▶ sending ──▶ sent
       ▲   ▲             ├──▶ queued again   (nothing can have been posted: a refusal that
       │   │             │                    proves it; a full window waits, not a failure)
       │   │             ├──▶ failed         (the platform refused: token, permission, caption)
       │   │             └──▶ unconfirmed    (may be live: answer lost, 5xx, codes 1/2 …)
       │   └── looked up on the platform: not there ──┘   found ──▶ sent
       └── human "send again" (failed / unconfirmed);  human "mark sent" (unconfirmed / failed)
    queued ──▶ cancelled (the auction ended, or the channel was removed from the config)

- ``idem_key`` = sha256(post id | channel | content) is UNIQUE, and so is (post, channel):
  enqueuing an approved post again is a no-op.
- The claim is ``UPDATE … SET status='sending' WHERE id=? AND status='queued'`` in a
  ``BEGIN IMMEDIATE`` transaction and must change exactly one row; only then is the network
  touched. A delivery still in ``sending`` when the next publish starts was interrupted mid-call
  (crash, kill, power cut): it is looked up where the platform allows (the export folder on
  disk, Instagram's container, the Facebook Page), else ``unconfirmed`` — never re-sent blindly
  (:mod:`~promo_pipeline.publish.reconcile`).
- Before the claim the channel says whether its platform's window allows the post now
  (:meth:`~promo_pipeline.publish.channels.base.Channel.window`: Telegram's messages a minute,
  Instagram's 24-hour publishing limit); if not, the delivery waits without an attempt. A
  platform's "wait" answer after the claim (:class:`~promo_pipeline.errors.RateLimitedPublishError`)
  moves it the same way; only real failures use ``publish.retries``.
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
import time
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from promo_pipeline import clock as clock_mod
from promo_pipeline import crash, queue, runs, store
from promo_pipeline.config import Config, Office
from promo_pipeline.config.secrets import (
    Redactor,
    channel_secrets,
    env_value,
    guard_library_logs,
    secret_values,
)
from promo_pipeline.publish import attempt, deliveries, reconcile, settle
from promo_pipeline.publish import channels as registry
from promo_pipeline.publish.attempt import backoff_delay as backoff_delay
from promo_pipeline.publish.channels import Channel, DeliveryJob, SendContext
from promo_pipeline.publish.channels.base import check_enabled
from promo_pipeline.publish.deliveries import (
    CANCELLED,
    QUEUED,
    Delivery,
)
from promo_pipeline.publish.enqueue import enqueue_approved
from promo_pipeline.publish.expiry import closed_reason, expire_ended, stop_post
from promo_pipeline.publish.results import DeliveryOutcome, PublishSummary
from promo_pipeline.publish.slots import Due, due_offices, mark_served

logger = logging.getLogger(__name__)

_MAX_ROUNDS = 50  # a bound on in-run retry rounds, whatever the clock does


def make_channels(cfg: Config, office: Office | None = None, *,
                  only: Collection[str] | None = None) -> dict[str, Channel]:
    """The channels of ``[publish]`` (or of *office*: its ``[offices.publish]`` and its own
    secret variables) — those in *only*, when given —, ready to send (raises ConfigError when
    one is incomplete)."""
    pub = cfg.publish_for(office.id) if office is not None else cfg.publish
    table, suffix = "publish", ""
    if office is not None:
        table, suffix = f"offices[{cfg.offices.index(office)}].publish", office.env_suffix
    wanted = [(registry.get(name), pub.sections.get(name)) for name in pub.channels
              if only is None or name in only]
    envs = {cls.name: channel_secrets(cls.name, office) for cls, _ in wanted}
    for cls, section in wanted:
        check_enabled(cls, section, envs[cls.name], table=table, suffix=suffix)
    guard_library_logs(secret_values())
    return {cls.name: cls(section, secrets=envs[cls.name], timeout=pub.timeout)
            for cls, section in wanted}


def own_channels(cfg: Config, office: Office) -> bool:
    """True when *office* sends through channels of its own: it has ``[offices.publish]`` or
    one of its own secret variables is set (``PROMO_TELEGRAM_TOKEN_DOMPU``)."""
    if office.publish is not None:
        return True
    return any(env_value(registry.office_env(var, office.env_suffix))
               for var in registry.env_secrets())


def make_office_channels(cfg: Config) -> dict[str, dict[str, Channel]]:
    """Office id → its own channels, for the offices that have them (:func:`own_channels`)."""
    return {o.id: make_channels(cfg, o) for o in cfg.offices if own_channels(cfg, o)}


def job_of(d: Delivery) -> DeliveryJob:
    """The channel's view of a delivery."""
    return DeliveryJob(id=d.id, post_id=d.post_id, channel=d.channel, idem_key=d.idem_key,
                       payload=dict(d.payload), checkpoint=dict(d.checkpoint),
                       attempts=d.attempts)


class _Runner:
    """One publish pass: holds the channels, the clock and the results."""

    def __init__(self, cfg: Config, db: Database, channels: dict[str, Channel],
                 clock: Callable[[], datetime], sleep: Callable[[float], None],
                 summary: PublishSummary,
                 office_channels: dict[str, dict[str, Channel]] | None = None):
        self.cfg, self.db, self.channels = cfg, db, channels
        self.office_channels = office_channels or {}
        self.clock, self.sleep, self.summary = clock, sleep, summary
        self.redact = Redactor(secret_values())

    def ctx(self, job: DeliveryJob) -> SendContext:
        def save(cp: dict[str, Any]) -> None:
            # Committed at once: it records a step that has happened on the platform.
            with store.write_tx(self.db):
                deliveries.save_checkpoint(self.db, job.id, cp, self.clock())
            job.checkpoint = dict(cp)

        def sent_since(since: datetime) -> list[datetime]:
            # A platform's quota is per account: an office with channels of its own counts
            # its own posts, the install's account those of every other office.
            office = str(job.payload.get("office_id") or "")
            if office in self.office_channels:
                return deliveries.sent_since(self.db, job.channel, since, offices=[office])
            return deliveries.sent_since(self.db, job.channel, since,
                                         other_than=list(self.office_channels))

        tz = self.cfg.timezone_of(job.payload.get("office_id"))
        return SendContext(output_dir=self.cfg.output_dir, save_checkpoint=save,
                           clock=self.clock, sleep=self.sleep, office_timezone=tz,
                           sent_since=sent_since)

    def channel_of(self, channel: str, payload: Mapping[str, Any]) -> Channel | None:
        """The channel a delivery goes through: its office's own, else the install's (None:
        not configured any more)."""
        book = self.office_channels.get(str(payload.get("office_id") or ""), self.channels)
        return book.get(channel)

    def settle(self, post_id: int) -> None:
        if settle.settle_post(self.db, post_id) == "published":
            self.summary.published_posts.append(post_id)

    def cancel_unconfigured(self) -> None:
        for d in deliveries.with_status(self.db, QUEUED):
            if self.channel_of(d.channel, d.payload) is not None:
                continue
            with store.write_tx(self.db):
                deliveries.move(self.db, d.id, QUEUED, CANCELLED, self.clock(),
                                note="channel removed from publish.channels",
                                last_error=f"kanal {d.channel} tidak lagi dikonfigurasi")
            self.settle(d.post_id)

    # -- sending --
    def due(self) -> list[Delivery]:
        return [d for d in deliveries.due(self.db, self.clock(), settle.approved_ids(self.db))
                if self.channel_of(d.channel, d.payload) is not None]

    def next_wake(self) -> datetime | None:
        """When the next queued delivery or automatic look is due."""
        times = [t for t in (deliveries.next_retry(self.db, settle.approved_ids(self.db)),
                             deliveries.next_look(self.db)) if t is not None]
        return min(times) if times else None

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

    def wait_for_window(self, channel: Channel, d: Delivery) -> DeliveryOutcome | None:
        """Before the claim: a delivery the platform's window does not allow yet waits."""
        job = job_of(d)
        try:
            wait, why = channel.window(job, self.ctx(job))
        except Exception as exc:  # a window is advice: when it cannot be read, the send says
            logger.warning("delivery %s: window of %s unknown: %s", d.id, d.channel,
                           self.redact(exc))
            return None
        if wait <= 0:
            return None
        now = self.clock()
        at = now + timedelta(seconds=wait)
        with store.write_tx(self.db):
            deliveries.defer(self.db, d.id, at, why, now)
        logger.info("delivery %s (%s): waits %.0f s: %s", d.id, d.channel, wait, why)
        return DeliveryOutcome(d.id, d.post_id, d.channel, QUEUED, error=why,
                               retry_at=deliveries.iso(at))

    def deliver(self, d: Delivery) -> DeliveryOutcome | None:
        channel = self.channel_of(d.channel, d.payload)
        assert channel is not None  # due() keeps only deliveries of configured channels
        waiting = self.wait_for_window(channel, d)
        if waiting is not None:
            return waiting
        if not self.claim(d):
            return None
        crash.point("after_delivery_claimed")
        current = deliveries.get(self.db, d.id)
        return attempt.send(self, channel, job_of(current), current.failures)

    # -- the run --
    def prepare(self, *, ignore_slots: bool) -> Due:
        """Everything before sending: recover, expire, enqueue what is due; returns the slots."""
        db, cfg, summary = self.db, self.cfg, self.summary
        reconcile.recover_interrupted(self)
        reconcile.look_unconfirmed(self)
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
            self.settle(post_id)  # a crash between 'sent' and the post's own mark
        return due

    def send_due(self) -> None:
        """Send what is due, waiting in-run for retries due within ``publish.max_wait``."""
        rows = self.due()
        summary = self.summary
        if rows or summary.recovered or summary.expired_posts or summary.outcomes:
            summary.run_id = runs.start_run(self.db, "publish")
        for round_ in range(_MAX_ROUNDS):
            if round_:
                reconcile.look_unconfirmed(self)
            for d in rows:
                outcome = self.deliver(d)
                if outcome is not None:
                    summary.outcomes.append(outcome)
            nxt = self.next_wake()
            if nxt is None:
                break
            wait = (nxt - self.clock()).total_seconds()
            if wait > self.cfg.publish.max_wait:
                break
            if wait > 0:
                self.sleep(wait)
            rows = self.due()
            if summary.run_id is None and (rows or deliveries.to_look(self.db, self.clock())):
                summary.run_id = runs.start_run(self.db, "publish")

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
    made = channels is None
    channels = make_channels(cfg) if channels is None else channels
    offices = make_office_channels(cfg) if made else {}
    started = time.monotonic()
    summary = PublishSummary(now=now)
    try:
        runner = _Runner(cfg, db, channels, clock or clock_mod.now, sleep or time.sleep,
                         summary, offices)
        due = runner.prepare(ignore_slots=now)
        runner.send_due()
        mark_served(db, due, runner.clock())
        runner.record(started)
    finally:
        if made:
            for ch in [*channels.values(), *(c for b in offices.values() for c in b.values())]:
                ch.close()
    if notify and summary.problems:
        from promo_pipeline import notify as notify_mod

        notify_mod.publish_problems(cfg, db, summary.problems)
    return summary
