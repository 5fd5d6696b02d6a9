"""Captions: a lot (or a week's lots) → Indonesian caption text per channel, and the caption lint.

Settings read: ``captions.channels``, ``captions.templates_dir``, ``brand.*`` (name, handle,
contact, phone, website, helpline, hashtags), ``offices[].timezone`` and ``source.site_base``.

Pure: nothing here touches the database or the network. Captions are Jinja2 templates
(``templates/captions/*.j2``, installed as ``promo_pipeline._templates.captions``; an office's
``captions.templates_dir`` overrides them file by file) rendered in a
:class:`~jinja2.sandbox.SandboxedEnvironment` over plain data: dicts of strings that
:mod:`promo_pipeline.formats` already formatted. Data is passed as values, never parsed as a
template, so a lot title holding ``{{ 7*7 }}`` comes out literally.

A template for kind ``lot`` and channel ``x`` is looked up as ``lot.x.j2``, then ``lot.j2``.
Templates wrap optional parts in ``{% if keep("name") %}``. When a caption is over its channel's
limit (:data:`LIMITS`), optional parts are dropped in the template's ``drop_order`` (a top-level
``{% set drop_order = [...] %}``, else :data:`DEFAULT_DROP_ORDER`); then a lot's title is shortened
at a word boundary (a digest shows fewer lots instead). Required parts — figures, deadline,
link, anti-fraud line — are never dropped, so the link is never lost and no word is cut.

:func:`lint` checks a caption (generated or edited by a reviewer) against the stored lot(s):
blocking findings for a missing or wrong figure, deadline or lelang.go.id link; warnings for
personal data, fraud-marker wording, a missing anti-fraud line and an exceeded channel limit.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import phonenumbers
from babel.dates import get_month_names
from babel.numbers import format_decimal
from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, Template, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from promo_pipeline import formats
from promo_pipeline.errors import TemplateError
from promo_pipeline.lots import Lot
from promo_pipeline.resources import builtin_caption_templates_dir

logger = logging.getLogger(__name__)

CHANNELS = ("instagram", "facebook", "telegram", "x", "threads")
KINDS = ("lot", "digest", "reminder")

BLOCK = "block"
WARN = "warn"


@dataclass(frozen=True)
class Limit:
    """A channel's caption limit.

    ``unit`` says how the platform counts: ``utf16`` (UTF-16 code units, what Telegram counts and
    what a browser's ``string.length`` shows; an emoji counts 2, which is on the safe side for
    Instagram and Facebook), ``weighted`` (X: NFC, every URL 23, CJK and emoji 2) or ``utf8``
    (Threads: bytes).
    """

    max: int
    unit: str
    hashtags: int | None = None
    label: str = ""


LIMITS: dict[str, Limit] = {
    "instagram": Limit(2200, "utf16", hashtags=30, label="Instagram"),
    "facebook": Limit(63206, "utf16", label="Facebook"),
    "telegram": Limit(1024, "utf16", label="Telegram"),
    "x": Limit(280, "weighted", label="X"),
    "threads": Limit(500, "utf8", label="Threads"),
}

#: Optional template parts, dropped in this order when a caption is over its limit.
DEFAULT_DROP_ORDER = ("items", "hook", "hashtags", "steps", "increment", "method", "location",
                      "howto", "asis", "contact", "end")

_WIB_OFFSETS = {"WIB": 7, "WITA": 8, "WIT": 9}


# --- measuring -----------------------------------------------------------------------------------


def measure(channel: str, text: str) -> int:
    """The length of *text* as *channel* counts it (see :class:`Limit`)."""
    unit = LIMITS[channel].unit
    if unit == "weighted":
        return _weighted_length(text)
    if unit == "utf8":
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


@functools.lru_cache(maxsize=512)
def _weighted_length(text: str) -> int:
    # twitter-text is exact but slow (~5 ms for a caption); fitting measures the same text
    # several times, and the lint measures it again. Imported here: it compiles its emoji
    # pattern on import (~0.3 s), which every CLI start would otherwise pay.
    from twitter_text import parse_tweet

    return parse_tweet(unicodedata.normalize("NFC", text)).weightedLength


_HASHTAG = re.compile(r"(?<![\w#&])#\w+")


def hashtags(text: str) -> list[str]:
    """Hashtags in *text* (``#Lelang``), in order."""
    return _HASHTAG.findall(text)


def fits(channel: str, text: str) -> bool:
    """True when *text* is within *channel*'s length (and hashtag) limit."""
    limit = LIMITS[channel]
    if measure(channel, text) > limit.max:
        return False
    return limit.hashtags is None or len(hashtags(text)) <= limit.hashtags


# --- data for the templates ----------------------------------------------------------------------

_METHODS = {
    "OPEN_BIDDING": "open bidding (penawaran terbuka)",
    "CLOSED_BIDDING": "closed bidding (penawaran tertutup)",
}


def bidding_method_label(code: str | None) -> str:
    """``OPEN_BIDDING`` → ``open bidding (penawaran terbuka)``; unknown codes in plain words."""
    if not code:
        return ""
    return _METHODS.get(code.upper(), code.replace("_", " ").lower())


def datetime_compact(when: datetime, tz: str) -> str:
    """``Rab, 11 Mar 2026 10.00 WITA`` (short channels)."""
    return f"{formats.date_short(when, tz)} {formats.time_hm(when, tz)}"


def _place(lot: Lot) -> str:
    parts = [formats.title_case_place(lot.location), formats.title_case_place(lot.province)]
    seen: list[str] = []
    for part in parts:
        if part and part.lower() not in (s.lower() for s in seen):
            seen.append(part)
    return ", ".join(seen)


def _item_line(item: Any) -> str:
    bits = [item.name]
    if item.area_m2:
        bits.append(f"luas {formats.area(item.area_m2)}")
    if item.year:
        bits.append(f"tahun {item.year}")
    if item.color:
        bits.append(f"warna {item.color}")
    return ", ".join(b for b in bits if b)


def lot_data(lot: Lot, tz: str) -> dict[str, Any]:
    """The plain, already formatted facts of *lot* that caption templates may use."""
    deadline = lot.deposit_deadline
    items = [_item_line(i) for i in lot.items if i.name]
    if len(items) == 1 and items[0].strip().lower() == lot.title.strip().lower():
        items = []
    return {
        "id": lot.id,
        "title": lot.title,
        "category": lot.category or "",
        "place": _place(lot),
        "limit": formats.rupiah(lot.limit_value),
        "deposit": formats.rupiah(lot.deposit),
        "increment": formats.rupiah(lot.bid_increment) if lot.bid_increment else "",
        "deadline": formats.datetime_long(deadline, tz) if deadline else "",
        "deadline_short": datetime_compact(deadline, tz) if deadline else "",
        "ends": formats.datetime_long(lot.ends_at, tz),
        "ends_short": datetime_compact(lot.ends_at, tz),
        "starts": formats.datetime_long(lot.starts_at, tz) if lot.starts_at else "",
        "method": bidding_method_label(lot.bidding_method),
        "code": lot.code or "",
        "url": lot.url,
        "items": items,
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
    tags = _hashtag_list(brand.hashtags)[: LIMITS["instagram"].hashtags or 30]
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
    name = getattr(office, "name", "") or (lots[0].office_name if lots else "") or "KPKNL"
    return {"name": name, "id": getattr(office, "id", "") or (lots[0].office_id if lots else ""),
            "zone": formats.zone_label(tz)}


def office_tz(office: Any, default: str = "Asia/Jakarta") -> str:
    return getattr(office, "timezone", "") or default


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
    match = re.fullmatch(r"(\d{4})-W(\d{2})", week.strip())
    if not match:
        raise ValueError(f"week must look like 2026-W11, got {week!r}")
    return date.fromisocalendar(int(match[1]), int(match[2]), 1)


def iso_week(when: datetime | date) -> str:
    """``2026-W11`` for a date."""
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


# --- templates -----------------------------------------------------------------------------------


class CaptionWriter:
    """Loads caption templates (office folder first, built-ins second) and renders them.

    One writer per set of template folders; :func:`writer_for` caches them.
    """

    def __init__(self, template_dirs: Sequence[Path]):
        dirs = [Path(d) for d in template_dirs]
        self.template_dirs = dirs
        self.env = SandboxedEnvironment(
            loader=ChoiceLoader([FileSystemLoader(str(d)) for d in dirs]),
            autoescape=False,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )

    def template(self, kind: str, channel: str) -> Template:
        names = [f"{kind}.{channel}.j2", f"{kind}.j2"]
        try:
            return self.env.select_template(names)
        except TemplateNotFound:
            raise TemplateError(
                f"no caption template for {kind!r} on {channel!r} "
                f"(looked for {', '.join(names)} in {', '.join(map(str, self.template_dirs))})"
            ) from None
        except jinja2.TemplateError as exc:
            raise TemplateError(_describe(exc, names[0])) from None

    def render(self, kind: str, channel: str, data: Mapping[str, Any],
               drop: Iterable[str] = ()) -> tuple[str, tuple[str, ...]]:
        """Render *kind* for *channel*; returns the tidy text and the template's drop order."""
        template = self.template(kind, channel)
        dropped = frozenset(drop)
        context = dict(data, channel=channel, kind=kind, keep=lambda name: name not in dropped)
        try:
            module = template.make_module(context)
            text = str(module)
        except jinja2.TemplateError as exc:
            raise TemplateError(_describe(exc, template.name or kind)) from None
        order = getattr(module, "drop_order", None)
        if not isinstance(order, list | tuple) or not all(isinstance(x, str) for x in order):
            order = DEFAULT_DROP_ORDER
        return tidy(text), tuple(order)


def _describe(exc: Exception, name: str) -> str:
    where = getattr(exc, "filename", None) or name
    line = getattr(exc, "lineno", None)
    return f"caption template {where}{f' line {line}' if line else ''}: {exc}"


def tidy(text: str) -> str:
    """NFC, no trailing spaces, at most one blank line in a row, no leading/trailing blank lines."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def template_dirs(cfg: Any) -> list[Path]:
    """The office's caption folder (when it exists), then the built-in templates."""
    dirs: list[Path] = []
    office_dir = cfg.resolve(cfg.captions.templates_dir)
    builtin = builtin_caption_templates_dir()
    if office_dir.is_dir() and office_dir.resolve() != builtin.resolve():
        dirs.append(office_dir)
    dirs.append(builtin)
    return dirs


@functools.lru_cache(maxsize=16)
def _writer(dirs: tuple[Path, ...]) -> CaptionWriter:
    return CaptionWriter(dirs)


def writer_for(cfg: Any) -> CaptionWriter:
    return _writer(tuple(template_dirs(cfg)))


def default_writer() -> CaptionWriter:
    return _writer((builtin_caption_templates_dir(),))


# --- making captions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Caption:
    """One channel's caption and how it was fitted to the channel's limit."""

    channel: str
    text: str
    length: int
    limit: int
    dropped: tuple[str, ...] = ()
    shortened: bool = False
    fits: bool = True
    hashtag_count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _fit(channel: str, render: Callable[[frozenset[str], int], tuple[str, tuple[str, ...]]],
         shrink_steps: int) -> Caption:
    """Drop optional parts in the template's order, then shrink step by step, until it fits.

    ``render(dropped, step)`` renders with the given parts dropped and the shrink step applied
    (0 = full; higher = shorter title / fewer lots); length must not grow with the step.
    """
    dropped: list[str] = []
    text, order = render(frozenset(), 0)
    for name in order:
        if fits(channel, text):
            break
        dropped.append(name)
        text, _ = render(frozenset(dropped), 0)
    step = 0
    if not fits(channel, text) and shrink_steps:
        # Binary search for the smallest step that fits (steps only ever shorten the text).
        lo, hi = 1, shrink_steps
        best: tuple[int, str] | None = None
        while lo <= hi:
            mid = (lo + hi) // 2
            candidate, _ = render(frozenset(dropped), mid)
            if fits(channel, candidate):
                best = (mid, candidate)
                hi = mid - 1
            else:
                lo = mid + 1
        if best is None:
            step = shrink_steps
            text, _ = render(frozenset(dropped), step)
        else:
            step, text = best
    ok = fits(channel, text)
    if not ok:
        logger.warning("caption for %s is over its limit even at its shortest (%d)", channel,
                       measure(channel, text))
    return Caption(channel=channel, text=text, length=measure(channel, text),
                   limit=LIMITS[channel].max, dropped=tuple(dropped), shortened=step > 0,
                   fits=ok, hashtag_count=len(hashtags(text)))


def title_variants(title: str, fallback: str) -> list[str]:
    """The title, then shorter and shorter at word boundaries (``…`` marks the cut), then
    *fallback* (e.g. the category) for a title whose first word alone is too long."""
    words = title.split()
    variants = [" ".join(words)]
    for k in range(len(words) - 1, 0, -1):
        head = " ".join(words[:k]).rstrip(" ,.;:-–—/")
        if head:
            variants.append(head + "…")
    variants.append(fallback)
    return variants


def lot_captions(
    lot: Lot,
    *,
    office: Any = None,
    brand: Any,
    channels: Sequence[str],
    kind: str = "lot",
    writer: CaptionWriter | None = None,
    tz: str | None = None,
    site_base: str = "https://lelang.go.id",
) -> dict[str, Caption]:
    """Captions of a ``lot`` or ``reminder`` post for each channel, each within its limit."""
    if kind not in ("lot", "reminder"):
        raise ValueError(f"lot_captions makes 'lot' and 'reminder' captions, not {kind!r}")
    writer = writer or default_writer()
    tz = tz or office_tz(office)
    base = {
        "lot": lot_data(lot, tz),
        "brand": brand_data(brand),
        "office": office_data(office, [lot], tz),
        "site": site_base.rstrip("/"),
        "site_host": urlsplit(site_base).netloc or "lelang.go.id",
    }
    variants = title_variants(lot.title, lot.category or "Objek lelang")
    out: dict[str, Caption] = {}
    for channel in channels:
        def render(drop: frozenset[str], step: int, channel: str = channel):
            return writer.render(kind, channel, dict(base, title=variants[step]), drop)

        out[channel] = _fit(channel, render, len(variants) - 1)
    return out


def digest_captions(
    lots: Sequence[Lot],
    *,
    office: Any = None,
    brand: Any,
    channels: Sequence[str],
    week: str,
    writer: CaptionWriter | None = None,
    tz: str | None = None,
    site_base: str = "https://lelang.go.id",
) -> dict[str, Caption]:
    """Captions of a weekly digest (lots ordered by deposit deadline); shows fewer lots, with
    "and N more", when a channel's limit needs it."""
    if not lots:
        raise ValueError("a digest needs at least one lot")
    writer = writer or default_writer()
    tz = tz or office_tz(office)
    ordered = sorted(lots, key=lambda lt: (lt.deposit_deadline or lt.ends_at, lt.id))
    entries = []
    for lot in ordered:
        data = lot_data(lot, tz)
        data["title"] = (title_variants(lot.title, data["category"] or "Objek lelang")[0]
                         if len(lot.title) <= 90 else _short_title(lot.title, 90, data))
        entries.append(data)
    first = ordered[0].deposit_deadline or ordered[0].ends_at
    base = {
        "brand": brand_data(brand),
        "office": office_data(office, ordered, tz),
        "site": site_base.rstrip("/"),
        "site_host": urlsplit(site_base).netloc or "lelang.go.id",
        "week": week,
        "week_label": week_label(week),
        "count": len(ordered),
        "first_deadline": formats.datetime_long(first, tz),
    }
    out: dict[str, Caption] = {}
    for channel in channels:
        def render(drop: frozenset[str], step: int, channel: str = channel):
            shown = entries[: max(1, len(entries) - step)]
            return writer.render("digest", channel,
                                 dict(base, lots=shown, more=len(entries) - len(shown)), drop)

        out[channel] = _fit(channel, render, len(entries) - 1)
    return out


def _short_title(title: str, width: int, data: Mapping[str, Any]) -> str:
    for variant in title_variants(title, data["category"] or "Objek lelang"):
        if len(variant) <= width:
            return variant
    return data["category"] or "Objek lelang"


def captions_for_lot(cfg: Any, lot: Lot, *, kind: str = "lot") -> dict[str, Caption]:
    """:func:`lot_captions` with the office, brand, channels and templates from the config."""
    office = cfg.office(lot.office_id)
    return lot_captions(lot, office=office, brand=cfg.brand, channels=cfg.captions.channels,
                        kind=kind, writer=writer_for(cfg),
                        tz=office_tz(office, cfg.default_timezone),
                        site_base=cfg.source.site_base)


def captions_for_digest(cfg: Any, office_id: str, lots: Sequence[Lot], *,
                        week: str) -> dict[str, Caption]:
    """:func:`digest_captions` with the office, brand, channels and templates from the config."""
    office = cfg.office(office_id)
    return digest_captions(lots, office=office, brand=cfg.brand, channels=cfg.captions.channels,
                           week=week, writer=writer_for(cfg),
                           tz=office_tz(office, cfg.default_timezone),
                           site_base=cfg.source.site_base)


# --- lint ----------------------------------------------------------------------------------------

_URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
_MONEY = re.compile(
    r"[Rr][Pp]\.?\s?(?P<num>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<dec>\d+))?"
    r"(?:\s?(?P<unit>ribu|rb|juta|jt|miliar|milyar|triliun|M|T)\b)?"
)
_UNIT = {"ribu": 10**3, "rb": 10**3, "juta": 10**6, "jt": 10**6, "miliar": 10**9,
         "milyar": 10**9, "M": 10**9, "triliun": 10**12, "T": 10**12}
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ATAS_NAMA = re.compile(r"(?<![\w.])(?:a\.\s?n\.?|atas\s+nama)\s+(?P<name>[^\s,.;:!?()]+)",
                        re.IGNORECASE)
# Words after "atas nama" that are not a person's name (the how-to and anti-fraud lines use them).
_NOT_A_NAME = {"anda", "sendiri", "peserta", "pemenang", "pembeli", "penjual", "pemohon",
               "kuasa", "badan", "perusahaan", "instansi", "pemilik", "yang", "lembaga", "kamu",
               "saudara", "negara", "kpknl", "djkn", "diri"}

_FRAUD_MARKERS = (
    (re.compile(r"\b(?:ter|se|ber)?murah\w*", re.IGNORECASE), "kata \u201cmurah\u201d"),
    (re.compile(r"\b(?:di\s*bawah|jauh\s+di\s*bawah)\s+harga\s+(?:pasar|normal|wajar)\b",
                re.IGNORECASE), "\u201cdi bawah harga pasar\u201d"),
    (re.compile(r"\bharga\s+miring\b", re.IGNORECASE), "\u201charga miring\u201d"),
    (re.compile(r"\b(?:pasti|dijamin|jaminan|garansi|auto|tentu)\s+menang\b|"
                r"\bmenang\s+(?:pasti|dijamin)\b", re.IGNORECASE), "janji kemenangan"),
    (re.compile(r"\b(?:men|di)?cicil\w*|\bangsur\w*|\bkredit\b|\buang\s+muka\b|\bDP\b",
                re.IGNORECASE), "cicilan atau uang muka"),
)
_ANTIFRAUD_VA = re.compile(r"virtual\s+account|\bVA\b", re.IGNORECASE)
_ANTIFRAUD_PERSONAL = re.compile(r"rekening\s+pribadi", re.IGNORECASE)


def _month_numbers() -> dict[str, int]:
    names: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            months = get_month_names(width, context=context, locale=formats.LOCALE)
            for number, name in months.items():
                names[name.lower().rstrip(".")] = number
    names.update({"agt": 8, "ags": 8, "sept": 9, "nop": 11, "pebruari": 2, "nopember": 11})
    return names


_MONTHS = _month_numbers()
_DATETIME = re.compile(
    r"(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\.?\s+(?P<year>\d{4})"
    r"(?P<sep>(?:\s|,|pukul|pkl\.?|jam)*)"
    r"(?P<hour>[01]?\d|2[0-3])[.:](?P<minute>[0-5]\d)(?!\d)"
    r"(?:\s*(?P<zone>WITA|WIB|WIT)\b)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Mention:
    when: datetime | None      # aware when a zone label followed, else naive (no zone)
    text: str


def _datetimes(text: str) -> list[_Mention]:
    out = []
    for m in _DATETIME.finditer(text):
        month = _MONTHS.get(m["month"].lower())
        if not month:
            continue
        try:
            naive = datetime(int(m["year"]), month, int(m["day"]), int(m["hour"]),
                             int(m["minute"]))
        except ValueError:
            continue
        if m["zone"]:
            zone = timezone(timedelta(hours=_WIB_OFFSETS[m["zone"].upper()]))
            out.append(_Mention(naive.replace(tzinfo=zone), m.group(0)))
        else:
            out.append(_Mention(naive, m.group(0)))
    return out


def _figures(text: str) -> list[tuple[int | None, str]]:
    """Every ``Rp…`` figure in *text* with its value in rupiah (None when not a whole rupiah)."""
    out: list[tuple[int | None, str]] = []
    for m in _MONEY.finditer(text):
        unit = m["unit"] or ""
        try:
            if unit:
                whole = m["num"].replace(".", "")
                value = Decimal(f"{whole}.{m['dec'] or 0}") * _UNIT[unit]
            else:
                value = Decimal(formats.parse_rupiah(m["num"]))
                if m["dec"] and int(m["dec"]):
                    value += Decimal(f"0.{m['dec']}")
        except (InvalidOperation, ValueError, KeyError):
            out.append((None, m.group(0)))
            continue
        out.append((int(value) if value == value.to_integral_value() else None,
                    m.group(0).strip()))
    return out


def _minute(when: datetime) -> datetime:
    return when.replace(second=0, microsecond=0)


def _norm_url(url: str) -> str:
    return url.rstrip(".,;:!?").rstrip("/")


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _allowed_numbers(brand: Any) -> set[str]:
    """National numbers of the office's own configured phones (contact, phone, helpline)."""
    allowed: set[str] = set()
    for source in (brand.contact, brand.phone, brand.helpline, brand.website):
        if not source:
            continue
        for match in phonenumbers.PhoneNumberMatcher(source, "ID"):
            allowed.add(str(match.number.national_number))
        digits = _digits(source)
        if digits:
            allowed.add(digits.lstrip("0").removeprefix("62") if len(digits) > 8 else digits)
    return allowed


def _rp(value: int) -> str:
    return formats.rupiah(value)


def finding(channel: str, level: str, code: str, message: str) -> dict[str, str]:
    return {"channel": channel, "level": level, "code": code, "message": message}


def lint(
    text: str,
    *,
    channel: str,
    lots: Sequence[Lot],
    kind: str = "lot",
    tz: str = "Asia/Jakarta",
    brand: Any = None,
    site_base: str = "https://lelang.go.id",
) -> list[dict[str, str]]:
    """Findings for one caption, checked against the stored lot(s).

    ``block``: limit, deposit, deposit deadline (with its zone label) or the lot's lelang.go.id
    link missing, or a ``Rp`` figure or lot link that differs from the stored lot.
    ``warn``: personal data, fraud-marker wording, no anti-fraud line, over the channel limit,
    a date and time that matches none of the lot's times.
    """
    out: list[dict[str, str]] = []

    def add(level: str, code: str, message: str) -> None:
        item = finding(channel, level, code, message)
        if item not in out:
            out.append(item)

    if not text.strip():
        add(BLOCK, "empty", "Keterangan kosong.")
        return out

    # Links: every lelang.go.id link must be a stored lot's page (or the site itself).
    urls = [_norm_url(u) for u in _URL.findall(text)]
    lot_urls = {_norm_url(lot.url): lot for lot in lots}
    hosts = {urlsplit(lot.url).netloc.lower() for lot in lots} | {"lelang.go.id",
                                                                 "www.lelang.go.id"}
    site = _norm_url(site_base)
    hosts.add(urlsplit(site).netloc.lower())
    present_lots = [lot_urls[u] for u in urls if u in lot_urls]
    for url in urls:
        host = urlsplit(url).netloc.lower()
        if url in lot_urls or host not in hosts:
            continue
        if url == site or (kind == "digest" and "/detail-auction/" not in url):
            continue
        add(BLOCK, "link_wrong",
            f"Tautan {url} tidak sama dengan tautan lot yang tersimpan di lelang.go.id.")
    if kind == "digest":
        if not present_lots and not any(urlsplit(u).netloc.lower() in hosts for u in urls):
            add(BLOCK, "link_missing", "Tidak ada tautan lelang.go.id.")
        required_lots = present_lots
    else:
        required_lots = list(lots)
        for lot in lots:
            if _norm_url(lot.url) not in urls:
                add(BLOCK, "link_missing",
                    f"Tautan lot di lelang.go.id ({lot.url}) tidak ada di keterangan.")

    # Figures: every Rp figure must be a limit, deposit or bid increment of the lot(s).
    figures = _figures(text)
    values = {v for v, _ in figures if v is not None}
    allowed = set()
    for lot in lots:
        allowed |= {lot.limit_value, lot.deposit}
        if lot.bid_increment:
            allowed.add(lot.bid_increment)
    for value, raw in figures:
        if value is None or value not in allowed:
            add(BLOCK, "figure_wrong",
                f"Angka {raw} tidak sama dengan nilai limit, uang jaminan, atau kelipatan "
                "penawaran lot yang tersimpan.")
    for lot in required_lots:
        if lot.limit_value not in values:
            add(BLOCK, "limit_missing",
                f"Nilai limit {_rp(lot.limit_value)} tidak ada di keterangan.")
        if lot.deposit not in values:
            add(BLOCK, "deposit_missing",
                f"Uang jaminan {_rp(lot.deposit)} tidak ada di keterangan.")

    # Deadline (deposit deadline; the auction end when the lot has none), with its zone label.
    mentions = _datetimes(text)
    known: list[datetime] = []
    for lot in lots:
        known += [_minute(t) for t in (lot.deposit_deadline, lot.ends_at, lot.starts_at) if t]
    for lot in required_lots:
        # Captions show hours and minutes: compare at that precision.
        due = _minute(lot.deposit_deadline or lot.ends_at)
        what = "Batas setor jaminan" if lot.deposit_deadline else "Waktu penutupan lelang"
        shown = formats.datetime_long(due, tz)
        if any(m.when.tzinfo and m.when == due for m in mentions):
            continue
        local_naive = {formats.local(due, z).replace(tzinfo=None)
                       for z in (tz, "Asia/Jakarta")}
        if any(m.when.tzinfo is None and m.when in local_naive for m in mentions):
            add(BLOCK, "zone_missing",
                f"{what} tertulis tanpa zona waktu (WIB/WITA/WIT); seharusnya {shown}.")
        else:
            add(BLOCK, "deadline_missing", f"{what} ({shown}) tidak ada di keterangan.")
    for m in mentions:
        if m.when.tzinfo and not any(m.when == k for k in known):
            add(WARN, "datetime_unknown",
                f"Waktu \u201c{m.text.strip()}\u201d tidak cocok dengan jadwal lot; periksa.")

    _lint_personal(text, brand, add)
    for pattern, label in _FRAUD_MARKERS:
        hit = pattern.search(text)
        if hit:
            add(WARN, "fraud_wording",
                f"Hindari {label} (\u201c{hit.group(0)}\u201d): DJKN menyebutnya sebagai ciri "
                "penipuan lelang.")
    if not (_ANTIFRAUD_VA.search(text) and _ANTIFRAUD_PERSONAL.search(text)):
        add(WARN, "antifraud_missing",
            "Kalimat waspada penipuan tidak ada (setor jaminan hanya ke Virtual Account atas "
            "nama peserta; KPKNL tidak pernah meminta transfer ke rekening pribadi).")

    limit = LIMITS.get(channel)
    if limit:
        length = measure(channel, text)
        if length > limit.max:
            add(WARN, "over_limit",
                f"Keterangan {limit.label} {_num(length)} karakter, melebihi batas "
                f"{_num(limit.max)}.")
        tags = len(hashtags(text))
        if limit.hashtags is not None and tags > limit.hashtags:
            add(WARN, "too_many_hashtags",
                f"{tags} tagar, melebihi batas {limit.label} {limit.hashtags} tagar.")
    return out


def _lint_personal(text: str, brand: Any,
                   add: Callable[[str, str, str], None]) -> None:
    plain = _URL.sub(" ", text)
    for m in _NIK.finditer(plain):
        add(WARN, "personal_nik",
            f"Ada 16 angka berturut-turut ({m.group(0)[:4]}…), mungkin NIK: hapus data pribadi.")
    allowed = _allowed_numbers(brand) if brand is not None else set()
    for match in phonenumbers.PhoneNumberMatcher(plain, "ID"):
        if str(match.number.national_number) in allowed:
            continue
        add(WARN, "personal_phone",
            f"Nomor telepon {match.raw_string} bukan kontak kantor yang dikonfigurasi: "
            "hapus nomor pribadi.")
    own_emails = set()
    if brand is not None:
        for source in (brand.contact, brand.website, brand.phone):
            own_emails |= {e.lower() for e in _EMAIL.findall(source or "")}
    for m in _EMAIL.finditer(plain):
        if m.group(0).lower() not in own_emails:
            add(WARN, "personal_email", f"Alamat surel {m.group(0)}: hapus data pribadi.")
    for m in _ATAS_NAMA.finditer(plain):
        if m["name"].lower() not in _NOT_A_NAME:
            add(WARN, "personal_name",
                f"\u201c{m.group(0)}\u201d menyebut nama orang: hapus nama debitur/pemilik.")


def _num(value: int) -> str:
    return format_decimal(value, locale=formats.LOCALE)


def lint_all(
    captions: Mapping[str, str],
    *,
    lots: Sequence[Lot],
    kind: str = "lot",
    tz: str = "Asia/Jakarta",
    brand: Any = None,
    site_base: str = "https://lelang.go.id",
) -> list[dict[str, str]]:
    """:func:`lint` over every channel's caption."""
    out: list[dict[str, str]] = []
    for channel, text in captions.items():
        out += lint(text, channel=channel, lots=lots, kind=kind, tz=tz, brand=brand,
                    site_base=site_base)
    return out


def lint_for(cfg: Any, captions: Mapping[str, str], *, lots: Sequence[Lot],
             kind: str = "lot", office_id: str | None = None) -> list[dict[str, str]]:
    """:func:`lint_all` with the zone, brand and site from the config."""
    oid = office_id or (lots[0].office_id if lots else None)
    office = cfg.office(oid) if oid else None
    return lint_all(captions, lots=lots, kind=kind, tz=office_tz(office, cfg.default_timezone),
                    brand=cfg.brand, site_base=cfg.source.site_base)


def is_blocking(findings: Iterable[Mapping[str, str]]) -> bool:
    return any(f.get("level") == BLOCK for f in findings)
