"""Encoding a clip to MP4 with PyAV (its wheels carry FFmpeg with libx264; no system FFmpeg, no
download at run time).

What the platforms ask for (Instagram Reels, Facebook Page video, Telegram ``sendVideo``): H.264
High profile, yuv420p (BT.709, TV range, tagged), progressive, closed GOP, constant 30 fps,
``moov`` before ``mdat`` (``+faststart``), no edit lists, AAC audio at most 48 kHz. The clip
carries a **silent AAC track** rather than none: Telegram shows a soundless MP4 as a looping GIF
without a seek bar, and Instagram publishes a video with a silent track like any other. B-frames
are off, so the first frame has time 0 and no edit list is needed to say so. Two encoder
threads and a short lookahead keep a 1080×1920 encode under 300 MB (see benchmarks/README.md).

Frames come in as yuv420p planes (Pillow ``L`` images as wide as the encoder's line sizes) and
are encoded as they arrive; nothing holds the whole clip. The file is written beside its target
and moved into place only when complete.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from promo_pipeline import fsutil
from promo_pipeline.errors import RenderError

SAMPLE_RATE = 48_000
AAC_FRAME = 1024
#: Suffix of a clip being encoded (renamed to its final name when complete).
PART_SUFFIX = ".part"
#: Bump when an encoder setting changes the output (part of every clip's name).
ENCODER_VERSION = "2"


@dataclass(frozen=True)
class Settings:
    """libx264 settings. The preset trades encode time for file size, not picture quality (CRF)."""

    preset: str = "veryfast"
    crf: int = 21
    keyint_seconds: float = 2.0
    tune: str = "stillimage"

    def key(self) -> str:
        return f"{ENCODER_VERSION}:{self.preset}:{self.crf}:{self.keyint_seconds}:{self.tune}:" \
               f"av{av.__version__}"


def line_sizes(width: int, height: int) -> tuple[int, int, int]:
    """How wide (padding included) each yuv420p plane of a ``width×height`` frame is."""
    probe = av.VideoFrame(width, height, "yuv420p")
    return tuple(p.line_size for p in probe.planes)  # type: ignore[return-value]


def make_frame(planes: tuple[Image.Image, Image.Image, Image.Image], width: int, height: int
               ) -> av.VideoFrame:
    """A new frame holding *planes* (each exactly as wide as its line size), tagged BT.709."""
    frame = av.VideoFrame(width, height, "yuv420p")
    for plane, im in zip(frame.planes, planes, strict=True):
        plane.update(im.tobytes())
    frame.color_range = av.video.reformatter.ColorRange.MPEG
    frame.colorspace = av.video.reformatter.Colorspace.ITU709
    return frame


def to_rgb(frame: av.VideoFrame) -> Image.Image:
    """A BT.709 TV-range frame as an sRGB Pillow image."""
    return frame.reformat(format="rgb24", src_colorspace=av.video.reformatter.Colorspace.ITU709,
                          src_color_range=av.video.reformatter.ColorRange.MPEG).to_image()


class ClipWriter:
    """An MP4 being written: ``frame()`` gives an empty frame, ``write()`` encodes one."""

    def __init__(self, path: Path, width: int, height: int, fps: int, settings: Settings, *,
                 total: int = 0, progress: Callable[[int, int], None] | None = None):
        self.path = path
        self.width, self.height, self.fps = width, height, fps
        self.total = total
        self.progress = progress
        self.frames = 0
        self._samples = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = path.with_name(f".{path.name}.{os.getpid()}{PART_SUFFIX}")
        fsutil.track_temp(self._tmp)
        try:
            self._out = av.open(str(self._tmp), "w", format="mp4",
                                options={"movflags": "+faststart", "use_editlist": "0"})
        except (av.FFmpegError, OSError) as exc:
            fsutil.untrack_temp(self._tmp)
            raise RenderError(f"cannot write {path}: {exc}") from exc
        v = self._out.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = width, height, "yuv420p"
        v.time_base = Fraction(1, fps * 512)
        cc = v.codec_context
        cc.color_range = av.video.reformatter.ColorRange.MPEG
        cc.colorspace = av.video.reformatter.Colorspace.ITU709
        cc.color_primaries = av.video.reformatter.ColorPrimaries.BT709
        cc.color_trc = av.video.reformatter.ColorTrc.BT709
        v.options = {"preset": settings.preset, "crf": str(settings.crf), "tune": settings.tune,
                     "profile": "high", "bf": "0", "g": str(round(fps * settings.keyint_seconds)),
                     "x264-params": "open-gop=0:scenecut=0:rc-lookahead=2:sync-lookahead=0",
                     "threads": "2"}
        a = self._out.add_stream("aac", rate=SAMPLE_RATE)
        a.layout = "mono"
        a.bit_rate = 32_000
        self._video, self._audio = v, a
        #: Widths the planes must have (the encoder's line sizes, padding included).
        self.line_sizes = line_sizes(width, height)
        self._silence: bytes | None = None

    def make_frame(self, planes: tuple[Image.Image, Image.Image, Image.Image]) -> av.VideoFrame:
        return make_frame(planes, self.width, self.height)

    def write(self, frame: av.VideoFrame) -> None:
        """Encode *frame* as the next frame (the same frame object may be written again)."""
        frame.pts = self.frames * 512
        frame.time_base = self._video.time_base
        try:
            for packet in self._video.encode(frame):
                self._out.mux(packet)
            self.frames += 1
            self._audio_until(self.frames / self.fps)
        except av.FFmpegError as exc:
            raise RenderError(f"encoding {self.path.name} failed: {exc}") from exc
        if self.progress is not None:
            self.progress(self.frames, self.total)

    def _audio_until(self, seconds: float) -> None:
        # Silence, fed alongside the video so the muxer interleaves the two. The AAC encoder
        # puts 1024 samples of priming before the first packet; starting the frames at that
        # offset keeps every timestamp at or above zero (no shift, no edit list).
        while self._samples < seconds * SAMPLE_RATE:
            frame = av.AudioFrame(format="fltp", layout="mono", samples=AAC_FRAME)
            if self._silence is None:
                self._silence = bytes(frame.planes[0].buffer_size)
            frame.planes[0].update(self._silence)
            frame.sample_rate = SAMPLE_RATE
            frame.pts = self._samples + AAC_FRAME
            frame.time_base = Fraction(1, SAMPLE_RATE)
            self._samples += AAC_FRAME
            for packet in self._audio.encode(frame):
                self._out.mux(packet)

    def close(self) -> None:
        """Flush the encoders, finish the file (moov moved to the front) and move it in place."""
        try:
            for packet in self._video.encode(None):
                self._out.mux(packet)
            for packet in self._audio.encode(None):
                self._out.mux(packet)
            self._out.close()
        except av.FFmpegError as exc:
            self.abort()
            raise RenderError(f"encoding {self.path.name} failed: {exc}") from exc
        fsutil.replace_file(self._tmp, self.path)  # waits out a viewer holding it (Windows)
        fsutil.untrack_temp(self._tmp)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._out.close()
        with contextlib.suppress(OSError):
            self._tmp.unlink()
        fsutil.untrack_temp(self._tmp)
