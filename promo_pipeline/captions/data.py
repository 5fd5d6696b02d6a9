"""The plain data caption templates see: a lot's facts, the brand kit, the office, week labels.

Everything is already formatted in Indonesian (:mod:`promo_pipeline.formats`: ``Rp98.500.000``,
``Rabu, 11 Maret 2026 pukul 10.00 WITA``), so templates only place strings. Pure functions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from promo_pipeline import formats, present
from promo_pipeline.captions.lengths import limit
from promo_pipeline.lots import Item, Lot
from promo_pipeline.titles import read_title, scrub

_METHODS = {
    "OPEN_BIDDING": "open bidding (penawaran terbuka)",
    "CLOSED_BIDDING": "closed bidding (penawaran tertutup)",
}
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def bidding_method_label(code: str | None) -> str:
    """``OPEN_BIDDING`` → ``open bidding (penawaran terbuka)``; unknown codes in plain words."""
    if not code:
        return ""
    return _METHODS.get(code.upper(), code.replace("_", " ").lower())


@functools.lru_cache(maxsize=4096)
def datetime_compact(when: datetime, tz: str) -> str:
    """``Rab, 11 Mar 2026 10.00 WITA`` (short channels)."""
    return f"{formats.date_short(when, tz)} {formats.time_hm(when, tz)}"


@functools.lru_cache(maxsize=4096)
def datetime_long(when: datetime, tz: str) -> str:
    """:func:`promo_pipeline.formats.datetime_long`, remembered: lots of an office share
    auction and deadline times, and Babel takes ~0.1 ms a date."""
    return formats.datetime_long(when, tz)


@functools.lru_cache(maxsize=4096)
def rupiah(amount: int) -> str:
    """:func:`promo_pipeline.formats.rupiah`, remembered (limits and deposits repeat)."""
    return formats.rupiah(amount)


def _place(lot: Lot) -> str:
    parts = [formats.title_case_place(lot.location), formats.title_case_place(lot.province)]
    seen: list[str] = []
    for part in parts:
        if part and part.lower() not in (s.lower() for s in seen):
            seen.append(part)
    return ", ".join(seen)


def _item_line(item: Item) -> str:
    bits = [item.name]
    if item.area_m2:
        bits.append(f"luas {formats.area(item.area_m2)}")
    if item.year:
        bits.append(f"tahun {item.year}")
    if item.color:
        bits.append(f"warna {item.color}")
    return ", ".join(b for b in bits if b)


def lot_data(lot: Lot, tz: str, brand: Any = None, *, relisted: bool = False) -> dict[str, Any]:
    """The plain, already formatted facts of *lot* that caption templates may use.

    ``title`` is the cleaned full title of the title reading (:mod:`promo_pipeline.titles`):
    personal data removed, as from every item line (*brand*'s own numbers stay).
    ``relisted``: the words for a lot that lists again an object that did not sell
    (:func:`promo_pipeline.present.relisted`, as the review page says it), else empty."""
    deadline = lot.deposit_deadline
    phones = tuple(getattr(brand, "office_phones", ()) or ())
    reading = read_title(lot.title, category=lot.category, office_phones=phones)
    items = [_item_line(i) for i in lot.items if i.name]
    if reading.redactions or any(items):
        items = [scrub(i, reading.redactions, office_phones=phones).text for i in items]
    if len(items) == 1 and items[0].strip().lower() in (lot.title.strip().lower(),
                                                       reading.title.strip().lower()):
        items = []
    return {
        "id": lot.id,
        "title": reading.title,
        "headline": reading.headline,
        "family": reading.category_key,
        "category": lot.category or "",
        "place": _place(lot),
        "limit": rupiah(lot.limit_value),
        "deposit": rupiah(lot.deposit),
        "increment": rupiah(lot.bid_increment) if lot.bid_increment else "",
        "deadline": datetime_long(deadline, tz) if deadline else "",
        "deadline_short": datetime_compact(deadline, tz) if deadline else "",
        "ends": datetime_long(lot.ends_at, tz),
        "ends_short": datetime_compact(lot.ends_at, tz),
        "starts": datetime_long(lot.starts_at, tz) if lot.starts_at else "",
        "method": bidding_method_label(lot.bidding_method),
        "code": lot.code or "",
        "url": lot.url,
        "items": items,
        "relisted": present.relisted() if relisted else "",
    }


def _hashtag_list(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        word = "".join(tag.strip().lstrip("#").split())
        if word and f"#{word}" not in out:
            out.append(f"#{word}")
    return out


def brand_data(brand: Any) -> dict[str, Any]:
    """The office brand kit (``[brand]``) as template data."""
    # More than Instagram's 30 would make Instagram drop the whole block; more is noise anyway.
    tags = _hashtag_list(brand.hashtags)[: limit("instagram").max_hashtags or 30]
    return {
        "name": brand.name,
        "handle": brand.handle,
        "contact": brand.contact,
        "phone": brand.phone,
        "website": brand.website,
        "helpline": brand.helpline,
        "hashtags": " ".join(tags),
        "hashtags_short": " ".join(tags[:2]),
        "hashtag_list": tags,
    }


def office_data(office: Any, lots: Sequence[Lot], tz: str) -> dict[str, str]:
    """The office's name, id and zone label (``WITA``) as template data."""
    name = getattr(office, "name", "") or (lots[0].office_name if lots else "") or "KPKNL"
    return {"name": name, "id": getattr(office, "id", "") or (lots[0].office_id if lots else ""),
            "zone": _zone_label(tz) if tz in formats.INDONESIAN_ZONES else formats.zone_label(tz)}


@functools.lru_cache(maxsize=8)
def _zone_label(tz: str) -> str:
    return formats.zone_label(tz)  # Indonesian zones have no summer time: remembered


def office_tz(office: Any, default: str = "Asia/Jakarta") -> str:
    """The zone an office's times are shown in (*default* for no office)."""
    return getattr(office, "timezone", "") or default


# --- weeks (the weekly digest) -------------------------------------------------------------------


def week_label(week: str) -> str:
    """``2026-W11`` → ``9–15 Maret 2026``."""
    monday = week_monday(week)
    sunday = monday + timedelta(days=6)
    tz = "UTC"
    first = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    last = datetime(sunday.year, sunday.month, sunday.day, tzinfo=UTC)
    if monday.month == sunday.month:
        return f"{monday.day}–{formats.date_medium(last, tz)}"
    if monday.year == sunday.year:
        head = formats.date_medium(first, tz).rsplit(" ", 1)[0]
        return f"{head} – {formats.date_medium(last, tz)}"
    return f"{formats.date_medium(first, tz)} – {formats.date_medium(last, tz)}"


def week_monday(week: str) -> date:
    """The Monday of an ISO week written ``YYYY-Www``; :class:`ValueError` when malformed."""
    match = _WEEK.fullmatch(week.strip())
    if not match:
        raise ValueError(f"week must look like 2026-W11, got {week!r}")
    return date.fromisocalendar(int(match[1]), int(match[2]), 1)


def iso_week(when: datetime | date) -> str:
    """``2026-W11`` for a date."""
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"
