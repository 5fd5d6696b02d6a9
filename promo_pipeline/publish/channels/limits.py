"""What a platform accepts: caption limits (:class:`CaptionLimit`, counted in the platform's own
unit), image limits (:class:`MediaLimit` over :class:`MediaFacts`) and video limits
(:class:`VideoLimit` over :class:`VideoFacts`).

Pure data and checks, declared by each channel (:mod:`promo_pipeline.publish.channels.base`) and
read by captions, the review page, the CLI and the outbox's preflight; problems are Indonesian
sentences for staff. Reads no settings. Imports nothing heavy (X's weighted count is loaded on
first use).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: How a platform counts a caption: code points, UTF-16 code units (Telegram; what a browser's
#: ``string.length`` shows), UTF-8 bytes (Threads) or X's weighted length (NFC, every URL 23,
#: CJK and emoji 2). The review page's live counter knows the same four names.
Unit = Literal["chars", "utf16", "utf8", "weighted"]
UNITS: tuple[Unit, ...] = ("chars", "utf16", "utf8", "weighted")


@dataclass(frozen=True)
class CaptionLimit:
    """The longest caption a channel accepts, counted the platform's way."""

    max_length: int
    unit: Unit = "chars"
    max_hashtags: int | None = None
    max_mentions: int | None = None
    #: True when the platform refuses a longer caption (a blocking finding); False when the
    #: channel copes (Telegram sends the rest as text messages after the photos).
    hard: bool = True

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown caption unit {self.unit!r} (one of {UNITS})")
        if self.max_length < 1:
            raise ValueError("max_length must be ≥ 1")

    def measure(self, text: str) -> int:
        """The length of *text* as this platform counts it."""
        if self.unit == "weighted":
            return _weighted_length(text)
        if self.unit == "utf8":
            return len(text.encode("utf-8"))
        if self.unit == "utf16":
            return len(text.encode("utf-16-le")) // 2
        return len(text)

    def over(self, text: str) -> bool:
        """True when *text* is longer than :attr:`max_length`."""
        return self.measure(text) > self.max_length

    def problems(self, text: str, label: str = "") -> list[str]:
        """What in *text* the platform refuses, in Indonesian (empty: it fits): the outbox
        blocks a send on it (the caption lint blocks approval on the same limits)."""
        where = f"Keterangan {label}".strip() if label else "Keterangan"
        found = []
        length = self.measure(text)
        if length > self.max_length:
            found.append(f"{where} {_thousands(length)} karakter, melebihi batas "
                         f"{_thousands(self.max_length)}")
        # Counted the captions stage's way (loaded on first use, like X's weighted count).
        from promo_pipeline.captions.lengths import count_hashtags, count_mentions

        tags = count_hashtags(text)
        if self.max_hashtags is not None and tags > self.max_hashtags:
            found.append(f"{where} memuat {tags} tagar, melebihi batas {self.max_hashtags}")
        mentions = count_mentions(text)
        if self.max_mentions is not None and mentions > self.max_mentions:
            found.append(f"{where} memuat {mentions} sebutan @, melebihi batas "
                         f"{self.max_mentions}")
        return found


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # Indonesian: 2.200


@dataclass(frozen=True)
class MediaFacts:
    """One image file as the limits see it (measured by :mod:`promo_pipeline.publish.media`)."""

    name: str
    format: str | None  # "JPEG", "PNG" … (None: unreadable)
    size_bytes: int
    width: int
    height: int


@dataclass(frozen=True)
class MediaLimit:
    """The images a platform takes: formats, bytes, shape and how many in one post."""

    formats: tuple[str, ...] = ("JPEG",)
    max_bytes: int | None = None
    #: Width / height allowed (4:5 = 0.8 to 1.91 on Instagram); None: any.
    ratio: tuple[float, float] | None = None
    #: Width in pixels allowed; None: any.
    width: tuple[int, int] | None = None
    #: Telegram: width + height at most this, longer side / shorter side at most max_aspect.
    max_sides: int | None = None
    max_aspect: float | None = None
    #: Images in one post (1 or an album / carousel of min..max).
    items: tuple[int, int] = (1, 10)

    def problems(self, images: list[MediaFacts], label: str = "") -> list[str]:
        """What in *images* the platform refuses, in Indonesian (empty: they fit)."""
        who = label or "platform"
        found = []
        if not images:
            return [f"tidak ada gambar untuk {who}"]
        if len(images) > 1 and not self.items[0] <= len(images) <= self.items[1]:
            found.append(f"{who} menerima {self.items[0]}–{self.items[1]} gambar per unggahan, "
                         f"bukan {len(images)}")
        for im in images:
            found.extend(self._one(im, who))
        return found

    def _one(self, im: MediaFacts, who: str) -> list[str]:
        if im.format is None:
            return [f"{im.name}: gambar tidak dapat dibaca"]
        out = []
        if im.format not in self.formats:
            out.append(f"{im.name}: format {im.format}; {who} hanya menerima "
                       f"{'/'.join(self.formats)}")
        if self.max_bytes is not None and im.size_bytes > self.max_bytes:
            out.append(f"{im.name}: {_dec(im.size_bytes / 1_048_576)} MB, melebihi batas "
                       f"{who} {self.max_bytes / 1_048_576:.0f} MB")
        w, h = im.width, im.height
        if self.ratio is not None and h and not (
                self.ratio[0] - 0.005 <= w / h <= self.ratio[1] + 0.005):
            out.append(f"{im.name}: rasio {w}×{h} di luar {_ratio(self.ratio[0])} sampai "
                       f"{_ratio(self.ratio[1])} yang diterima {who}")
        if self.width is not None and not self.width[0] <= w <= self.width[1]:
            out.append(f"{im.name}: lebar {w} px di luar {self.width[0]}–{self.width[1]} px "
                       f"yang diterima {who}")
        if self.max_sides is not None and w + h > self.max_sides:
            out.append(f"{im.name}: lebar + tinggi {w + h} px, melebihi {self.max_sides} px")
        if self.max_aspect is not None and min(w, h) and max(w, h) / min(w, h) > self.max_aspect:
            out.append(f"{im.name}: sisi panjang lebih dari {self.max_aspect:g}× sisi pendek")
        return out


