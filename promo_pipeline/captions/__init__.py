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
limit, optional parts are dropped in the template's ``drop_order`` (a top-level
``{% set drop_order = [...] %}``, else :data:`DEFAULT_DROP_ORDER`); then a lot's title is
shortened at a word boundary (a digest shows fewer lots instead). Required parts — figures,
deadline, link, anti-fraud line — are never dropped, so the link is never lost and no word is cut.

:func:`lint` checks a caption (generated or edited by a reviewer) against the stored lot(s):
blocking findings for a missing or wrong figure, deadline or lelang.go.id link; warnings for
personal data, fraud-marker wording, a missing anti-fraud line and an exceeded channel limit.
Every search it runs takes time linear in the caption's length (an edit can be megabytes).

The parts, each one job:

- :mod:`.data` — the plain, formatted data templates see (lot, brand, office, week labels);
- :mod:`.writer` — template lookup and the sandboxed Jinja2 writer;
- :mod:`.lengths` — caption length as each platform counts it, and whether it fits;
- :mod:`.weighted` — X's weighted length (twitter-text's count, in linear time);
- :mod:`.fit` — captions per channel, fitted to each channel's limit;
- :mod:`.mentions` — money figures, dates and links written in a caption;
- :mod:`.personal` — personal data in a text (NIK, phone numbers, e-mail, "a.n." names);
- :mod:`.wording` — fraud-marker wording and the anti-fraud line;
- :mod:`.checks` — the lint: facts present and correct, personal data, wording, length.

The names below load their module on first use, so importing this package is cheap (Jinja2,
Babel and twitter-text load when captions are written or linted).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "data": ("bidding_method_label", "brand_data", "datetime_compact", "iso_week", "lot_data",
             "office_data", "office_tz", "week_label", "week_monday"),
    "writer": ("DEFAULT_DROP_ORDER", "CaptionWriter", "default_writer", "template_dirs", "tidy",
               "writer_for"),
    "lengths": ("CHANNELS", "count_hashtags", "count_mentions", "fits",
                "hashtags", "limit", "measure"),
    "fit": ("KINDS", "Caption", "captions_for_digest", "captions_for_lot", "digest_captions",
            "lot_captions", "title_variants"),
    "checks": ("BLOCK", "WARN", "finding", "image_findings", "is_blocking", "lint", "lint_all",
               "lint_for"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "BLOCK",
    "CHANNELS",
    "DEFAULT_DROP_ORDER",
    "KINDS",
    "WARN",
    "Caption",
    "CaptionWriter",
    "bidding_method_label",
    "brand_data",
    "captions_for_digest",
    "captions_for_lot",
    "count_hashtags",
    "count_mentions",
    "datetime_compact",
    "default_writer",
    "digest_captions",
    "finding",
    "fits",
    "hashtags",
    "image_findings",
    "is_blocking",
    "iso_week",
    "limit",
    "lint",
    "lint_all",
    "lint_for",
    "lot_captions",
    "lot_data",
    "measure",
    "office_data",
    "office_tz",
    "template_dirs",
    "tidy",
    "title_variants",
    "week_label",
    "week_monday",
    "writer_for",
]

if TYPE_CHECKING:
    from promo_pipeline.captions.checks import (
        BLOCK,
        WARN,
        finding,
        image_findings,
        is_blocking,
        lint,
        lint_all,
        lint_for,
    )
    from promo_pipeline.captions.data import (
        bidding_method_label,
        brand_data,
        datetime_compact,
        iso_week,
        lot_data,
        office_data,
        office_tz,
        week_label,
        week_monday,
    )
    from promo_pipeline.captions.fit import (
        KINDS,
        Caption,
        captions_for_digest,
        captions_for_lot,
        digest_captions,
        lot_captions,
        title_variants,
    )
    from promo_pipeline.captions.lengths import (
        CHANNELS,
        count_hashtags,
        count_mentions,
        fits,
        hashtags,
        limit,
        measure,
    )
    from promo_pipeline.captions.writer import (
        DEFAULT_DROP_ORDER,
        CaptionWriter,
        default_writer,
        template_dirs,
        tidy,
        writer_for,
    )


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
