"""The report's month: parsed from ``2026-11``, bounded in an office's time zone.

Settings read: none (callers pass the zone, :meth:`promo_pipeline.config.Config.timezone_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from promo_pipeline.errors import UsageError

_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``"2026-11"`` → ``Month(2026, 11)``; a clear Indonesian error otherwise."""
        m = _MONTH.fullmatch((text or "").strip())
        if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
            raise UsageError(f"bulan tidak sah: {text!r} (tulis seperti 2026-11)")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """[start, end) of the month in zone *tz*, as aware datetimes."""
        zone = ZoneInfo(tz)
        nxt = self.next()
        return (datetime(self.year, self.month, 1, tzinfo=zone),
                datetime(nxt.year, nxt.month, 1, tzinfo=zone))

    def contains(self, when: datetime, tz: str) -> bool:
        start, end = self.bounds(tz)
        return start <= when < end

    def label(self) -> str:
        """The month in Indonesian: ``November 2026``."""
        from babel.dates import format_date

        return str(format_date(date(self.year, self.month, 1), "LLLL y", locale="id"))

    @classmethod
    def last_complete(cls, now: datetime, tz: str) -> Month:
        """The last month that has ended at *now* in zone *tz*."""
        local = now.astimezone(ZoneInfo(tz))
        return cls(local.year, local.month).previous()
