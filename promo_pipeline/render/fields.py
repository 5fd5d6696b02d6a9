"""The whitelisted fields a template may show or test, computed from a lot, the brand kit,
the office's time zone and the current time. Pure.

Every figure on an image comes from here, formatted through :mod:`promo_pipeline.formats`;
templates cannot reach anything else (no attribute access, no expressions). :data:`LOT_FIELDS`
documents each field; ``templates/README.md`` lists the same table for designers.

What the lot *is* comes from its title reading (:func:`promo_pipeline.titles.read_title`): the
art family and badge (the source's category first, the title only when it clearly names one
kind of object, else the neutral design with no badge), the short headline and the cleaned full
title. Every text drawn from the lot (title, headline, items) is free of the personal data the
reading removed (:func:`promo_pipeline.titles.scrub`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from promo_pipeline import formats
from promo_pipeline.config import Brand
from promo_pipeline.lots import Lot
from promo_pipeline.titles import TitleReading, read_title, scrub

#: Site address shown in text (the QR carries the full lot URL).
SITE_TEXT = "lelang.go.id"
ANTI_FRAUD = "Setor jaminan hanya ke Virtual Account atas nama Anda di lelang.go.id"
ANTI_FRAUD_LONG = (
    "Waspada penipuan! Setor jaminan hanya ke Virtual Account atas nama Anda di "
    "lelang.go.id. KPKNL tidak pernah meminta transfer ke rekening pribadi."
)

# name -> (type, description). bool/int/str types are checked by `when` conditions.
BRAND_FIELDS: dict[str, tuple[type, str]] = {
    "brand_name": (str, "office display name ([brand] name, else the office name)"),
    "brand_tagline": (str, "[brand] tagline"),
    "brand_handle": (str, "social handle, e.g. @kpknlbima"),
    "brand_contact": (str, "contact line"),
    "brand_phone": (str, "office phone"),
    "brand_website": (str, "office website (default lelang.go.id)"),
    "brand_helpline": (str, "help line, e.g. Halo DJKN 150991"),
    "brand_hashtags": (str, "hashtags joined by spaces"),
    "site": (str, "the text 'lelang.go.id'"),
    "anti_fraud": (str, "the short anti-fraud line"),
    "anti_fraud_long": (str, "the long anti-fraud warning"),
}

LOT_FIELDS: dict[str, tuple[type, str]] = {
    **BRAND_FIELDS,
    "title": (str, "the cleaned full title (sentence case, personal data removed)"),
    "headline": (str, "the short headline (≤ 60 characters), e.g. Toyota Hilux Double Cabin 2011"),
    "title_short": (str, "the same short headline (older name)"),
    "category": (str, "badge text: the lelang.go.id category, else the family's (empty: none)"),
    "category_label": (str, "badge text for a chip, upper case (e.g. MOBIL); empty for generic"),
    "has_badge": (bool, "the lot has a category badge (false for the neutral design)"),
    "category_key": (str, "art family: car, motorcycle, heavy_equipment, truck_bus, land, "
                          "building, scrap, electronics, machine, vessel or generic"),
    "limit": (str, "nilai limit, e.g. Rp98.500.000"),
    "limit_short": (str, "nilai limit short when exact, e.g. Rp98,5 juta"),
    "limit_value": (int, "nilai limit in rupiah (a number, for conditions)"),
    "deposit": (str, "uang jaminan, e.g. Rp29.550.000"),
    "deposit_short": (str, "uang jaminan short when exact"),
    "ends_at": (str, "auction end, e.g. Rabu, 11 Maret 2026 pukul 10.00 WITA"),
    "ends_at_short": (str, "auction end, e.g. 11 Maret 2026, 10.00 WITA"),
    "ends_date": (str, "end date, e.g. Rabu, 11 Maret 2026"),
    "ends_date_medium": (str, "end date, e.g. 11 Maret 2026"),
    "ends_date_short": (str, "end date, e.g. Rab, 11 Mar 2026"),
    "ends_time": (str, "end time with zone, e.g. 10.00 WITA"),
    "deposit_deadline": (str, "deposit deadline, long form (empty when unknown)"),
    "deposit_deadline_short": (str, "deposit deadline, e.g. 10 Maret 2026, 10.00 WITA"),
    "has_deposit_deadline": (bool, "the deposit deadline is known"),
    "starts_at_short": (str, "auction start, e.g. 2 Maret 2026, 10.00 WITA (may be empty)"),
    "zone": (str, "the office's zone label: WIB, WITA or WIT"),
    "location": (str, "location, e.g. Kab. Bima (empty when unknown)"),
    "province": (str, "province, title case (may be empty)"),
    "office": (str, "the office that runs the auction, e.g. KPKNL Bima"),
    "lot_code": (str, "kode lot on lelang.go.id (may be empty)"),
    "url": (str, "the public lot page on lelang.go.id"),
    "bidding": (str, "how to bid, e.g. Penawaran terbuka (open bidding)"),
    "items": (str, "the lot's items, one per line (up to 4)"),
    "item_count": (int, "number of items in the lot"),
    "details": (str, "the items, one per line, or the title when the lot lists no items"),
    "days_left": (int, "whole days until the auction ends (0 = today)"),
    "is_urgent": (bool, "ends within render.urgent_days days"),
    "has_photo": (bool, "the lot has a usable photo"),
    "photo_count": (int, "number of usable photos"),
    "has_location": (bool, "the location is known"),
    "how_to_bid": (str, "short how-to-bid steps, one per line"),
}

#: Extra fields on carousel photo slides.
SLIDE_FIELDS: dict[str, tuple[type, str]] = {
    "slide_number": (int, "this slide's number (1-based)"),
    "slide_count": (int, "number of slides in the carousel"),
    "photo_number": (int, "which photo this slide shows (1-based)"),
    "photo_label": (str, "e.g. Foto 2 dari 4"),
}

#: Page fields of a digest image (cells use the lot fields).
DIGEST_FIELDS: dict[str, tuple[type, str]] = {
    **BRAND_FIELDS,
    "digest_title": (str, "the digest's title"),
    "page": (int, "page number (1-based)"),
    "pages": (int, "number of pages"),
    "page_label": (str, "e.g. 1/2 (empty when there is one page)"),
    "lot_count": (int, "number of lots in the whole digest"),
    "period": (str, "the range of end dates, e.g. 11–18 Maret 2026"),
}

_BIDDING = {
    "OPEN_BIDDING": "Penawaran terbuka (open bidding)",
    "CLOSED_BIDDING": "Penawaran tertutup (closed bidding)",
}

HOW_TO_BID = (
    "1. Daftar & verifikasi akun di lelang.go.id\n"
    "2. Pilih lot ini, klik Ikut Lelang\n"
    "3. Setor jaminan ke Virtual Account atas nama Anda\n"
    "4. Ajukan penawaran sesuai jadwal"
)


def brand_fields(brand: Brand, fallback_name: str = "") -> dict[str, Any]:
    return {
        "brand_name": brand.name or fallback_name,
        "brand_tagline": brand.tagline,
        "brand_handle": brand.handle,
        "brand_contact": brand.contact,
        "brand_phone": brand.phone,
        "brand_website": brand.website or SITE_TEXT,
        "brand_helpline": brand.helpline,
        "brand_hashtags": " ".join(brand.hashtags),
        "site": SITE_TEXT,
        "anti_fraud": ANTI_FRAUD,
        "anti_fraud_long": ANTI_FRAUD_LONG,
    }


def lot_reading(lot: Lot, brand: Brand) -> TitleReading:
    """The title reading of *lot* (the office's own numbers are not personal data)."""
    return read_title(lot.title, category=lot.category, office_phones=brand.office_phones)


def _items_text(lot: Lot, reading: TitleReading, brand: Brand) -> str:
    lines = []
    for item in lot.items[:4]:
        bits = [item.name]
        if item.year:
            bits.append(f"tahun {item.year}")
        if item.area_m2:
            bits.append(formats.area(item.area_m2) or "")
        if item.plate:
            bits.append(item.plate)
        lines.append("• " + ", ".join(b for b in bits if b))
    if len(lot.items) > 4:
        lines.append(f"• dan {len(lot.items) - 4} barang lainnya")
    text = "\n".join(lines)
    return scrub(text, reading.redactions, office_phones=brand.office_phones).text if text \
        else ""


def lot_fields(
    lot: Lot,
    brand: Brand,
    *,
    tz: str,
    now: datetime,
    photo_count: int = 0,
    urgent_days: int = 3,
) -> dict[str, Any]:
    """Every field of :data:`LOT_FIELDS` for *lot* (strings never None)."""
    reading = lot_reading(lot, brand)
    badge = reading.family.badge or ""
    items = _items_text(lot, reading, brand)
    days = formats.days_left(lot.ends_at, now)
    ended = lot.ends_at <= now
    deadline = lot.deposit_deadline
    location = formats.title_case_place(lot.location) or ""
    values: dict[str, Any] = {
        **brand_fields(brand, lot.office_name),
        "title": reading.title,
        "headline": reading.headline,
        "title_short": reading.headline,
        "category": badge,
        "category_label": badge.upper(),
        "has_badge": bool(badge),
        "category_key": reading.category_key,
        "limit": formats.rupiah(lot.limit_value),
        "limit_short": formats.rupiah_short(lot.limit_value),
        "limit_value": int(lot.limit_value),
        "deposit": formats.rupiah(lot.deposit),
        "deposit_short": formats.rupiah_short(lot.deposit),
        "ends_at": formats.datetime_long(lot.ends_at, tz),
        "ends_at_short": formats.datetime_medium(lot.ends_at, tz),
        "ends_date": formats.date_long(lot.ends_at, tz),
        "ends_date_medium": formats.date_medium(lot.ends_at, tz),
        "ends_date_short": formats.date_short(lot.ends_at, tz),
        "ends_time": formats.time_hm(lot.ends_at, tz),
        "deposit_deadline": formats.datetime_long(deadline, tz) if deadline else "",
        "deposit_deadline_short": formats.datetime_medium(deadline, tz) if deadline else "",
        "has_deposit_deadline": deadline is not None,
        "starts_at_short": formats.datetime_medium(lot.starts_at, tz) if lot.starts_at else "",
        "zone": formats.zone_label(tz, lot.ends_at),
        "location": location,
        "province": formats.title_case_place(lot.province) or "",
        "office": lot.office_name or brand.name,
        "lot_code": lot.code or "",
        "url": lot.url,
        "bidding": _BIDDING.get((lot.bidding_method or "").upper(), ""),
        "items": items,
        "item_count": len(lot.items),
        "details": items or reading.title,
        "days_left": days,
        "is_urgent": (not ended) and days <= urgent_days,
        "has_photo": photo_count > 0,
        "photo_count": photo_count,
        "has_location": bool(location),
        "how_to_bid": HOW_TO_BID,
    }
    return values


def image_texts(lot: Lot, brand: Brand) -> list[str]:
    """The texts from *lot* that a template can draw (title, headline, badge, items, place):
    what the lint reads for personal data on images."""
    reading = lot_reading(lot, brand)
    return [reading.title, reading.headline, reading.family.badge or "",
            _items_text(lot, reading, brand), lot.location or "", lot.province or ""]


def field_types(scope: Mapping[str, tuple[type, str]]) -> dict[str, type]:
    return {name: tp for name, (tp, _) in scope.items()}
