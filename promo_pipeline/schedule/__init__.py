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
SIGTERM, Ctrl-C and, on Windows, Ctrl-Break stop the scheduler cleanly: the running job
finishes, nothing new starts.
Logs go to the console and to a rotating file (``logging.file``).

Parts: :mod:`.catchup` (is a daily run due now?), :mod:`.jobs` (the job functions); this module
builds the scheduler and runs the daemon.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import signal
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

from promo_pipeline.config import Config
from promo_pipeline.lock import project_lock
from promo_pipeline.schedule.catchup import (
    _hhmm,
    catchup_due,
    last_successful_run,
    needs_catchup,
    office_jobs,
)
from promo_pipeline.schedule.jobs import JOB_LOCK_WAIT, Jobs, _monthly_report

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
LOG_MAX_BYTES = 5_000_000
LOG_BACKUPS = 5


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


def stop_signals() -> tuple[int, ...]:
    """The signals that stop the daemon cleanly: SIGTERM and Ctrl-C everywhere, and on Windows
    Ctrl-Break too (what NSSM and a console's "stop" send to a service's process group)."""
    extra = getattr(signal, "SIGBREAK", None)
    return (signal.SIGTERM, signal.SIGINT, *(() if extra is None else (extra,)))


def run_daemon(cfg: Config, *, jobs: Jobs | None = None) -> None:
    """Run the service until SIGTERM, Ctrl-C or (Windows) Ctrl-Break. Refuses to start when
    another daemon runs."""
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

        previous = {s: signal.signal(s, stop) for s in stop_signals()}
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
    "JOB_LOCK_WAIT", "Jobs", "_monthly_report", "build_scheduler", "catchup_due", "describe",
    "last_successful_run", "needs_catchup", "office_jobs", "run_daemon", "schedule_catch_up",
    "setup_daemon_logging", "stop_signals",
]
