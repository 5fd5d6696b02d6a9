"""Runs: every run of a stage or of the pipeline, recorded, and the one summary of a run.

Settings read: none.

This module owns the table ``runs`` (migration set ``"runs"``) and returns :class:`Run`
records. Whatever runs — ``promo run`` (and ``--lot``), ``promo scrape``, ``promo publish``, the
daemon's digest and reminder jobs — records itself through a :class:`Recorder` and reports
through the one :class:`RunSummary`: one JSON shape (:meth:`RunSummary.to_json`) and one line
for staff (:func:`promo_pipeline.present.run_line`).

A run's ``counts`` are per stage: ``{"collect": {...}, "render": {...}, "queue": {...}}``. An urgent
``promo run --lot`` also stores ``"lot_ref"`` among them (the daily-run check leaves those out),
and a run of some offices only (the daemon's per-office daily run) ``"offices"``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from promo_pipeline import clock
from promo_pipeline.store import write_tx

if TYPE_CHECKING:
    from promo_pipeline.lots import Lot

RUNNING, OK, PARTIAL, FAILED = "running", "ok", "partial", "failed"

#: What a stage reports: counter name → number.
Counts = dict[str, int]

migrations = Migrations("runs")


@migrations()
def m001_runs(db: Database) -> None:
    # if_not_exists: databases from before the tables had owners already hold it.
    db.table("runs").create(
        {
            "id": int,
            "kind": str,               # run | scrape | publish | digest | reminders
            "started_at": str,         # clock.iso
            "finished_at": str,
            "status": str,             # running | ok | partial | failed
            "counts": str,             # JSON: stage -> {counter: number} (and "lot_ref")
            "errors": str,             # JSON list of error strings
            "duration_s": float,
        },
        pk="id",
        if_not_exists=True,
    )
    db.table("runs").create_index(["kind", "started_at"], if_not_exists=True)


@dataclass(frozen=True)
class Run:
    """One row of ``runs``."""

    id: int
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, Any]
    errors: tuple[str, ...]
    duration_s: float | None

    @property
    def lot_ref(self) -> str | None:
        """The lot of an urgent ``promo run --lot`` (None for every other run)."""
        ref = self.counts.get("lot_ref")
        return ref if isinstance(ref, str) and ref else None

    @property
    def offices(self) -> tuple[str, ...]:
        """The offices of a run limited to some (the daemon's per-office daily run); empty: a
        run of every office."""
        ids = self.counts.get("offices")
        return tuple(str(i) for i in ids) if isinstance(ids, list) else ()

    def covers(self, office_id: str | None) -> bool:
        """True when this run worked on *office_id* (a run of every office covers them all)."""
        return not self.offices or office_id is None or office_id in self.offices


def _loads(text: str | None, default: Any) -> Any:
    try:
        value = json.loads(text) if text else default
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def _run(row: Sequence[Any]) -> Run:
    return Run(id=row[0], kind=row[1], status=row[2], started_at=datetime.fromisoformat(row[3]),
               finished_at=clock.parse(row[4]), counts=_loads(row[5], {}),
               errors=tuple(_loads(row[6], [])), duration_s=row[7])


_COLUMNS = "id, kind, status, started_at, finished_at, counts, errors, duration_s"


def start_run(db: Database, kind: str) -> int:
    """Record that a run of *kind* starts now; returns its id."""
    with write_tx(db):
        cur = db.execute(
            "insert into runs (kind, started_at, status, counts, errors) values (?, ?, ?, ?, ?)",
            [kind, clock.iso(), RUNNING, "{}", "[]"])
        return int(cur.lastrowid or 0)


def finish_run(db: Database, run_id: int, *, counts: Mapping[str, Any], errors: Iterable[str],
               status: str, duration_s: float | None = None) -> Run:
    """Record the end of run *run_id*. *duration_s* defaults to the time since it started."""
    finished = clock.now()
    with write_tx(db):
        run = get_run(db, run_id)
        if run is None:
            raise KeyError(f"run {run_id} was never started")
        if duration_s is None:
            duration_s = (finished - run.started_at).total_seconds()
        db.execute(
            "update runs set finished_at = ?, status = ?, counts = ?, errors = ?, duration_s = ? "
            "where id = ?",
            [clock.iso(finished), status, json.dumps(dict(counts), ensure_ascii=False,
                                                     sort_keys=True),
             json.dumps(list(errors), ensure_ascii=False), round(duration_s, 3), run_id])
    done = get_run(db, run_id)
    assert done is not None
    return done


def get_run(db: Database, run_id: int) -> Run | None:
    row = db.execute(f"select {_COLUMNS} from runs where id = ?", [run_id]).fetchone()  # noqa: S608
    return _run(row) if row else None


def recent_runs(db: Database, kind: str, *, statuses: Iterable[str] | None = None,
                limit: int = 50) -> list[Run]:
    """The latest runs of *kind* (optionally only those in *statuses*), newest first."""
    wanted = list(statuses or [])
    where = "kind = ?" + (f" and status in ({', '.join('?' * len(wanted))})" if wanted else "")
    rows = db.execute(f"select {_COLUMNS} from runs where {where} "  # noqa: S608 - placeholders
                      "order by started_at desc, id desc limit ?", [kind, *wanted, limit])
    return [_run(r) for r in rows.fetchall()]


# --- the one run summary ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    """What one run did, for every kind of run: the CLI prints it, the daemon logs it, scripts
    read its JSON. Words for staff come from :func:`promo_pipeline.present.run_line`."""

    run_id: int | None
    kind: str
    status: str
    #: stage → counters, in the order the stages ran.
    counts: dict[str, Counts]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    duration_s: float = 0.0
    #: ``promo run --lot``: the lot, the office zone its times are shown in, the post queued
    #: (or already there) and its image files.
    lot: Lot | None = None
    timezone: str | None = None
    post_id: int | None = None
    images: tuple[Path, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status == OK

    def line(self) -> str:
        """The one line that reports this run (:func:`promo_pipeline.present.run_line`)."""
        from promo_pipeline.present import run_line  # words and dates: Babel, only to print

        return run_line(self)

    def count(self, stage: str, name: str) -> int:
        return int(self.counts.get(stage, {}).get(name, 0))

    def to_json(self) -> dict[str, Any]:
        """The JSON every ``--json`` run report prints (``promo run``, ``scrape``, ``publish``)."""
        data: dict[str, Any] = {
            "run_id": self.run_id, "kind": self.kind, "status": self.status, "ok": self.ok,
            "duration_s": self.duration_s, "counts": {k: dict(v) for k, v in self.counts.items()},
            "errors": list(self.errors), "warnings": list(self.warnings),
        }
        if self.lot is not None:
            data.update(lot_id=self.lot.id, post_id=self.post_id,
                        images=[str(p) for p in self.images])
        return data


def status_of(errors: Sequence[str], *, nothing_done: bool = False) -> str:
    """``ok`` without errors; ``failed`` when nothing could be done at all; else ``partial``."""
    if not errors:
        return OK
    return FAILED if nothing_done else PARTIAL


class Recorder:
    """Records one run: the row is written when the recorder is made, finished by
    :meth:`finish` (or :meth:`fail` when the run raised)."""

    def __init__(self, db: Database, kind: str, *, lot_ref: str | None = None,
                 offices: Sequence[str] | None = None):
        self.db = db
        self.kind = kind
        self.lot_ref = lot_ref
        self.offices = list(offices) if offices is not None else None
        self.run_id = start_run(db, kind)
        self._started = time.monotonic()

    def _stored(self, counts: Mapping[str, Counts]) -> dict[str, Any]:
        stored: dict[str, Any] = dict(counts)
        if self.lot_ref:
            stored["lot_ref"] = self.lot_ref
        if self.offices is not None:
            stored["offices"] = self.offices
        return stored

    def _elapsed(self) -> float:
        return round(time.monotonic() - self._started, 3)

    def finish(self, counts: Mapping[str, Counts], errors: Sequence[str], *,
               status: str | None = None, warnings: Sequence[str] = (), lot: Lot | None = None,
               timezone: str | None = None, post_id: int | None = None,
               images: Sequence[Path] = ()) -> RunSummary:
        status = status or status_of(errors)
        duration = self._elapsed()
        finish_run(self.db, self.run_id, counts=self._stored(counts), errors=errors,
                   status=status, duration_s=duration)
        return RunSummary(run_id=self.run_id, kind=self.kind, status=status,
                          counts={k: dict(v) for k, v in counts.items()}, errors=tuple(errors),
                          warnings=tuple(warnings), duration_s=duration, lot=lot,
                          timezone=timezone, post_id=post_id, images=tuple(images))

    def fail(self, counts: Mapping[str, Counts], errors: Sequence[str]) -> None:
        """Record the run as failed (the caller re-raises what stopped it)."""
        finish_run(self.db, self.run_id, counts=self._stored(counts), errors=errors,
                   status=FAILED, duration_s=self._elapsed())
