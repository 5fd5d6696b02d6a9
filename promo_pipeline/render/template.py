"""Loading and validating image templates (TOML). Pure apart from reading the file.

A template is one design: canvas size, background and an ordered list of layers (``rect``,
``image``, ``text``, ``qr``, ``icon``, ``pattern``), each with an optional ``when`` condition.
A carousel has ``[[slides]]`` with their own layers; a digest has a ``[grid]`` and
``[[cell_layers]]`` drawn once per lot. ``templates/README.md`` is the designer's reference.

Everything is checked at load: unknown keys, layer types, fields, colours, weights, conditions,
boxes outside the canvas, a ``below`` that names no earlier layer. A problem raises
:class:`~promo_pipeline.errors.TemplateError` naming the file, the line and the key.
tomllib gives no line numbers, so :func:`locate` finds the line by scanning the file's text.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promo_pipeline.errors import TemplateError
from promo_pipeline.render import conditions, fonts
from promo_pipeline.render.fields import (
    BRAND_FIELDS,
    DIGEST_FIELDS,
    LOT_FIELDS,
    SLIDE_FIELDS,
    field_types,
)

KINDS = ("single", "carousel", "digest")
LAYER_TYPES = ("rect", "image", "text", "qr", "icon", "pattern")
COLOR_NAMES = ("primary", "secondary", "accent", "text", "background", "white", "black")
ICONS = ("calendar", "clock", "pin", "wallet", "gavel", "link", "shield", "building", "info",
         "alert", "tag", "phone", "user")
PATTERNS = ("dots", "diagonal", "grid", "rings")
_COLOR = re.compile(r"^(#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?|[a-z]+)(?:@(\d{1,3}))?$")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
MAX_CANVAS = 4096
_SEPARATORS_DOUBLE = re.compile(r"(?:\s*[·•|]\s*){2,}")
_SEPARATORS_EDGE = re.compile(r"^\s*[·•|]\s*|\s*[·•|]\s*$")

_COMMON = {"type", "id", "x", "y", "w", "h", "when", "below", "gap", "opacity"}
_KEYS = {
    "rect": _COMMON | {"fill", "gradient", "radius", "shadow", "border"},
    "image": _COMMON | {"source", "photo", "fit", "focus", "radius", "shadow", "background"},
    "text": _COMMON | {"text", "weight", "size", "min_size", "max_lines", "align", "valign",
                       "color", "line_spacing", "tabular", "uppercase", "box"},
    "qr": _COMMON | {"data", "color", "background", "border", "radius"},
    "icon": _COMMON | {"name", "color"},
    "pattern": _COMMON | {"style", "color", "spacing", "size"},
}
_TOP_KEYS = {"name", "description", "kind", "width", "height", "background", "layers",
             "slides", "grid", "cell_layers", "format"}
_SLIDE_KEYS = {"name", "repeat", "start", "max", "when", "layers", "background"}
_GRID_KEYS = {"per_page", "columns", "x", "y", "cell_w", "cell_h", "gap_x", "gap_y"}
_GRADIENT_KEYS = {"from", "to", "angle"}
_SHADOW_KEYS = {"color", "blur", "dx", "dy"}
_BORDER_KEYS = {"color", "width"}
_BOX_KEYS = {"fill", "padding", "radius"}


@dataclass(frozen=True)
class Color:
    """A colour reference: a hex value or a brand colour name, with an opacity 0–1."""

    ref: str
    alpha: float = 1.0


@dataclass
class Layer:
    type: str
    index: int
    path: str  # e.g. "layers[3]" — for messages
    x: int
    y: int
    w: int
    h: int
    id: str | None = None
    when: conditions.Condition | None = None
    below: str | None = None
    gap: int = 0
    opacity: float = 1.0
    props: dict[str, Any] = field(default_factory=dict)
    text: str | None = None  # text/qr data template
    fields_used: frozenset[str] = frozenset()
    uid: str = ""  # unique per template file version (cache key)

    @property
    def dynamic_fields(self) -> frozenset[str]:
        """Fields this layer's pixels depend on, besides the brand kit."""
        used = set(self.fields_used)
        if self.when:
            used |= self.when.fields
        return frozenset(used - set(BRAND_FIELDS))


