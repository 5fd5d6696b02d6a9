"""The daily service: misfire grace, coalescing and catch-up with a controlled clock; the real
daemon in a subprocess (start, single instance, clean SIGTERM, rotating log file)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import apscheduler.executors.base
import apscheduler.schedulers.base
import apscheduler.triggers.date
import apscheduler.triggers.interval
import pytest
from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.base import BaseScheduler
from fake_platforms import Project, env_with_tokens, write_config

from promo_pipeline import clock as clock_mod
from promo_pipeline import schedule, store
from promo_pipeline.runs import RunSummary
from promo_pipeline.schedule import Jobs, build_scheduler, catchup_due, needs_catchup

WITA = ZoneInfo("Asia/Makassar")


def wita(*args: int) -> datetime:
    return datetime(*args, tzinfo=WITA)


# --- the catch-up decision ----------------------------------------------------------------------


@pytest.mark.parametrize(("last", "now", "due"), [
    (None, wita(2026, 3, 11, 5, 59), False),                      # before 06:00: not yet
    (None, wita(2026, 3, 11, 6, 0), True),                        # never ran, slot passed
    (wita(2026, 3, 8, 6, 1), wita(2026, 3, 11, 13, 0), True),     # last success 3 days ago
    (wita(2026, 3, 11, 6, 2), wita(2026, 3, 11, 13, 0), False),   # ran today after 06:00
    (wita(2026, 3, 11, 5, 0), wita(2026, 3, 11, 7, 0), True),     # ran today, but before 06:00
    (wita(2026, 3, 10, 23, 0), wita(2026, 3, 11, 0, 30), False),  # just after midnight
])
def test_needs_catchup(last, now, due):
    assert needs_catchup(last, now.astimezone(UTC), "06:00", WITA) is due


def project(tmp_path, **kw) -> Project:
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    extra = '[schedule]\ndaily_at = "06:00"\nmisfire_grace_hours = 6\n'
    return Project(root, write_config(root, channels=["export"], slots=["09:00"], extra=extra,
                                      **kw))


def record_run(db, when: datetime, *, status: str = "ok", counts: str = "{}") -> RunSummary:
    at = clock_mod.iso(when)
    with store.write_tx(db):
        db["runs"].insert({"kind": "run", "started_at": at, "finished_at": at, "status": status,
                           "counts": counts, "errors": "[]"})
    # run_id None: the stand-in's run is not one the notifier should count.
    return RunSummary(run_id=None, kind="run", status=status, counts={})


def test_catchup_due_reads_the_runs_table(tmp_path):
    p = project(tmp_path)
    now = wita(2026, 3, 11, 13, 0)
    assert catchup_due(p.db, p.cfg, now)
    record_run(p.db, wita(2026, 3, 8, 6, 0))
    assert catchup_due(p.db, p.cfg, now)                       # three days old
    record_run(p.db, wita(2026, 3, 11, 6, 5), status="failed")
    assert catchup_due(p.db, p.cfg, now)                       # a failed run does not count
    record_run(p.db, wita(2026, 3, 11, 7, 0), counts='{"lot_ref": "abc"}')
    assert catchup_due(p.db, p.cfg, now)                       # an urgent --lot run neither
    record_run(p.db, wita(2026, 3, 11, 6, 5), status="partial")
    assert not catchup_due(p.db, p.cfg, now)


# --- the scheduler with a controlled clock ------------------------------------------------------


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@pytest.fixture
def clock(monkeypatch):
    c = Clock(wita(2026, 3, 9, 5, 0))  # Monday 05:00 WITA

    class FakeDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return c.now.astimezone(tz) if tz else c.now.astimezone().replace(tzinfo=None)

    for module in (apscheduler.schedulers.base, apscheduler.executors.base,
                   apscheduler.triggers.date, apscheduler.triggers.interval):
        monkeypatch.setattr(module, "datetime", FakeDatetime)
    with clock_mod.use(c):  # the jobs read the tool's one clock
        yield c


class Harness:
    """The daemon's real scheduler and jobs, driven tick by tick on the controlled clock.

    The daily run is a stand-in that records a ``runs`` row at the controlled time (as
    pipeline.run does at the real one); publishing is counted."""

    def __init__(self, p: Project, clock: Clock):
        self.p, self.clock = p, clock
        self.daily: list[datetime] = []
        self.published: list[datetime] = []

        def run(cfg, db):
            self.daily.append(clock.now)
            return record_run(db, clock.now)

        def pub(cfg, db):
            self.published.append(clock.now)
            return RunSummary(run_id=None, kind="publish", status="ok", counts={})

        self.jobs = Jobs(p.cfg, lock_wait=1, run_pipeline=run, run_publish=pub)
        self.sched = build_scheduler(p.cfg, self.jobs, executor=DebugExecutor())
        # Start the scheduler without its blocking loop; tick() runs one round of it.
        self.sched._event = threading.Event()
        BaseScheduler.start(self.sched)

    def tick(self) -> None:
        self.sched._process_jobs()
        self.sched._process_jobs()  # a catch-up scheduled by the first round runs now

    def stop(self) -> None:
        self.sched.shutdown(wait=False)


@pytest.fixture
def harness(tmp_path, clock):
    h = Harness(project(tmp_path), clock)
    yield h
    h.stop()


def test_jobs_have_ids_grace_coalescing_and_one_instance(harness):
    jobs = {j.id: j for j in harness.sched.get_jobs()}
    assert {"daily-run", "publish-0900-Asia_Makassar", "publish-retry", "expire",
            "weekly-digest"} <= set(jobs)
    daily = jobs["daily-run"]
    assert daily.misfire_grace_time == 6 * 3600
    assert daily.coalesce is True and daily.max_instances == 1
    assert daily.next_run_time == wita(2026, 3, 9, 6, 0)
    assert jobs["publish-0900-Asia_Makassar"].next_run_time == wita(2026, 3, 9, 9, 0)
    assert jobs["weekly-digest"].next_run_time == wita(2026, 3, 9, 7, 0)  # a Monday
    assert "reminders" not in jobs
    assert jobs["insights"].next_run_time == wita(2026, 3, 9, 5, 0)  # report.insights_at
    assert jobs["monthly-report"].next_run_time == wita(2026, 4, 1, 7, 0)  # report.send_at


def test_insights_job_runs_daily_and_survives_a_failing_fetch(harness, clock):
    calls = []

    def boom(cfg, db):
        calls.append(clock.now)
        raise RuntimeError("Graph API down")

    harness.jobs.run_evaluation = boom
    clock.now = wita(2026, 3, 9, 5, 0, 5)
    harness.tick()
    clock.now = wita(2026, 3, 10, 5, 0, 5)
    harness.tick()
    assert calls == [wita(2026, 3, 9, 5, 0, 5), wita(2026, 3, 10, 5, 0, 5)]


def test_machine_asleep_at_six_runs_once_when_it_wakes(harness, clock):
    harness.tick()
    assert harness.daily == []
    clock.now = wita(2026, 3, 11, 8, 0)  # slept Monday 05:00 → Wednesday 08:00
    harness.tick()
    assert harness.daily == [wita(2026, 3, 11, 8, 0)]  # once: not never, not three times
    clock.now = wita(2026, 3, 11, 8, 1)
    harness.tick()
    assert len(harness.daily) == 1
    clock.now = wita(2026, 3, 12, 6, 0, 5)
    harness.tick()
    assert len(harness.daily) == 2


def test_woken_after_the_grace_catches_up_once(harness, clock):
    harness.tick()
    clock.now = wita(2026, 3, 9, 13, 0)  # 7 h after 06:00, beyond the 6 h grace
    harness.tick()
    assert harness.daily == [wita(2026, 3, 9, 13, 0)]  # the catch-up, not the missed trigger
    clock.now = wita(2026, 3, 9, 13, 5)
    harness.tick()
    assert len(harness.daily) == 1
    assert harness.published  # the catch-up also publishes what is due


def test_a_failed_daily_run_is_tried_again_within_the_hour_then_not(tmp_path, clock):
    p = project(tmp_path)
    h = Harness(p, clock)
    outcomes = iter(["failed", "ok"])

    def flaky(cfg, db):
        h.daily.append(clock.now)
        return record_run(db, clock.now, status=next(outcomes))

    h.jobs.run_pipeline = flaky
    h.tick()
    clock.now = wita(2026, 3, 9, 6, 0, 1)  # the 06:00 run fails (network down)
    h.tick()
    assert h.daily == [wita(2026, 3, 9, 6, 0, 1)]  # once, not again in the same minute
    clock.now = wita(2026, 3, 9, 7, 0, 1)
    h.tick()
    assert len(h.daily) == 2  # the hourly retry
    for hour in (8, 9, 10):
        clock.now = wita(2026, 3, 9, hour, 0, 1)
        h.tick()
    assert len(h.daily) == 2  # succeeded: no more runs today
    h.stop()


def test_catch_up_after_a_restart_runs_only_if_today_has_no_run(tmp_path, clock):
    p = project(tmp_path)
    clock.now = wita(2026, 3, 11, 10, 0)
    record_run(p.db, wita(2026, 3, 11, 6, 1))
    h = Harness(p, clock)
    schedule.schedule_catch_up(h.sched, h.jobs)
    h.tick()
    assert h.daily == [] and len(h.published) == 1  # ran at 06:01 today: only publishing

    clock.now = wita(2026, 3, 12, 10, 0)  # restarted the next day, the 06:00 run never came
    h2 = Harness(p, clock)
    schedule.schedule_catch_up(h2.sched, h2.jobs)
    h2.tick()
    h2.tick()
    assert h2.daily == [wita(2026, 3, 12, 10, 0)]
    h.stop()
    h2.stop()


def test_publish_slot_fires_in_the_office_zone(harness, clock):
    from apscheduler.events import EVENT_JOB_EXECUTED

    ran: list[tuple[str, datetime]] = []
    harness.sched.add_listener(lambda e: ran.append((e.job_id, clock.now)), EVENT_JOB_EXECUTED)
    slot = "publish-0900-Asia_Makassar"
    harness.tick()
    clock.now = wita(2026, 3, 9, 8, 59)
    harness.tick()
    assert slot not in [j for j, _ in ran]
    clock.now = wita(2026, 3, 9, 9, 0, 1)
    harness.tick()
    assert [t for j, t in ran if j == slot] == [wita(2026, 3, 9, 9, 0, 1)]
    assert harness.published[-1] == wita(2026, 3, 9, 9, 0, 1)


def test_a_job_waiting_for_a_manual_run_is_skipped_not_crashed(tmp_path, caplog):
    from promo_pipeline.lock import project_lock

    p = project(tmp_path)
    ran = []
    jobs = Jobs(p.cfg, lock_wait=0.2, run_pipeline=lambda cfg, db: ran.append(1))
    result: list[str] = []

    def other_thread():
        jobs.daily_run()
        result.append("returned")

    with project_lock(p.cfg, what="promo run"):
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
    assert result == ["returned"] and ran == []
    assert "skipped" in caplog.text and "proses lain" in caplog.text
    jobs.daily_run()
    assert ran == [1]


def test_job_errors_never_reach_the_scheduler(tmp_path, caplog):
    p = project(tmp_path)

    def boom(cfg, db):
        raise RuntimeError("disk on fire")

    Jobs(p.cfg, lock_wait=1, run_pipeline=boom).daily_run()
    assert "failed unexpectedly" in caplog.text and "disk on fire" in caplog.text


# --- the real daemon ----------------------------------------------------------------------------


def _wait_for(path, text: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    content = ""
    while time.monotonic() < deadline:
        if path.exists():
            content = path.read_text(encoding="utf-8")
            if text in content:
                return content
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in {path}:\n{content}")


@contextlib.contextmanager
def _daemon(p, argv: list[str]) -> Iterator[subprocess.Popen]:
    """`promo daemon` of project *p* in a subprocess, killed at the end if still running."""
    proc = subprocess.Popen(argv, env=env_with_tokens(), cwd=p.root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _stop(proc: subprocess.Popen, sig: int) -> None:
    """Send *sig*: the daemon ends with status 0 and no traceback."""
    os.kill(proc.pid, sig)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


@pytest.mark.slow
def test_daemon_starts_once_and_stops_cleanly_on_sigterm(tmp_path):
    p = project(tmp_path)
    record_run(p.db, datetime.now(UTC))  # today's run happened: no catch-up collection
    cmd = [sys.executable, "-m", "promo_pipeline", "--config", str(p.cfg_path), "daemon"]
    log = p.cfg.resolve(p.cfg.logging.file)
    with _daemon(p, cmd) as proc:
        content = _wait_for(log, "job daily-run:")
        assert "daemon started" in content
        _wait_for(log, "publish:")  # the start-up catch-up published (nothing due)

        second = subprocess.run(cmd, env=env_with_tokens(), cwd=p.root, capture_output=True,
                                text=True, timeout=30)
        assert second.returncode == 3 and "proses lain" in second.stderr
        _stop(proc, signal.SIGTERM)
    text = log.read_text(encoding="utf-8")
    assert "daemon stopped" in text and "signal 15 received" in text
    assert "catch-up: no successful daily run" not in text  # today's run was recorded


# Windows has no SIGTERM for a console service: NSSM and a console's stop send Ctrl-Break
# (SIGBREAK). Here SIGUSR1 stands in for it, so the daemon's real handler is what stops it.
_WITH_SIGBREAK = ("import runpy, signal, sys; signal.SIGBREAK = signal.SIGUSR1; "
                  "sys.argv = ['promo'] + sys.argv[1:]; "
                  "runpy.run_module('promo_pipeline', run_name='__main__')")


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="needs a signal to stand in")
def test_daemon_stops_cleanly_on_ctrl_break(tmp_path):
    p = project(tmp_path)
    record_run(p.db, datetime.now(UTC))
    log = p.cfg.resolve(p.cfg.logging.file)
    with _daemon(p, [sys.executable, "-c", _WITH_SIGBREAK, "--config", str(p.cfg_path),
                     "daemon"]) as proc:
        _wait_for(log, "job daily-run:")
        _stop(proc, signal.SIGUSR1)  # without a handler, SIGUSR1 would kill it
    text = log.read_text(encoding="utf-8")
    assert f"signal {int(signal.SIGUSR1)} received" in text and "daemon stopped" in text


def test_daemon_log_redacts_tokens(tmp_path, monkeypatch):
    import logging

    from fake_platforms import TELEGRAM_TOKEN

    monkeypatch.setenv("PROMO_TELEGRAM_TOKEN", TELEGRAM_TOKEN)
    p = project(tmp_path)
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        path = schedule.setup_daemon_logging(p.cfg)
        logging.getLogger("urllib3.connectionpool").warning(
            "POST /bot%s/sendPhoto HTTP/1.1", TELEGRAM_TOKEN)
        logging.getLogger("promo_pipeline.test").warning("token=%s", TELEGRAM_TOKEN)
        for h in root.handlers:
            h.flush()
        text = path.read_text(encoding="utf-8")
    finally:
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
                h.close()
    assert "POST /bot***/sendPhoto" in text and "token=***" in text
    assert TELEGRAM_TOKEN not in text


def test_schedule_validation(tmp_path):
    from promo_pipeline import config
    from promo_pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match=r"schedule\.daily_at"):
        config.from_dict({"schedule": {"daily_at": "6am"}}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="misfire_grace_hours"):
        config.from_dict({"schedule": {"misfire_grace_hours": 0}}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"publish\.slots\[1\]"):
        config.from_dict({"publish": {"slots": ["09:00", "25:00"]}}, base_dir=tmp_path)


def test_reminders_job_only_when_enabled(tmp_path, clock):
    root = tmp_path / "proj"
    root.mkdir()
    extra = '[schedule]\nreminders = true\n'
    p = Project(root, write_config(root, channels=["export"], extra=extra))
    h = Harness(p, clock)
    assert "reminders" in {j.id for j in h.sched.get_jobs()}
    assert timedelta(0) <= h.sched.get_job("reminders").next_run_time - clock.now
    h.stop()
