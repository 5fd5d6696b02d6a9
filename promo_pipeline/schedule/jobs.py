"""The daemon's job functions (:class:`Jobs`): each opens its own connection, takes the project
lock and never lets an error reach the scheduler.

Settings read: ``report.email_to``, ``report.telegram_chat_id`` and each office's
``[offices.report]`` (the monthly report's recipients),
``schedule.daily_at`` (the catch-up), ``offices``, ``database.path`` and the lock file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlite_utils import Database

from promo_pipeline import clock, database
from promo_pipeline.config import Config
from promo_pipeline.errors import LockedError, PromoError
from promo_pipeline.lock import project_lock
from promo_pipeline.runs import RunSummary
from promo_pipeline.schedule.catchup import catchup_due, last_successful_run, office_jobs

logger = logging.getLogger(__name__)

#: How long a job waits for the project lock (a manual run in progress) before skipping.
JOB_LOCK_WAIT = 30 * 60.0


def _default_run(cfg: Config, db: Database,
                 office_ids: list[str] | None = None) -> RunSummary:
    from promo_pipeline import pipeline

    return pipeline.run(cfg, db, office_ids=office_ids)


def _default_publish(cfg: Config, db: Database) -> Any:
    from promo_pipeline.publish import publish

    return publish(cfg, db, now=False)


def _digest(cfg: Config, db: Database) -> RunSummary:
    from promo_pipeline import pipeline

    return pipeline.run_digest(cfg, db)


def _reminders(cfg: Config, db: Database) -> RunSummary:
    from promo_pipeline import pipeline

    return pipeline.run_reminders(cfg, db)


def _evaluate(cfg: Config, db: Database) -> dict[str, Any]:
    from promo_pipeline import outcomes
    from promo_pipeline.insights.fetch import fetch_due

    now = clock.now()
    return {"outcomes": outcomes.refresh(db, now).to_json(),
            "after_end": outcomes.follow_ended(cfg, db, now),
            "insights": fetch_due(cfg, db, now=now).to_json()}


def _monthly_report(cfg: Config, db: Database) -> dict[str, Any]:
    """Last month's report for each office, written and sent (office → outcomes)."""
    from promo_pipeline import notify, outcomes
    from promo_pipeline.report import Month, build

    if not notify.report_recipients(cfg):
        return {}
    now = clock.now()
    outcomes.refresh(db, now)
    sent: dict[str, Any] = {}
    for office in cfg.offices or []:
        if len(cfg.offices) > 1 and not notify.report_recipients(cfg, office.id):
            continue  # nobody gets this office's report
        month = Month.last_complete(now, cfg.timezone_of(office.id))
        done = build(cfg, db, month, office.id if len(cfg.offices) > 1 else None)
        f = done.figures
        summary = (f"{f.lots_listed} lot tayang, {f.lots_promoted} dipromosikan, "
                   f"{f.posts_published} unggahan terbit.")
        sent[office.id] = notify.send_report(cfg, month_label=f.month_label,
                                             office_name=office.name, summary=summary,
                                             html=done.html, csvs=done.csvs,
                                             office_id=office.id)
        if len(cfg.offices) == 1:
            break
    return sent


