"""Safe file writes: temp file in the same folder, fsync, atomic rename, fsync of the folder.

A half-written file never has its final name, and a crash leaves at most a ``*.tmp`` that
:func:`sweep_temp` removes on the next run. A process that learns it must stop (a render worker
whose run was killed) removes the temporary files it is still writing with
:func:`abandon_temp_files` before it exits.

Permissions fit the job: what the tool produces for people and web servers (images, previews,
cached photos, export folders) is readable by others (:data:`PUBLIC_FILE`, :data:`PUBLIC_DIR`),
whatever :func:`tempfile.mkstemp` gave the temporary file; what holds secrets (the database, the
session key) is the owner's only (:data:`PRIVATE_FILE`, :func:`make_private`). On Windows a mode
only sets the read-only flag, so these calls change nothing there (NTFS ACLs of the folder
apply). Renames go through :func:`replace_file`, which waits out a viewer or an antivirus
scanner holding the target on Windows.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from promo_pipeline import crash

logger = logging.getLogger(__name__)

TMP_SUFFIX = ".tmp"
#: Images, previews, cached photos, export files: a web server or a shared folder reads them.
PUBLIC_FILE = 0o644
PUBLIC_DIR = 0o755
#: The database, its WAL files, the session key: password hashes and sessions.
PRIVATE_FILE = 0o600
#: How long :func:`replace_file` waits in all for a held target on Windows (seconds).
REPLACE_WAIT = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)

# Temporary files this process is writing right now, for abandon_temp_files().
_in_flight: set[str] = set()
_in_flight_lock = threading.Lock()


def track_temp(path: str | Path) -> None:
    """Note that this process is writing the temporary file *path* (see :func:`untrack_temp`)."""
    with _in_flight_lock:
        _in_flight.add(str(path))


def untrack_temp(path: str | Path) -> None:
    with _in_flight_lock:
        _in_flight.discard(str(path))


def abandon_temp_files() -> int:
    """Remove every temporary file this process is writing; for a process about to exit.

    The registry's lock is kept, so no thread of this process can start another temporary file
    afterwards (it would wait for a lock that is never released): call :func:`os._exit` next.
    Returns how many files were removed.
    """
    _in_flight_lock.acquire()
    count = 0
    for path in list(_in_flight):
        with contextlib.suppress(OSError):
            os.unlink(path)
            count += 1
    return count


def atomic_write_bytes(target: str | Path, data: bytes, *, crash_point: str | None = None,
                       private: bool = False) -> Path:
    """Write *data* to *target* atomically; returns the target path. The file is readable by
    others (:data:`PUBLIC_FILE`) unless *private* (:data:`PRIVATE_FILE`)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _in_flight_lock:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                   suffix=TMP_SUFFIX)
        _in_flight.add(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        set_mode(tmp, PRIVATE_FILE if private else PUBLIC_FILE)
        if crash_point:
            crash.point(crash_point)
        replace_file(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        untrack_temp(tmp)
    fsync_dir(target.parent)
    return target


def atomic_write_text(target: str | Path, text: str) -> Path:
    return atomic_write_bytes(target, text.encode("utf-8"))


def set_mode(path: str | Path, mode: int) -> None:
    """chmod, where the platform has POSIX modes (a no-op on Windows)."""
    if os.name != "nt":
        os.chmod(path, mode)


def make_private(path: str | Path) -> None:
    """Make an existing file the owner's only (:data:`PRIVATE_FILE`) when it is not already;
    a file owned by someone else is left alone (chmod would fail)."""
    if os.name == "nt":
        return
    with contextlib.suppress(FileNotFoundError):
        st = os.stat(path)
        if st.st_mode & 0o077 and st.st_uid == os.geteuid():
            os.chmod(path, PRIVATE_FILE)


def replace_file(src: str | Path, dst: str | Path, *, platform: str | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
    """:func:`os.replace`, retried for a few seconds on Windows when the target is held open.

    Windows refuses to replace a file that another program has open without sharing delete
    (an image viewer, Explorer's preview pane, an antivirus scan): :class:`PermissionError`.
    Such holds are short, so the rename is tried again with growing pauses before the error is
    raised. On POSIX a rename never waits for readers, and a PermissionError is final.
    """
    waits = REPLACE_WAIT if (platform or os.name) == "nt" else ()
    for wait in waits:
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            logger.info("%s is held by another program; trying again in %.2f s", dst, wait)
            sleep(wait)
    os.replace(src, dst)


def fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # Windows cannot open a directory for fsync
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sweep_temp(folder: str | Path, *, older_than: float | None = None,
               patterns: tuple[str, ...] = (f"*{TMP_SUFFIX}",)) -> int:
    """Remove leftover temporary files under *folder* (from a crashed write); returns the count.

    *older_than* (seconds) spares files modified more recently, for a folder that another
    process may be writing to at the same time.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than if older_than is not None else None
    count = 0
    for pattern in patterns:
        for p in folder.rglob(pattern):
            with contextlib.suppress(OSError):
                if cutoff is not None and p.stat().st_mtime > cutoff:
                    continue
                p.unlink()
                count += 1
    return count


def is_within(path: str | Path, root: str | Path) -> bool:
    """True when *path* resolves inside *root* (symlinks and ``..`` resolved)."""
    try:
        Path(path).resolve().relative_to(Path(root).resolve())
    except ValueError:
        return False
    return True


def place_new(tmp: str | Path, path: str | Path, *,
              link: Callable[[str | Path, str | Path], None] = os.link) -> bool:
    """Give the complete file *tmp* the name *path* unless *path* exists; True when it did.

    A hard link makes "first one wins" atomic, so of two processes racing, both end up using
    the same file. FAT/exFAT and some network shares have no hard links: then a rename after an
    existence check (Windows refuses to rename onto an existing file, which closes the race
    there; elsewhere a window of microseconds remains, once, when the file is first made).
    *tmp* is left for the caller to remove when it was linked.
    """
    try:
        link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        logger.info("no hard link for %s (%s); renaming instead", path, exc)
    if os.path.exists(path):
        return False
    try:
        os.rename(tmp, path)
    except FileExistsError:  # Windows: another process renamed its file there first
        return False
    return True
