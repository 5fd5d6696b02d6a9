"""The catch-up decision: is a daily run due now (per office, in its zone)?

Pure once the last successful run is known (:func:`needs_catchup`); :func:`catchup_due` reads
that from ``runs``. Settings read: ``schedule.daily_at``, ``schedule.timezone``,
``offices[].timezone``.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from promo_pipeline.config import Config
from promo_pipeline.runs import OK, PARTIAL, recent_runs


def _hhmm(value: str) -> time:
    hh, mm = value.split(":")
    return time(int(hh), int(mm))



def needs_catchup(last_success: datetime | None, now: datetime, daily_at: str,
                  tz: ZoneInfo) -> bool:
    """True when today's daily run is due (its time has passed in *tz*) and no successful
    run has started since that time."""
    local = now.astimezone(tz)
    slot = datetime.combine(local.date(), _hhmm(daily_at), tzinfo=tz)
    if local < slot:
        return False
    return last_success is None or last_success < slot


def last_successful_run(db: Database, *, any_status: bool = False,
                        office_id: str | None = None) -> datetime | None:
    """Start of the latest full run (``kind = "run"``, ok or partial — any status with
    *any_status*; ``--lot`` runs excluded) — of *office_id* when given (a run of every office
    counts for each)."""
    statuses = None if any_status else (OK, PARTIAL)
    daily = [r.started_at for r in recent_runs(db, "run", statuses=statuses)
             if not r.lot_ref and r.covers(office_id)]
    return max(daily, default=None)


def catchup_due(db: Database, cfg: Config, now: datetime,
                office_id: str | None = None) -> bool:
    """Should the daily run (of *office_id*, in its zone) happen now? (See
    :func:`needs_catchup`.)"""
    tz = cfg.timezone_of(office_id) if office_id else cfg.default_timezone
    return needs_catchup(last_successful_run(db, office_id=office_id), now,
                         cfg.schedule.daily_at, ZoneInfo(tz))


def office_jobs(cfg: Config) -> list[str | None]:
    """What the daily jobs run for: each office on its own when there are several, else
    [None] (one run of every office)."""
    return [o.id for o in cfg.offices] if len(cfg.offices) > 1 else [None]
