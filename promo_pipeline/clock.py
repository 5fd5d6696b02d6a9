"""One clock and one timestamp format for the whole tool.

Settings read: none.

:func:`now` is the current instant as an aware UTC datetime; every module that needs "now" calls
it (pure rules take the instant as an argument instead, e.g. ``Lot.closed_reason(now)``).
:func:`iso` is the one format in which the database stores instants: UTC, whole seconds,
``2026-03-09T05:00:00+00:00``. Because every table writes that format, stored instants compare
correctly as strings, in SQL as in Python.

Tests move time one way only: ``with clock.use(instant_or_callable): ...``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

Source = Callable[[], datetime]


def _system() -> datetime:
    return datetime.now(UTC)


_source: Source = _system


def now() -> datetime:
    """The current instant (aware, UTC)."""
    return _source().astimezone(UTC)


def iso(when: datetime | None = None) -> str:
    """*when* (default: :func:`now`) as stored: UTC, whole seconds, with its offset."""
    moment = now() if when is None else when
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: the clock only deals in aware instants")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse(text: str | None) -> datetime | None:
    """A stored ISO timestamp back to an aware datetime (None for an empty value)."""
    return datetime.fromisoformat(text) if text else None


@contextlib.contextmanager
def use(source: datetime | Source) -> Iterator[None]:
    """Make :func:`now` return *source* (a fixed aware instant, or a callable returning one)
    for the duration of the block. For tests; process-wide, so threads see it too."""
    global _source
    if isinstance(source, datetime):
        if source.tzinfo is None:
            raise ValueError("clock.use needs an aware datetime")
        fixed = source

        def new() -> datetime:
            return fixed
    else:
        new = source
    previous, _source = _source, new
    try:
        yield
    finally:
        _source = previous
