"""The timeline of a video design: scenes with durations, per-layer enter/exit animations and the
slow pan-and-zoom of photos. Pure: loading (with located errors) and time → state functions.

A video template (``kind = "video"``) has ``[[layers]]`` drawn under every scene (they never
move) and ``[[scenes]]``, played in file order. Each scene lasts ``duration`` seconds and has its
own ``[[scenes.layers]]`` — the same layer types as the still designs — which may carry
``enter``/``exit`` animations (``fade``, ``slide``, ``scale``) and, on image layers, a ``motion``
(pan and zoom). A scene with ``repeat = "photos"`` shows the lot's photos in turn (at most
``max``; the category illustration when there is none): its image layers with
``photo = "slide"`` play once per photo, in equal shares of the scene's duration, while its
other layers are timed on the whole scene. ``transition`` crossfades a scene in from the last
frame of the scene before it.

Checked when the template loads: the clip lasts 6–15 s whichever scenes play, and every text
that shows the limit or the closing date stays still and fully visible for at least 2 s.
``templates/README.md`` is the designer's reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from promo_pipeline.render import checks, conditions

if TYPE_CHECKING:
    from promo_pipeline.render.layers import Layer

EFFECTS = ("fade", "slide", "scale")
SIDES = ("left", "right", "top", "bottom")
MIN_CLIP, MAX_CLIP = 6.0, 15.0
#: Seconds the limit and the closing date stay still and fully visible, wherever a video shows them.
MIN_HOLD = 2.0
HOLD_FIELDS = frozenset({"limit", "limit_short", "ends_at", "ends_at_short", "ends_date",
                         "ends_date_medium", "ends_date_short", "ends_time"})
#: Shortest share of a repeat scene one photo may get.
MIN_SLOT = 0.75
FPS_CHOICES = (24, 25, 30, 50, 60)

ANIM_KEYS = {"effect", "at", "duration", "from", "to", "distance"}
MOTION_KEYS = {"zoom", "focus"}
SCENE_KEYS = {"name", "duration", "repeat", "start", "max", "when", "background", "transition",
              "layers"}


@dataclass(frozen=True)
class Anim:
    """An enter or exit animation of a layer (times in seconds from the start of its span)."""

    effect: str
    at: float | None  # None: enter at 0, exit so that it ends with the span
    duration: float
    side: str = "bottom"  # slide: the side the layer comes from (enter) or leaves to (exit)
    distance: int = 80  # slide: px travelled
    factor: float = 0.85  # scale: the size at the far end of the animation

    def window(self, span: float, *, exit: bool) -> tuple[float, float]:
        start = self.at if self.at is not None else (span - self.duration if exit else 0.0)
        return start, start + self.duration


@dataclass(frozen=True)
class Motion:
    """A slow pan-and-zoom over the span: zoom factor and focus point (0–1) from start to end."""

    zoom: tuple[float, float]
    focus: tuple[tuple[float, float], tuple[float, float]]

    def at(self, u: float) -> tuple[float, float, float]:
        """(zoom, focus x, focus y) at fraction *u* of the span (eased in and out)."""
        u = min(1.0, max(0.0, u))
        e = u * u * (3 - 2 * u)
        (x0, y0), (x1, y1) = self.focus
        return (self.zoom[0] + (self.zoom[1] - self.zoom[0]) * e,
                x0 + (x1 - x0) * e, y0 + (y1 - y0) * e)

    @property
    def max_zoom(self) -> float:
        return max(self.zoom)


@dataclass(frozen=True)
class State:
    """How a layer appears at one moment: opacity, offset in px and scale around its centre."""

    opacity: float = 1.0
    dx: int = 0
    dy: int = 0
    scale: float = 1.0

    @property
    def at_rest(self) -> bool:
        return self.opacity >= 1.0 and self.dx == 0 and self.dy == 0 and self.scale == 1.0

    @property
    def hidden(self) -> bool:
        return self.opacity <= 0.0


REST = State()
HIDDEN = State(opacity=0.0)


@dataclass
class Scene:
    name: str
    duration: float
    layers: list[Layer]
    repeat: str | None = None  # "photos"
    start: int = 0
    max: int = 1
    when: conditions.Condition | None = None
    background: checks.Color | None = None
    transition: float = 0.0  # seconds of crossfade from the previous scene's last frame

    def slot_count(self, photo_count: int) -> int:
        """How many turns the photo layers of this scene take (1 unless it repeats)."""
        if self.repeat != "photos":
            return 1
        return max(1, min(self.max, photo_count - self.start))


@dataclass
class Timeline:
    fps: int
    scenes: list[Scene]
    poster: float | None = None  # seconds; None = the middle of the clip


@dataclass(frozen=True)
class Run:
    """One scene as played for a lot: its frames and, for a repeat scene, each turn's photo."""

    scene: Scene
    index: int
    start: int  # first frame of the clip
    frames: int
    photos: tuple[int | None, ...] = ()  # photo index per turn (None: the illustration)

    def slot_of(self, frame: int) -> tuple[int, int, int]:
        """(turn, first frame of the turn, frames in the turn) for a frame of this run."""
        n = max(1, len(self.photos))
        for k in range(n):
            a, b = self.frames * k // n, self.frames * (k + 1) // n
            if frame < b or k == n - 1:
                return k, a, b - a
        raise AssertionError("unreachable")