@dataclass(frozen=True)
class VideoFacts:
    """One clip as the limits see it (read from its container by
    :func:`promo_pipeline.publish.media.measure_video`; no frame decoded)."""

    name: str
    size_bytes: int
    readable: bool = True
    codec: str = ""  # "h264"
    width: int = 0
    height: int = 0
    fps: float = 0.0
    duration: float = 0.0  # seconds
    pix_fmt: str = ""  # "yuv420p"
    audio_codec: str | None = None  # None: no audio track
    audio_rate: int = 0
    audio_channels: int = 0
    #: True when the ``moov`` atom comes before ``mdat`` (the player can start at once).
    faststart: bool = False


@dataclass(frozen=True)
class VideoLimit:
    """The clips a platform takes: codec, bytes, duration, shape, frame rate, audio."""

    codecs: tuple[str, ...] = ("h264",)
    max_bytes: int | None = None
    #: Seconds allowed (min, max).
    duration: tuple[float, float] | None = None
    #: Width / height allowed; None: any.
    ratio: tuple[float, float] | None = None
    #: Smallest width and height (Facebook Reels: 540 × 960).
    min_size: tuple[int, int] | None = None
    max_width: int | None = None
    fps: tuple[float, float] | None = None
    pix_fmts: tuple[str, ...] = ("yuv420p",)
    #: Audio codecs accepted when the clip has a track, and the highest sample rate.
    audio_codecs: tuple[str, ...] = ("aac",)
    max_audio_rate: int | None = None
    needs_faststart: bool = False

    def problems(self, clip: VideoFacts, label: str = "") -> list[str]:
        """What in *clip* the platform refuses, in Indonesian (empty: it fits)."""
        who = label or "platform"
        if not clip.readable:
            return [f"{clip.name}: video tidak dapat dibaca"]
        out = []
        if clip.codec not in self.codecs:
            out.append(f"{clip.name}: kodek {clip.codec or '?'}; {who} menerima "
                       f"{'/'.join(c.upper() for c in self.codecs)}")
        if self.max_bytes is not None and clip.size_bytes > self.max_bytes:
            out.append(f"{clip.name}: {_dec(clip.size_bytes / 1_048_576)} MB, melebihi batas "
                       f"video {who} {self.max_bytes / 1_048_576:.0f} MB")
        if self.duration is not None and not (
                self.duration[0] <= clip.duration <= self.duration[1]):
            out.append(f"{clip.name}: durasi {_dec(clip.duration)} dtk di luar "
                       f"{self.duration[0]:g}–{self.duration[1]:g} dtk yang diterima {who}")
        w, h = clip.width, clip.height
        if self.ratio is not None and h and not (
                self.ratio[0] - 0.01 <= w / h <= self.ratio[1] + 0.01):
            out.append(f"{clip.name}: rasio {w}×{h} di luar yang diterima {who} "
                       f"({_ratio(self.ratio[0])} sampai {_ratio(self.ratio[1])})")
        if self.min_size is not None and (w < self.min_size[0] or h < self.min_size[1]):
            out.append(f"{clip.name}: {w}×{h} px, lebih kecil dari minimum {who} "
                       f"{self.min_size[0]}×{self.min_size[1]} px")
        if self.max_width is not None and w > self.max_width:
            out.append(f"{clip.name}: lebar {w} px melebihi {self.max_width} px ({who})")
        if self.fps is not None and not self.fps[0] <= round(clip.fps, 2) <= self.fps[1]:
            out.append(f"{clip.name}: {clip.fps:g} fps di luar {self.fps[0]:g}–"
                       f"{self.fps[1]:g} fps yang diterima {who}")
        if self.pix_fmts and clip.pix_fmt not in self.pix_fmts:
            out.append(f"{clip.name}: format piksel {clip.pix_fmt or '?'}; {who} menerima "
                       f"{'/'.join(self.pix_fmts)}")
        if clip.audio_codec is not None:
            if clip.audio_codec not in self.audio_codecs:
                out.append(f"{clip.name}: audio {clip.audio_codec}; {who} menerima "
                           f"{'/'.join(c.upper() for c in self.audio_codecs)}")
            if self.max_audio_rate is not None and clip.audio_rate > self.max_audio_rate:
                out.append(f"{clip.name}: audio {clip.audio_rate} Hz melebihi "
                           f"{self.max_audio_rate} Hz ({who})")
        if self.needs_faststart and not clip.faststart:
            out.append(f"{clip.name}: atom moov tidak di awal berkas (tanpa +faststart); "
                       f"{who} menolaknya")
        return out


def _dec(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")  # Indonesian: 9,5


def _ratio(value: float) -> str:
    known = {0.8: "4:5", 1.91: "1,91:1", 0.56: "9:16"}
    return known.get(round(value, 2), f"{value:g}:1".replace(".", ","))


def _weighted_length(text: str) -> int:
    # X's count (twitter-text's), in linear time; loaded on first use (see the module).
    from promo_pipeline.captions.weighted import weighted_length

    return weighted_length(text)
