"""Safe file writes: temp file in the same folder, fsync, atomic rename, fsync of the folder.

A half-written file never has its final name, and a crash leaves at most a ``*.tmp`` that
:func:`sweep_temp` removes on the next run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from promo_pipeline import crash

TMP_SUFFIX = ".tmp"


def atomic_write_bytes(target: str | Path, data: bytes, *, crash_point: str | None = None) -> Path:
    """Write *data* to *target* atomically; returns the target path."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if crash_point:
            crash.point(crash_point)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(target.parent)
    return target


def atomic_write_text(target: str | Path, text: str) -> Path:
    return atomic_write_bytes(target, text.encode("utf-8"))


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


def sweep_temp(folder: str | Path) -> int:
    """Remove leftover ``*.tmp`` files under *folder* (from a crashed write); returns the count."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    count = 0
    for p in folder.rglob(f"*{TMP_SUFFIX}"):
        with contextlib.suppress(OSError):
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
