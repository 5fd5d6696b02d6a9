"""Optional parts left out of one marked render (promo_pipeline.captions.parts) give the text a
render with those parts dropped gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from queue_fixtures import make_lot
from real_lots import real_lots

from promo_pipeline.captions import data, parts
from promo_pipeline.captions.writer import CaptionWriter, default_writer
from promo_pipeline.config import Brand, Office
from promo_pipeline.lots import Item

BRAND = Brand(name="KPKNL Bima", handle="@kpknlbima", contact="WA 0812-3456-7890",
              phone="0374-5550115", hashtags=["LelangBima", "KPKNLBima"])
OFFICE = Office(id="x", name="KPKNL Bima", timezone="Asia/Makassar")
PARTS = ["items", "hook", "hashtags", "steps", "increment", "method", "location", "howto",
         "asis", "contact", "end", "other"]


def context(lot, channel):
    return {"lot": data.lot_data(lot, "Asia/Makassar"), "brand": data.brand_data(BRAND),
            "office": data.office_data(OFFICE, [lot], "Asia/Makassar"),
            "site": "https://lelang.go.id", "site_host": "lelang.go.id", "title": lot.title,
            "channel": channel, "kind": "lot"}


def through_marks(writer: CaptionWriter, template, ctx, drop: frozenset[str]) -> str | None:
    mark = writer.marked(template)
    if mark is None:
        return None
    cut = drop & mark.removable.keys()
    done = writer.render_template(mark.template, ctx, drop - cut)
    return parts.leave_out(done.raw, cut & done.asked, mark)


LOTS = [*real_lots()[::17], make_lot(), make_lot(deposit_deadline=None, bid_increment=None,
                                              location=None, province=None, items=()),
        make_lot(items=(Item(name="Mobil"), Item(name="Motor", year="2019")))]


@pytest.mark.parametrize("kind", ["lot", "reminder"])
@pytest.mark.parametrize("channel", ["instagram", "x", "threads"])
@given(drop=st.sets(st.sampled_from(PARTS)), which=st.integers(0, len(LOTS) - 1))
@settings(max_examples=40, deadline=None)
def test_built_in_templates(kind: str, channel: str, drop: set[str], which: int) -> None:
    writer = default_writer()
    template = writer.template(kind, channel)
    ctx = dict(context(LOTS[which], channel), kind=kind)
    plain = writer.render_template(template, ctx, drop).raw
    assert through_marks(writer, template, ctx, frozenset(drop)) == plain


TRICKY = {
    # or-form inside a loop (not removable), elif (the first part not removable), a part asked
    # twice, an assignment in a body, keep passed around, keep in an imported macro.
    "a.j2": ('{% for x in [1, 2] %}{% if x == 1 or keep("loop") %}L{{ x }}{% endif %}'
             '{% endfor %}|{% if keep("one") %}1{% elif keep("two") %}2{% endif %}|'
             '{% if keep("twice") %}T{% endif %}{% if keep("twice") %}U{% endif %}|'
             '{% if keep("set") %}{% set y = 1 %}S{% endif %}|'
             '{% if title and keep("ok") %}[{{ title }}]{% endif %}\n'
             '{% if not title or keep("orok") %}O{% endif %}'),
    "b.j2": '{% import "m.j2" as m with context %}{% if keep("mac") %}A{% endif %}{{ m.f() }}',
    "m.j2": '{% macro f() %}{% if keep("mac") %}M{% endif %}{% endmacro %}',
    "c.j2": '{% set k = keep %}{% if keep("x") %}X{% endif %}{{ k("y") }}',
}


def test_only_blocks_of_the_simple_shapes_are_marked(tmp_path: Path) -> None:
    for name, source in TRICKY.items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    writer = CaptionWriter([tmp_path])
    a = writer.marked(writer.env.get_template("a.j2"))
    assert a is not None and sorted(a.removable) == ["ok", "orok", "two"]
    assert writer.marked(writer.env.get_template("b.j2")) is None  # "mac" asked in the macro
    assert writer.marked(writer.env.get_template("c.j2")) is None  # keep passed around
    template = writer.env.get_template("a.j2")
    names = ["loop", "one", "two", "twice", "set", "ok", "orok"]
    for mask in range(1 << len(names)):
        drop = frozenset(n for i, n in enumerate(names) if mask >> i & 1)
        for title in ("", "judul"):
            ctx = {"title": title}
            assert through_marks(writer, template, ctx, drop) == \
                writer.render_template(template, ctx, drop).raw, (drop, title)


def test_data_with_marker_characters_is_not_marked() -> None:
    assert parts.data_is_safe({"a": ["x", ("y", {"z": "ok"})], "n": 3})
    assert not parts.data_is_safe({"a": ["x", ("y", {"z": "o\ue010k"})]})
