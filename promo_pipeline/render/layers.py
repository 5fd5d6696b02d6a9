"""Layers: the building blocks every design is made of, and how one is checked when it loads.

A layer is a ``rect``, ``image``, ``text``, ``qr``, ``icon`` or ``pattern`` with a box, an optional
``when`` condition and stacking (``below``). In a video scene a layer may also carry ``enter`` and
``exit`` animations and, on an image, a ``motion`` (see :mod:`.timeline`). Text and QR layers of
a design with a safe zone (9:16) must lie inside it. Pure apart from font metrics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from promo_pipeline.render import checks, conditions, fonts, timeline
from promo_pipeline.render.fields import BRAND_FIELDS

LAYER_TYPES = ("rect", "image", "text", "qr", "icon", "pattern")
ICONS = ("calendar", "clock", "pin", "wallet", "gavel", "link", "shield", "building", "info",
         "alert", "tag", "phone", "user")
PATTERNS = ("dots", "diagonal", "grid", "rings")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_SEPARATORS_DOUBLE = re.compile(r"(?:\s*[·•|]\s*){2,}")
_SEPARATORS_EDGE = re.compile(r"^\s*[·•|]\s*|\s*[·•|]\s*$")
#: Width of a space in em when a template does not say (the brand font's own is 0.17 em, which
#: makes "pukul 11.00" read as one word at a glance).
WORD_SPACING = 0.25

_COMMON = {"type", "id", "x", "y", "w", "h", "when", "below", "gap", "opacity"}
_ANIMATED = {"enter", "exit"}
_KEYS = {
    "rect": _COMMON | {"fill", "gradient", "radius", "shadow", "border"},
    "image": _COMMON | {"source", "photo", "fit", "focus", "radius", "shadow", "background"},
    "text": _COMMON | {"text", "weight", "size", "min_size", "max_lines", "align", "valign",
                       "color", "line_spacing", "tabular", "uppercase", "box", "word_spacing"},
    "qr": _COMMON | {"data", "color", "background", "border", "radius"},
    "icon": _COMMON | {"name", "color"},
    "pattern": _COMMON | {"style", "color", "spacing", "size"},
}
_GRADIENT_KEYS = {"from", "to", "angle"}
_SHADOW_KEYS = {"color", "blur", "dx", "dy"}
_BORDER_KEYS = {"color", "width"}
_BOX_KEYS = {"fill", "padding", "radius"}


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
    enter: timeline.Anim | None = None  # video scenes only
    exit: timeline.Anim | None = None
    motion: timeline.Motion | None = None

    @property
    def dynamic_fields(self) -> frozenset[str]:
        """Fields this layer's pixels depend on, besides the brand kit."""
        used = set(self.fields_used)
        if self.when:
            used |= self.when.fields
        return frozenset(used - set(BRAND_FIELDS))

    @property
    def animated(self) -> bool:
        return self.enter is not None or self.exit is not None or self.motion is not None


def layers_digest(layers: Iterable[Layer], values: Mapping[str, Any], slide_photo: int | None,
                  photo_hashes: Sequence[str | None]) -> dict[str, Any]:
    """What *layers* show for *values*, for a file's name: the fields the drawn ones read, each
    ``when``'s outcome and the content hash of each photo drawn (``photo = "slide"``: the
    *slide_photo*-th; None where no photo is the slide's, as in a clip)."""
    used: dict[str, Any] = {}
    outcomes: list[bool] = []
    photos: dict[str, str | None] = {}
    for layer in layers:
        ok = layer.when.evaluate(values) if layer.when else True
        outcomes.append(ok)
        if not ok:
            continue
        for name in layer.fields_used:
            used[name] = values.get(name)
        if layer.type == "image" and layer.props["source"] in ("photo", "illustration"):
            used["category_key"] = values.get("category_key")
            if layer.props["source"] == "photo":
                idx = slide_photo if layer.props["photo"] == "slide" else layer.props["photo"]
                if idx is not None:
                    photos[str(idx)] = photo_hashes[idx] if idx < len(photo_hashes) else None
    return {"fields": used, "when": outcomes, "photos": photos}


def placeholders(ctx: checks.Ctx, text: str, kp: tuple, scope: dict[str, type]) -> frozenset[str]:
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