@dataclass
class Slide:
    name: str
    layers: list[Layer]
    repeat: str | None = None  # "photos"
    start: int = 0
    max: int = 1
    when: conditions.Condition | None = None
    background: Color | None = None


@dataclass
class Grid:
    per_page: int
    columns: int
    x: int
    y: int
    cell_w: int
    cell_h: int
    gap_x: int
    gap_y: int

    def cell_origin(self, i: int) -> tuple[int, int]:
        row, col = divmod(i, self.columns)
        return (self.x + col * (self.cell_w + self.gap_x),
                self.y + row * (self.cell_h + self.gap_y))


@dataclass
class Template:
    name: str
    path: Path
    source_hash: str
    kind: str
    width: int
    height: int
    background: Color
    description: str = ""
    slides: list[Slide] = field(default_factory=list)
    grid: Grid | None = None
    cell_layers: list[Layer] = field(default_factory=list)

    @property
    def layers(self) -> list[Layer]:
        return self.slides[0].layers if self.slides else []


# --- locating keys in the file text --------------------------------------------------------------

_AOT = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.\-]+)\s*\]\]")
_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]")


def _sections(text: str) -> list[tuple[int, tuple]]:
    """(line number, table path) for every table header, plus the top-level section."""
    out: list[tuple[int, tuple]] = [(1, ())]
    counters: dict[tuple, int] = {}
    current: dict[str, tuple] = {}
    for no, line in enumerate(text.splitlines(), 1):
        m = _AOT.match(line)
        if m:
            parts = m.group(1).split(".")
            parent = ".".join(parts[:-1])
            prefix: tuple = current.get(parent, tuple(parts[:-1])) if parent else ()
            key = (*prefix, parts[-1])
            counters[key] = counters.get(key, -1) + 1
            path = (*key, counters[key])
            current[m.group(1)] = path
            out.append((no, path))
            continue
        m = _TABLE.match(line)
        if m:
            out.append((no, tuple(m.group(1).split("."))))
    return out


def locate(text: str, path: tuple) -> int | None:
    """Best-effort line number of *path* (e.g. ``("layers", 3, "fill")``) in the TOML text."""
    lines = text.splitlines()
    sections = _sections(text)
    # The deepest table header that is a prefix of the path.
    best_i, best_len = 0, -1
    for i, (_, spath) in enumerate(sections):
        if len(spath) <= len(path) and tuple(path[: len(spath)]) == spath and len(spath) > best_len:
            best_i, best_len = i, len(spath)
    start = sections[best_i][0]
    end = sections[best_i + 1][0] - 1 if best_i + 1 < len(sections) else len(lines)
    rest = [p for p in path[best_len:] if isinstance(p, str)]
    for key in reversed(rest):
        pattern = re.compile(rf"(^|[\s{{,]){re.escape(key)}\s*=")
        for no in range(start, end + 1):
            if no - 1 < len(lines) and pattern.search(lines[no - 1]):
                return no
    return start if best_len > 0 else None


# --- validation helpers ---------------------------------------------------------------------------


class _Ctx:
    def __init__(self, path: Path, text: str):
        self.path = path
        self.text = text

    def fail(self, keypath: tuple, message: str) -> TemplateError:
        line = locate(self.text, keypath)
        where = f"{self.path}:{line}" if line else str(self.path)
        dotted = _dotted(keypath)
        return TemplateError(f"{where}: {dotted}: {message}" if dotted else f"{where}: {message}")


