"""Progress on a terminal for the collector (rich), and nothing at all elsewhere (cron, logs).

Settings read: none.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Bar:
    """Progress on a terminal; does nothing otherwise."""

    def __init__(self, progress: Any | None):
        self._progress = progress
        self._task: Any = None

    def start(self, label: str) -> None:
        if self._progress is None:
            return
        if self._task is None:
            self._task = self._progress.add_task(label, total=None)
        self._progress.update(self._task, description=f"{label}: daftar lot", completed=0,
                              total=None)

    def page(self, label: str, page: int, total: int | None) -> None:
        if self._progress is not None:
            of = f"/{total}" if total else ""
            self._progress.update(self._task, description=f"{label}: halaman {page}{of}")

    def lots(self, label: str, count: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=f"{label}: {count} lot", completed=0,
                                  total=count)

    def advance(self) -> None:
        if self._progress is not None:
            self._progress.advance(self._task)


@contextmanager
def progress(enabled: bool | None) -> Iterator[Bar]:
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield Bar(None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        yield Bar(progress)
