"""The project lock: one run/publish at a time, across real processes; a killed holder never
blocks the next one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fake_platforms import Project, add_lot, add_post, env_with_tokens, promo, write_config

from promo_pipeline.errors import LockedError
from promo_pipeline.lock import is_locked, project_lock

HOLDER = """
import sys, time
from pathlib import Path
from promo_pipeline.lock import project_lock
with project_lock(Path(sys.argv[1]), what="test holder"):
    print("held", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def holder():
    procs: list[subprocess.Popen] = []

    def start(lock_path: Path) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock_path)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "held"
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def test_second_process_gets_a_clear_refusal(tmp_path, holder):
    lock = tmp_path / "data" / "promo.lock"
    proc = holder(lock)
    started = time.monotonic()
    with pytest.raises(LockedError) as info:
        with project_lock(lock, timeout=0.3):
            pytest.fail("the lock was taken twice")
    assert time.monotonic() - started < 2
    message = str(info.value)
    assert "proses lain sedang berjalan" in message
    assert f"PID {proc.pid}" in message and "test holder" in message
    assert info.value.exit_code == 3
    assert is_locked(lock)


def test_lock_of_a_killed_process_is_free_at_once(tmp_path, holder):
    lock = tmp_path / "promo.lock"
    proc = holder(lock)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    started = time.monotonic()
    with project_lock(lock, timeout=2):
        took = time.monotonic() - started
    assert took < 0.5  # the kernel dropped the flock with the process: nothing stale to wait on
    assert lock.exists()  # the file may stay; only the flock matters
    assert not is_locked(lock)


def test_reentrant_in_a_thread_exclusive_across_threads(tmp_path):
    lock = tmp_path / "promo.lock"
    seen: list[str] = []
    with project_lock(lock), project_lock(lock):
        seen.append("nested")

        def other() -> None:
            try:
                with project_lock(lock, timeout=0.2):
                    seen.append("other thread got it")
            except LockedError:
                seen.append("other thread refused")

        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == ["nested", "other thread refused"]
    with project_lock(lock, timeout=0):
        seen.append("free")
    assert seen[-1] == "free"
    assert not (tmp_path / "promo.lock.info").exists()


def _project(tmp_path: Path) -> Project:
    root = tmp_path / "proj"
    root.mkdir()
    return Project(root, write_config(root, channels=["export"]))


def test_promo_publish_while_locked_exits_3_and_changes_nothing(tmp_path, holder, monkeypatch):
    monkeypatch.delenv("PROMO_CRASH_AT", raising=False)
    p = _project(tmp_path)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    holder(p.cfg.lock_path)
    started = time.monotonic()
    out = promo(p, "publish", "--now")
    assert out.returncode == 3
    assert time.monotonic() - started < 10
    assert out.stderr.startswith("Galat: proses lain sedang berjalan")
    assert "Traceback" not in out.stderr
    assert p.post_status(post_id) == "approved"
    assert p.deliveries() == []
    assert not (p.cfg.output_dir / "outbox").exists()


def test_promo_run_while_locked_exits_3_and_records_no_run(tmp_path, holder):
    p = _project(tmp_path)
    holder(p.cfg.lock_path)
    out = promo(p, "run", env=env_with_tokens())
    assert out.returncode == 3, out.stderr
    assert "proses lain sedang berjalan" in out.stderr
    assert p.db["runs"].count == 0


def test_publish_runs_normally_once_the_holder_is_gone(tmp_path, holder, monkeypatch):
    monkeypatch.delenv("PROMO_CRASH_AT", raising=False)
    p = _project(tmp_path)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    proc = holder(p.cfg.lock_path)
    assert promo(p, "publish", "--now").returncode == 3
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    out = promo(p, "publish", "--now")
    assert out.returncode == 0, out.stderr
    assert p.post_status(post_id) == "published"
