"""Captions per channel, each fitted to its channel's limit.

:func:`lot_captions` (a lot or its H-1 reminder) and :func:`digest_captions` (a week's lots)
render each channel's template; when a caption is over its channel's limit, optional parts are
dropped in the template's order, then the lot's title is shortened at a word boundary (a digest
shows fewer lots instead). Required parts — figures, deadline, link, anti-fraud line — are
never dropped. :func:`captions_for_lot` and :func:`captions_for_digest` take the office, brand,
channels and templates from the config.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Template

from promo_pipeline.captions.data import (
    brand_data,
    datetime_long,
    lot_data,
    office_data,
    office_tz,
    week_label,
)
from promo_pipeline.captions.lengths import count_hashtags, fits, limit, measure
from promo_pipeline.captions.parts import Marked, data_is_safe, leave_out
from promo_pipeline.captions.writer import (
    CaptionWriter,
    Rendered,
    default_writer,
    tidy,
    writer_for,
)
from promo_pipeline.lots import Lot

logger = logging.getLogger(__name__)

KINDS = ("lot", "digest", "reminder")


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


#: Stands for the title in a render whose output is then reused for every shorter title.
_TITLE = "\ue000title\ue001"

Render = Callable[[frozenset[str], int], Rendered]


def _fit(channel: str, render: Render, shrink_steps: int,
         shrink: Callable[[frozenset[str]], Callable[[int], str] | None] | None = None,
         ) -> Caption:
    """Drop optional parts in the template's order, then shrink step by step, until it fits.

    ``render(dropped, step)`` renders with the given parts dropped and the shrink step applied
    (0 = full; higher = shorter title / fewer lots); length must not grow with the step.
    ``shrink(dropped)``, when given, may return the text for each step without rendering.

    A part the template did not ask about (``keep("…")``) in a render cannot change it when
    dropped, so that render is not repeated.
    """
    dropped: list[str] = []
    done = render(frozenset(), 0)
    text = tidy(done.raw)
    for name in done.order:
        if fits(channel, text):
            break
        dropped.append(name)
        if name in done.asked:
            done = render(frozenset(dropped), 0)
            text = tidy(done.raw)
    step = 0
    if not fits(channel, text) and shrink_steps:
        at = shrink(frozenset(dropped)) if shrink else None
        if at is None:
            def at(k: int) -> str:
                return tidy(render(frozenset(dropped), k).raw)
        # Binary search for the smallest step that fits (steps only ever shorten the text).
        lo, hi = 1, shrink_steps
        best: tuple[int, str] | None = None
        while lo <= hi:
            mid = (lo + hi) // 2
            candidate = at(mid)
            if fits(channel, candidate):
                best = (mid, candidate)
                hi = mid - 1
            else:
                lo = mid + 1
        if best is None:
            step = shrink_steps
            text = at(step)
        else:
            step, text = best
    ok = fits(channel, text)
    if not ok:
        logger.warning("caption for %s is over its limit even at its shortest (%d)", channel,
                       measure(channel, text))
    return Caption(channel=channel, text=text, length=measure(channel, text),
                   limit=limit(channel).max_length, dropped=tuple(dropped), shortened=step > 0,
                   fits=ok, hashtag_count=count_hashtags(text))


#: An Indonesian number plate (``EA 1234 XY``, ``B 1234 ABC``, ``DR 12``): never cut inside one.
_PLATE = re.compile(r"\b[A-Z]{1,2} ?\d{1,4}(?: ?[A-Z]{1,3})?\b")


def title_variants(title: str, fallback: str) -> list[str]:
    """The title, then shorter and shorter at word boundaries (``…`` marks the cut), then
    *fallback* (e.g. the category) for a title whose first word alone is too long. A cut never
    falls inside a number plate nor leaves a bracket open (``(satu`` would read as broken)."""
    words = title.split()
    joined = " ".join(words)
    plates = [m.span() for m in _PLATE.finditer(joined)]
    variants = [joined]
    end = len(joined)
    for k in range(len(words) - 1, 0, -1):
        end -= len(words[k]) + 1
        if any(a < end < b for a, b in plates):
            continue
        head = joined[:end].rstrip(" ,.;:-–—/")
        if head and _balanced(head):
            variants.append(head + "…")
    variants.append(fallback)
    return variants


def _balanced(text: str) -> bool:
    return all(text.count(o) <= text.count(c) for o, c in ("()", "[]", "{}"))


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
    relisted: bool = False,
) -> dict[str, Caption]:
    """Captions of a ``lot`` or ``reminder`` post for each channel, each within its limit.
    *relisted*: the lot lists again an object that did not sell (the templates say so)."""
    if kind not in ("lot", "reminder"):
        raise ValueError(f"lot_captions makes 'lot' and 'reminder' captions, not {kind!r}")
    writer = writer or default_writer()
    tz = tz or office_tz(office)
    base = {
        "lot": lot_data(lot, tz, brand, relisted=relisted),
        "brand": brand_data(brand),
        "office": office_data(office, [lot], tz),
        "site": site_base.rstrip("/"),
        "site_host": urlsplit(site_base).netloc or "lelang.go.id",
    }
    variants = title_variants(base["lot"]["title"], lot.category or "Objek lelang")
    if base["lot"]["headline"] not in variants:
        # Before the category, the headline (area, place, make, year) for a channel with no
        # room for the title's first words.
        variants.insert(-1, base["lot"]["headline"])
    # Channels with the same template share renders when the template does not read `channel`
    # (Instagram, Facebook and Telegram all use lot.j2).
    renders: dict[tuple[Any, ...], Rendered] = {}
    safe = data_is_safe(base) and data_is_safe(variants)
    out: dict[str, Caption] = {}
    for channel in channels:
        template = writer.template(kind, channel)
        use = writer.names_used(template)
        shared = use.names is not None and "channel" not in use.names
        mark = writer.marked(template) if safe else None
        context = dict(base, channel=channel, kind=kind)

        def render_title(drop: frozenset[str], title: str, template: Template = template,
                         context: dict[str, Any] = context, shared: bool = shared,
                         channel: str = channel, mark: Marked | None = mark) -> Rendered:
            # With marked blocks, one render serves every set of those parts left out.
            cut = drop & mark.removable.keys() if mark else frozenset()
            drop = drop - cut
            key = (id(template), None if shared else channel, drop, title)
            done = renders.get(key)
            if done is None:
                done = renders[key] = writer.render_template(
                    mark.template if mark else template, dict(context, title=title), drop)
            if mark is None:
                return done
            # A block printed although its part was not asked about ("not lot.deadline or
            # keep('end')") stays: leaving the part out changes nothing there.
            return Rendered(leave_out(done.raw, cut & done.asked, mark), done.asked, done.order)

        def render(drop: frozenset[str], step: int, render_title=render_title) -> Rendered:
            return render_title(drop, variants[step])

        def shrink(drop: frozenset[str], render_title=render_title,
                   use=use) -> Callable[[int], str] | None:
            # The title is only printed: one render with a stand-in gives every shorter title.
            if "title" not in use.printed_only or _TITLE in render_title(drop, variants[0]).raw:
                return None
            raw = render_title(drop, _TITLE).raw
            return lambda k: tidy(raw.replace(_TITLE, variants[k]))

        out[channel] = _fit(channel, render, len(variants) - 1, shrink)
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
    ordered = sorted(lots, key=lambda lt: (lt.deadline, lt.id))
    entries = []
    for lot in ordered:
        data = lot_data(lot, tz, brand)
        title = data["title"]
        # A long title is told by its headline (area, place, make and year), not cut short.
        data["title"] = title if len(title) <= 90 else data["headline"]
        entries.append(data)
    first = ordered[0].deadline
    base = {
        "brand": brand_data(brand),
        "office": office_data(office, ordered, tz),
        "site": site_base.rstrip("/"),
        "site_host": urlsplit(site_base).netloc or "lelang.go.id",
        "week": week,
        "week_label": week_label(week),
        "count": len(ordered),
        "first_deadline": datetime_long(first, tz),
    }
    out: dict[str, Caption] = {}
    for channel in channels:
        template = writer.template("digest", channel)

        def render(drop: frozenset[str], step: int, template: Template = template,
                   channel: str = channel) -> Rendered:
            shown = entries[: max(1, len(entries) - step)]
            return writer.render_template(template, dict(
                base, channel=channel, kind="digest", lots=shown,
                more=len(entries) - len(shown)), drop)

        out[channel] = _fit(channel, render, len(entries) - 1)
    return out


def captions_for_lot(cfg: Any, lot: Lot, *, kind: str = "lot",
                     relisted: bool = False) -> dict[str, Caption]:
    """:func:`lot_captions` with the office, brand, channels and templates from the config."""
    office = cfg.office(lot.office_id)
    return lot_captions(lot, office=office, brand=cfg.brand_for(lot.office_id),
                        channels=cfg.captions.channels,
                        kind=kind, writer=writer_for(cfg),
                        tz=office_tz(office, cfg.default_timezone),
                        site_base=cfg.source.site_base, relisted=relisted)


def captions_for_digest(cfg: Any, office_id: str, lots: Sequence[Lot], *,
                        week: str) -> dict[str, Caption]:
    """:func:`digest_captions` with the office, brand, channels and templates from the config."""
    office = cfg.office(office_id)
    return digest_captions(lots, office=office, brand=cfg.brand_for(office_id),
                           channels=cfg.captions.channels,
                           week=week, writer=writer_for(cfg),
                           tz=office_tz(office, cfg.default_timezone),
                           site_base=cfg.source.site_base)


