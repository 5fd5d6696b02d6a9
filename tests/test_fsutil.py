"""Safe file writes on every platform: modes, replacement a viewer holds (Windows), files made
once where hard links do not exist (FAT/exFAT), render workers that leave with their run.

Code chosen on ``os.name == "nt"`` is run here by passing the platform in.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from promo_pipeline import fsutil


def test_replace_waits_for_a_viewer_on_windows(tmp_path, monkeypatch):
    src, dst = tmp_path / "new.jpg", tmp_path / "feed.jpg"
    src.write_bytes(b"new")
    dst.write_bytes(b"old")
    real_replace = os.replace
    calls: list[float] = []

    def held_twice(a, b):
        if len(calls) < 2:
            calls.append(0)
            raise PermissionError(13, "The process cannot access the file", str(b))
        real_replace(a, b)

    monkeypatch.setattr(os, "replace", held_twice)
    slept: list[float] = []
    fsutil.replace_file(src, dst, platform="nt", sleep=slept.append)
    assert dst.read_bytes() == b"new" and not src.exists()
    assert slept == list(fsutil.REPLACE_WAIT[:2])


def test_replace_gives_up_after_a_few_seconds_and_never_waits_on_posix(tmp_path, monkeypatch):
    src, dst = tmp_path / "new.jpg", tmp_path / "feed.jpg"
    src.write_bytes(b"new")

    def always_held(a, b):
        raise PermissionError(13, "held", str(b))

    monkeypatch.setattr(os, "replace", always_held)
    slept: list[float] = []
    with pytest.raises(PermissionError):
        fsutil.replace_file(src, dst, platform="nt", sleep=slept.append)
    assert slept == list(fsutil.REPLACE_WAIT) and 3 < sum(slept) < 10
    slept.clear()
    with pytest.raises(PermissionError):
        fsutil.replace_file(src, dst, platform="posix", sleep=slept.append)
    assert slept == []


def _no_links(_a, _b):
    raise OSError(1, "Operation not permitted")  # what FAT/exFAT and some shares answer


def test_place_new_without_hard_links(tmp_path, monkeypatch):
    target = tmp_path / "review-secret.key"
    first, second, third = tmp_path / "a.tmp", tmp_path / "b.tmp", tmp_path / "c.tmp"
    for p in (first, second, third):
        p.write_text(p.stem)
    assert fsutil.place_new(first, target, link=_no_links)
    assert not fsutil.place_new(second, target, link=_no_links)
    assert target.read_text() == "a"  # the first one wins, as with a hard link
    assert fsutil.place_new(second, tmp_path / "other")  # a real hard link here

    # Windows' rename refuses an existing target: a racer that passed the check loses there.
    def windows_rename(a, b):
        raise FileExistsError(183, "Cannot create a file when that file already exists")

    monkeypatch.setattr(os, "rename", windows_rename)
    monkeypatch.setattr(os.path, "exists", lambda _p: False)
    assert not fsutil.place_new(third, target, link=_no_links)
    assert target.read_text() == "a"


def test_the_review_key_is_made_where_hard_links_fail(tmp_path, monkeypatch):
    from promo_pipeline.review import secret

    monkeypatch.setattr(os, "link", _no_links)
    key = secret._file_secret(tmp_path / "review-secret.key")
    assert len(key) >= 32 and secret._file_secret(tmp_path / "review-secret.key") == key
    assert [p.name for p in tmp_path.iterdir()] == ["review-secret.key"]
    if os.name != "nt":
        assert (tmp_path / "review-secret.key").stat().st_mode & 0o777 == 0o600


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_written_files_are_public_unless_private(tmp_path):
    public = fsutil.atomic_write_bytes(tmp_path / "img" / "feed.jpg", b"x")
    private = fsutil.atomic_write_bytes(tmp_path / "secret", b"x", private=True)
    assert public.stat().st_mode & 0o777 == 0o644
    assert private.stat().st_mode & 0o777 == 0o600


_ORPHAN = textwrap.dedent("""
    import os, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from promo_pipeline.render import pipeline

    def pid():
        return os.getpid()

    if __name__ == "__main__":
        with ProcessPoolExecutor(2, mp_context=pipeline._pool_context(),
                                 initializer=pipeline._init_worker) as pool:
            pids = {pool.submit(pid).result() for _ in range(8)}
            print(" ".join(map(str, sorted(pids))), flush=True)
            time.sleep(120)
""")


@pytest.mark.skipif(os.name == "nt", reason="kill -9")
def test_render_workers_leave_when_their_run_is_killed(tmp_path):
    script = tmp_path / "orphan.py"
    script.write_text(_ORPHAN)
    run = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                           cwd=tmp_path)
    try:
        workers = [int(p) for p in run.stdout.readline().split()]
        assert workers
        time.sleep(0.5)
        assert all(_alive(p) for p in workers)  # the watch does not end a live run's workers
        os.kill(run.pid, signal.SIGKILL)
        run.wait(10)
        deadline = time.monotonic() + 20
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in workers)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(10)
        run.stdout.close()


_STUCK_WRITE = textwrap.dedent("""
    import sys, threading, time
    from concurrent.futures import ProcessPoolExecutor
    from pathlib import Path
    from promo_pipeline import fsutil
    from promo_pipeline.render import pipeline

    def stuck_write(folder):
        # the image is written, its rename never comes: the run is killed in between
        fsutil.replace_file = lambda *a, **k: threading.Event().wait()
        fsutil.atomic_write_bytes(Path(folder) / "feed.jpg", b"x" * 1000)

    if __name__ == "__main__":
        folder = Path(sys.argv[1])
        with ProcessPoolExecutor(1, mp_context=pipeline._pool_context(),
                                 initializer=pipeline._init_worker) as pool:
            pool.submit(stuck_write, str(folder))
            while not list(folder.glob("*.tmp")):
                time.sleep(0.05)
            print("writing", flush=True)
            time.sleep(120)
""")


@pytest.mark.skipif(os.name == "nt", reason="kill -9")
def test_a_killed_runs_worker_removes_the_file_it_was_writing(tmp_path):
    script = tmp_path / "stuck.py"
    script.write_text(_STUCK_WRITE)
    images = tmp_path / "images"
    images.mkdir()
    run = subprocess.Popen([sys.executable, str(script), str(images)], stdout=subprocess.PIPE,
                           text=True, cwd=tmp_path)
    try:
        assert run.stdout.readline().strip() == "writing"
        (only,) = images.iterdir()
        assert only.name.endswith(fsutil.TMP_SUFFIX)
        os.kill(run.pid, signal.SIGKILL)
        run.wait(10)
        deadline = time.monotonic() + 20
        while list(images.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert list(images.iterdir()) == []  # no temporary file left, no half image named
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(10)
        run.stdout.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # an exited worker not yet reaped by the forkserver is a zombie: gone
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False
