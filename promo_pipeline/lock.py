"""The project lock: one `promo run`, `promo publish` or daemon job at a time.

Settings read: ``storage.database`` (the lock file is :attr:`Config.lock_path`, next to it).

The lock is a ``filelock.FileLock``, which on Linux and macOS is an ``flock`` on the lock file.
The kernel drops an ``flock`` the moment its process dies, even on ``kill -9``, so a lock left by
a killed process never blocks the next run: there is no stale-lock clean-up to get wrong. On
Windows filelock uses ``msvcrt`` byte-range locks, which the OS also releases with the process.

A second process that finds the lock taken waits a short while (about a second for commands,
longer for daemon jobs) and then raises :class:`~promo_pipeline.errors.LockedError` (exit status
3) without touching anything. The lock is taken in one layer only: the entry points (each
``promo`` command that writes, each daemon job); the library functions they call never take it.
Two threads of one process (two daemon jobs) exclude each other.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from promo_pipeline import clock
from promo_pipeline.config import Config
from promo_pipeline.errors import LockedError

logger = logging.getLogger(__name__)

#: How long a command waits for the lock before giving up.
COMMAND_TIMEOUT = 1.5


def _info_path(lock_path: Path) -> Path:
    # The holder's description lives beside the lock file, not in it: a waiting process opens
    # the lock file itself, and must not be able to clobber what the holder wrote.
    return lock_path.with_name(lock_path.name + ".info")


def _holder(lock_path: Path, tz: str | None = None) -> str:
    try:
        info = json.loads(_info_path(lock_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    if not isinstance(info, dict):
        return ""
    parts = []
    if info.get("what"):
        parts.append(str(info["what"]))
    if info.get("pid"):
        parts.append(f"PID {info['pid']}")
    if info.get("since"):
        parts.append(f"sejak {_since(str(info['since']), tz)}")
    return f" ({', '.join(parts)})" if parts else ""


def _since(iso: str, tz: str | None) -> str:
    """When the holder took the lock, in the office's zone (as staff read times elsewhere)."""
    from datetime import datetime

    if tz is None:
        return iso
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    from promo_pipeline import formats  # Babel, only for this message

    return formats.datetime_medium(when, tz)


def _lock_for(path: Path) -> FileLock:
    path.parent.mkdir(parents=True, exist_ok=True)
    # One object per path per process (is_singleton) makes the lock re-entrant in a thread.
    return FileLock(str(path), is_singleton=True)


@contextlib.contextmanager
def project_lock(
    cfg: Config | Path, *, what: str = "promo", timeout: float = COMMAND_TIMEOUT
) -> Iterator[None]:
    """Hold the project lock for the duration of the block.

    *cfg* is the configuration (its :attr:`~Config.lock_path` is used) or a lock file path;
    *what* names the holder in the message another process shows (``"promo publish"``).
    Raises :class:`LockedError` when another process keeps the lock for *timeout* seconds.
    """
    path = cfg.lock_path if isinstance(cfg, Config) else Path(cfg)
    tz = cfg.default_timezone if isinstance(cfg, Config) else None
    lock = _lock_for(path)
    outermost = not lock.is_locked
    try:
        lock.acquire(timeout=max(timeout, 0.0))
    except Timeout:
        raise LockedError(
            f"proses lain sedang berjalan{_holder(path, tz)} dan memegang kunci {path}; "
            "tidak ada yang diubah. Coba lagi setelah proses itu selesai."
        ) from None
    try:
        if outermost:
            _write_info(path, what)
        yield
    finally:
        if outermost:
            with contextlib.suppress(OSError):
                _info_path(path).unlink()
        lock.release()


def _write_info(path: Path, what: str) -> None:
    info = {
        "what": what,
        "pid": os.getpid(),
        "since": clock.now().astimezone().isoformat(timespec="seconds"),
        "argv": sys.argv[:3],
    }
    try:
        _info_path(path).write_text(json.dumps(info), encoding="utf-8")
    except OSError as exc:  # the description is a courtesy; the lock itself is what matters
        logger.debug("cannot write lock info %s: %s", path, exc)


def is_locked(cfg: Config | Path) -> bool:
    """True when another process holds the lock right now (a zero-wait probe)."""
    try:
        with project_lock(cfg, timeout=0):
            return False
    except LockedError:
        return True
