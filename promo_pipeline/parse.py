"""Pure parsing: a lelang.go.id listing item (plus its detail ``data``) → :class:`~models.Lot`.

No I/O. Every input that cannot become a trustworthy lot raises :class:`ParseError` naming the
lot; nothing else is raised for any JSON-like input (a property test checks this).

Rules (see ``reference/lelang-api.md`` §2–3):

- lot-level facts are strict: a missing id, title, limit, deposit or end time, or a money/date
  value that is present but not valid, rejects the lot (a wrong number in a post is worse than no
  post). Money is whole rupiah as a string or number (``int(Decimal(str(v)))``); negatives,
  fractions and anything else are refused. Times are ISO-8601 with any offset (``Z`` included);
  a time without an offset is the server's WIB (+07:00) and is kept with its offset;
- item details (area, vehicle fields, descriptions) are best effort: a bad value is dropped, the
  lot is kept;
- detail values win over listing values; ``unitKerjaId`` missing on the detail falls back to the
  listing's, then to the office being collected;
- items are found under ``content.barangs``, ``content.lot.barang``, ``content.lot.barangs`` or
  ``data.barangs``, named by ``nama`` or ``namaBarang``;
- text is cleaned of HTML by :func:`promo_pipeline.htmltext.clean_text` (BeautifulSoup):
  ``m<sup>2</sup>`` → ``m²``, entities unescaped, ``<br>``/``</p>``/``<li>`` become line breaks
  in descriptions and spaces in one-line fields, scripts dropped, control characters removed,
  whitespace normalised;
- photos: URL from an absolute ``fileUrl``, else ``file_base`` + ``folder``/``fileName``, else a
  ``fileUrl`` starting ``/lelang/`` (or any ``/path``) on the file host, else ``file_base`` +
  relative ``fileUrl``; photos with ``deletedAt`` are skipped; the cover (first ``iscover``, else
  the first photo) comes first; the lot's photos come before its items' photos; duplicates go.
  URLs are not vetted here: the photo stage refuses hosts that are not configured;
- ``seller`` keys: ``name``, ``organization``, ``phone``, ``address``, ``city``, ``province``;
  ``organizer`` keys: ``name``, ``bank``, ``phone``, ``address`` (only non-empty values).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlsplit

from promo_pipeline.errors import ParseError
from promo_pipeline.htmltext import clean_text
from promo_pipeline.lot_records import Item, Lot, lot_url

#: lelang.go.id server time (WIB) — the zone of any timestamp that carries no offset.
WIB = timezone(timedelta(hours=7), "WIB")

# Ids go into URLs, file names and SQL parameters: keep them boring.
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
_MONEY_RE = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
_MONEY_MAX = 10**15  # a thousand trillion rupiah: anything above is garbage, not a price
_SAFE_URL_CHARS = "/%:@!$&'()*+,;=-._~?#"


# --- values ------------------------------------------------------------------------------------


def parse_money(value: Any, field: str, lot_id: str, *, required: bool = False) -> int | None:
    """Whole rupiah from ``"98500000"``, ``98500000`` or ``"98500000.00"``; ParseError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ParseError(f"lot {lot_id}: {field} is missing", lot_id=lot_id,
                             field=field, missing=True)
        return None
    if isinstance(value, bool):
        raise ParseError(f"lot {lot_id}: {field} is not an amount: {value!r}",
                         lot_id=lot_id, field=field)
    if isinstance(value, str):
        text = value.strip()
        if not _MONEY_RE.match(text):
            raise ParseError(f"lot {lot_id}: {field} is not an amount: {_clip(value)!r}",
                             lot_id=lot_id, field=field)
    elif isinstance(value, int | float):
        text = repr(value)
    else:
        raise ParseError(f"lot {lot_id}: {field} is not an amount: {_clip(value)!r}",
                         lot_id=lot_id, field=field)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ParseError(f"lot {lot_id}: {field} is not an amount: {_clip(value)!r}",
                         lot_id=lot_id, field=field) from None
    if not amount.is_finite() or amount < 0:
        raise ParseError(f"lot {lot_id}: {field} must be a positive amount, got {value!r}",
                         lot_id=lot_id, field=field)
    if amount != amount.to_integral_value():
        raise ParseError(f"lot {lot_id}: {field} is not whole rupiah: {value!r}",
                         lot_id=lot_id, field=field)
    if amount >= _MONEY_MAX:
        raise ParseError(f"lot {lot_id}: {field} is implausibly large: {value!r}",
                         lot_id=lot_id, field=field)
    return int(amount)