# --- time → state --------------------------------------------------------------------------------


def _ease_out(u: float) -> float:
    return 1 - (1 - u) ** 3


def _ease_in(u: float) -> float:
    return u ** 3


def _apply(anim: Anim, p: float) -> State:
    """The state of *anim* at progress *p* (0 = off, 1 = at rest)."""
    if anim.effect == "fade":
        return State(opacity=p)
    if anim.effect == "scale":
        return State(opacity=p, scale=anim.factor + (1 - anim.factor) * p)
    off = round((1 - p) * anim.distance)
    dx = {"left": -off, "right": off}.get(anim.side, 0)
    dy = {"top": -off, "bottom": off}.get(anim.side, 0)
    return State(opacity=p, dx=dx, dy=dy)


def state(enter: Anim | None, exit: Anim | None, t: float, span: float) -> State:
    """The state at *t* seconds into a span of *span* seconds."""
    if enter is not None:
        a, b = enter.window(span, exit=False)
        if t < a:
            return HIDDEN
        if t < b:
            return _apply(enter, _ease_out((t - a) / (b - a)))
    if exit is not None:
        a, b = exit.window(span, exit=True)
        if t >= b:
            return HIDDEN
        if t >= a:
            return _apply(exit, 1 - _ease_in((t - a) / (b - a)))
    return REST


def hold(enter: Anim | None, exit: Anim | None, span: float, lead: float = 0.0
         ) -> tuple[float, float]:
    """The window (seconds into the span) in which the layer stands still and fully visible.

    *lead* is a crossfade at the start of the scene, during which nothing is fully visible.
    """
    start = max(lead, enter.window(span, exit=False)[1] if enter else 0.0)
    end = exit.window(span, exit=True)[0] if exit else span
    return start, end


def play(timeline: Timeline, values: Mapping[str, Any], photo_count: int) -> list[Run]:
    """The scenes a lot's clip plays (``when`` applied), with their frame ranges."""
    runs: list[Run] = []
    t = 0.0
    for i, scene in enumerate(timeline.scenes):
        if scene.when is not None and not scene.when.evaluate(values):
            continue
        start, end = round(t * timeline.fps), round((t + scene.duration) * timeline.fps)
        photos: tuple[int | None, ...] = ()
        if scene.repeat == "photos":
            n = scene.slot_count(photo_count)
            photos = tuple(scene.start + k if scene.start + k < photo_count else None
                           for k in range(n))
        runs.append(Run(scene, i, start, end - start, photos))
        t += scene.duration
    return runs


def total_frames(runs: list[Run]) -> int:
    return runs[-1].start + runs[-1].frames if runs else 0


# --- loading -------------------------------------------------------------------------------------


def parse_anim(ctx: checks.Ctx, raw: Any, kp: tuple, *, exit: bool) -> Anim:
    t = checks.table(ctx, raw, kp, ANIM_KEYS)
    effect = checks.str_(ctx, t.get("effect", "fade"), (*kp, "effect"), EFFECTS)
    far = "to" if exit else "from"
    if ("from" if exit else "to") in t:
        raise ctx.fail((*kp, "from" if exit else "to"),
                       f"an {'exit' if exit else 'enter'} animation says where it goes with "
                       f"'{far}'")
    at = checks.num(ctx, t["at"], (*kp, "at"), 0, MAX_CLIP) if "at" in t else None
    anim = Anim(effect=effect, at=at,
                duration=checks.num(ctx, t.get("duration", 0.4), (*kp, "duration"), 0.05, 5.0))
    if effect == "slide":
        side = checks.str_(ctx, t.get(far, "bottom"), (*kp, far), SIDES)
        distance = checks.int_(ctx, t.get("distance", 80), (*kp, "distance"), 1, 2000)
        return Anim(effect, at, anim.duration, side=side, distance=distance)
    if "distance" in t:
        raise ctx.fail((*kp, "distance"), "only a slide has a distance")
    if effect == "scale":
        factor = checks.num(ctx, t.get(far, 0.85), (*kp, far), 0.2, 3.0)
        return Anim(effect, at, anim.duration, factor=factor)
    if far in t:
        raise ctx.fail((*kp, far), f"a fade has no '{far}'")
    return anim


def parse_motion(ctx: checks.Ctx, raw: Any, kp: tuple) -> Motion:
    t = checks.table(ctx, raw, kp, MOTION_KEYS)
    zoom = t.get("zoom", [1.0, 1.1])
    if (not isinstance(zoom, list) or len(zoom) != 2
            or not all(isinstance(z, int | float) and 1.0 <= z <= 2.0 for z in zoom)):
        raise ctx.fail((*kp, "zoom"), f"must be [start, end] with values 1–2, got {zoom!r}")
    focus = t.get("focus", [[0.5, 0.5], [0.5, 0.5]])
    ok = (isinstance(focus, list) and len(focus) == 2
          and all(isinstance(f, list) and len(f) == 2
                  and all(isinstance(v, int | float) and 0 <= v <= 1 for v in f) for f in focus))
    if not ok:
        raise ctx.fail((*kp, "focus"), f"must be [[x, y], [x, y]] (start, end) with values 0–1, "
                                       f"got {focus!r}")
    return Motion(zoom=(float(zoom[0]), float(zoom[1])),
                  focus=((float(focus[0][0]), float(focus[0][1])),
                         (float(focus[1][0]), float(focus[1][1]))))


