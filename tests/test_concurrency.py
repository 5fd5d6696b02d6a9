"""Two things at once: the project lock holds, SQLite never says "database is locked", nothing
is done twice.

Real processes throughout (``python -m promo_pipeline`` in subprocesses), the fake lelang.go.id and
the fake Telegram on 127.0.0.1, one SQLite file. The lock itself (refusal message, a killed
holder, re-entrancy, a daemon job finding a held lock) is tested in ``tests/test_lock.py`` and
``tests/test_schedule.py``; here the real commands race each other with no helper holding it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest
from fake_platforms import FakePlatforms, Project, add_lot, add_post, env_with_tokens, write_config
from test_crash import check_invariants

from promo_pipeline import database, queue, store
from promo_pipeline.demo.server import Fault
from promo_pipeline.errors import PromoError
from promo_pipeline.lock import is_locked
from promo_pipeline.schedule import Jobs

BAD_WORDS = ("Traceback", "database is locked", "OperationalError")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PROMO_")}


def _start(cfg_path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "promo_pipeline", "--config", str(cfg_path),
                             *args], env=env or _env(), cwd=cfg_path.parent, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(proc: subprocess.Popen) -> tuple[int, str]:
    out, err = proc.communicate(timeout=120)
    both = out + err
    for word in BAD_WORDS:
        assert word not in both, both
    return proc.returncode, both


def _wait_locked(cfg, proc: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not is_locked(cfg):
        assert proc is None or proc.poll() is None, "the holder ended before taking the lock"
        assert time.monotonic() < deadline, "the lock was never taken"
        time.sleep(0.02)


def _runs(cfg) -> list[str]:
    db = database.connect(cfg.database_path)
    try:
        return [r[0] for r in db.execute("select status from runs where kind = 'run' order by id")]
    finally:
        db.close()


def test_two_promo_runs_at_once_one_works_the_other_is_refused(config, fake_lelang):
    # Slow photo downloads keep the first run well past the 1.5 s the second waits for the lock.
    fake_lelang.inject("/lelang/", Fault.stalled(1.0, times=None))
    first, second = _start(config.path, "run"), _start(config.path, "run")
    (code_a, out_a), (code_b, out_b) = _finish(first), _finish(second)
    assert sorted([code_a, code_b]) == [0, 3], out_a + out_b
    refused = out_a if code_a == 3 else out_b
    assert "proses lain sedang berjalan" in refused and "promo run" in refused
    assert _runs(config) == ["ok"]  # the refused one recorded nothing
    check_invariants(config, fake_lelang)


def test_promo_run_during_the_daemons_run_is_refused_and_nothing_doubles(config, fake_lelang):
    # Slow photo downloads keep the daemon's run holding the lock while the CLI starts and waits.
    fake_lelang.inject("/lelang/", Fault.stalled(1.0, times=None))
    jobs = Jobs(config)
    worker = threading.Thread(target=jobs.daily_run)
    worker.start()
    try:
        _wait_locked(config)
        code, out = _finish(_start(config.path, "run"))
        assert code == 3, out
        assert "promo daemon: run" in out  # the message says who holds the lock
    finally:
        worker.join(timeout=120)
    assert _runs(config) == ["ok"]
    check_invariants(config, fake_lelang)
    # Once the daemon's run is over, a manual run goes through and changes nothing.
    code, out = _finish(_start(config.path, "run"))
    assert code == 0, out
    assert _runs(config) == ["ok", "ok"]
    check_invariants(config, fake_lelang)


def test_daemon_run_during_a_manual_run_is_skipped_cleanly(config, fake_lelang, caplog):
    fake_lelang.inject("/lelang/", Fault.stalled(1.0, times=None))  # the run outlasts the check
    proc = _start(config.path, "run")
    _wait_locked(config, proc)
    Jobs(config, lock_wait=0.2).daily_run()  # must neither raise nor wait for the run
    assert any("skipped" in r.getMessage() and "promo run" in r.getMessage()
               for r in caplog.records)
    code, out = _finish(proc)
    assert code == 0, out
    assert _runs(config) == ["ok"]
    check_invariants(config, fake_lelang)


@pytest.fixture
def platforms():
    server = FakePlatforms().start()
    yield server
    server.stop()


def test_two_publishes_at_once_send_every_post_exactly_once(tmp_path, platforms):
    root = tmp_path / "proj"
    root.mkdir()
    p = Project(root, write_config(root, channels=["telegram"], fake_url=platforms.url))
    post_ids = []
    for n in range(6):
        add_lot(p.db, f"lot-{n}")
        post_ids.append(add_post(p.db, p.cfg, f"lot-{n}", color=(20 * n, 48, 107)))
    env = env_with_tokens()
    procs = [_start(p.cfg_path, "publish", "--now", env=env) for _ in range(2)]
    results = [_finish(proc) for proc in procs]
    codes = sorted(code for code, _ in results)
    # Either the second waited out the first and found nothing left, or it was refused.
    assert codes in ([0, 0], [0, 3]), results
    assert len(platforms.telegram_posts()) == len(post_ids)
    assert sorted(m.get("caption") for m in platforms.telegram_posts()) == sorted(
        set(m.get("caption") for m in platforms.telegram_posts()))
    assert {p.post_status(i) for i in post_ids} == {"published"}
    assert [d["status"] for d in p.deliveries()] == ["sent"] * len(post_ids)
    assert store.integrity_check(p.db) == "ok"
    p.close()


def test_reviewers_write_while_a_run_writes_and_no_one_sees_database_is_locked(
        config, fake_lelang):
    """The review page and `promo queue` do not take the project lock: their writes must
    wait for the run's write transactions (busy timeout, BEGIN IMMEDIATE), never fail."""
    assert _finish(_start(config.path, "run"))[0] == 0
    # Every lot changes its price, so the next run rewrites every lot and queues new versions.
    for items in fake_lelang.dataset.listings.values():
        for item in items:
            item["nilaiLimit"] = str(int(item["nilaiLimit"]) + 1_000)
            detail = fake_lelang.dataset.details.get(item["lotLelangId"])
            if detail is not None:
                detail["nilaiLimit"] = item["nilaiLimit"]

    errors: list[BaseException] = []
    stop = threading.Event()

    def reviewer() -> None:
        db = database.connect(config.database_path)
        try:
            while not stop.is_set():
                # Read, then act, as the page and the CLI do: a cursor left open across the
                # writes would pin an old snapshot, and SQLite refuses to upgrade it once the
                # run has committed (SQLITE_BUSY_SNAPSHOT, "database is locked", no waiting).
                pending = db.execute("select id from posts where status = 'pending'").fetchall()
                for (post_id,) in pending:
                    try:
                        queue.approve(db, post_id, actor="sari")
                    except PromoError:
                        pass  # refused for a reason (lint, state): an answer, not a lock error
                time.sleep(0.01)
        except BaseException as exc:  # any escape is the failure under test
            errors.append(exc)
        finally:
            db.close()

    thread = threading.Thread(target=reviewer)
    thread.start()
    try:
        code, out = _finish(_start(config.path, "run"))
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
    assert code == 0, out
    assert _runs(config) == ["ok", "ok"]
    assert "berubah 5" in out  # every lot changed: the run really wrote while reviewers did
    check_invariants(config, fake_lelang)