def parse_time(value: Any, field: str, lot_id: str, *, required: bool = False) -> datetime | None:
    """An aware datetime from ISO-8601 (any offset; ``Z``; naive = WIB +07:00)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ParseError(f"lot {lot_id}: {field} is missing", lot_id=lot_id,
                             field=field, missing=True)
        return None
    if not isinstance(value, str):
        raise ParseError(f"lot {lot_id}: {field} is not a date: {_clip(value)!r}",
                         lot_id=lot_id, field=field)
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ParseError(f"lot {lot_id}: {field} is not an ISO date: {_clip(value)!r}",
                         lot_id=lot_id, field=field) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=WIB)
    try:
        when.utcoffset()
        when.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ParseError(f"lot {lot_id}: {field} is out of range: {_clip(value)!r}",
                         lot_id=lot_id, field=field) from None
    return when


def _area(value: Any) -> float | None:
    """Land area in m² from a number or numeric string (``"210"``, ``"1250,5"``); else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().lower().removesuffix("m²").removesuffix("m2").strip()
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(Decimal(text))
        except (InvalidOperation, ValueError):
            return None
    else:
        return None
    if number != number or number <= 0 or number == float("inf"):
        return None
    return number


def _clip(value: Any, limit: int = 60) -> Any:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[:limit] + "…"


def _first(*values: Any) -> Any:
    for v in values:
        if v is not None and v != "" and v != [] and v != {}:
            return v
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# --- photos ------------------------------------------------------------------------------------


def resolve_photo_url(photo: Any, file_base: str) -> str | None:
    """The download URL of one photo object (reference §3.3), or None when it has none."""
    if not isinstance(photo, dict):
        return None
    f = photo.get("file") if isinstance(photo.get("file"), dict) else photo
    file_url = f.get("fileUrl")
    file_url = file_url.strip() if isinstance(file_url, str) else ""
    folder, name = f.get("folder"), f.get("fileName")
    base = file_base if file_base.endswith("/") else file_base + "/"
    if file_url and (urlsplit(file_url).scheme or file_url.startswith("//")):
        return "https:" + file_url if file_url.startswith("//") else file_url
    if isinstance(folder, str) and isinstance(name, str) and folder.strip("/ ") and name.strip():
        return base + quote(f"{folder.strip('/ ')}/{name.strip().lstrip('/')}",
                            safe=_SAFE_URL_CHARS)
    if file_url.startswith("/"):
        parts = urlsplit(base)
        return f"{parts.scheme}://{parts.netloc}{quote(file_url, safe=_SAFE_URL_CHARS)}"
    if file_url:
        return base + quote(file_url, safe=_SAFE_URL_CHARS)
    return None


def photo_urls(photos: Any, file_base: str) -> list[str]:
    """Resolved URLs of a photo array: deleted ones skipped, cover first, duplicates removed."""
    if not isinstance(photos, list):
        return []
    live = [p for p in photos if isinstance(p, dict) and not p.get("deletedAt")]
    cover = next((p for p in live if _truthy(p.get("iscover"))), None)
    if cover is not None:
        live.remove(cover)
        live.insert(0, cover)
    return _dedupe(resolve_photo_url(p, file_base) for p in live)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "y")
    return value is True or (isinstance(value, int) and value == 1)


def _dedupe(values: Any) -> list[str]:
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return out


# --- items, seller, organizer ------------------------------------------------------------------


