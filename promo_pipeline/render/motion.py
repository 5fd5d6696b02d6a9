"""Composing video frames in YUV from layers drawn once.

For each scene the still renderer draws, once: a base canvas (background, the layers under every
scene, and the scene's leading layers that never move) and, for every later layer or run of
layers that move together, a sprite. A sprite is separated from what lies under it by drawing
it over black and over white (two-background matting), so every layer type, shadow and
antialiased edge comes out exactly as on a still. Base and sprites are converted once to
yuv420p planes (BT.709, TV range) with their alpha; a frame is then the base planes with the
sprites pasted at their animated opacity, offset and scale, and the photos resampled plane by
plane for their pan and zoom. A frame in which nothing moves is the previous frame again.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageChops

from promo_pipeline.render import draw, engine, illustrations, timeline
from promo_pipeline.render import template as tmpl
from promo_pipeline.render.brand import BrandKit
from promo_pipeline.render.layers import Layer
from promo_pipeline.render.photoset import PhotoSet

Planes = tuple[Image.Image, Image.Image, Image.Image]
#: RGB → Y'CbCr, ITU-R BT.709, TV range (what the stream is tagged as).
BT709 = (0.2126 * 219 / 255, 0.7152 * 219 / 255, 0.0722 * 219 / 255, 16,
         -0.1146 * 224 / 255, -0.3854 * 224 / 255, 0.5 * 224 / 255, 128,
         0.5 * 224 / 255, -0.4542 * 224 / 255, -0.0458 * 224 / 255, 128)
_LEVELS = 64  # opacity steps whose masks are cached


def _even(v: int) -> int:
    return v - (v % 2)


def to_planes(rgb: Image.Image, widths: tuple[int, int, int]) -> Planes:
    """An opaque RGB image as yuv420p planes padded to *widths*."""
    y, u, v = rgb.convert("RGB", BT709).split()
    h2 = rgb.height // 2
    out = []
    for im, width, height in ((y, widths[0], rgb.height), (u.reduce(2), widths[1], h2),
                              (v.reduce(2), widths[2], h2)):
        if im.width != width:
            padded = Image.new("L", (width, height), im.getpixel((im.width - 1, 0)))
            padded.paste(im, (0, 0))
            im = padded
        out.append(im)
    return out[0], out[1], out[2]


@dataclass
class Overlay:
    """A sprite in YUV: planes and alpha at full and half resolution, placed at even (x, y)."""

    x: int
    y: int
    y_im: Image.Image
    u_im: Image.Image
    v_im: Image.Image
    alpha: Image.Image
    alpha2: Image.Image
    _masks: dict[int, tuple[Image.Image, Image.Image]] = field(default_factory=dict)

    @classmethod
    def from_rgba(cls, rgba: Image.Image, x: int, y: int) -> Overlay:
        full = rgba.convert("RGB").convert("RGB", BT709)
        half = rgba.convert("RGBa").reduce(2).convert("RGBA")
        _, u, v = half.convert("RGB").convert("RGB", BT709).split()
        return cls(x, y, full.getchannel(0), u, v, rgba.getchannel("A"), half.getchannel("A"))

    def masks(self, opacity: float) -> tuple[Image.Image, Image.Image]:
        level = round(opacity * _LEVELS)
        if level >= _LEVELS:
            return self.alpha, self.alpha2
        if level not in self._masks:
            a = level / _LEVELS
            self._masks[level] = (draw.scale_mask(self.alpha, a), draw.scale_mask(self.alpha2, a))
        return self._masks[level]

    def paste(self, frame: Planes, state: timeline.State) -> None:
        ys, us, vs, a, a2 = self.y_im, self.u_im, self.v_im, *self.masks(state.opacity)
        x, y = self.x + _even(state.dx), self.y + _even(state.dy)
        if state.scale != 1.0:
            w = max(2, _even(round(ys.width * state.scale)))
            h = max(2, _even(round(ys.height * state.scale)))
            x, y = _even(x + (ys.width - w) // 2), _even(y + (ys.height - h) // 2)
            rs = Image.Resampling.BILINEAR
            ys, a = ys.resize((w, h), rs), a.resize((w, h), rs)
            us, vs, a2 = (im.resize((w // 2, h // 2), rs) for im in (us, vs, a2))
        frame[0].paste(ys, (x, y), a)
        frame[1].paste(us, (x // 2, y // 2), a2)
        frame[2].paste(vs, (x // 2, y // 2), a2)


def matte(black: Image.Image, white: Image.Image) -> tuple[Image.Image, int, int] | None:
    """The RGBA sprite (and its even top-left) of what was drawn over black and over white."""
    diff = ImageChops.difference(white, black)
    box = ImageChops.invert(diff).getbbox()
    if box is None:
        return None
    x0, y0 = _even(box[0]), _even(box[1])
    x1, y1 = min(white.width, box[2] + box[2] % 2), min(white.height, box[3] + box[3] % 2)
    b, w = black.crop((x0, y0, x1, y1)), white.crop((x0, y0, x1, y1))
    # over black: B = a·C; over white: W = a·C + (1 - a)·255, so a = 255 - (W - B).
    alpha = ImageChops.invert(ImageChops.subtract(w, b).getchannel("G"))
    rgba = Image.merge("RGBa", (*b.split(), alpha)).convert("RGBA")
    return rgba, x0, y0


class PhotoTrack:
    """An image layer that moves: its photo (or the illustration) per turn, panned and zoomed."""

    def __init__(self, layer: Layer, kit: BrandKit, values: Mapping[str, Any], photos: PhotoSet,
                 turns: tuple[int | None, ...], widths: tuple[int, int, int]):
        self.layer = layer
        self.motion = layer.motion or timeline.Motion((1.0, 1.0), ((0.5, 0.5), (0.5, 0.5)))
        self.x, self.y = _even(layer.x), _even(layer.y)
        self.w, self.h = _even(layer.w), _even(layer.h)
        self._kit, self._values, self._photos = kit, values, photos
        self._turns = turns
        self._src: dict[int, Planes] = {}
        mask = draw.rounded_mask(self.w, self.h, layer.props["radius"])
        self._mask = (mask, mask.reduce(2)) if layer.props["radius"] else None
        self._masks: dict[int, tuple[Image.Image, Image.Image]] = {}
        m = self.motion
        self.moves = m.zoom[0] != m.zoom[1] or m.focus[0] != m.focus[1]

    def source(self, turn: int) -> Planes:
        """The turn's picture cover-fitted at the largest zoom, as planes (made once)."""
        if turn not in self._src:
            z = self.motion.max_zoom
            sw, sh = _even(round(self.w * z)), _even(round(self.h * z))
            idx = self._turns[turn] if turn < len(self._turns) else self.layer.props["photo"]
            im = self._photos.decoded(idx) if isinstance(idx, int) else None
            if im is not None:
                im = draw.cover(im, sw, sh, self.layer.props["focus"])
            else:
                im = illustrations.illustration(
                    str(self._values.get("category_key", "generic")), sw, sh,
                    self._kit.rgb("primary"), self._kit.rgb("secondary"), self._kit.rgb("accent"))
            self._src[turn] = to_planes(im, (sw, sw // 2, sw // 2))
        return self._src[turn]

    def window(self, u: float, sw: int, sh: int) -> tuple[float, float, float, float]:
        """The region of a ``sw×sh`` source shown at fraction *u* of the turn."""
        zoom, fx, fy = self.motion.at(u)
        # The source is the picture at the largest zoom, so zoom 1 shows all of it.
        cw, ch = min(sw, sw / zoom), min(sh, sh / zoom)
        cx = min(max(fx * sw - cw / 2, 0.0), sw - cw)
        cy = min(max(fy * sh - ch / 2, 0.0), sh - ch)
        return cx, cy, cx + cw, cy + ch

    def paste(self, frame: Planes, turn: int, u: float, state: timeline.State) -> None:
        src = self.source(turn)
        box = self.window(u, src[0].width, src[0].height)
        half = tuple(v / 2 for v in box)
        rs = Image.Resampling.BILINEAR
        parts = (src[0].resize((self.w, self.h), rs, box=box),
                 src[1].resize((self.w // 2, self.h // 2), rs, box=half),
                 src[2].resize((self.w // 2, self.h // 2), rs, box=half))
        x, y = self.x + _even(state.dx), self.y + _even(state.dy)
        masks = self._opacity_masks(state.opacity)
        for plane, part, scale in zip(frame, parts, (1, 2, 2), strict=True):
            mask = None if masks is None else masks[0 if scale == 1 else 1]
            plane.paste(part, (x // scale, y // scale), mask)

    def _opacity_masks(self, opacity: float) -> tuple[Image.Image, Image.Image] | None:
        level = round(opacity * _LEVELS)
        if level >= _LEVELS:
            return self._mask
        if level not in self._masks:
            base = self._mask or (Image.new("L", (self.w, self.h), 255),
                                  Image.new("L", (self.w // 2, self.h // 2), 255))
            self._masks[level] = (draw.scale_mask(base[0], level / _LEVELS),
                                  draw.scale_mask(base[1], level / _LEVELS))
        return self._masks[level]


@dataclass
class Track:
    """A layer (or layers that move together) above the base: a sprite or a moving photo."""

    enter: timeline.Anim | None
    exit: timeline.Anim | None
    per_turn: bool  # timed on each photo's turn, not on the whole scene
    overlay: Overlay | None = None
    photo: PhotoTrack | None = None


@dataclass
class SceneFrames:
    """A scene ready to be played: base planes and tracks in drawing order."""

    run: timeline.Run
    base: Planes
    tracks: list[Track]
    fps: int

    def plan(self, frame_no: int) -> tuple[tuple, list[tuple[Track, timeline.State, int, float]]]:
        """What frame *frame_no* of this run shows: a key and the drawing steps.

        Two frames with equal keys look the same, so the caller encodes the previous frame again
        instead of drawing it.
        """
        turn, first, count = self.run.slot_of(frame_no)
        t_scene, span = frame_no / self.fps, self.run.frames / self.fps
        t_turn, turn_span = (frame_no - first) / self.fps, count / self.fps
        key: list[Any] = [self.run.index]
        steps: list[tuple[Track, timeline.State, int, float]] = []
        for track in self.tracks:
            if track.per_turn:
                st = timeline.state(track.enter, track.exit, t_turn, turn_span)
                u = (frame_no - first) / max(1, count - 1)
            else:
                st = timeline.state(track.enter, track.exit, t_scene, span)
                u = frame_no / max(1, self.run.frames - 1)
            if st.hidden:
                key.append(None)
                continue
            moving = track.photo is not None and track.photo.moves
            key.append((st, turn if track.per_turn else 0, round(u, 5) if moving else 0))
            if track.photo is not None and track.per_turn and turn > 0 and st.opacity < 1.0:
                steps.append((track, timeline.REST, turn - 1, 1.0))  # the previous photo beneath
            steps.append((track, st, turn, u))
        return tuple(key), steps

    def draw(self, steps: list[tuple[Track, timeline.State, int, float]]) -> Planes:
        frame = (self.base[0].copy(), self.base[1].copy(), self.base[2].copy())
        for track, st, turn, u in steps:
            if track.photo is not None:
                track.photo.paste(frame, turn, u, st)
            elif track.overlay is not None:
                track.overlay.paste(frame, st)
        return frame


def _group_key(layer: Layer) -> tuple:
    return (layer.enter, layer.exit)


def prepare(template: tmpl.Template, run: timeline.Run, kit: BrandKit,
            values: Mapping[str, Any], photos: PhotoSet, widths: tuple[int, int, int]
            ) -> SceneFrames:
    """Draw a scene's base and sprites once (see the module docstring)."""
    scene = run.scene
    backdrop = template.layers
    layers = [*backdrop, *scene.layers]
    first = len(backdrop)
    inp = engine.RenderInput(values, photos)
    bottom = engine.safe_bottom(template)
    bg = kit.rgba(scene.background or template.background)[:3]
    size = (template.width, template.height)

    def shown(layer: Layer) -> bool:
        return layer.when is None or layer.when.evaluate(values)

    def moves(layer: Layer) -> bool:
        return layer.animated or layer.props.get("photo") == "slide"

    lead = first
    while lead < len(layers) and not moves(layers[lead]):
        lead += 1
    canvas = Image.new("RGB", size, bg)
    engine.draw_layers(canvas, kit, layers, inp, only=frozenset(range(lead)), bottom=bottom)
    base = to_planes(canvas, widths)

    tracks: list[Track] = []
    i = lead
    while i < len(layers):
        layer = layers[i]
        if not shown(layer):
            i += 1
            continue
        per_turn = scene.repeat == "photos" and layer.props.get("photo") == "slide"
        if layer.type == "image" and layer.props["source"] != "logo" and (
                layer.motion is not None or per_turn):
            tracks.append(Track(layer.enter, layer.exit, per_turn, photo=PhotoTrack(
                layer, kit, values, photos, run.photos if per_turn else (), widths)))
            i += 1
            continue
        group = [i]
        while (i + len(group) < len(layers) and _group_key(layers[i + len(group)])
               == _group_key(layer) and not layers[i + len(group)].motion
               and layers[i + len(group)].props.get("photo") != "slide"):
            group.append(i + len(group))
        sprite = _sprite(kit, layers, inp, frozenset(group), size, bottom)
        if sprite is not None:
            tracks.append(Track(layer.enter, layer.exit, False,
                                overlay=Overlay.from_rgba(*sprite)))
        i += len(group)
    return SceneFrames(run, base, tracks, template.timeline.fps if template.timeline else 30)


def _extent(layers: list[Layer], group: frozenset[int], size: tuple[int, int]
            ) -> tuple[int, int, int, int]:
    """The part of the frame the layers of *group* can touch (shadows and stacking included)."""
    x0, y0, x1, y1 = size[0], size[1], 0, 0
    for i in group:
        layer = layers[i]
        m = 0
        if "shadow" in layer.props:
            _, blur, dx, dy = layer.props["shadow"]
            m = blur * 2 + 2 + max(abs(dx), abs(dy))
        top, bottom = (0, size[1]) if layer.below is not None else (layer.y, layer.y + layer.h)
        x0, y0 = min(x0, layer.x - m), min(y0, top - m)
        x1, y1 = max(x1, layer.x + layer.w + m), max(y1, bottom + m)
    x0, y0 = max(0, _even(x0)), max(0, _even(y0))
    return x0, y0, min(size[0], x1 + x1 % 2), min(size[1], y1 + y1 % 2)


def _sprite(kit: BrandKit, layers: list[Layer], inp: engine.RenderInput, only: frozenset[int],
            size: tuple[int, int], bottom: int | None) -> tuple[Image.Image, int, int] | None:
    # Drawn on a canvas as small as the layers' reach: the matting costs what the layers cover.
    x0, y0, x1, y1 = _extent(layers, only, size)
    if x1 <= x0 or y1 <= y0:
        return None
    box = (x1 - x0, y1 - y0)
    black, white = Image.new("RGB", box, (0, 0, 0)), Image.new("RGB", box, (255, 255, 255))
    limit = (bottom if bottom is not None else size[1]) - y0
    for canvas in (black, white):
        engine.draw_layers(canvas, kit, layers, inp, only=only, bottom=limit,
                           origin=(-x0, -y0))
    found = matte(black, white)
    if found is None:
        return None
    rgba, x, y = found
    return rgba, x + x0, y + y0


@functools.lru_cache(maxsize=8)
def blend_weights(frames: int) -> tuple[float, ...]:
    """Crossfade weights of the new scene for the first *frames* frames of a transition."""
    return tuple((k + 1) / (frames + 1) for k in range(frames))