@dataclass
class Jobs:
    """The daemon's job functions. Each opens its own database connection, takes the project
    lock (waiting up to *lock_wait* seconds) and never lets an error reach the scheduler.

    *run_pipeline* and *run_publish* are injectable for tests (time comes from
    :func:`promo_pipeline.clock.now`).
    """

    cfg: Config
    lock_wait: float = JOB_LOCK_WAIT
    #: Called as ``run_pipeline(cfg, db)``, or with ``office_ids=[id]`` for one office's run.
    run_pipeline: Callable[..., RunSummary] = _default_run
    run_publish: Callable[[Config, Database], Any] = _default_publish
    run_evaluation: Callable[[Config, Database], Any] = _evaluate
    run_monthly_report: Callable[[Config, Database], Any] = _monthly_report

    def _guarded(self, what: str, body: Callable[[Database], Any]) -> Any:
        """Run *body(db)* under the project lock with its own connection; errors are logged,
        never raised (a job must not take the scheduler down). Returns body's result or None."""
        db = None
        try:
            with project_lock(self.cfg, what=f"promo daemon: {what}", timeout=self.lock_wait):
                db = database.connect(self.cfg.database_path)
                return body(db)
        except LockedError as exc:
            logger.warning("job %s skipped: %s", what, exc)
        except PromoError as exc:
            logger.error("job %s failed: %s", what, exc)
        except Exception:
            logger.exception("job %s failed unexpectedly", what)
        finally:
            if db is not None:
                db.conn.close()
        return None

    def _recorded(self, what: str, job: Callable[[Config, Database], RunSummary]) -> None:
        """A job that records a run: log its line, then tell reviewers about new posts."""

        def body(db: Database) -> None:
            summary = job(self.cfg, db)
            logger.info("%s: %s", what, summary.line())
            if summary.run_id is not None:
                from promo_pipeline import notify

                notify.after_run(self.cfg, db, summary.run_id)

        self._guarded(what, body)

    def daily_run(self, office_id: str | None = None) -> None:
        """Collect → render → caption → queue (of *office_id* only, when given), then tell
        reviewers about new posts."""
        if office_id is None:
            self._recorded("run", self.run_pipeline)
            return

        def one(cfg: Config, db: Database) -> RunSummary:
            return self.run_pipeline(cfg, db, office_ids=[office_id])

        self._recorded(f"run {office_id}", one)

    def publish(self) -> None:
        """Deliver what is due (slot passed and not served, retries, human re-sends)."""

        def body(db: Database) -> None:
            summary = self.run_publish(self.cfg, db)
            logger.info("publish: %s", summary.line())

        self._guarded("publish", body)

    def expire(self) -> None:
        """Expire posts of ended auctions; cancel their queued deliveries."""

        def body(db: Database) -> None:
            from promo_pipeline import queue
            from promo_pipeline.publish.expiry import expire_ended

            now = clock.now()
            counts = queue.apply_lot_states(db, now=now)
            moved = expire_ended(db, now)
            if any(counts.values()) or moved:
                logger.info("expiry: %s, approved posts stopped: %s", counts, moved)

        self._guarded("expire", body)

    def insights(self) -> None:
        """Outcomes of ended lots and the platforms' numbers for recent posts (never raises)."""

        def body(db: Database) -> None:
            logger.info("insights: %s", self.run_evaluation(self.cfg, db))

        self._guarded("insights", body)

    def monthly_report(self) -> None:
        """Last month's report to its recipients (first day of a month)."""

        def body(db: Database) -> None:
            logger.info("monthly report: %s", self.run_monthly_report(self.cfg, db))

        self._guarded("monthly report", body)

    def digest(self, office_id: str | None = None) -> None:
        if office_id is None:
            self._recorded("weekly digest", _digest)
            return

        def one(cfg: Config, db: Database) -> RunSummary:
            from promo_pipeline import pipeline

            return pipeline.run_digest(cfg, db, office_ids=[office_id])

        self._recorded(f"weekly digest {office_id}", one)

    def reminders(self) -> None:
        self._recorded("reminders", _reminders)

    def daily_if_due(self, *, min_gap_minutes: float = 0.0,
                     office_id: str | None = None) -> None:
        """The daily run (of *office_id*, or of each office on its own when there are several
        and none is named) unless one has succeeded since today's ``daily_at``.

        Both the ``daily_at`` trigger and the hourly retry call this, so whichever fires first
        after a wake-up runs, and a run that failed (network down at 06:00) is tried again.
        *min_gap_minutes*: also skip when any run started that recently (the retry's spacing)."""

        if office_id is None and office_jobs(self.cfg) != [None]:
            for each in office_jobs(self.cfg):
                self.daily_if_due(min_gap_minutes=min_gap_minutes, office_id=each)
            return

        def check(db: Database) -> bool:
            now = clock.now()
            if min_gap_minutes > 0:
                last = last_successful_run(db, any_status=True, office_id=office_id)
                if last is not None and now - last < timedelta(minutes=min_gap_minutes):
                    return False
            return catchup_due(db, self.cfg, now, office_id)

        due = self._guarded("daily run check", check)
        if due:
            logger.info("daily run%s due (none successful since %s today)",
                        f" of {office_id}" if office_id else "", self.cfg.schedule.daily_at)
            self.daily_run(office_id)

    def catch_up(self) -> None:
        """After a start or a missed trigger: each daily run that is due (per office when there
        are several), then publishing."""
        for office_id in office_jobs(self.cfg):
            due = self._guarded("catch-up check",
                                lambda db, o=office_id: catchup_due(db, self.cfg, clock.now(), o))
            if due:
                logger.info("catch-up: no successful daily run%s since %s today; running now",
                            f" of {office_id}" if office_id else "",
                            self.cfg.schedule.daily_at)
                self.daily_run(office_id)
        self.publish()
