"""Template loading: every built-in design validates; broken templates are rejected with the file,
the line and the key; ``when`` conditions parse a small grammar and never evaluate code."""

from __future__ import annotations

from pathlib import Path

import pytest

from promo_pipeline import config as config_mod
from promo_pipeline.errors import TemplateError
from promo_pipeline.render import checks, conditions, designs, layers
from promo_pipeline.render import template as tmpl
from promo_pipeline.render.fields import LOT_FIELDS, field_types

GOOD = """\
name = "t"
width = 1080
height = 1350

[[layers]]
type = "rect"
x = 0
y = 0
w = 1080
h = 100
fill = "primary"

[[layers]]
type = "text"
id = "title"
text = "{title}"
x = 40
y = 120
w = 1000
h = 100
size = 40
min_size = 24
max_lines = 2

[[layers]]
type = "text"
text = "Limit {limit}"
below = "title"
gap = 10
x = 40
w = 1000
h = 50
size = 30
"""


def write(tmp_path: Path, text: str, name: str = "t.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for no, line in enumerate(text.splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return no
    raise AssertionError(needle)


def test_every_builtin_design_loads(tmp_path):
    cfg = config_mod.from_dict({}, base_dir=tmp_path)
    names = designs.available_designs(cfg)
    assert {"feed", "square", "story", "carousel", "digest", "urgent"} <= set(names)
    for name in names:
        t = designs.get_template(cfg, name)
        assert t.width >= 1080 and t.slides


def test_good_template_loads_with_stacking(tmp_path):
    t = tmpl.load(write(tmp_path, GOOD))
    layers = t.layers
    assert [layer.type for layer in layers] == ["rect", "text", "text"]
    assert layers[2].below == "title" and layers[2].fields_used == {"limit"}


@pytest.mark.parametrize("old, new, key, needle", [
    ('type = "rect"', 'type = "circle"', "layers[0].type", 'type = "circle"'),
    ('fill = "primary"', 'fil = "primary"', "layers[0].fil", "fil ="),
    ('text = "{title}"', 'text = "{titel}"', "layers[1].text", "{titel}"),
    ('fill = "primary"', 'fill = "blurple"', "layers[0].fill", 'fill = "blurple"'),
    ('max_lines = 2', 'max_lines = 2\nwhen = "has_foto"', "layers[1].when", "has_foto"),
    ('max_lines = 2', 'max_lines = 2\nweight = "Heavy"', "layers[1].weight", "Heavy"),
    ('below = "title"', 'below = "nothing"', "layers[2].below", 'below = "nothing"'),
    ('size = 30', 'size = 30\nmin_size = 60', "layers[2].min_size", "min_size = 60"),
    ('max_lines = 2', 'max_lines = 2\nbox = { fill = "accent", radious = 4 }',
     "layers[1].box.radious", "radious"),
])
def test_template_errors_name_file_line_and_key(tmp_path, old, new, key, needle):
    text = GOOD.replace(old, new, 1)
    path = write(tmp_path, text)
    with pytest.raises(TemplateError) as err:
        tmpl.load(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line_of(text, needle)}: {key}:"), message


def test_text_box_outside_the_canvas_is_rejected(tmp_path):
    text = GOOD.replace("x = 40\ny = 120\nw = 1000", "x = 40\ny = 120\nw = 1100", 1)
    with pytest.raises(TemplateError, match=r"t\.toml:\d+: layers\[1\]: the text box"):
        tmpl.load(write(tmp_path, text))


def test_invalid_toml_and_unknown_top_level_key(tmp_path):
    with pytest.raises(TemplateError, match="invalid TOML"):
        tmpl.load(write(tmp_path, GOOD + "\n[[layers]\n"))
    text = "colour = 1\n" + GOOD
    with pytest.raises(TemplateError, match=r"t\.toml:1: colour: unknown key"):
        tmpl.load(write(tmp_path, text))


def test_layer_errors_in_carousel_slides_point_at_the_right_slide(tmp_path):
    text = """\
kind = "carousel"
width = 1080
height = 1350

[[slides]]
name = "a"

[[slides.layers]]
type = "rect"
x = 0
y = 0
w = 10
h = 10
fill = "white"

[[slides]]
name = "b"

[[slides.layers]]
type = "rect"
x = 0
y = 0
w = 10
h = 10
fill = "white"

[[slides.layers]]
type = "rect"
x = 0
y = 0
w = 10
h = 10
fil = "white"
"""
    with pytest.raises(TemplateError) as err:
        tmpl.load(write(tmp_path, text))
    assert f":{line_of(text, 'fil =')}: slides[1].layers[1].fil:" in str(err.value)


def test_office_folder_with_a_broken_template_fails_at_load(tmp_path):
    (tmp_path / "templates").mkdir()
    write(tmp_path / "templates", GOOD.replace("fill =", "fll ="), "feed.toml")
    cfg = config_mod.from_dict({}, base_dir=tmp_path)
    with pytest.raises(TemplateError, match=r"feed\.toml:\d+: layers\[0\]\.fll"):
        designs.get_template(cfg, "feed")
    assert designs.get_template(cfg, "story").path.parent != tmp_path / "templates"


def test_design_names_cannot_escape_the_templates_folder(tmp_path):
    cfg = config_mod.from_dict({}, base_dir=tmp_path)
    for bad in ("../config", "a/b", ".hidden", ""):
        with pytest.raises(TemplateError):
            designs.get_template(cfg, bad)


def test_colours_and_placeholders():
    assert checks.parse_color("#FF000080") == checks.Color("#FF0000", 128 / 255)
    assert checks.parse_color("black@40") == checks.Color("black", 0.4)
    assert checks.parse_color("secondary") == checks.Color("secondary", 1.0)
    assert checks.parse_color("#12345") is None and checks.parse_color("red") is None
    assert layers.fill_text("{location} · {office}", {"location": "", "office": "KPKNL Bima"}) == \
        ("KPKNL Bima", False)
    assert layers.fill_text("Lokasi: {location}", {"location": ""}) == ("Lokasi: ", True)
    assert layers.fill_text("{{literal}} {x}", {"x": "<script>"}) == ("{literal} <script>", False)


# --- conditions ----------------------------------------------------------------------------------

TYPES = field_types(LOT_FIELDS)
VALUES = {"has_photo": True, "is_urgent": False, "category": "Mobil", "days_left": 3,
          "limit_value": 98_500_000, "photo_count": 2}


@pytest.mark.parametrize("expr, expected", [
    ("has_photo", True),
    ("not has_photo", False),
    ("is_urgent", False),
    ("category == 'Mobil'", True),
    ('category != "Mobil"', False),
    ("days_left <= 3", True),
    ("days_left < 3", False),
    ("days_left > 2 and has_photo", True),
    ("is_urgent or photo_count >= 2", True),
    ("not (is_urgent or has_photo)", False),
    ("category in ['Mobil', 'Motor']", True),
    ("category not in ['Mobil', 'Motor']", False),
    ("limit_value >= 100000000", False),
    ("has_photo == true", True),
])
def test_conditions_evaluate(expr, expected):
    assert conditions.parse(expr, TYPES).evaluate(VALUES) is expected


@pytest.mark.parametrize("expr, message", [
    ("", "empty"),
    ("has_foto", "unknown field 'has_foto'"),
    ("__import__('os').system('x')", "unexpected character '.'"),
    ("__import__", "unknown field '__import__'"),
    ("category == 3", "cannot compare"),
    ("category < 'M'", "needs numbers"),
    ("days_left in ['a']", "cannot test"),
    ("has_photo and", "unexpected end"),
    ("has_photo has_photo", "unexpected 'has_photo'"),
    ("days_left <= 3;", "unexpected character"),
    ("(has_photo", "unexpected end"),
])
def test_bad_conditions_are_rejected(expr, message):
    with pytest.raises(conditions.ConditionError, match=message):
        conditions.parse(expr, TYPES)


def test_condition_reports_the_fields_it_reads():
    cond = conditions.parse("is_urgent and category in ['Mobil'] or days_left < 2", TYPES)
    assert cond.fields == {"is_urgent", "category", "days_left"}


def test_designer_reference_documents_every_field_layer_type_and_icon():
    from promo_pipeline.render.fields import DIGEST_FIELDS, SLIDE_FIELDS
    from promo_pipeline.resources import builtin_templates_dir

    text = (builtin_templates_dir() / "README.md").read_text(encoding="utf-8")
    for name in [*LOT_FIELDS, *SLIDE_FIELDS, *DIGEST_FIELDS]:
        assert f"`{name}`" in text, name
    for name in [*layers.LAYER_TYPES, *layers.ICONS, *layers.PATTERNS, *checks.COLOR_NAMES]:
        assert f"`{name}`" in text, name