def find_barangs(detail: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The item dicts of a detail, whichever of the known shapes it uses."""
    if not isinstance(detail, Mapping):
        return []
    content = _dict(detail.get("content"))
    lot = _dict(content.get("lot"))
    for candidate in (content.get("barangs"), lot.get("barang"), lot.get("barangs"),
                      detail.get("barangs")):
        if isinstance(candidate, dict):
            candidate = [candidate]
        if isinstance(candidate, list) and candidate:
            return [b for b in candidate if isinstance(b, dict)]
    return []


def parse_item(barang: Mapping[str, Any]) -> Item | None:
    """One ``barang`` → :class:`Item` (best effort); None when it has no name at all."""
    kind = clean_text(_dict(barang.get("jenisBarang")).get("nama")) or (
        clean_text(barang.get("jenisBarang")) if isinstance(barang.get("jenisBarang"), str)
        else None) or clean_text(_dict(barang.get("jenisObjek")).get("nama"))
    name = clean_text(barang.get("nama")) or clean_text(barang.get("namaBarang")) or kind
    if not name:
        return None
    proof = clean_text(barang.get("buktiKepemilikan"))
    number = clean_text(_first(barang.get("buktiKepemilikanNo"), barang.get("noBuktiKepemilikan"),
                               barang.get("nomorBuktiKepemilikan"), barang.get("noHak")))
    ownership = " ".join(p for p in (proof, number) if p) or None
    if proof and number and number in proof:
        ownership = proof
    descriptions = _dedupe(clean_text(barang.get(k), multiline=True)
                           for k in ("uraian", "keterangan", "deskripsi"))
    return Item(
        name=name,
        kind=kind,
        address=clean_text(barang.get("alamat")),
        area_m2=_area(barang.get("luas")),
        ownership=ownership,
        year=clean_text(barang.get("tahun")),
        color=clean_text(barang.get("warna")),
        plate=clean_text(barang.get("nopol")),
        frame_number=clean_text(barang.get("nomorRangka")),
        description="\n".join(descriptions) or None,
    )


def _small_dict(source: Any, keys: dict[str, str]) -> dict[str, str]:
    data = _dict(source)
    out = {}
    for ours, theirs in keys.items():
        value = clean_text(data.get(theirs))
        if value:
            out[ours] = value
    return out


_SELLER_KEYS = {"name": "namaPenjual", "organization": "namaOrganisasiPenjual",
                "phone": "nomorTelepon", "address": "alamat", "city": "namaKota",
                "province": "namaProvinsi"}
_ORGANIZER_KEYS = {"name": "namaUnitKerja", "bank": "namaBank", "phone": "nomorTelepon",
                   "address": "alamat"}


# --- the lot -----------------------------------------------------------------------------------


def parse_lot(
    item: Mapping[str, Any] | None,
    detail: Mapping[str, Any] | None = None,
    *,
    site_base: str,
    file_base: str,
    category: str | None = None,
    office_id: str | None = None,
    office_name: str | None = None,
) -> Lot:
    """Merge a listing item and its detail ``data`` (either may be None) into a :class:`Lot`.

    *category* is the category filter that found the lot (used when the detail has no
    ``namaKategoriLelang``); *office_id*/*office_name* are the configured office, used when the
    API gives neither.
    """
    if item is not None and not isinstance(item, Mapping):
        raise ParseError(f"listing item is not an object: {_clip(item)!r}")
    if detail is not None and not isinstance(detail, Mapping):
        raise ParseError(f"lot detail is not an object: {_clip(detail)!r}")
    listing = item or {}
    info = detail or {}

    lot_id = _lot_id(listing, info)

    def pick(key: str) -> Any:
        return _first(info.get(key), listing.get(key))

    content = _dict(info.get("content"))
    raw_office = pick("unitKerjaId") or office_id
    if not isinstance(raw_office, str) or not _ID_RE.match(raw_office.strip()):
        raise ParseError(f"lot {lot_id}: no valid unitKerjaId ({_clip(raw_office)!r})",
                         lot_id=lot_id)
    lot_office = raw_office.strip()

    title = clean_text(pick("namaLotLelang"))
    if not title:
        raise ParseError(f"lot {lot_id}: namaLotLelang (title) is missing", lot_id=lot_id)

    photos = photo_urls(info["photos"] if isinstance(info.get("photos"), list)
                        else listing.get("photos"), file_base)
    barangs = find_barangs(info)
    for barang in barangs:
        for url in photo_urls(barang.get("photos"), file_base):
            if url not in photos:
                photos.append(url)
    items = tuple(i for i in (parse_item(b) for b in barangs) if i is not None)

    return Lot(
        id=lot_id,
        office_id=lot_office,
        office_name=clean_text(_first(pick("namaUnitKerja"),
                                      _dict(content.get("organizer")).get("namaUnitKerja"),
                                      office_name)) or "",
        title=title,
        limit_value=parse_money(pick("nilaiLimit"), "nilaiLimit", lot_id, required=True),
        deposit=parse_money(pick("uangJaminan"), "uangJaminan", lot_id, required=True),
        ends_at=parse_time(pick("tglSelesaiLelang"), "tglSelesaiLelang", lot_id, required=True),
        url=lot_url(site_base, lot_office, lot_id),
        # The listing filter a lot was found under is documented; namaKategoriLelang is not.
        category=clean_text(category) or clean_text(info.get("namaKategoriLelang")),
        location=clean_text(pick("namaLokasi")),
        province=clean_text(pick("namaProvinsi")),
        starts_at=parse_time(pick("tglMulaiLelang"), "tglMulaiLelang", lot_id),
        deposit_deadline=parse_time(pick("tanggalBatasJaminan"), "tanggalBatasJaminan", lot_id),
        source_status=clean_text(pick("status")),
        bidding_method=clean_text(
            _first(pick("caraPenawaran"), _dict(content.get("lot")).get("caraPenawaran"))),
        code=clean_text(pick("kodeLot")),
        bid_increment=parse_money(pick("kelipatanBid"), "kelipatanBid", lot_id),
        photos=tuple(photos),
        items=items,
        seller=_small_dict(content.get("seller"), _SELLER_KEYS),
        organizer=_small_dict(content.get("organizer"), _ORGANIZER_KEYS),
    )


def _lot_id(listing: Mapping[str, Any], info: Mapping[str, Any]) -> str:
    from_listing = _first(listing.get("lotLelangId"), listing.get("id"))
    from_detail = _first(info.get("id"), info.get("lotLelangId"))
    raw = from_listing if from_listing is not None else from_detail
    if raw is None:
        title = clean_text(_first(listing.get("namaLotLelang"), info.get("namaLotLelang")))
        named = f" ({_clip(title)})" if title else ""
        raise ParseError(f"lot without lotLelangId{named}")
    if not isinstance(raw, str) or not _ID_RE.match(raw.strip()):
        raise ParseError(f"lot id is not valid: {_clip(raw)!r}", lot_id=str(raw)[:100])
    lot_id = raw.strip()
    if from_listing is not None and from_detail is not None and str(from_detail).strip() != lot_id:
        raise ParseError(f"lot {lot_id}: detail belongs to another lot ({_clip(from_detail)!r})",
                         lot_id=lot_id)
    return lot_id
