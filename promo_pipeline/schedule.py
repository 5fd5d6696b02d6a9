"""The daily service (``promo daemon``): APScheduler 3.x triggers, every guarantee in our own state.

Settings read: ``schedule.*`` (daily_at, digest_day, digest_at, reminders, misfire_grace_hours,
timezone), ``publish.slots``, ``report.insights_at``, ``offices[].timezone``, ``logging.level``,
``logging.file``.

Jobs (explicit ids, in-memory job store, ``coalesce=True``, ``max_instances=1``, a misfire grace
of ``schedule.misfire_grace_hours``):

- ``daily-run`` at ``daily_at`` in the office zone: :func:`promo_pipeline.pipeline.run` (unless
  a run already succeeded since then), then a notification to reviewers when posts were queued;
- ``publish-HHMM-<zone>`` at every ``publish.slots`` time in each office zone, and
  ``publish-retry`` every 10 minutes: :func:`promo_pipeline.publish.publish` (it decides itself
  what is due; an empty ``slots`` list means approved posts go out at the next of these runs);
- ``daily-retry`` hourly: the daily run again while today's has not succeeded (network down at
  06:00, say);
- ``expire`` hourly: posts of ended auctions are expired and their deliveries cancelled;
- ``weekly-digest`` on ``digest_day`` at ``digest_at`` and, with ``reminders = true``,
  ``reminders`` daily: :func:`promo_pipeline.pipeline.run_digest` /
  :func:`~promo_pipeline.pipeline.run_reminders`, then a notification when posts were queued;
- ``insights`` daily at ``report.insights_at``: the outcomes of ended lots
  (:func:`promo_pipeline.outcomes.refresh`, :func:`~promo_pipeline.outcomes.follow_ended`)
  and the platforms' numbers for posts published in the last ``report.insights_days`` days
  (:func:`promo_pipeline.insights.fetch.fetch_due`); a platform or a source that fails leaves
  a note, never a failed job;
- ``monthly-report`` on the first day of a month at ``report.send_at``: last month's report
  (:func:`promo_pipeline.report.build`) per office, sent to ``report.email_to`` and
  ``report.telegram_chat_id`` (:func:`promo_pipeline.notify.send_report`); nothing when neither
  is set;
- ``catch-up`` once at start and whenever a trigger was missed beyond its grace (a machine that
  slept through 06:00 until after the grace): runs the daily job if ``runs`` has no successful
  daily run since today's ``daily_at`` (:func:`needs_catchup`), then publishes what is due.

With several offices (a Kanwil's install), each office gets its own daily run
(``daily-run:<office id>``, collect → render → queue of that office only) and weekly digest
(``weekly-digest:<office id>``) at ``daily_at`` / ``digest_at`` in *its own* zone (WIB, WITA,
WIT), and its own publishing slots (``Config.publish_for``); the hourly retry and the catch-up
look at each office's last successful run. Each office's job is guarded on its own, so one
office's failure (its listing down, say) never stops another office's run.

A machine asleep at 06:00 that wakes at 08:00 runs the daily job once (coalesced), not never and
not once per missed day. Every job takes the project lock (waiting for a manual run to finish),
so the daemon and a manual ``promo run`` never overlap; a second daemon refuses to start. Like the
CLI commands, the jobs are where the lock is taken: the library functions they call never take it.
Every job reads the time from :func:`promo_pipeline.clock.now`.
SIGTERM and Ctrl-C stop the scheduler cleanly: the running job finishes, nothing new starts.
Logs go to the console and to a rotating file (``logging.file``).
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, EVENT_SCHEDULER_STARTED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlite_utils import Database

from promo_pipeline import clock, database
from promo_pipeline.config import Config
from promo_pipeline.errors import LockedError, PromoError
from promo_pipeline.lock import project_lock
from promo_pipeline.runs import OK, PARTIAL, RunSummary, recent_runs

logger = logging.getLogger(__name__)

JOB_DAILY = "daily-run"
JOB_RETRY = "publish-retry"
JOB_DAILY_RETRY = "daily-retry"
JOB_EXPIRE = "expire"
JOB_DIGEST = "weekly-digest"
JOB_REMINDERS = "reminders"
JOB_CATCHUP = "catch-up"
JOB_INSIGHTS = "insights"
JOB_MONTHLY = "monthly-report"
RETRY_EVERY_MINUTES = 10
#: How long a job waits for the project lock (a manual run in progress) before skipping.
JOB_LOCK_WAIT = 30 * 60.0
LOG_MAX_BYTES = 5_000_000
LOG_BACKUPS = 5


def _hhmm(value: str) -> time:
    hh, mm = value.split(":")
    return time(int(hh), int(mm))


# --- the catch-up decision (pure) ---------------------------------------------------------


def needs_catchup(last_success: datetime | None, now: datetime, daily_at: str,
                  tz: ZoneInfo) -> bool:
    """True when today's daily run is due (its time has passed in *tz*) and no successful
    run has started since that time."""
    local = now.astimezone(tz)
    slot = datetime.combine(local.date(), _hhmm(daily_at), tzinfo=tz)
    if local < slot:
        return False
    return last_success is None or last_success < slot


def last_successful_run(db: Database, *, any_status: bool = False,
                        office_id: str | None = None) -> datetime | None:
    """Start of the latest full run (``kind = "run"``, ok or partial — any status with
    *any_status*; ``--lot`` runs excluded) — of *office_id* when given (a run of every office
    counts for each)."""
    statuses = None if any_status else (OK, PARTIAL)
    daily = [r.started_at for r in recent_runs(db, "run", statuses=statuses)
             if not r.lot_ref and r.covers(office_id)]
    return max(daily, default=None)


def catchup_due(db: Database, cfg: Config, now: datetime,
                office_id: str | None = None) -> bool:
    """Should the daily run (of *office_id*, in its zone) happen now? (See
    :func:`needs_catchup`.)"""
    tz = cfg.timezone_of(office_id) if office_id else cfg.default_timezone
    return needs_catchup(last_successful_run(db, office_id=office_id), now,
                         cfg.schedule.daily_at, ZoneInfo(tz))


def office_jobs(cfg: Config) -> list[str | None]:
    """What the daily jobs run for: each office on its own when there are several, else
    [None] (one run of every office)."""
    return [o.id for o in cfg.offices] if len(cfg.offices) > 1 else [None]


# --- the jobs -----------------------------------------------------------------------------


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

    if not cfg.report.email_to and not cfg.report.telegram_chat_id:
        return {}
    now = clock.now()
    outcomes.refresh(db, now)
    sent: dict[str, Any] = {}
    for office in cfg.offices or []:
        month = Month.last_complete(now, cfg.timezone_of(office.id))
        done = build(cfg, db, month, office.id if len(cfg.offices) > 1 else None)
        f = done.figures
        summary = (f"{f.lots_listed} lot tayang, {f.lots_promoted} dipromosikan, "
                   f"{f.posts_published} unggahan terbit.")
        sent[office.id] = notify.send_report(cfg, month_label=f.month_label,
                                             office_name=office.name, summary=summary,
                                             html=done.html, csvs=done.csvs)
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


# --- the scheduler ------------------------------------------------------------------------


def _slots(cfg: Config) -> list[tuple[str, list[str]]]:
    """(zone, slots) of every office (its own ``[offices.publish]`` slots, or ``publish.slots``),
    without repeats; the install's zone when no office is configured."""
    found: dict[str, list[str]] = {}
    pairs = [(o.timezone, cfg.publish_for(o.id).slots) for o in cfg.offices] or [
        (cfg.default_timezone, cfg.publish.slots)]
    for zone, slots in pairs:
        have = found.setdefault(zone, [])
        have.extend(s for s in slots if s not in have)
    return list(found.items())


