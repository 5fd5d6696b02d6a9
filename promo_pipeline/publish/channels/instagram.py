"""The Instagram channel: a feed post (one image or a carousel) or a Reel through the Graph API.

Settings read: ``[publish.instagram]`` (:class:`InstagramSettings`), ``publish.timeout``; the
token from ``PROMO_INSTAGRAM_TOKEN`` — a Facebook Login token (``EAA…``, scope
``instagram_content_publish``) on ``graph.facebook.com``, or an Instagram Login token
(``IG…``, scope ``instagram_business_content_publish``) with ``api_base`` on
``graph.instagram.com``.

The flow (Instagram "Content Publishing"): publishing limit → container(s)
(:mod:`~promo_pipeline.publish.containers`) → status, checked once a minute for at most five
minutes (the documented cadence: between checks the delivery waits in the outbox, other posts
go on) → ``media_publish``. Exactly once: the container is checkpointed the moment it exists
and ``media_publish`` is only ever repeated with the same container; after a lost answer the
container's own status says whether it went out (PUBLISHED), and the media id insights need is
read back from the account's media. The daily publishing limit is read before a container is
made and before ``media_publish``; a full limit moves the delivery to when the rolling 24-hour
window frees a place, without using a retry.

Reels: a post with a clip (``reel`` first, else ``clip``) goes out as a Reel instead of its
stills — one delivery is one Instagram post, and Reels are where Instagram gives reach (the
rule for every channel is in README "Video"). The container is ``media_type=REELS`` with
``video_url`` (the clip under ``public_base_url``, like the images), ``cover_url`` (its
poster frame) and ``share_to_feed``; Instagram downloads and processes the video, so its
status stays ``IN_PROGRESS`` for a few checks, and a video it refuses ends in ``ERROR`` with
the subcode (2207026: format). The same containers, polling and ``media_publish`` as a photo,
so the same exactly-once rules. Instagram's Reels limits (MP4 H.264/HEVC, 3-90 s for a Reel
shown in the feed, at most 300 MB, 23-60 fps, at most 1920 px wide, AAC at most 48 kHz,
``moov`` first) are re-checked before the send. ``video = false`` in ``[publish.instagram]``
keeps sending the stills.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from promo_pipeline.errors import (
    PermanentPublishError,
    PublishError,
    RateLimitedPublishError,
    RetryablePublishError,
    UnconfirmedPublishError,
)
from promo_pipeline.publish.channels.base import (
    CaptionLimit,
    DeliveryJob,
    Look,
    MediaLimit,
    SendContext,
    SendResult,
    VideoLimit,
    setting,
)
from promo_pipeline.publish.channels.graph_base import GraphChannel, GraphSettings
from promo_pipeline.publish.errortable import subcode_of

if TYPE_CHECKING:
    from promo_pipeline.publish.containers import Containers, Status

logger = logging.getLogger(__name__)

CAROUSEL_MAX = 10
DAY = timedelta(hours=24)
#: ``media_publish`` answering 2207008 this often for one container: make a new one.
BUILDER_MISSES_MAX = 3


@dataclass(frozen=True)
class InstagramSettings(GraphSettings):
    """``[publish.instagram]``: ``api_base``, ``video`` (publish the post's clip as a Reel
    instead of its stills; false: stills only), the account and how its containers are made."""

    user_id: str = setting("", required=True)
    #: Where Instagram fetches the images: this URL must serve ``storage.output_dir``.
    public_base_url: str = setting("", required=True, url=True)
    #: Seconds between container status checks (Meta: once a minute, for at most 5 minutes).
    poll_interval: float = setting(60.0, minimum=0)
    poll_max: int = setting(5, minimum=1)  # checks in a row before a retry is counted


class InstagramChannel(GraphChannel):
    """Publishing limit → container(s) → status → ``media_publish``; see the module docstring.

    The image is fetched by Instagram from ``public_base_url`` + its path under ``output_dir``.
    """

    name = "instagram"
    label = "Instagram"
    caption = CaptionLimit(2200, "utf16", max_hashtags=30, max_mentions=20)
    #: JPEG only, at most 8 MiB, 4:5 to 1.91:1, 320-1440 px wide; a carousel of 2-10.
    media = MediaLimit(formats=("JPEG",), max_bytes=8 * 1024 * 1024, ratio=(0.8, 1.91),
                       width=(320, 1440), items=(2, CAROUSEL_MAX))
    #: Reels (IG Media reference, "Reel specifications"): MOV/MP4 with ``moov`` first, H.264
    #: or HEVC, 4:2:0, 23-60 fps, at most 1920 px wide, 3 s to 90 s (a Reel shown in the feed;
    #: longer ones are Reels-tab only), at most 300 MB, AAC at most 48 kHz; ratio 0.01:1 to
    #: 10:1 (9:16 recommended).
    video = VideoLimit(codecs=("h264", "hevc"), max_bytes=300 * 1024 * 1024,
                       duration=(3.0, 90.0), ratio=(0.01, 10.0), max_width=1920,
                       fps=(23.0, 60.0), max_audio_rate=48_000, needs_faststart=True)
    clip_designs = ("reel", "clip")
    env_secrets = ("PROMO_INSTAGRAM_TOKEN",)
    section = InstagramSettings
    can_look = True

    photos_max = CAROUSEL_MAX

    def __init__(self, settings: InstagramSettings, *,
                 secrets: Mapping[str, str] | None = None, timeout: float = 30.0) -> None:
        from promo_pipeline.publish.containers import Containers
        from promo_pipeline.publish.graph_errors import INSTAGRAM

        super().__init__(settings, table=INSTAGRAM, secrets=secrets, timeout=timeout)
        self.user_id = settings.user_id
        self.public_base = settings.public_base_url.rstrip("/")
        self.poll_interval = settings.poll_interval
        self.poll_max = settings.poll_max
        self.containers: Containers = Containers(self.api, self.user_id, self.public_base,
                                                 self.name)

    # --- the publishing limit --------------------------------------------------------------------

    def quota(self) -> tuple[int, int] | None:
        """Posts published in the last 24 hours and the account's limit."""
        body = self.api.get(f"{self.user_id}/content_publishing_limit", what="publishing limit",
                            params={"fields": "quota_usage,config"})
        data = (body.get("data") or [{}])[0] if isinstance(body.get("data"), list) else {}
        usage = data.get("quota_usage")
        total = (data.get("config") or {}).get("quota_total")
        if isinstance(usage, int) and isinstance(total, int):
            return usage, total
        return None

    def full_wait(self, ctx: SendContext, usage: int, total: int) -> tuple[float, str]:
        """How long until the rolling 24-hour window frees a place: when our oldest post of
        the window leaves it, re-checked at least hourly (other tools may post too)."""
        now = ctx.clock()
        ours = sorted(ctx.sent_since(now - DAY))
        wait = 3600.0
        if ours:
            wait = min(wait, max(60.0, (ours[0] + DAY - now).total_seconds() + 60))
        return wait, (f"batas unggahan Instagram 24 jam tercapai ({usage}/{total}); menunggu "
                      "jendela 24 jam memberi tempat, tanpa memakai jatah percobaan")

    def window(self, job: DeliveryJob, ctx: SendContext) -> tuple[float, str]:
        try:
            found = self.quota()
        except PublishError:
            return 0.0, ""  # the send reads it again and reports what is wrong
        if found is None or found[0] < found[1]:
            return 0.0, ""
        return self.full_wait(ctx, *found)

    def _check_quota(self, ctx: SendContext) -> None:
        found = self.quota()
        if found is not None and found[0] >= found[1]:
            wait, why = self.full_wait(ctx, *found)
            raise RateLimitedPublishError(why, channel=self.name, retry_after=wait,
                                          code="9/2207042")

    # --- looking -------------------------------------------------------------------------------

    def look(self, job: DeliveryJob, ctx: SendContext) -> Look:
        """The container says whether it went out; a resend reuses it, so "not published yet"
        is safe to send (Instagram publishes a container at most once)."""
        container = job.checkpoint.get("container_id")
        if not container:
            return Look.absent("belum ada container: belum ada yang dapat terbit")
        try:
            status = self.containers.status(str(container))
        except PublishError as exc:
            return Look.unknown(f"status container Instagram belum dapat dibaca: {exc}")
        if status.code == "PUBLISHED":
            return Look.found(self._published(job, str(container)),
                              f"container {container} sudah PUBLISHED")
        if status.code in ("FINISHED", "IN_PROGRESS", "ERROR", "EXPIRED"):
            return Look.absent(f"container {container} berstatus {status.shown()}: belum terbit")
        return Look.unknown(f"status container {container} tidak dikenal: {status.shown()}")

    def _published(self, job: DeliveryJob, container: str) -> SendResult:
        """The media id (what insights need) of a container found PUBLISHED."""
        since = job.checkpoint.get("container_at")
        try:
            found = self.containers.find_media(
                job.caption, datetime.fromisoformat(str(since)) if since else None)
        except PublishError as exc:
            logger.warning("instagram: media of container %s not found: %s", container, exc)
            found = None
        if found is None:
            return SendResult(None, None)
        return SendResult(found[0], found[1])

    # --- sending -------------------------------------------------------------------------------

    def send(self, job: DeliveryJob, ctx: SendContext) -> SendResult:
        from promo_pipeline.publish import containers as ct

        self.preflight(job, ctx)
        if not self.public_base:
            raise PermanentPublishError("publish.instagram.public_base_url belum diatur",
                                        channel=self.name)
        cp = dict(job.checkpoint)
        container = cp.get("container_id")
        if container and ct.too_old(cp.get("container_at"), ctx.clock()):
            ct.forget(cp, children=True)
            ctx.save_checkpoint(cp)
            container = None
        if not container:
            self._check_quota(ctx)
            clip = self.clip(job, ctx)
            if clip is not None:
                container = self.containers.make_reel(clip, job.caption.strip(), cp, ctx)
            else:
                container = self.containers.make(self.images(job, ctx), job.caption.strip(),
                                                 cp, ctx)
        status = self.containers.status(str(container))
        if status.code == "PUBLISHED":
            logger.info("instagram: container of delivery %s was published already", job.id)
            return self._published(job, str(container))
        self._ready(status, str(container), cp, ctx)
        self._check_quota(ctx)
        return self._publish(job, str(container), cp, ctx)

    def _ready(self, status: Status, container: str, cp: dict[str, Any],
               ctx: SendContext) -> None:
        """Return when the container is FINISHED; else the error that says what next."""
        from promo_pipeline.publish import containers as ct

        cp["container_status"] = status.shown()
        if status.code == "FINISHED":
            cp.pop("polls", None)
            ctx.save_checkpoint(cp)
            return
        if status.code == "IN_PROGRESS":
            polls = int(cp.get("polls") or 0) + 1
            cp["polls"] = polls % self.poll_max
            ctx.save_checkpoint(cp)
            text = (f"Instagram masih memproses container {container} (status IN_PROGRESS, "
                    f"pemeriksaan ke-{polls})")
            if polls >= self.poll_max:
                raise RetryablePublishError(
                    f"{text} setelah {self.poll_max} kali; container disimpan dan dicoba lagi",
                    channel=self.name, retry_after=self.poll_interval)
            raise RateLimitedPublishError(f"{text}; diperiksa lagi", channel=self.name,
                                          retry_after=self.poll_interval)
        recreate = status.recreatable
        reel = bool(cp.get("reel"))
        ct.forget(cp, children=status.code == "EXPIRED")
        ctx.save_checkpoint(cp)
        text = f"container Instagram {container} berstatus {status.shown()}"
        if recreate:
            raise RetryablePublishError(f"{text}; dibuat ulang", channel=self.name,
                                        retry_after=0.0, code=status.text or None)
        what = ("video dapat diunduh dari public_base_url dan memenuhi syarat Reels (MP4 "
                "H.264, 3–90 dtk)") if reel else \
            "gambar dapat diunduh dari public_base_url dan berformat JPEG"
        raise PermanentPublishError(f"{text}; periksa bahwa {what}", channel=self.name,
                                    code=status.text or None)

    def _publish(self, job: DeliveryJob, container: str, cp: dict[str, Any],
                 ctx: SendContext) -> SendResult:
        from promo_pipeline.publish import containers as ct
        from promo_pipeline.publish.graph_errors import RECREATE_SUBCODES

        cp["publishing_at"] = ctx.clock().isoformat()
        ctx.save_checkpoint(cp)
        try:
            body = self.api.post(f"{self.user_id}/media_publish", what="media_publish",
                                 irreversible=True, data={"creation_id": container})
        except UnconfirmedPublishError as exc:
            # A read-only look settles most lost answers: the container says if it went out.
            seen = self.look(job, ctx)
            if seen.state == "found" and seen.result is not None:
                return seen.result
            raise UnconfirmedPublishError(
                f"{exc}; status container diperiksa lagi otomatis — kirim ulang memakai "
                "container yang sama, yang hanya dapat terbit sekali", channel=self.name,
                code=exc.code) from None
        except RateLimitedPublishError as exc:
            if subcode_of(exc.code) == 2207042:
                wait, why = self.full_wait(ctx, *(self.quota() or (0, 0)))
                raise RateLimitedPublishError(f"{why} — {exc}", channel=self.name,
                                              retry_after=wait, code=exc.code) from None
            raise
        except PublishError as exc:
            sub = subcode_of(exc.code)
            misses = int(cp.get("builder_misses") or 0) + (sub == 2207008)
            cp["builder_misses"] = misses
            if sub in RECREATE_SUBCODES or misses >= BUILDER_MISSES_MAX:
                ct.forget(cp, children=sub == 2207020)
            ctx.save_checkpoint(cp)
            raise
        media_id = str(body.get("id") or "") or None
        link = None
        if media_id:
            try:
                link = self.containers.permalink(media_id)
            except PublishError:
                link = None
        return SendResult(media_id, link)
