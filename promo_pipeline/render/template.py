"""Loading and validating design templates (TOML). Pure apart from reading the file.

A template is one design: canvas size, background and an ordered list of layers (see
:mod:`.layers`), each with an optional ``when`` condition. A carousel has ``[[slides]]`` with
their own layers; a digest has a ``[grid]`` and ``[[cell_layers]]`` drawn once per lot; a video
has ``[[scenes]]`` on a timeline (see :mod:`.timeline`). ``templates/README.md`` is the
designer's reference.

Everything is checked at load: unknown keys, layer types, fields, colours, weights, conditions,
boxes outside the canvas or the safe zone, a ``below`` that names no earlier layer, the timing
of a video. A problem raises :class:`~promo_pipeline.errors.TemplateError` naming the file, the
line and the key.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promo_pipeline.errors import TemplateError
from promo_pipeline.render import checks, conditions, timeline
from promo_pipeline.render.checks import Color
from promo_pipeline.render.fields import DIGEST_FIELDS, LOT_FIELDS, SLIDE_FIELDS, field_types
from promo_pipeline.render.layers import WORD_SPACING, Layer, parse_layers

KINDS = ("single", "carousel", "digest", "video")
_TOP_KEYS = {"name", "description", "kind", "width", "height", "background", "layers",
             "slides", "grid", "cell_layers", "format", "safe_zone", "word_spacing", "fps",
             "scenes", "poster"}
_SLIDE_KEYS = {"name", "repeat", "start", "max", "when", "layers", "background"}
_GRID_KEYS = {"per_page", "columns", "x", "y", "cell_w", "cell_h", "gap_x", "gap_y"}
_SAFE_KEYS = {"top", "bottom"}
#: Where Instagram and Facebook draw their own interface over a 9:16 frame (fractions of the
#: height): nothing that must be read goes there.
SAFE_TOP, SAFE_BOTTOM = 0.14, 0.20
_TALL = 16 / 9 - 0.02


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
    safe_zone: tuple[int, int] | None = None  # (top, bottom) px that text and QR stay between
    timeline: timeline.Timeline | None = None  # video designs

    @property
    def layers(self) -> list[Layer]:
        """The layers of a single design (for a video: those under every scene)."""
        return self.slides[0].layers if self.slides else []

    @property
    def is_video(self) -> bool:
        return self.kind == "video"


def _safe_zone(ctx: checks.Ctx, data: dict[str, Any], width: int, height: int
               ) -> tuple[int, int] | None:
    raw = data.get("safe_zone")
    if raw is False:
        return None
    if raw is None:
        if height / width < _TALL:
            return None
        top, bottom = SAFE_TOP, SAFE_BOTTOM
    else:
        t = checks.table(ctx, raw, ("safe_zone",), _SAFE_KEYS)
        top = checks.num(ctx, t.get("top", SAFE_TOP), ("safe_zone", "top"), 0.0, 0.45)
        bottom = checks.num(ctx, t.get("bottom", SAFE_BOTTOM), ("safe_zone", "bottom"), 0.0, 0.45)
    return round(height * top), height - round(height * bottom)


def _slides(ctx: checks.Ctx, data: dict[str, Any], tpl: Template, lot_scope: dict[str, type],
            **opts: Any) -> None:
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
            checks.str_(ctx, repeat, (*kp, "repeat"), ("photos",))
        scope = {**lot_scope, **field_types(SLIDE_FIELDS)}
        slide = Slide(
            name=checks.str_(ctx, raw.get("name", f"slide{si + 1}"), (*kp, "name")),
            layers=parse_layers(ctx, raw.get("layers", []), (*kp, "layers"), scope,
                                tpl.width, tpl.height, **opts),
            repeat=repeat,
            start=checks.int_(ctx, raw.get("start", 0), (*kp, "start"), 0, 20),
            max=checks.int_(ctx, raw.get("max", 1 if repeat is None else 4), (*kp, "max"), 1, 20),
        )
        if "background" in raw:
            slide.background = checks.color(ctx, raw["background"], (*kp, "background"))
        if "when" in raw:
            try:
                slide.when = conditions.parse(checks.str_(ctx, raw["when"], (*kp, "when")),
                                              lot_scope)
            except conditions.ConditionError as exc:
                raise ctx.fail((*kp, "when"), f"bad condition: {exc}") from None
        for layer in slide.layers:
            if layer.props.get("photo") == "slide" and repeat != "photos":
                raise ctx.fail((*kp, "layers", layer.index, "photo"),
                               "photo = \"slide\" needs repeat = \"photos\" on the slide")
        tpl.slides.append(slide)


def _digest(ctx: checks.Ctx, data: dict[str, Any], tpl: Template, lot_scope: dict[str, type],
            **opts: Any) -> None:
    if "slides" in data:
        raise ctx.fail(("slides",), "a digest has [grid] and [[cell_layers]], not slides")
    g = checks.table(ctx, data.get("grid"), ("grid",), _GRID_KEYS) if "grid" in data else None
    if g is None:
        raise ctx.fail((), "a digest needs a [grid] table")
    for key in _GRID_KEYS:
        if key not in g:
            raise ctx.fail(("grid",), f"missing '{key}'")
    grid = Grid(**{k: checks.int_(ctx, g[k], ("grid", k), 0, checks.MAX_CANVAS)
                   for k in _GRID_KEYS})
    if grid.per_page < 1 or grid.columns < 1:
        raise ctx.fail(("grid",), "per_page and columns must be at least 1")
    rows = -(-grid.per_page // grid.columns)
    right = grid.x + grid.columns * grid.cell_w + (grid.columns - 1) * grid.gap_x
    bottom = grid.y + rows * grid.cell_h + (rows - 1) * grid.gap_y
    if right > tpl.width or bottom > tpl.height:
        raise ctx.fail(("grid",), f"the grid ({right}×{bottom}) does not fit the canvas")
    tpl.grid = grid
    tpl.slides = [Slide(name="page",
                        layers=parse_layers(ctx, data.get("layers", []), ("layers",),
                                            field_types(DIGEST_FIELDS), tpl.width, tpl.height,
                                            **opts))]
    opts.pop("safe", None)
    tpl.cell_layers = parse_layers(ctx, data.get("cell_layers", []), ("cell_layers",),
                                   lot_scope, grid.cell_w, grid.cell_h, **opts)


def _video(ctx: checks.Ctx, data: dict[str, Any], tpl: Template, lot_scope: dict[str, type],
           **opts: Any) -> None:
    for key in ("slides", "grid", "cell_layers"):
        if key in data:
            raise ctx.fail((key,), f"a video has [[scenes]], not '{key}'")
    backdrop = parse_layers(ctx, data.get("layers", []), ("layers",), lot_scope,
                            tpl.width, tpl.height, **opts)
    for layer in backdrop:
        if layer.props.get("photo") == "slide":
            raise ctx.fail(("layers", layer.index, "photo"),
                           "photo = \"slide\" belongs in a scene with repeat = \"photos\"")
    tpl.slides = [Slide(name="backdrop", layers=backdrop)]
    raw_scenes = data.get("scenes")
    if not isinstance(raw_scenes, list) or not raw_scenes:
        raise ctx.fail((), "a video needs [[scenes]]")
    scenes = []
    for si, raw in enumerate(raw_scenes):
        kp = ("scenes", si)
        scene = timeline.parse_scene_head(ctx, raw, kp, si, lot_scope)
        scene.layers = parse_layers(ctx, raw.get("layers", []), (*kp, "layers"), lot_scope,
                                    tpl.width, tpl.height, animated=True, **opts)
        for layer in scene.layers:
            if layer.props.get("photo") == "slide" and scene.repeat != "photos":
                raise ctx.fail((*kp, "layers", layer.index, "photo"),
                               "photo = \"slide\" needs repeat = \"photos\" on the scene")
        scenes.append(scene)
    fps = checks.int_(ctx, data.get("fps", 30), ("fps",))
    if fps not in timeline.FPS_CHOICES:
        raise ctx.fail(("fps",), f"must be one of {', '.join(map(str, timeline.FPS_CHOICES))}")
    if tpl.width % 2 or tpl.height % 2:
        raise ctx.fail(("width",), "a video's width and height must be even numbers")
    poster = (checks.num(ctx, data["poster"], ("poster",), 0.0, timeline.MAX_CLIP)
              if "poster" in data else None)
    tpl.timeline = timeline.Timeline(fps=fps, scenes=scenes, poster=poster)
    timeline.check(ctx, tpl.timeline)


def parse(text: str, path: Path, name: str | None = None) -> Template:
    """Validate the TOML *text* of a template (``path`` is used in messages only)."""
    ctx = checks.Ctx(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path}: invalid TOML: {exc}") from None
    for key in data:
        if key not in _TOP_KEYS:
            raise ctx.fail((key,), f"unknown key {key!r} (known: {', '.join(sorted(_TOP_KEYS))})")
    kind = checks.str_(ctx, data.get("kind", "single"), ("kind",), KINDS)
    for key in ("width", "height"):
        if key not in data:
            raise ctx.fail((), f"missing '{key}'")
    width = checks.int_(ctx, data["width"], ("width",), 100, checks.MAX_CANVAS)
    height = checks.int_(ctx, data["height"], ("height",), 100, checks.MAX_CANVAS)
    if kind != "video":
        for key in ("fps", "scenes", "poster"):
            if key in data:
                raise ctx.fail((key,), f"'{key}' belongs to a video template (kind = \"video\")")
    tpl = Template(
        name=name or checks.str_(ctx, data.get("name", path.stem), ("name",)),
        path=path,
        source_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        kind=kind, width=width, height=height,
        background=checks.color(ctx, data.get("background", "background"), ("background",)),
        description=checks.str_(ctx, data.get("description", ""), ("description",)),
        safe_zone=_safe_zone(ctx, data, width, height),
    )
    opts = {"safe": tpl.safe_zone,
            "word_spacing": checks.num(ctx, data.get("word_spacing", WORD_SPACING),
                                       ("word_spacing",), 0.0, 2.0)}
    lot_scope = field_types(LOT_FIELDS)
    if kind == "single":
        for key in ("slides", "grid", "cell_layers"):
            if key in data:
                raise ctx.fail((key,), f"'{key}' belongs to a carousel or digest template "
                                       f"(set kind)")
        if "layers" not in data:
            raise ctx.fail((), "no [[layers]]")
        tpl.slides = [Slide(name="main", layers=parse_layers(
            ctx, data["layers"], ("layers",), lot_scope, width, height, **opts))]
    elif kind == "carousel":
        _slides(ctx, data, tpl, lot_scope, **opts)
    elif kind == "digest":
        _digest(ctx, data, tpl, lot_scope, **opts)
    else:
        _video(ctx, data, tpl, lot_scope, **opts)
    for layer in all_layers(tpl):
        layer.uid = f"{tpl.source_hash[:16]}:{path}:{layer.path}"
    return tpl


def all_layers(tpl: Template) -> list[Layer]:
    """Every layer of the template (slides, digest cells, video scenes)."""
    out = [layer for slide in tpl.slides for layer in slide.layers] + list(tpl.cell_layers)
    if tpl.timeline is not None:
        out += [layer for scene in tpl.timeline.scenes for layer in scene.layers]
    return out


def load(path: str | Path, name: str | None = None) -> Template:
    """Read and validate one template file; raises TemplateError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{path}: cannot read template: {exc}") from None
    return parse(text, path, name or path.stem)