def _dotted(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def _int(ctx: _Ctx, value: Any, kp: tuple, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ctx.fail(kp, f"must be a whole number, got {value!r}")
    if lo is not None and value < lo:
        raise ctx.fail(kp, f"must be at least {lo}, got {value}")
    if hi is not None and value > hi:
        raise ctx.fail(kp, f"must be at most {hi}, got {value}")
    return value


def _num(ctx: _Ctx, value: Any, kp: tuple, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ctx.fail(kp, f"must be a number, got {value!r}")
    if not lo <= value <= hi:
        raise ctx.fail(kp, f"must be between {lo} and {hi}, got {value}")
    return float(value)


def _str(ctx: _Ctx, value: Any, kp: tuple, choices: tuple[str, ...] | None = None) -> str:
    if not isinstance(value, str):
        raise ctx.fail(kp, f"must be a string, got {value!r}")
    if choices is not None and value not in choices:
        raise ctx.fail(kp, f"must be one of {', '.join(choices)}; got {value!r}")
    return value


def _bool(ctx: _Ctx, value: Any, kp: tuple) -> bool:
    if not isinstance(value, bool):
        raise ctx.fail(kp, f"must be true or false, got {value!r}")
    return value


def parse_color(value: str) -> Color | None:
    m = _COLOR.match(value.strip()) if isinstance(value, str) else None
    if not m:
        return None
    ref, pct = m.group(1), m.group(2)
    if not ref.startswith("#") and ref not in COLOR_NAMES:
        return None
    alpha = 1.0
    if ref.startswith("#") and len(ref) == 9:
        alpha = int(ref[7:9], 16) / 255
        ref = ref[:7]
    if pct is not None:
        if int(pct) > 100:
            return None
        alpha *= int(pct) / 100
    return Color(ref=ref.upper() if ref.startswith("#") else ref, alpha=alpha)


def _color(ctx: _Ctx, value: Any, kp: tuple) -> Color:
    c = parse_color(value) if isinstance(value, str) else None
    if c is None:
        raise ctx.fail(kp, f"must be a colour: '#RRGGBB', '#RRGGBBAA' or one of "
                           f"{', '.join(COLOR_NAMES)}, optionally with '@NN' opacity "
                           f"(e.g. 'black@40'); got {value!r}")
    return c


def _table(ctx: _Ctx, value: Any, kp: tuple, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ctx.fail(kp, f"must be a table, got {value!r}")
    for k in value:
        if k not in keys:
            raise ctx.fail((*kp, k), f"unknown key {k!r} (known: {', '.join(sorted(keys))})")
    return value


def placeholders(ctx: _Ctx, text: str, kp: tuple, scope: dict[str, type]) -> frozenset[str]:
    used = set()
    for m in _PLACEHOLDER.finditer(text):
        if m.group(0) in ("{{", "}}"):
            continue
        name = m.group(1).strip()
        if name not in scope:
            raise ctx.fail(kp, f"unknown field {{{name}}} (known: {', '.join(sorted(scope))})")
        used.add(name)
    stray = _PLACEHOLDER.sub("", text)
    if "{" in stray or "}" in stray:
        raise ctx.fail(kp, "unbalanced '{' or '}' (write '{{' or '}}' for a literal brace)")
    return frozenset(used)


def fill_text(template: str, values: dict[str, Any]) -> tuple[str, bool]:
    """Substitute ``{field}`` values; returns (text, all placeholders were empty)."""
    seen, empty = 0, 0

    def sub(m: re.Match) -> str:
        nonlocal seen, empty
        if m.group(0) == "{{":
            return "{"
        if m.group(0) == "}}":
            return "}"
        seen += 1
        value = values.get(m.group(1).strip(), "")
        text = "" if value is None else str(value)
        if not text.strip():
            empty += 1
        return text

    out = _PLACEHOLDER.sub(sub, template)
    if empty:
        # "{location} · {office}" with no location must not start with a stray separator.
        out = _SEPARATORS_EDGE.sub("", _SEPARATORS_DOUBLE.sub(" · ", out))
    return out, seen > 0 and seen == empty


# --- layers --------------------------------------------------------------------------------------


def _layer(ctx: _Ctx, raw: Any, kp: tuple, index: int, scope: dict[str, type],
           width: int, height: int, earlier_ids: set[str]) -> Layer:
    if not isinstance(raw, dict):
        raise ctx.fail(kp, "a layer must be a table")
    ltype = raw.get("type")
    if ltype is None:
        raise ctx.fail(kp, f"missing 'type' (one of {', '.join(LAYER_TYPES)})")
    if ltype not in LAYER_TYPES:
        raise ctx.fail((*kp, "type"),
                       f"unknown layer type {ltype!r} (known: {', '.join(LAYER_TYPES)})")
    allowed = _KEYS[ltype]
    for key in raw:
        if key not in allowed:
            raise ctx.fail((*kp, key), f"unknown key {key!r} for a {ltype} layer "
                                        f"(known: {', '.join(sorted(allowed))})")
    for key in ("x", "w", "h"):
        if key not in raw:
            raise ctx.fail(kp, f"missing '{key}'")
    if "y" not in raw and "below" not in raw:
        raise ctx.fail(kp, "needs 'y' or 'below'")
    x = _int(ctx, raw["x"], (*kp, "x"), -MAX_CANVAS, MAX_CANVAS)
    y = _int(ctx, raw.get("y", 0), (*kp, "y"), -MAX_CANVAS, MAX_CANVAS)
    w = _int(ctx, raw["w"], (*kp, "w"), 1, MAX_CANVAS)
    h = _int(ctx, raw["h"], (*kp, "h"), 1, MAX_CANVAS)
    layer = Layer(type=ltype, index=index, path=_dotted(kp), x=x, y=y, w=w, h=h)
    if "id" in raw:
        layer.id = _str(ctx, raw["id"], (*kp, "id"))
    if "when" in raw:
        try:
            layer.when = conditions.parse(_str(ctx, raw["when"], (*kp, "when")), scope)
        except conditions.ConditionError as exc:
            raise ctx.fail((*kp, "when"), f"bad condition {raw['when']!r}: {exc}") from None
    if "below" in raw:
        below = _str(ctx, raw["below"], (*kp, "below"))
        if below not in earlier_ids:
            raise ctx.fail((*kp, "below"), f"'below' must name the id of an earlier layer, "
                                            f"got {below!r}")
        layer.below = below
    layer.gap = _int(ctx, raw.get("gap", 0), (*kp, "gap"), 0, MAX_CANVAS)
    layer.opacity = _num(ctx, raw.get("opacity", 1.0), (*kp, "opacity"), 0.0, 1.0)
    p = layer.props
    get = raw.get

    if ltype in ("text", "qr") and layer.below is None:
        if x < 0 or y < 0 or x + w > width or y + h > height:
            raise ctx.fail(kp, f"the {ltype} box ({x}, {y}, {w}×{h}) must lie inside the "
                               f"{width}×{height} canvas")
    if ltype in ("text", "qr") and (x < 0 or x + w > width or h > height):
        raise ctx.fail(kp, f"the {ltype} box must lie inside the canvas")

    if ltype == "rect":
        if "fill" in raw and "gradient" in raw:
            raise ctx.fail((*kp, "gradient"), "use either 'fill' or 'gradient', not both")
        if "fill" in raw:
            p["fill"] = _color(ctx, raw["fill"], (*kp, "fill"))
        if "gradient" in raw:
            g = _table(ctx, raw["gradient"], (*kp, "gradient"), _GRADIENT_KEYS)
            for k in ("from", "to"):
                if k not in g:
                    raise ctx.fail((*kp, "gradient"), f"missing '{k}'")
            p["gradient"] = (_color(ctx, g["from"], (*kp, "gradient", "from")),
                             _color(ctx, g["to"], (*kp, "gradient", "to")),
                             _num(ctx, g.get("angle", 90), (*kp, "gradient", "angle"), -360, 360))
        if "fill" not in p and "gradient" not in p and "border" not in raw:
            raise ctx.fail(kp, "a rect needs 'fill', 'gradient' or 'border'")
        p["radius"] = _int(ctx, get("radius", 0), (*kp, "radius"), 0, MAX_CANVAS)
        if "border" in raw:
            b = _table(ctx, raw["border"], (*kp, "border"), _BORDER_KEYS)
            p["border"] = (_color(ctx, b.get("color", "white"), (*kp, "border", "color")),
                           _int(ctx, b.get("width", 2), (*kp, "border", "width"), 1, 200))
    elif ltype == "image":
        p["source"] = _str(ctx, get("source", "photo"), (*kp, "source"),
                           ("photo", "logo", "illustration"))
        photo = get("photo", 0)
        if photo != "slide":
            photo = _int(ctx, photo, (*kp, "photo"), 0, 20)
        p["photo"] = photo
        p["fit"] = _str(ctx, get("fit", "cover" if p["source"] != "logo" else "contain"),
                        (*kp, "fit"), ("cover", "contain"))
        focus = get("focus", [0.5, 0.5])
        if (not isinstance(focus, list) or len(focus) != 2
                or not all(isinstance(v, int | float) and 0 <= v <= 1 for v in focus)):
            raise ctx.fail((*kp, "focus"), f"must be [x, y] with values 0–1, got {focus!r}")
        p["focus"] = (float(focus[0]), float(focus[1]))
        p["radius"] = _int(ctx, get("radius", 0), (*kp, "radius"), 0, MAX_CANVAS)
        if "background" in raw:
            p["background"] = _color(ctx, raw["background"], (*kp, "background"))
    elif ltype == "text":
        if "text" not in raw:
            raise ctx.fail(kp, "a text layer needs 'text' (e.g. text = \"{title}\")")
        layer.text = _str(ctx, raw["text"], (*kp, "text"))
        layer.fields_used = placeholders(ctx, layer.text, (*kp, "text"), scope)
        try:
            p["weight"] = fonts.parse_weight(get("weight", "Regular"))
        except ValueError as exc:
            raise ctx.fail((*kp, "weight"), str(exc)) from None
        p["size"] = _int(ctx, get("size", 32), (*kp, "size"), 6, 400)
        p["min_size"] = _int(ctx, get("min_size", p["size"]), (*kp, "min_size"), 6, p["size"])
        p["max_lines"] = _int(ctx, get("max_lines", 1), (*kp, "max_lines"), 1, 50)
        p["align"] = _str(ctx, get("align", "left"), (*kp, "align"),
                          ("left", "center", "right"))
        p["valign"] = _str(ctx, get("valign", "top"), (*kp, "valign"),
                           ("top", "middle", "bottom"))
        p["color"] = _color(ctx, get("color", "text"), (*kp, "color"))
        p["line_spacing"] = _num(ctx, get("line_spacing", 1.15), (*kp, "line_spacing"),
                                 0.8, 3.0)
        p["tabular"] = _bool(ctx, get("tabular", False), (*kp, "tabular"))
        p["uppercase"] = _bool(ctx, get("uppercase", False), (*kp, "uppercase"))
        pad = (0, 0)
        if "box" in raw:
            b = _table(ctx, raw["box"], (*kp, "box"), _BOX_KEYS)
            padding = b.get("padding", [8, 16])
            if isinstance(padding, int) and not isinstance(padding, bool):
                padding = [padding, padding]
            if (not isinstance(padding, list) or len(padding) != 2
                    or not all(isinstance(v, int) and 0 <= v <= 200 for v in padding)):
                raise ctx.fail((*kp, "box", "padding"),
                               f"must be [vertical, horizontal] pixels, got {padding!r}")
            pad = (padding[0], padding[1])
            p["box"] = (_color(ctx, b.get("fill", "accent"), (*kp, "box", "fill")), pad,
                        _int(ctx, b.get("radius", 0), (*kp, "box", "radius"), 0, MAX_CANVAS))
        ascent, descent = fonts.metrics(p["min_size"], p["weight"])
        if ascent + descent > h - 2 * pad[0]:
            raise ctx.fail((*kp, "min_size"), f"one line at min_size {p['min_size']} needs "
                                               f"{ascent + descent} px but the box is {h} px high")
    elif ltype == "qr":
        layer.text = _str(ctx, get("data", "{url}"), (*kp, "data"))
        layer.fields_used = placeholders(ctx, layer.text, (*kp, "data"), scope)
        p["color"] = _color(ctx, get("color", "black"), (*kp, "color"))
        p["background"] = _color(ctx, get("background", "white"), (*kp, "background"))
        p["border"] = _int(ctx, get("border", 4), (*kp, "border"), 2, 10)
        p["radius"] = _int(ctx, get("radius", 0), (*kp, "radius"), 0, MAX_CANVAS)
        if min(w, h) < 100:
            raise ctx.fail(kp, "a QR code needs a box of at least 100×100 px to scan")
    elif ltype == "icon":
        p["name"] = _str(ctx, get("name", ""), (*kp, "name"), ICONS)
        p["color"] = _color(ctx, get("color", "primary"), (*kp, "color"))
    elif ltype == "pattern":
        p["style"] = _str(ctx, get("style", "dots"), (*kp, "style"), PATTERNS)
        p["color"] = _color(ctx, get("color", "white@12"), (*kp, "color"))
        p["spacing"] = _int(ctx, get("spacing", 36), (*kp, "spacing"), 4, 1000)
        p["size"] = _int(ctx, get("size", 4), (*kp, "size"), 1, 500)
    if ltype in ("rect", "image") and "shadow" in raw:
        s = _table(ctx, raw["shadow"], (*kp, "shadow"), _SHADOW_KEYS)
        p["shadow"] = (_color(ctx, s.get("color", "black@25"), (*kp, "shadow", "color")),
                       _int(ctx, s.get("blur", 16), (*kp, "shadow", "blur"), 0, 200),
                       _int(ctx, s.get("dx", 0), (*kp, "shadow", "dx"), -200, 200),
                       _int(ctx, s.get("dy", 8), (*kp, "shadow", "dy"), -200, 200))
    return layer


def _layers(ctx: _Ctx, raw: Any, kp: tuple, scope: dict[str, type], width: int,
            height: int) -> list[Layer]:
    if not isinstance(raw, list):
        raise ctx.fail(kp, "must be an array of tables ([[layers]])")
    out: list[Layer] = []
    ids: set[str] = set()
    for i, item in enumerate(raw):
        layer = _layer(ctx, item, (*kp, i), i, scope, width, height, ids)
        if layer.id:
            if layer.id in ids:
                raise ctx.fail((*kp, i, "id"), f"id {layer.id!r} is used twice")
            ids.add(layer.id)
        out.append(layer)
    return out


# --- loading -------------------------------------------------------------------------------------


def parse(text: str, path: Path, name: str | None = None) -> Template:
    """Validate the TOML *text* of a template (``path`` is used in messages only)."""
    ctx = _Ctx(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path}: invalid TOML: {exc}") from None
    for key in data:
        if key not in _TOP_KEYS:
            raise ctx.fail((key,), f"unknown key {key!r} (known: {', '.join(sorted(_TOP_KEYS))})")
    kind = _str(ctx, data.get("kind", "single"), ("kind",), KINDS)
    for key in ("width", "height"):
        if key not in data:
            raise ctx.fail((), f"missing '{key}'")
    width = _int(ctx, data["width"], ("width",), 100, MAX_CANVAS)
    height = _int(ctx, data["height"], ("height",), 100, MAX_CANVAS)
    background = _color(ctx, data.get("background", "background"), ("background",))
    tpl = Template(
        name=name or _str(ctx, data.get("name", path.stem), ("name",)),
        path=path,
        source_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        kind=kind, width=width, height=height, background=background,
        description=_str(ctx, data.get("description", ""), ("description",)),
    )
    lot_scope = field_types(LOT_FIELDS)
    if kind == "single":
        for key in ("slides", "grid", "cell_layers"):
            if key in data:
                raise ctx.fail((key,), f"'{key}' belongs to a carousel or digest template "
                                       f"(set kind)")
        if "layers" not in data:
            raise ctx.fail((), "no [[layers]]")
        tpl.slides = [Slide(name="main",
                            layers=_layers(ctx, data["layers"], ("layers",), lot_scope,
                                           width, height))]
    elif kind == "carousel":
        if "layers" in data or "grid" in data:
            raise ctx.fail(("layers",), "a carousel has [[slides]] with [[slides.layers]]")
        raw_slides = data.get("slides")
        if not isinstance(raw_slides, list) or not raw_slides:
            raise ctx.fail((), "a carousel needs [[slides]]")
        for si, raw in enumerate(raw_slides):
            kp = ("slides", si)
            if not isinstance(raw, dict):
                raise ctx.fail(kp, "a slide must be a table")
            for key in raw:
                if key not in _SLIDE_KEYS:
                    raise ctx.fail((*kp, key), f"unknown key {key!r} for a slide "
                                                f"(known: {', '.join(sorted(_SLIDE_KEYS))})")
            repeat = raw.get("repeat")
            if repeat is not None:
                _str(ctx, repeat, (*kp, "repeat"), ("photos",))
            scope = {**lot_scope, **field_types(SLIDE_FIELDS)}
            slide = Slide(
                name=_str(ctx, raw.get("name", f"slide{si + 1}"), (*kp, "name")),
                layers=_layers(ctx, raw.get("layers", []), (*kp, "layers"), scope,
                               width, height),
                repeat=repeat,
                start=_int(ctx, raw.get("start", 0), (*kp, "start"), 0, 20),
                max=_int(ctx, raw.get("max", 1 if repeat is None else 4), (*kp, "max"), 1, 20),
            )
            if "background" in raw:
                slide.background = _color(ctx, raw["background"], (*kp, "background"))
            if "when" in raw:
                try:
                    slide.when = conditions.parse(_str(ctx, raw["when"], (*kp, "when")),
                                                  lot_scope)
                except conditions.ConditionError as exc:
                    raise ctx.fail((*kp, "when"), f"bad condition: {exc}") from None
            for layer in slide.layers:
                if layer.props.get("photo") == "slide" and repeat != "photos":
                    raise ctx.fail((*kp, "layers", layer.index, "photo"),
                                   "photo = \"slide\" needs repeat = \"photos\" on the slide")
            tpl.slides.append(slide)
    else:  # digest
        if "slides" in data:
            raise ctx.fail(("slides",), "a digest has [grid] and [[cell_layers]], not slides")
        g = _table(ctx, data.get("grid"), ("grid",), _GRID_KEYS) if "grid" in data else None
        if g is None:
            raise ctx.fail((), "a digest needs a [grid] table")
        for key in _GRID_KEYS:
            if key not in g:
                raise ctx.fail(("grid",), f"missing '{key}'")
        grid = Grid(**{k: _int(ctx, g[k], ("grid", k), 0, MAX_CANVAS) for k in _GRID_KEYS})
        if grid.per_page < 1 or grid.columns < 1:
            raise ctx.fail(("grid",), "per_page and columns must be at least 1")
        rows = -(-grid.per_page // grid.columns)
        right = grid.x + grid.columns * grid.cell_w + (grid.columns - 1) * grid.gap_x
        bottom = grid.y + rows * grid.cell_h + (rows - 1) * grid.gap_y
        if right > width or bottom > height:
            raise ctx.fail(("grid",), f"the grid ({right}×{bottom}) does not fit the canvas")
        tpl.grid = grid
        tpl.slides = [Slide(name="page",
                            layers=_layers(ctx, data.get("layers", []), ("layers",),
                                           field_types(DIGEST_FIELDS), width, height))]
        tpl.cell_layers = _layers(ctx, data.get("cell_layers", []), ("cell_layers",),
                                  lot_scope, grid.cell_w, grid.cell_h)
    for slide in tpl.slides:
        for layer in slide.layers:
            layer.uid = f"{tpl.source_hash[:16]}:{path}:{layer.path}"
    for layer in tpl.cell_layers:
        layer.uid = f"{tpl.source_hash[:16]}:{path}:{layer.path}"
    return tpl


def load(path: str | Path, name: str | None = None) -> Template:
    """Read and validate one template file; raises TemplateError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{path}: cannot read template: {exc}") from None
    return parse(text, path, name or path.stem)
