"""Images as the fake platforms read them (what arrives in an upload or at an image URL)."""

from __future__ import annotations

import hashlib
import io

from PIL import Image


def image_problem(data: bytes) -> str | None:
    """None when *data* is a complete, decodable image; else what is wrong."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
    except Exception as exc:
        return f"broken image: {exc}"
    return None


def check_jpeg(data: bytes) -> str | None:
    """None when *data* is a complete, decodable JPEG; else what is wrong."""
    if not data.startswith(b"\xff\xd8\xff"):
        return "not a JPEG"
    return image_problem(data)


def image_info(data: bytes) -> tuple[str | None, int, int]:
    """Format, width and height of an image (None, 0, 0 when unreadable)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.format, im.width, im.height
    except Exception:
        return None, 0, 0


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- clips ---------------------------------------------------------------------------------------


def video_info(data: bytes) -> dict | None:
    """What a platform reads from an uploaded or fetched clip: container, codec, size, frame
    rate, duration, pixel format, audio and whether ``moov`` comes first; None when *data* is
    not a playable video."""
    import av

    try:
        with av.open(io.BytesIO(data)) as box:
            v = box.streams.video[0]
            a = box.streams.audio[0] if box.streams.audio else None
            # Decode one frame: a header alone does not prove the stream plays.
            next(box.decode(video=0))
            rate = v.average_rate or v.guessed_rate
            return {
                "format": box.format.name, "codec": v.codec_context.name,
                "width": v.codec_context.width, "height": v.codec_context.height,
                "fps": float(rate) if rate else 0.0,
                "duration": (box.duration or 0) / 1_000_000,
                "pix_fmt": v.codec_context.pix_fmt,
                "audio": a.codec_context.name if a is not None else None,
                "audio_rate": a.codec_context.sample_rate if a is not None else 0,
                "moov_first": _moov_first(data),
            }
    except Exception:
        return None


def _moov_first(data: bytes) -> bool:
    pos = 0
    while pos + 8 <= len(data):
        size, kind = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8]
        if kind in (b"moov", b"mdat"):
            return kind == b"moov"
        if size < 8:
            return False
        pos += size
    return False


def make_mp4(path, size: tuple[int, int], seconds: float, *, fps: int = 30,
             audio_rate: int | None = 48_000, faststart: bool = True):
    """A real H.264 MP4 (ultrafast, a moving colour so frames differ) with a silent AAC track
    at *audio_rate* (None: no audio); *faststart*: ``moov`` before ``mdat``."""
    from fractions import Fraction

    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    opts = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format="mp4", options=opts) as out:
        v = out.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        v.options = {"preset": "ultrafast", "bf": "0"}
        a = None
        if audio_rate:
            a = out.add_stream("aac", rate=audio_rate)
            a.layout = "mono"
        frames = round(seconds * fps)
        samples = 0
        for i in range(frames):
            im = Image.new("RGB", size, ((i * 9) % 256, 90, 160))
            for packet in v.encode(av.VideoFrame.from_image(im)):
                out.mux(packet)
            while a is not None and samples < (i + 1) / fps * audio_rate:
                af = av.AudioFrame(format="fltp", layout="mono", samples=1024)
                af.planes[0].update(bytes(af.planes[0].buffer_size))
                af.sample_rate = audio_rate
                af.pts = samples
                af.time_base = Fraction(1, audio_rate)
                samples += 1024
                for packet in a.encode(af):
                    out.mux(packet)
        for packet in v.encode(None):
            out.mux(packet)
        if a is not None:
            for packet in a.encode(None):
                out.mux(packet)
    return path
