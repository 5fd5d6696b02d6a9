"""Indonesian formats shared by images and captions (Babel, locale ``id``). Pure functions.

- money: ``Rp98.500.000`` (EYD: ``Rp`` with no space, dot thousands); short form for tight
  spaces, ``Rp98,5 juta`` / ``Rp1,25 miliar``, used only when it is *exact* — a figure that
  would need rounding keeps the full form, because every number shown must match the source;
- dates and times converted from the source's +07:00 to the office zone, with the zone label:
  ``Rabu, 11 Maret 2026 pukul 10.00 WITA``;
- text shortening that never cuts a word (:func:`shorten`, defined with the title readers in
  :mod:`promo_pipeline.titles.text`, which import no Babel).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from promo_pipeline.titles.text import shorten as shorten

LOCALE = "id"

_ZONE_LABELS = {7: "WIB", 8: "WITA", 9: "WIT"}
#: IANA zones that Indonesia uses (Keppres 41/1987); other zones get a ``UTC+h`` label.
INDONESIAN_ZONES = frozenset({"Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"})
_UNITS = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"))


# --- money -------------------------------------------------------------------------------------


def rupiah(amount: int) -> str:
    """``98500000`` → ``Rp98.500.000``."""
    sign = "-" if amount < 0 else ""
    value = abs(int(amount))
    # Babel formats through Decimal; give it enough precision for any integer (the default 28
    # digits would raise for larger amounts).
    with localcontext() as ctx:
        ctx.prec = max(28, len(str(value)) + 8)
        return f"{sign}Rp{format_decimal(Decimal(value), locale=LOCALE)}"


def rupiah_short(amount: int) -> str:
    """``98500000`` → ``Rp98,5 juta``; ``1250000000`` → ``Rp1,25 miliar``.

    Falls back to :func:`rupiah` when the short form would need rounding (more than three
    decimals) or the amount is under one million.
    """
    value = abs(int(amount))
    for size, word in _UNITS:
        if value >= size:
            q = Decimal(value) / Decimal(size)
            if q == q.quantize(Decimal("0.001")):
                num = format_decimal(q, format="#,##0.###", locale=LOCALE)
                return f"{'-' if amount < 0 else ''}Rp{num} {word}"
            break
    return rupiah(amount)


def parse_rupiah(text: str) -> int:
    """Inverse of :func:`rupiah` (for lint and tests): ``Rp98.500.000`` → ``98500000``."""
    digits = text.replace("Rp", "").replace(".", "").replace(" ", "").strip()
    return int(digits)


# --- dates and times -----------------------------------------------------------------------------


def zone_label(tz: str | ZoneInfo, when: datetime | None = None) -> str:
    """WIB / WITA / WIT for an Indonesian zone; ``UTC+h`` for anything else."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    offset = (when or datetime.now(zone)).astimezone(zone).utcoffset() or timedelta(0)
    hours = offset.total_seconds() / 3600
    if hours in _ZONE_LABELS and zone.key in INDONESIAN_ZONES:
        return _ZONE_LABELS[int(hours)]
    return f"UTC{hours:+g}"


def local(when: datetime, tz: str | ZoneInfo) -> datetime:
    """*when* (aware) in the office's zone."""
    return when.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)


def date_long(when: datetime, tz: str | ZoneInfo) -> str:
    """``Rabu, 11 Maret 2026``."""
    return format_date(local(when, tz), "EEEE, d MMMM y", locale=LOCALE)


def date_medium(when: datetime, tz: str | ZoneInfo) -> str:
    """``11 Maret 2026``."""
    return format_date(local(when, tz), "d MMMM y", locale=LOCALE)


def date_short(when: datetime, tz: str | ZoneInfo) -> str:
    """``Rab, 11 Mar 2026`` (for digests and tight layouts)."""
    return format_date(local(when, tz), "EEE, d MMM y", locale=LOCALE)


def time_hm(when: datetime, tz: str | ZoneInfo) -> str:
    """``10.00 WITA``."""
    loc = local(when, tz)
    return f"{format_time(loc, 'HH.mm', locale=LOCALE)} {zone_label(tz, when)}"


def datetime_long(when: datetime, tz: str | ZoneInfo) -> str:
    """``Rabu, 11 Maret 2026 pukul 10.00 WITA``."""
    return f"{date_long(when, tz)} pukul {time_hm(when, tz)}"


def datetime_medium(when: datetime, tz: str | ZoneInfo) -> str:
    """``11 Maret 2026, 10.00 WITA``."""
    return f"{date_medium(when, tz)}, {time_hm(when, tz)}"


def days_left(when: datetime, now: datetime) -> int:
    """Whole calendar days from *now* until *when* (0 = today), never negative."""
    return max(0, (when.date() - now.astimezone(when.tzinfo).date()).days)


def area(m2: float | None) -> str | None:
    """``210.0`` → ``210 m²``; ``1250.5`` → ``1.250,5 m²``."""
    if m2 is None:
        return None
    return f"{format_decimal(m2, format='#,##0.##', locale=LOCALE)} m²"


def title_case_place(name: str | None) -> str | None:
    """``KAB. BIMA`` → ``Kab. Bima``; ``KOTA BIMA`` → ``Kota Bima`` (the API sends UPPERCASE)."""
    if not name:
        return name
    return " ".join(w.capitalize() for w in name.split())
