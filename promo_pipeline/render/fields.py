"""The whitelisted fields a template may show or test, computed from a lot, the brand kit,
the office's time zone and the current time. Pure.

Every figure on an image comes from here, formatted through :mod:`promo_pipeline.formats`;
templates cannot reach anything else (no attribute access, no expressions). :data:`LOT_FIELDS`
documents each field; ``templates/README.md`` lists the same table for designers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from promo_pipeline import formats
from promo_pipeline.config import Brand
from promo_pipeline.lots import Lot

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
    "title": (str, "the lot title, clean text"),
    "title_short": (str, "the title shortened at a word boundary (≤ 60 characters)"),
    "category": (str, "category as on lelang.go.id (e.g. Mobil), else guessed from the title"),
    "category_label": (str, "category for a chip, upper case (e.g. MOBIL)"),
    "category_key": (str, "car, motorcycle, land, building, scrap, electronics or generic"),
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

CATEGORY_LABELS = {
    "car": "Mobil",
    "motorcycle": "Motor",
    "land": "Tanah",
    "building": "Rumah & Bangunan",
    "scrap": "Besi Tua",
    "electronics": "Elektronik",
    "generic": "Barang",
}

# Source category name (lower case) -> illustration key.
_CATEGORY_KEYS = {
    "mobil": "car", "motor": "motorcycle", "tanah": "land", "rumah": "building",
    "ruko": "building", "toko": "building", "apartemen": "building", "gudang": "building",
    "hotel dan villa": "building", "pabrik": "building", "besi tua": "scrap",
    "elektronik": "electronics", "mesin": "generic", "inventaris": "generic", "umkm": "generic",
}
# Title keywords, tried in order (a "tanah ... berikut bangunan" lot is a building).
_TITLE_RULES: tuple[tuple[str, str], ...] = (
    ("scrap", r"\b(scrap|besi tua|rongsok|bongkaran)\b"),
    ("motorcycle", r"\b(sepeda motor|motor|honda beat|vario|yamaha|kawasaki|suzuki satria|"
                   r"roda dua|r2)\b"),
    ("car", r"\b(mobil|toyota|daihatsu|mitsubishi|isuzu|nissan|suzuki|honda|avanza|innova|"
            r"pick ?up|truk|truck|bus|minibus|roda empat|r4|kendaraan)\b"),
    ("building", r"\b(bangunan|rumah|ruko|gedung|gudang|apartemen|kios|toko)\b"),
    ("land", r"\b(tanah|sawah|kebun|lahan|kavling|bidang)\b"),
    ("electronics", r"\b(laptop|komputer|notebook|printer|elektronik|handphone|ponsel|"
                    r"televisi|tv|kamera|proyektor|ac)\b"),
)

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


def category_key(lot: Lot) -> str:
    """Which illustration fits the lot: from its category, else from title keywords."""
    if lot.category:
        key = _CATEGORY_KEYS.get(lot.category.strip().lower())
        if key:
            return key
    title = (lot.title or "").lower()
    for key, pattern in _TITLE_RULES:
        if re.search(pattern, title):
            return key
    return "generic"


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


def _items_text(lot: Lot) -> str:
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
    return "\n".join(lines)


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
    key = category_key(lot)
    category = (lot.category or "").strip() or CATEGORY_LABELS[key]
    days = formats.days_left(lot.ends_at, now)
    ended = lot.ends_at <= now
    deadline = lot.deposit_deadline
    location = formats.title_case_place(lot.location) or ""
    values: dict[str, Any] = {
        **brand_fields(brand, lot.office_name),
        "title": lot.title,
        "title_short": formats.shorten(lot.title, 60),
        "category": category,
        "category_label": category.upper(),
        "category_key": key,
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
        "items": _items_text(lot),
        "item_count": len(lot.items),
        "details": _items_text(lot) or lot.title,
        "days_left": days,
        "is_urgent": (not ended) and days <= urgent_days,
        "has_photo": photo_count > 0,
        "photo_count": photo_count,
        "has_location": bool(location),
        "how_to_bid": HOW_TO_BID,
    }
    return values


def field_types(scope: Mapping[str, tuple[type, str]]) -> dict[str, type]:
    return {name: tp for name, (tp, _) in scope.items()}