def parse_scene_head(ctx: checks.Ctx, raw: Any, kp: tuple, index: int,
                     scope: dict[str, type]) -> Scene:
    """A scene's own keys (its layers are added by the caller)."""
    if not isinstance(raw, dict):
        raise ctx.fail(kp, "a scene must be a table")
    for key in raw:
        if key not in SCENE_KEYS:
            raise ctx.fail((*kp, key), f"unknown key {key!r} for a scene "
                                        f"(known: {', '.join(sorted(SCENE_KEYS))})")
    if "duration" not in raw:
        raise ctx.fail(kp, "a scene needs 'duration' (seconds)")
    repeat = raw.get("repeat")
    if repeat is not None:
        checks.str_(ctx, repeat, (*kp, "repeat"), ("photos",))
    scene = Scene(
        name=checks.str_(ctx, raw.get("name", f"scene{index + 1}"), (*kp, "name")),
        duration=checks.num(ctx, raw["duration"], (*kp, "duration"), 0.5, MAX_CLIP),
        layers=[], repeat=repeat,
        start=checks.int_(ctx, raw.get("start", 0), (*kp, "start"), 0, 20),
        max=checks.int_(ctx, raw.get("max", 4 if repeat else 1), (*kp, "max"), 1, 10),
        transition=checks.num(ctx, raw.get("transition", 0.0), (*kp, "transition"), 0.0, 2.0),
    )
    if "background" in raw:
        scene.background = checks.color(ctx, raw["background"], (*kp, "background"))
    if "when" in raw:
        try:
            scene.when = conditions.parse(checks.str_(ctx, raw["when"], (*kp, "when")), scope)
        except conditions.ConditionError as exc:
            raise ctx.fail((*kp, "when"), f"bad condition: {exc}") from None
    if index == 0 and scene.transition:
        raise ctx.fail((*kp, "transition"), "the first scene has no scene before it to fade from")
    if scene.transition > scene.duration / 2:
        raise ctx.fail((*kp, "transition"), "a transition may take at most half the scene")
    if repeat and scene.duration / scene.max < MIN_SLOT:
        raise ctx.fail((*kp, "max"), f"{scene.max} photos in {scene.duration} s leave each less "
                                     f"than {MIN_SLOT} s")
    return scene


def check(ctx: checks.Ctx, timeline: Timeline) -> None:
    """Whole-timeline rules: clip length, animation windows, the 2-second holds."""
    always = sum(s.duration for s in timeline.scenes if s.when is None)
    longest = sum(s.duration for s in timeline.scenes)
    if always < MIN_CLIP:
        raise ctx.fail(("scenes",), f"the clip must last at least {MIN_CLIP:g} s; the scenes "
                                    f"that always play last {always:g} s")
    if longest > MAX_CLIP:
        raise ctx.fail(("scenes",), f"the clip must last at most {MAX_CLIP:g} s; all scenes "
                                    f"together last {longest:g} s")
    if timeline.poster is not None and timeline.poster > always:
        raise ctx.fail(("poster",), f"the poster frame ({timeline.poster:g} s) lies after the "
                                    f"end of the shortest clip ({always:g} s)")
    for si, scene in enumerate(timeline.scenes):
        for layer in scene.layers:
            kp = ("scenes", si, "layers", layer.index)
            per_photo = scene.repeat == "photos" and layer.props.get("photo") == "slide"
            span = scene.duration / scene.max if per_photo else scene.duration
            lead = 0.0 if per_photo else scene.transition
            for name, anim in (("enter", layer.enter), ("exit", layer.exit)):
                if anim is None:
                    continue
                a, b = anim.window(span, exit=name == "exit")
                if a < 0 or b > span + 1e-9:
                    where = "each photo's turn" if per_photo else "the scene"
                    raise ctx.fail((*kp, name), f"the {name} animation ({a:g}–{b:g} s) runs "
                                                f"outside {where} (0–{span:g} s)")
            start, end = hold(layer.enter, layer.exit, span, lead)
            if end < start:
                raise ctx.fail((*kp, "exit"), "the layer leaves before it has fully entered")
            shown = layer.fields_used & HOLD_FIELDS
            if layer.type == "text" and shown and end - start < MIN_HOLD - 1e-9:
                raise ctx.fail(kp, f"a text showing {{{sorted(shown)[0]}}} must stay still and "
                                   f"fully visible for at least {MIN_HOLD:g} s; it does for "
                                   f"{max(0.0, end - start):.2f} s ({start:g}–{end:g} s)")
