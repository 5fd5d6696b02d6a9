"""Publishing slots: when an office's new approved posts may go out.

Settings read: ``publish.slots`` (office-local ``HH:MM``; an office's own
``[offices.publish]`` slots through ``Config.publish_for``), the offices' zones
(``Config.timezone_of``).

A slot that has passed today and has not been served yet makes the office due; a post approved
after the last slot of a day waits for the first slot of the next day. ``--now`` ignores the
slots. Which slots were served is kept by :mod:`promo_pipeline.publish.deliveries`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from promo_pipeline import store
from promo_pipeline.config import Config
from promo_pipeline.publish import deliveries, settle


def _parse_hhmm(value: str) -> dtime:
    hh, mm = value.split(":")
    return dtime(int(hh), int(mm))


def latest_slot(slots: list[str], tz: ZoneInfo, now: datetime) -> datetime | None:
    """Today's most recent slot instant at or before *now* (office-local), or None.

    Only today's: a post approved after the last slot of a day waits for the first slot of the
    next day instead of going out at midnight."""
    local = now.astimezone(tz)
    best = None
    for s in slots:
        at = datetime.combine(local.date(), _parse_hhmm(s), tzinfo=tz)
        if at <= local and (best is None or at > best):
            best = at
    return best


def next_slot(slots: list[str], tz: ZoneInfo, now: datetime) -> datetime | None:
    """The first slot instant after *now*, or None without slots."""
    local = now.astimezone(tz)
    best = None
    for day in (local.date(), local.date() + timedelta(days=1)):
        for s in slots:
            at = datetime.combine(day, _parse_hhmm(s), tzinfo=tz)
            if at > local and (best is None or at < best):
                best = at
    return best


@dataclass
class Due:
    """Which offices may have new posts sent now, and the slot each would serve."""

    offices: dict[str, datetime | None]          # office id -> slot instant served (None: --now)
    waiting: dict[str, datetime | None]          # office id -> next slot

    def first_waiting(self) -> datetime | None:
        """The earliest next slot of the offices that are not due."""
        nexts = [s for s in self.waiting.values() if s is not None]
        return min(nexts) if nexts else None


def due_offices(cfg: Config, db: Database, now: datetime, *, ignore_slots: bool) -> Due:
    """Offices whose latest slot has passed and not been served (all of them with --now)."""
    due = Due({}, {})
    ids = [o.id for o in cfg.offices]
    ids += [o for o in settle.approved_office_ids(db) if o not in ids]
    for office_id in [*ids, ""]:
        tz = ZoneInfo(cfg.timezone_of(office_id or None))
        slots = cfg.publish_for(office_id or None).slots
        if ignore_slots or not slots:
            due.offices[office_id] = latest_slot(slots, tz, now) if slots else None
            continue
        slot = latest_slot(slots, tz, now)
        if slot is not None and not deliveries.slot_served(db, office_id, slot):
            due.offices[office_id] = slot
        else:
            due.waiting[office_id] = next_slot(slots, tz, now)
    return due


def mark_served(db: Database, due: Due, now: datetime) -> None:
    """Remember the slots this run served."""
    served = [(o, s) for o, s in due.offices.items() if s is not None]
    if served:
        with store.write_tx(db):
            deliveries.mark_slots_served(db, served, now)