def build_scheduler(
    cfg: Config,
    jobs: Jobs,
    *,
    scheduler_cls: type[BaseScheduler] = BlockingScheduler,
    executor: Any = None,
) -> BaseScheduler:
    """A scheduler with every job of the daily service (not started)."""
    tz = ZoneInfo(cfg.default_timezone)
    grace = max(1, int(cfg.schedule.misfire_grace_hours * 3600))
    sched = scheduler_cls(
        timezone=tz,
        jobstores={"default": MemoryJobStore()},
        executors={"default": executor or ThreadPoolExecutor(max_workers=2)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
    )
    daily = _hhmm(cfg.schedule.daily_at)
    digest = _hhmm(cfg.schedule.digest_at)
    # Both daily jobs skip when any run started shortly before (they may fire together after
    # a wake-up, or right after a manual run); the hourly one waits longer after a failure.
    for office_id in office_jobs(cfg):
        zone = ZoneInfo(cfg.timezone_of(office_id)) if office_id else tz
        suffix = f":{office_id}" if office_id else ""
        sched.add_job(jobs.daily_if_due,
                      CronTrigger(hour=daily.hour, minute=daily.minute, timezone=zone),
                      kwargs={"min_gap_minutes": 10, "office_id": office_id},
                      id=JOB_DAILY + suffix, name=f"daily run{suffix}", replace_existing=True)
        sched.add_job(jobs.digest, CronTrigger(day_of_week=cfg.schedule.digest_day,
                                               hour=digest.hour, minute=digest.minute,
                                               timezone=zone),
                      kwargs={"office_id": office_id},
                      id=JOB_DIGEST + suffix, name=f"weekly digest{suffix}",
                      replace_existing=True)
    for zone_name, slots in _slots(cfg):
        for slot in slots:
            at = _hhmm(slot)
            sched.add_job(jobs.publish, CronTrigger(hour=at.hour, minute=at.minute,
                                                    timezone=ZoneInfo(zone_name)),
                          id=f"publish-{at:%H%M}-{zone_name.replace('/', '_')}",
                          name=f"publish slot {slot} {zone_name}", replace_existing=True)
    sched.add_job(jobs.publish, IntervalTrigger(minutes=RETRY_EVERY_MINUTES, timezone=tz),
                  id=JOB_RETRY, name="publish retries and unslotted posts",
                  replace_existing=True, misfire_grace_time=RETRY_EVERY_MINUTES * 60)
    sched.add_job(jobs.daily_if_due, IntervalTrigger(hours=1, timezone=tz), id=JOB_DAILY_RETRY,
                  kwargs={"min_gap_minutes": 50},
                  name="daily run retry", replace_existing=True)
    sched.add_job(jobs.expire, IntervalTrigger(hours=1, timezone=tz), id=JOB_EXPIRE,
                  name="expire ended auctions", replace_existing=True)
    insights = _hhmm(cfg.report.insights_at)
    sched.add_job(jobs.insights, CronTrigger(hour=insights.hour, minute=insights.minute,
                                             timezone=tz),
                  id=JOB_INSIGHTS, name="outcomes and platform insights", replace_existing=True)
    monthly = _hhmm(cfg.report.send_at)
    sched.add_job(jobs.monthly_report, CronTrigger(day=1, hour=monthly.hour,
                                                   minute=monthly.minute, timezone=tz),
                  id=JOB_MONTHLY, name="monthly report", replace_existing=True)
    if cfg.schedule.reminders:
        sched.add_job(jobs.reminders, CronTrigger(hour=daily.hour, minute=daily.minute,
                                                  timezone=tz),
                      id=JOB_REMINDERS, name="H-1 reminders", replace_existing=True)

    def on_missed(event: JobExecutionEvent) -> None:
        if event.job_id == JOB_CATCHUP:
            return
        logger.warning("job %s missed its time %s (beyond the grace); scheduling a catch-up",
                       event.job_id, event.scheduled_run_time)
        schedule_catch_up(sched, jobs)

    sched.add_listener(on_missed, EVENT_JOB_MISSED)
    return sched


def schedule_catch_up(sched: BaseScheduler, jobs: Jobs) -> None:
    """Run :meth:`Jobs.catch_up` once, as soon as possible (one pending catch-up at most)."""
    sched.add_job(jobs.catch_up, DateTrigger(timezone=sched.timezone), id=JOB_CATCHUP,
                  name="catch-up", replace_existing=True, misfire_grace_time=None)


def describe(sched: BaseScheduler) -> list[str]:
    """One line per job with its next run time (for the start-up log and the CLI)."""
    lines = []
    for job in sched.get_jobs():
        nxt = getattr(job, "next_run_time", None)
        when = nxt.strftime("%Y-%m-%d %H:%M %Z") if nxt else "-"
        lines.append(f"{job.id}: {when}")
    return lines


# --- running the daemon -------------------------------------------------------------------


def setup_daemon_logging(cfg: Config) -> Path:
    """Console plus a rotating file at ``logging.file``; returns the file's path."""
    from promo_pipeline.config.secrets import RedactingFilter, guard_library_logs, secret_values

    path = cfg.resolve(cfg.logging.file)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.setLevel(cfg.logging.level.upper())
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not any(isinstance(h, logging.handlers.RotatingFileHandler)
               and Path(h.baseFilename) == path for h in root.handlers):
        fh = logging.handlers.RotatingFileHandler(path, maxBytes=LOG_MAX_BYTES,
                                                  backupCount=LOG_BACKUPS, encoding="utf-8")
        fh.setFormatter(fmt)
        root.addHandler(fh)
    if not any(type(h) is logging.StreamHandler for h in root.handlers):
        sh = logging.StreamHandler()
        sh.setFormatter(fmt)
        root.addHandler(sh)
    redact = RedactingFilter(secret_values())
    for h in root.handlers:
        h.addFilter(redact)
    guard_library_logs(secret_values())
    # Only APScheduler's warnings (missed runs, skipped instances); our jobs log their own work.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
    return path


def run_daemon(cfg: Config, *, jobs: Jobs | None = None) -> None:
    """Run the service until SIGTERM or Ctrl-C. Refuses to start when another daemon runs."""
    log_file = setup_daemon_logging(cfg)
    daemon_lock = cfg.lock_path.with_name(cfg.lock_path.name + ".daemon")
    with project_lock(daemon_lock, what="promo daemon", timeout=0.5):
        jobs = jobs or Jobs(cfg)
        sched = build_scheduler(cfg, jobs)
        schedule_catch_up(sched, jobs)

        def stop(signum: int, _frame: Any) -> None:
            logger.info("signal %s received: stopping after the running job", signum)
            # Not wait=True: the handler runs on the main thread, which must return to let the
            # scheduler loop end; running jobs still finish before the process exits.
            with contextlib.suppress(Exception):
                sched.shutdown(wait=False)

        previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
        logger.info("daemon started (pid lock %s, log %s); office zone %s", daemon_lock,
                    log_file, cfg.default_timezone)
        def started(_event: Any) -> None:
            for line in describe(sched):
                logger.info("job %s", line)

        sched.add_listener(started, EVENT_SCHEDULER_STARTED)
        try:
            sched.start()  # blocks until stop()
        finally:
            for s, h in previous.items():
                signal.signal(s, h)
        logger.info("daemon stopped")


__all__ = [
    "Jobs", "build_scheduler", "catchup_due", "describe", "last_successful_run",
    "needs_catchup", "run_daemon", "schedule_catch_up", "setup_daemon_logging",
]