def parse_layer(ctx: checks.Ctx, raw: Any, kp: tuple, index: int, scope: dict[str, type],
                width: int, height: int, earlier_ids: set[str], *, animated: bool = False,
                safe: tuple[int, int] | None = None, word_spacing: float = WORD_SPACING
                ) -> Layer:
    """Check one layer table. *animated*: a video scene layer (``enter``/``exit``/``motion``
    allowed); *safe*: the band (top, bottom px) that text and QR codes must stay in."""
    if not isinstance(raw, dict):
        raise ctx.fail(kp, "a layer must be a table")
    ltype = raw.get("type")
    if ltype is None:
        raise ctx.fail(kp, f"missing 'type' (one of {', '.join(LAYER_TYPES)})")
    if ltype not in LAYER_TYPES:
        raise ctx.fail((*kp, "type"),
                       f"unknown layer type {ltype!r} (known: {', '.join(LAYER_TYPES)})")
    allowed = _KEYS[ltype] | (_ANIMATED if animated else set())
    if animated and ltype == "image":
        allowed = allowed | {"motion"}
    for key in raw:
        if key not in allowed:
            raise ctx.fail((*kp, key), f"unknown key {key!r} for a {ltype} layer "
                                        f"(known: {', '.join(sorted(allowed))})")
    for key in ("x", "w", "h"):
        if key not in raw:
            raise ctx.fail(kp, f"missing '{key}'")
    if "y" not in raw and "below" not in raw:
        raise ctx.fail(kp, "needs 'y' or 'below'")
    x = checks.int_(ctx, raw["x"], (*kp, "x"), -checks.MAX_CANVAS, checks.MAX_CANVAS)
    y = checks.int_(ctx, raw.get("y", 0), (*kp, "y"), -checks.MAX_CANVAS, checks.MAX_CANVAS)
    w = checks.int_(ctx, raw["w"], (*kp, "w"), 1, checks.MAX_CANVAS)
    h = checks.int_(ctx, raw["h"], (*kp, "h"), 1, checks.MAX_CANVAS)
    layer = Layer(type=ltype, index=index, path=checks.dotted(kp), x=x, y=y, w=w, h=h)
    if "id" in raw:
        layer.id = checks.str_(ctx, raw["id"], (*kp, "id"))
    if "when" in raw:
        try:
            layer.when = conditions.parse(checks.str_(ctx, raw["when"], (*kp, "when")), scope)
        except conditions.ConditionError as exc:
            raise ctx.fail((*kp, "when"), f"bad condition {raw['when']!r}: {exc}") from None
    if "below" in raw:
        below = checks.str_(ctx, raw["below"], (*kp, "below"))
        if below not in earlier_ids:
            raise ctx.fail((*kp, "below"), f"'below' must name the id of an earlier layer, "
                                            f"got {below!r}")
        layer.below = below
    layer.gap = checks.int_(ctx, raw.get("gap", 0), (*kp, "gap"), 0, checks.MAX_CANVAS)
    layer.opacity = checks.num(ctx, raw.get("opacity", 1.0), (*kp, "opacity"), 0.0, 1.0)
    p = layer.props
    get = raw.get

    if ltype in ("text", "qr") and layer.below is None:
        if x < 0 or y < 0 or x + w > width or y + h > height:
            raise ctx.fail(kp, f"the {ltype} box ({x}, {y}, {w}×{h}) must lie inside the "
                               f"{width}×{height} canvas")
    if ltype in ("text", "qr") and (x < 0 or x + w > width or h > height):
        raise ctx.fail(kp, f"the {ltype} box must lie inside the canvas")
    if ltype in ("text", "qr") and safe is not None and layer.below is None:
        if y < safe[0] or y + h > safe[1]:
            raise ctx.fail(kp, f"the {ltype} box (y {y}–{y + h}) must lie inside the safe zone "
                               f"(y {safe[0]}–{safe[1]}): the apps draw their own buttons over "
                               f"the top and bottom of a 9:16 frame")
    for name in ("enter", "exit"):
        if name in raw:
            setattr(layer, name, timeline.parse_anim(ctx, raw[name], (*kp, name),
                                                     exit=name == "exit"))
    if "motion" in raw:
        layer.motion = timeline.parse_motion(ctx, raw["motion"], (*kp, "motion"))

    if ltype == "rect":
        if "fill" in raw and "gradient" in raw:
            raise ctx.fail((*kp, "gradient"), "use either 'fill' or 'gradient', not both")
        if "fill" in raw:
            p["fill"] = checks.color(ctx, raw["fill"], (*kp, "fill"))
        if "gradient" in raw:
            g = checks.table(ctx, raw["gradient"], (*kp, "gradient"), _GRADIENT_KEYS)
            for k in ("from", "to"):
                if k not in g:
                    raise ctx.fail((*kp, "gradient"), f"missing '{k}'")
            p["gradient"] = (checks.color(ctx, g["from"], (*kp, "gradient", "from")),
                             checks.color(ctx, g["to"], (*kp, "gradient", "to")),
                             checks.num(ctx, g.get("angle", 90), (*kp, "gradient", "angle"),
                                        -360, 360))
        if "fill" not in p and "gradient" not in p and "border" not in raw:
            raise ctx.fail(kp, "a rect needs 'fill', 'gradient' or 'border'")
        p["radius"] = checks.int_(ctx, get("radius", 0), (*kp, "radius"), 0, checks.MAX_CANVAS)
        if "border" in raw:
            b = checks.table(ctx, raw["border"], (*kp, "border"), _BORDER_KEYS)
            p["border"] = (checks.color(ctx, b.get("color", "white"), (*kp, "border", "color")),
                           checks.int_(ctx, b.get("width", 2), (*kp, "border", "width"), 1, 200))
    elif ltype == "image":
        p["source"] = checks.str_(ctx, get("source", "photo"), (*kp, "source"),
                           ("photo", "logo", "illustration"))
        photo = get("photo", 0)
        if photo != "slide":
            photo = checks.int_(ctx, photo, (*kp, "photo"), 0, 20)
        p["photo"] = photo
        p["fit"] = checks.str_(ctx, get("fit", "cover" if p["source"] != "logo" else "contain"),
                        (*kp, "fit"), ("cover", "contain"))
        focus = get("focus", [0.5, 0.5])
        if (not isinstance(focus, list) or len(focus) != 2
                or not all(isinstance(v, int | float) and 0 <= v <= 1 for v in focus)):
            raise ctx.fail((*kp, "focus"), f"must be [x, y] with values 0–1, got {focus!r}")
        p["focus"] = (float(focus[0]), float(focus[1]))
        p["radius"] = checks.int_(ctx, get("radius", 0), (*kp, "radius"), 0, checks.MAX_CANVAS)
        if "background" in raw:
            p["background"] = checks.color(ctx, raw["background"], (*kp, "background"))
    elif ltype == "text":
        if "text" not in raw:
            raise ctx.fail(kp, "a text layer needs 'text' (e.g. text = \"{title}\")")
        layer.text = checks.str_(ctx, raw["text"], (*kp, "text"))
        layer.fields_used = placeholders(ctx, layer.text, (*kp, "text"), scope)
        try:
            p["weight"] = fonts.parse_weight(get("weight", "Regular"))
        except ValueError as exc:
            raise ctx.fail((*kp, "weight"), str(exc)) from None
        p["size"] = checks.int_(ctx, get("size", 32), (*kp, "size"), 6, 400)
        p["min_size"] = checks.int_(ctx, get("min_size", p["size"]), (*kp, "min_size"), 6,
                                    p["size"])
        p["max_lines"] = checks.int_(ctx, get("max_lines", 1), (*kp, "max_lines"), 1, 50)
        p["align"] = checks.str_(ctx, get("align", "left"), (*kp, "align"),
                          ("left", "center", "right"))
        p["valign"] = checks.str_(ctx, get("valign", "top"), (*kp, "valign"),
                           ("top", "middle", "bottom"))
        p["color"] = checks.color(ctx, get("color", "text"), (*kp, "color"))
        p["line_spacing"] = checks.num(ctx, get("line_spacing", 1.15), (*kp, "line_spacing"),
                                 0.8, 3.0)
        p["tabular"] = checks.bool_(ctx, get("tabular", False), (*kp, "tabular"))
        p["uppercase"] = checks.bool_(ctx, get("uppercase", False), (*kp, "uppercase"))
        p["word_spacing"] = checks.num(ctx, get("word_spacing", word_spacing),
                                       (*kp, "word_spacing"), 0.0, 2.0)
        pad = (0, 0)
        if "box" in raw:
            b = checks.table(ctx, raw["box"], (*kp, "box"), _BOX_KEYS)
            padding = b.get("padding", [8, 16])
            if isinstance(padding, int) and not isinstance(padding, bool):
                padding = [padding, padding]
            if (not isinstance(padding, list) or len(padding) != 2
                    or not all(isinstance(v, int) and 0 <= v <= 200 for v in padding)):
                raise ctx.fail((*kp, "box", "padding"),
                               f"must be [vertical, horizontal] pixels, got {padding!r}")
            pad = (padding[0], padding[1])
            p["box"] = (checks.color(ctx, b.get("fill", "accent"), (*kp, "box", "fill")), pad,
                        checks.int_(ctx, b.get("radius", 0), (*kp, "box", "radius"), 0,
                                    checks.MAX_CANVAS))
        ascent, descent = fonts.metrics(p["min_size"], p["weight"])
        if ascent + descent > h - 2 * pad[0]:
            raise ctx.fail((*kp, "min_size"), f"one line at min_size {p['min_size']} needs "
                                               f"{ascent + descent} px but the box is {h} px high")
    elif ltype == "qr":
        layer.text = checks.str_(ctx, get("data", "{url}"), (*kp, "data"))
        layer.fields_used = placeholders(ctx, layer.text, (*kp, "data"), scope)
        p["color"] = checks.color(ctx, get("color", "black"), (*kp, "color"))
        p["background"] = checks.color(ctx, get("background", "white"), (*kp, "background"))
        p["border"] = checks.int_(ctx, get("border", 4), (*kp, "border"), 2, 10)
        p["radius"] = checks.int_(ctx, get("radius", 0), (*kp, "radius"), 0, checks.MAX_CANVAS)
        if min(w, h) < 100:
            raise ctx.fail(kp, "a QR code needs a box of at least 100×100 px to scan")
    elif ltype == "icon":
        p["name"] = checks.str_(ctx, get("name", ""), (*kp, "name"), ICONS)
        p["color"] = checks.color(ctx, get("color", "primary"), (*kp, "color"))
    elif ltype == "pattern":
        p["style"] = checks.str_(ctx, get("style", "dots"), (*kp, "style"), PATTERNS)
        p["color"] = checks.color(ctx, get("color", "white@12"), (*kp, "color"))
        p["spacing"] = checks.int_(ctx, get("spacing", 36), (*kp, "spacing"), 4, 1000)
        p["size"] = checks.int_(ctx, get("size", 4), (*kp, "size"), 1, 500)
    if ltype in ("rect", "image") and "shadow" in raw:
        s = checks.table(ctx, raw["shadow"], (*kp, "shadow"), _SHADOW_KEYS)
        p["shadow"] = (checks.color(ctx, s.get("color", "black@25"), (*kp, "shadow", "color")),
                       checks.int_(ctx, s.get("blur", 16), (*kp, "shadow", "blur"), 0, 200),
                       checks.int_(ctx, s.get("dx", 0), (*kp, "shadow", "dx"), -200, 200),
                       checks.int_(ctx, s.get("dy", 8), (*kp, "shadow", "dy"), -200, 200))
    return layer


def parse_layers(ctx: checks.Ctx, raw: Any, kp: tuple, scope: dict[str, type], width: int,
                 height: int, *, animated: bool = False, safe: tuple[int, int] | None = None,
                 word_spacing: float = WORD_SPACING) -> list[Layer]:
    if not isinstance(raw, list):
        raise ctx.fail(kp, "must be an array of tables ([[layers]])")
    out: list[Layer] = []
    ids: set[str] = set()
    for i, item in enumerate(raw):
        layer = parse_layer(ctx, item, (*kp, i), i, scope, width, height, ids,
                            animated=animated, safe=safe, word_spacing=word_spacing)
        if layer.id:
            if layer.id in ids:
                raise ctx.fail((*kp, i, "id"), f"id {layer.id!r} is used twice")
            ids.add(layer.id)
        out.append(layer)
    return out


