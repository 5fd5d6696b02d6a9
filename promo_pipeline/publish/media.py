"""Which files of an approved post go out: checked; one design in feed ratios; the clip.

Settings read: ``storage.output_dir`` (through the send context).

Pure file work (Pillow is imported only to read an image's header, PyAV only to read a clip's
container). Used by every channel that uploads images; the export channel copies them all.
:func:`pick_clip` chooses the clip (MP4) a channel publishes, :func:`measure_video` reads
what the platforms' video limits need. :func:`check_limits` is the blocking check
every channel runs just before a send: the caption and the chosen images against the
channel's :class:`~promo_pipeline.publish.channels.base.CaptionLimit` and
:class:`~promo_pipeline.publish.channels.base.MediaLimit`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from promo_pipeline import fsutil
from promo_pipeline.errors import PermanentPublishError
from promo_pipeline.publish.channels.base import (
    DeliveryJob,
    MediaFacts,
    SendContext,
    VideoFacts,
)
from promo_pipeline.render.images import design_of

if TYPE_CHECKING:
    from promo_pipeline.publish.channels.base import Channel

#: Feed aspect ratios (width / height) Instagram accepts: 4:5 to 1.91:1.
FEED_RATIO_MIN = 0.8
FEED_RATIO_MAX = 1.91
_JPEG_MAGIC = b"\xff\xd8\xff"


def is_feed_ratio(size: tuple[int, int] | None) -> bool:
    """True for a width × height between 4:5 and 1.91:1 (with 1 % tolerance below 4:5)."""
    return bool(size and size[1]
                and FEED_RATIO_MIN - 0.01 <= size[0] / size[1] <= FEED_RATIO_MAX)


#: A post's clip (a video design); photo channels leave it out, the export folder keeps it.
VIDEO_SUFFIX = ".mp4"


def resolve_images(job: DeliveryJob, ctx: SendContext, *, videos: bool = False) -> list[Path]:
    """The delivery's image files, checked: inside ``output_dir``, present, JPEG (with
    *videos*, also the post's MP4 clips; without, clips are left out)."""
    wanted = [rel for rel in job.images if videos or not rel.endswith(VIDEO_SUFFIX)]
    if not wanted:
        raise PermanentPublishError("unggahan tidak punya gambar", channel=job.channel)
    paths = []
    for rel in wanted:
        path = (ctx.output_dir / rel)
        if not fsutil.is_within(path, ctx.output_dir):
            raise PermanentPublishError(f"gambar di luar folder keluaran ditolak: {rel}",
                                        channel=job.channel)
        if not path.is_file():
            raise PermanentPublishError(f"berkas gambar tidak ditemukan: {rel}",
                                        channel=job.channel)
        with path.open("rb") as fh:
            head = fh.read(12)
        if rel.endswith(VIDEO_SUFFIX):
            if head[4:8] != b"ftyp":
                raise PermanentPublishError(f"video bukan MP4: {rel}", channel=job.channel)
        elif head[:3] != _JPEG_MAGIC:
            raise PermanentPublishError(f"gambar bukan JPEG: {rel}", channel=job.channel)
        paths.append(path)
    return paths


def has_stills(job: DeliveryJob) -> bool:
    """True when the post carries at least one still image (not only a clip)."""
    return any(not rel.endswith(VIDEO_SUFFIX) for rel in job.images)


def pick_clip(job: DeliveryJob, ctx: SendContext, prefer: tuple[str, ...] = (),
              ratio: tuple[float, float] | None = None) -> Path | None:
    """The post's clip a channel sends: the first of the designs in *prefer* the post has,
    else any other clip (by name); with *ratio*, only a clip whose width / height lies in it
    (Facebook Reels take 9:16 only). None when the post has no such clip. Checked like every
    file of a delivery (inside ``output_dir``, an MP4)."""
    if not any(rel.endswith(VIDEO_SUFFIX) for rel in job.images):
        return None
    clips = [p for p in resolve_images(job, ctx, videos=True) if p.suffix == VIDEO_SUFFIX]
    rank = {d: i for i, d in enumerate(prefer)}
    clips.sort(key=lambda p: (rank.get(_design_name(p), len(rank)), p.name))
    for clip in clips:
        if ratio is None:
            return clip
        facts = measure_video(clip)
        if facts.height and ratio[0] - 0.01 <= facts.width / facts.height <= ratio[1] + 0.01:
            return clip
    return None


