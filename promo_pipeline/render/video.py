"""Rendering one lot's clip from a video design: scenes played in order, frames composed in YUV
(:mod:`.motion`) and streamed to the encoder (:mod:`.encode`), a poster frame saved beside it.

Settings read: none directly (the caller passes the design, brand kit, values and photos).

A clip's name, like a still's, is the hash of everything that affects it: the template, the
brand kit, the encoder settings, the fields each played layer shows, the outcome of every
condition and the bytes of every photo shown (see :func:`content`). Frames in which nothing
moves are not drawn again; the encoder receives the previous frame.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
from PIL import Image

from promo_pipeline.errors import TemplateError
from promo_pipeline.fsutil import atomic_write_bytes
from promo_pipeline.render import encode, motion, timeline
from promo_pipeline.render import template as tmpl
from promo_pipeline.render.brand import BrandKit
from promo_pipeline.render.layers import layers_digest
from promo_pipeline.render.photoset import PhotoSet, srgb_icc

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
SETTINGS = encode.Settings()
SUFFIX = ".mp4"
POSTER_SUFFIX = ".poster.jpg"


@dataclass(frozen=True)
class Clip:
    """A clip written to disk: where, how many frames and how many of them were drawn."""

    path: Path
    poster: Path
    frames: int
    drawn: int
    duration: float


def poster_path(clip: Path) -> Path:
    """Where a clip's poster frame (a JPEG) lies: beside it, same name."""
    return clip.with_name(clip.stem + POSTER_SUFFIX)


def _timeline(template: tmpl.Template) -> timeline.Timeline:
    if template.timeline is None:
        raise TemplateError(f"{template.path}: not a video design")
    return template.timeline


def content(template: tmpl.Template, values: Mapping[str, Any],
            hashes: Sequence[str | None]) -> dict:
    """What a lot's clip shows, for its name: scenes played, fields, conditions, photos."""
    tl = _timeline(template)
    runs = timeline.play(tl, values, len(hashes))
    out: dict[str, Any] = {"fps": tl.fps, "encoder": SETTINGS.key(),
                           "backdrop": layers_digest(template.layers, values, None, hashes),
                           "scenes": []}
    for run in runs:
        entry = {"scene": run.index, "frames": run.frames,
                 "layers": layers_digest(run.scene.layers, values, None, hashes)}
        if run.photos:
            entry["turns"] = [hashes[p] if p is not None and p < len(hashes) else None
                              for p in run.photos]
        out["scenes"].append(entry)
    return out


def photo_needs(template: tmpl.Template, photo_count: int) -> dict[int, tuple[int, int]]:
    """For each photo index, the largest box (zoom included) the clip draws it into."""
    needs: dict[int, tuple[int, int]] = {}
    tl = _timeline(template)
    for scene in tl.scenes:
        for layer in scene.layers:
            if layer.type != "image" or layer.props["source"] != "photo":
                continue
            zoom = layer.motion.max_zoom if layer.motion else 1.0
            size = (round(layer.w * zoom), round(layer.h * zoom))
            if layer.props["photo"] == "slide":
                n = scene.slot_count(photo_count)
                indices = [scene.start + k for k in range(n)]
            else:
                indices = [layer.props["photo"]]
            for idx in indices:
                w, h = needs.get(idx, (0, 0))
                needs[idx] = (max(w, size[0]), max(h, size[1]))
    return needs


def frame_count(template: tmpl.Template, values: Mapping[str, Any], photo_count: int) -> int:
    return timeline.total_frames(timeline.play(_timeline(template), values, photo_count))


