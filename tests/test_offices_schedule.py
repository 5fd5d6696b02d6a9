"""Per-office schedules (issue 16): one daemon, each office's daily run, digest and publishing
slots at its own local time (WIB, WITA, WIT); one office's failure never blocks another's.

The daemon's real scheduler is driven tick by tick on a controlled clock (as in
``test_schedule.py``); the failure test runs the real pipeline against the fake lelang.go.id.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import apscheduler.executors.base
import apscheduler.schedulers.base
import apscheduler.triggers.date
import apscheduler.triggers.interval
import pytest
from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.base import BaseScheduler
from conftest import to_toml

from promo_pipeline import clock as clock_mod
from promo_pipeline import config as config_mod
from promo_pipeline import database, queue, store
from promo_pipeline.demo.server import Fault
from promo_pipeline.lots import list_lots
from promo_pipeline.runs import RunSummary, recent_runs
from promo_pipeline.schedule import Jobs, build_scheduler, catchup_due, last_successful_run

BIMA = "0b1a0000-0000-4000-8000-000000000001"      # WITA, in the sample data
JAYAPURA = "0b1a0000-0000-4000-8000-000000000009"  # WIT
MEDAN = "0b1a0000-0000-4000-8000-000000000010"     # WIB
WIB, WITA, WIT = (ZoneInfo(z) for z in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"))


def config(tmp_path, server=None) -> config_mod.Config:
    data = {
        "offices": [
            {"id": MEDAN, "name": "KPKNL Medan", "timezone": "Asia/Jakarta"},
            {"id": BIMA, "name": "KPKNL Bima", "timezone": "Asia/Makassar"},
            {"id": JAYAPURA, "name": "KPKNL Jayapura", "timezone": "Asia/Jayapura",
             "publish": {"slots": ["10:30"]}},
        ],
        "storage": {"database": "data/promo.db", "media_dir": "data/media",
                    "output_dir": "data/out"},
        "schedule": {"daily_at": "06:00", "digest_at": "07:00", "digest_day": "mon",
                     "misfire_grace_hours": 6.0},
        "publish": {"channels": ["export"], "slots": ["09:00"]},
        "render": {"workers": 1, "formats": ["feed"]},
    }
    if server is not None:
        data["source"] = {"api_base": server.api_base, "file_base": server.file_base,
                          "connect_timeout": 2.0, "read_timeout": 2.0, "retries": 1,
                          "backoff_factor": 0.01, "backoff_max": 0.05,
                          "requests_per_second": 1000.0, "page_size": 2}
    path = tmp_path / "config.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    return config_mod.load(path)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@pytest.fixture
def clock(monkeypatch):
    c = Clock(datetime(2026, 3, 9, 3, 0, tzinfo=WIT))  # Monday, before every office's 06:00

    class FakeDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return c.now.astimezone(tz) if tz else c.now.astimezone().replace(tzinfo=None)

    for module in (apscheduler.schedulers.base, apscheduler.executors.base,
                   apscheduler.triggers.date, apscheduler.triggers.interval):
        monkeypatch.setattr(module, "datetime", FakeDatetime)
    with clock_mod.use(c):
        yield c


def record(db, when: datetime, offices: list[str]) -> RunSummary:
    at = clock_mod.iso(when)
    with store.write_tx(db):
        db["runs"].insert({"kind": "run", "started_at": at, "finished_at": at, "status": "ok",
                           "counts": json.dumps({"offices": offices}), "errors": "[]"})
    return RunSummary(run_id=None, kind="run", status="ok", counts={})


@pytest.fixture
def daemon(tmp_path, clock):
    cfg = config(tmp_path)
    db = database.connect(cfg.database_path)
    ran: list[tuple[str, datetime]] = []
    digests: list[str | None] = []

    def run(cfg, db, office_ids=None):
        (office,) = office_ids  # several offices: never one run of all of them
        ran.append((office, clock.now))
        return record(db, clock.now, [office])

    jobs = Jobs(cfg, lock_wait=1, run_pipeline=run,
                run_publish=lambda cfg, db: RunSummary(None, "publish", "ok", {}))
    jobs.digest = lambda office_id=None: digests.append(office_id)  # type: ignore[method-assign]
    sched = build_scheduler(cfg, jobs, executor=DebugExecutor())
    sched._event = threading.Event()
    BaseScheduler.start(sched)

    def tick() -> None:
        sched._process_jobs()
        sched._process_jobs()

    yield SimpleNamespace(cfg=cfg, db=db, sched=sched, tick=tick, ran=ran, digests=digests)
    sched.shutdown(wait=False)
    db.conn.close()


def test_each_office_has_its_own_daily_run_digest_and_slots_in_its_zone(daemon):
    jobs = {j.id: j for j in daemon.sched.get_jobs()}
    for office, zone in ((MEDAN, WIB), (BIMA, WITA), (JAYAPURA, WIT)):
        assert jobs[f"daily-run:{office}"].next_run_time == datetime(2026, 3, 9, 6, 0,
                                                                     tzinfo=zone)
        assert jobs[f"weekly-digest:{office}"].next_run_time == datetime(2026, 3, 9, 7, 0,
                                                                         tzinfo=zone)
    assert "daily-run" not in jobs and "weekly-digest" not in jobs
    # [publish] slots for Medan and Bima, Jayapura's own [offices.publish] slot in WIT.
    assert jobs["publish-0900-Asia_Jakarta"].next_run_time == datetime(2026, 3, 9, 9, 0,
                                                                       tzinfo=WIB)
    assert jobs["publish-0900-Asia_Makassar"].next_run_time.tzinfo is not None
    assert jobs["publish-1030-Asia_Jayapura"].next_run_time == datetime(2026, 3, 9, 10, 30,
                                                                        tzinfo=WIT)
    assert "publish-0900-Asia_Jayapura" not in jobs


def test_the_daemon_runs_each_office_at_its_own_six_oclock(daemon, clock):
    cfg, db, tick, ran, digests = daemon.cfg, daemon.db, daemon.tick, daemon.ran, daemon.digests
    tick()
    assert ran == []
    clock.now = datetime(2026, 3, 9, 6, 0, 5, tzinfo=WIT)   # 05:00 WITA, 04:00 WIB
    tick()
    assert [o for o, _ in ran] == [JAYAPURA]
    clock.now = datetime(2026, 3, 9, 6, 0, 5, tzinfo=WITA)
    tick()
    assert [o for o, _ in ran] == [JAYAPURA, BIMA]
    assert digests == [JAYAPURA]  # 06:00 WITA is 07:00 WIT: Jayapura's Monday digest
    clock.now = datetime(2026, 3, 9, 7, 0, 5, tzinfo=WITA)  # 06:00 WIB
    tick()
    assert [o for o, _ in ran] == [JAYAPURA, BIMA, MEDAN]
    assert digests == [JAYAPURA, BIMA]
    clock.now = datetime(2026, 3, 9, 7, 0, 5, tzinfo=WIB)  # the hourly retry: all done today
    tick()
    assert len(ran) == 3 and digests == [JAYAPURA, BIMA, MEDAN]
    # Each office's catch-up reads its own runs.
    assert not catchup_due(db, cfg, clock.now, JAYAPURA)
    assert last_successful_run(db, office_id=BIMA) == datetime(2026, 3, 9, 6, 0, 5, tzinfo=WITA)


def test_one_offices_failure_leaves_the_others_posts_queued(tmp_path, fake_lelang, clock):
    cfg = config(tmp_path, fake_lelang)
    fake_lelang.inject(f"/landing-page-kpknl/{JAYAPURA}/", Fault.error(503, times=None))
    clock.now = datetime.now(UTC)
    jobs = Jobs(cfg, lock_wait=5)
    for office in (JAYAPURA, BIMA):
        jobs.daily_run(office)
    db = database.connect(cfg.database_path)
    try:
        listed = {i["lotLelangId"] for i in fake_lelang.dataset.listings[BIMA]}
        assert {lot.id for lot in list_lots(db)} == listed
        pending = queue.list_posts(db, status="pending")
        assert pending and {p.office_id for p in pending} == {BIMA}
        runs = {r.offices: r for r in recent_runs(db, "run")}
        assert runs[(JAYAPURA,)].status == "failed"
        assert any(JAYAPURA in e for e in runs[(JAYAPURA,)].errors)
        assert runs[(BIMA,)].status == "ok"
        # The failed office is still due (the hourly retry tries it again); Bima is not.
        assert catchup_due(db, cfg, clock_mod.now(), JAYAPURA) is (
            clock_mod.now().astimezone(WIT).hour >= 6)
        assert last_successful_run(db, office_id=JAYAPURA) is None
        assert last_successful_run(db, office_id=BIMA) is not None
    finally:
        db.conn.close()