def measure_video(path: Path) -> VideoFacts:
    """A clip's codec, size, frame rate, duration, audio and box order, from its container
    (PyAV reads the headers; no frame is decoded)."""
    import av

    size = path.stat().st_size
    try:
        with av.open(str(path)) as box:
            video = box.streams.video[0]
            audio = box.streams.audio[0] if box.streams.audio else None
            ctx = video.codec_context
            if box.duration:
                duration = box.duration / 1_000_000
            elif video.duration is not None and video.time_base is not None:
                duration = float(video.duration * video.time_base)
            else:
                duration = 0.0
            rate = video.average_rate or video.guessed_rate
            facts = VideoFacts(
                path.name, size, True, codec=ctx.name, width=ctx.width, height=ctx.height,
                fps=float(rate) if rate else 0.0, duration=duration,
                pix_fmt=ctx.pix_fmt or "",
                audio_codec=audio.codec_context.name if audio is not None else None,
                audio_rate=audio.codec_context.sample_rate or 0 if audio is not None else 0,
                audio_channels=audio.codec_context.channels if audio is not None else 0,
                faststart=moov_first(path))
    except (av.FFmpegError, IndexError, OSError, ValueError):
        return VideoFacts(path.name, size, False)
    return facts


def poster_of(clip: Path) -> Path | None:
    """The clip's poster frame (a JPEG the renderer saves beside it), when it is there: the
    cover Telegram and Instagram show before the clip plays."""
    from promo_pipeline.render.video import poster_path

    poster = poster_path(clip)
    try:
        with poster.open("rb") as fh:
            return poster if fh.read(3) == _JPEG_MAGIC else None
    except OSError:
        return None


def moov_first(path: Path) -> bool:
    """True when an MP4's ``moov`` box comes before its ``mdat`` box (``+faststart``)."""
    with path.open("rb") as fh:
        while True:
            head = fh.read(8)
            if len(head) < 8:
                return False
            size, kind = int.from_bytes(head[:4], "big"), head[4:8]
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if size == 1:  # a 64-bit size follows
                size = int.from_bytes(fh.read(8), "big") - 8
            elif size == 0:
                return False
            fh.seek(size - 8, 1)


def _design_name(path: Path) -> str:
    named = design_of(path)
    return named[0] if named else path.stem.split("-", 1)[0]


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height of a JPEG file, or None when it cannot be read."""
    from PIL import Image

    try:
        with Image.open(path, formats=["JPEG"]) as im:
            return im.size
    except (OSError, ValueError):
        return None


def measure(path: Path) -> MediaFacts:
    """An image's format, bytes and size, from its header (no pixels decoded)."""
    from PIL import Image

    size = path.stat().st_size
    try:
        with Image.open(path) as im:
            return MediaFacts(path.name, im.format, size, im.width, im.height)
    except (OSError, ValueError):
        return MediaFacts(path.name, None, size, 0, 0)


def check_limits(channel: Channel, job: DeliveryJob, ctx: SendContext) -> None:
    """Refuse, before any call, what the platform would refuse: the caption the channel sends
    and the images it chose, against the channel's documented limits."""
    found = list(channel.caption_problems(job))
    clip = channel.clip(job, ctx)
    if clip is not None and channel.video is not None:
        found += channel.video.problems(measure_video(clip), channel.label)
    if channel.media is not None:
        chosen = channel.images(job, ctx)
        if chosen or clip is None:  # a post sent as a clip alone has no still to check
            found += channel.media.problems([measure(p) for p in chosen], channel.label)
    if found:
        raise PermanentPublishError(
            f"diblokir sebelum dikirim ke {channel.label}: {'; '.join(found)} — perbaiki lalu "
            "setujui dan kirim ulang", channel=job.channel)


#: Which design a feed post shows when a post has several: a carousel (a set of slides made to
#: be swiped), the urgent design of a lot that ends soon, the feed portrait, the square.
_DESIGN_PREFERENCE = ("carousel", "digest", "urgent", "feed", "square")


def feed_images(paths: list[Path], *, limit: int, design: str | None = None) -> list[Path]:
    """The images of one feed post: one design, feed aspect ratios only, at most *limit*.

    A post carries several renderings of the same lot (feed portrait, story, maybe square, an
    urgent variant, carousel slides). A feed post shows one design: the reviewer's chosen
    *design* when given, else the first of carousel, digest, urgent, feed, square that the post
    has. Story formats (9:16) never go into a feed post. Files not named by the renderer are
    taken by aspect ratio alone; when no image has a feed ratio, all are returned (Telegram and
    Facebook accept any ratio; the Instagram channel checks again).
    """
    feed = [p for p in paths if is_feed_ratio(image_size(p))]
    if not feed:
        return paths[:limit]
    groups: dict[str, list[tuple[int, Path]]] = {}
    for p in feed:
        named = design_of(p)
        if named is None:
            groups.setdefault("", []).append((0, p))
        else:
            groups.setdefault(named[0], []).append((named[1] or 0, p))
    order = [d for d in (design, *_DESIGN_PREFERENCE) if d] + sorted(groups)
    chosen = next(d for d in order if d in groups)
    return [p for _, p in sorted(groups[chosen], key=lambda t: t[0])][:limit]