def render_clip(template: tmpl.Template, kit: BrandKit, values: Mapping[str, Any],
                photos: PhotoSet, out: Path, *, progress: Progress | None = None,
                settings: encode.Settings = SETTINGS) -> Clip:
    """Encode the clip of *template* for a lot to *out* (MP4), with its poster beside it."""
    tl = _timeline(template)
    runs = timeline.play(tl, values, len(photos))
    total = timeline.total_frames(runs)
    poster_at = min(total - 1, round((tl.poster if tl.poster is not None
                                      else total / 2 / tl.fps) * tl.fps))
    writer = encode.ClipWriter(out, template.width, template.height, tl.fps, settings,
                               total=total, progress=progress)
    drawn = 0
    poster: bytes | None = None
    try:
        previous: motion.Planes | None = None  # last planes of the scene before
        last_key: tuple | None = None
        last_frame: av.VideoFrame | None = None
        for run in runs:
            scene = None  # the scene before is let go before the next one is drawn
            scene = motion.prepare(template, run, kit, values, photos, writer.line_sizes)
            fade = round(run.scene.transition * tl.fps) if previous is not None else 0
            weights = motion.blend_weights(fade) if fade else ()
            planes = None
            for n in range(run.frames):
                key, steps = scene.plan(n)
                if n < fade:
                    key = (*key, "fade", n)
                if key != last_key or last_frame is None:
                    planes = scene.draw(steps)
                    if n < fade and previous is not None:
                        planes = tuple(Image.blend(a, b, weights[n])  # type: ignore[assignment]
                                       for a, b in zip(previous, planes, strict=True))
                    last_frame = writer.make_frame(planes)
                    last_key = key
                    drawn += 1
                if writer.frames == poster_at:
                    poster = _poster_jpeg(last_frame)
                writer.write(last_frame)
            previous = planes if planes is not None else previous
        writer.close()
    except BaseException:
        writer.abort()
        raise
    poster_file = poster_path(out)
    if poster is not None:
        atomic_write_bytes(poster_file, poster)
    logger.debug("clip %s: %d frames, %d drawn", out.name, total, drawn)
    return Clip(out, poster_file, total, drawn, total / tl.fps)


def _poster_jpeg(frame: av.VideoFrame) -> bytes:
    rgb = encode.to_rgb(frame)
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=88, optimize=True, icc_profile=srgb_icc())
    return buf.getvalue()


def frames_at(template: tmpl.Template, kit: BrandKit, values: Mapping[str, Any],
              photos: PhotoSet, seconds: Sequence[float]) -> list[Image.Image]:
    """RGB stills of the clip at the given moments (for previews and tests; nothing encoded)."""
    tl = _timeline(template)
    runs = timeline.play(tl, values, len(photos))
    total = timeline.total_frames(runs)
    widths = encode.line_sizes(template.width, template.height)
    prepared: dict[int, motion.SceneFrames] = {}

    def planes_at(frame: int) -> motion.Planes:
        k = next(i for i, r in enumerate(runs) if frame < r.start + r.frames or i == len(runs) - 1)
        run = runs[k]
        if k not in prepared:
            prepared[k] = motion.prepare(template, run, kit, values, photos, widths)
        n = frame - run.start
        planes = prepared[k].draw(prepared[k].plan(n)[1])
        fade = round(run.scene.transition * tl.fps) if k else 0
        if n < fade:
            before = planes_at(run.start - 1)
            w = motion.blend_weights(fade)[n]
            planes = tuple(Image.blend(a, b, w)  # type: ignore[assignment]
                           for a, b in zip(before, planes, strict=True))
        return planes

    out = []
    for t in seconds:
        frame = min(total - 1, max(0, round(t * tl.fps)))
        out.append(encode.to_rgb(encode.make_frame(planes_at(frame), template.width,
                                                   template.height)))
    return out


def scene_times(template: tmpl.Template, values: Mapping[str, Any], photo_count: int
                ) -> list[tuple[str, float]]:
    """(scene name, a moment in it where everything has entered) for each scene played."""
    tl = _timeline(template)
    return [(r.scene.name, (r.start + r.frames * 0.8) / tl.fps)
            for r in timeline.play(tl, values, photo_count)]
