"""The Facebook channel: a photo post or a Reel on a Facebook Page through the Graph API.

Settings read: ``[publish.facebook]`` (:class:`FacebookSettings`), ``publish.timeout``; the Page
access token from ``PROMO_FACEBOOK_TOKEN`` (``pages_manage_posts``; ``pages_read_engagement``
to read the Page's posts back).

Exactly once: the moment before a call that publishes, the checkpoint records
``publishing_at``. When the answer is lost, or is a server error that does not prove nothing
was written (codes 1/2, ``is_transient``, 5xx, 506 "duplicate post"), the delivery is
unconfirmed and :meth:`FacebookChannel.look` reads the Page's own posts
(``/{page-id}/published_posts`` since that moment) for one whose text is the delivery's
caption — the caption carries the lot's own lelang.go.id link, so it is the marker. Found:
sent, with the post id. Not there :attr:`~FacebookChannel.look_settle` seconds after the
attempt: sending again is safe. Before any resend the Page is read again.

Reels: a post with a 9:16 clip (the ``reel`` design) goes out as a Reel instead of its stills
(one delivery is one Page post; the rule for every channel is in README "Video"), through the
Reels Publishing API's three phases: ``/{page-id}/video_reels`` ``upload_phase=start`` gives a
video id (checkpointed; nothing is visible), the file goes to the resumable upload URL it names
(``rupload.facebook.com``; an interrupted upload resumes at the ``bytes_transferred`` the
video's status reports), then ``upload_phase=finish`` with ``video_state=PUBLISHED`` and the
caption publishes it — the one step that publishes, checkpointed like a photo post. After a
lost answer :meth:`FacebookChannel.look` reads the video's own ``status``: a publishing phase
that started proves the Reel is out (or on its way); ``not_started`` proves it is not, so
``finish`` may be sent again with the same video. Meta's Reels specification (MP4, 9:16, at
least 540×960, 24-60 fps, 3-90 s, H.264/H.265/VP9/AV1, AAC 48 kHz) is re-checked before the
send; a 4:5 ``clip`` is not a Reel, so such a post keeps going as photos. ``video = false``
in ``[publish.facebook]`` keeps sending photos. Meta allows 30 API-published Reels per Page
in 24 hours; a refusal is read from the error table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from promo_pipeline.errors import (
    PermanentPublishError,
    PublishError,
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

PHOTOS_MAX = 10
#: Meta does not document how long an unpublished (``published=false``) photo stays usable;
#: re-uploading one is invisible, so any older than this is uploaded again.
UNPUBLISHED_MAX_AGE = timedelta(hours=23)


@dataclass(frozen=True)
class FacebookSettings(GraphSettings):
    """``[publish.facebook]``: ``api_base``, ``video`` (publish the post's 9:16 clip as a Reel
    instead of its photos; false: photos only) and the Page."""

    page_id: str = setting("", required=True)


#: Reels Publishing API, "Video Specifications": 9:16, 1080×1920 recommended and 540×960 at
#: least, 24-60 fps, 3-90 s, H.264/H.265 (VP9, AV1 also), 4:2:0, AAC (48 kHz recommended).
REEL = VideoLimit(codecs=("h264", "hevc", "vp9", "av1"), duration=(3.0, 90.0),
                  ratio=(9 / 16, 9 / 16), min_size=(540, 960), fps=(24.0, 60.0),
                  max_audio_rate=48_000)


class FacebookChannel(GraphChannel):
    """``/{page_id}/photos`` with multipart ``source`` + ``message``.

    Several images become one post: each is uploaded unpublished (checkpointed; an unpublished
    photo is invisible, so those uploads are safe to retry), then ``/{page_id}/feed`` publishes
    them together with the message.
    """

    name = "facebook"
    label = "Facebook"
    caption = CaptionLimit(63206, "utf16")
    #: Page photos: JPEG, PNG, GIF, BMP or TIFF, under 4 MB (Graph API photo uploads guide).
    media = MediaLimit(formats=("JPEG", "PNG", "GIF", "BMP", "TIFF"),
                       max_bytes=4 * 1024 * 1024, items=(2, PHOTOS_MAX))
    video = REEL
    clip_designs = ("reel",)
    env_secrets = ("PROMO_FACEBOOK_TOKEN",)
    section = FacebookSettings
    can_look = True
    look_settle = 600.0

    photos_max = PHOTOS_MAX

    def __init__(self, settings: FacebookSettings, *, secrets: Mapping[str, str] | None = None,
                 timeout: float = 30.0) -> None:
        from promo_pipeline.publish.graph_errors import FACEBOOK

        super().__init__(settings, table=FACEBOOK, secrets=secrets, timeout=timeout)
        self.page_id = settings.page_id

    # --- looking -------------------------------------------------------------------------------

    def look(self, job: DeliveryJob, ctx: SendContext, *, settle: float | None = None) -> Look:
        """Is the delivery's post on the Page? Reads the Page's posts since the last attempt
        that may have published."""
        started = job.checkpoint.get("publishing_at")
        if not started:
            return Look.absent("belum ada langkah yang menerbitkan")
        if job.checkpoint.get("reel_id"):
            return self._look_reel(str(job.checkpoint["reel_id"]))
        since = datetime.fromisoformat(str(started))
        try:
            found = self.find_post(job.caption, since)
        except PublishError as exc:
            return Look.unknown(f"Halaman Facebook belum dapat dibaca: {exc}")
        if found is not None:
            return Look.found(SendResult(found, _link(found)),
                              f"ditemukan di Halaman Facebook ({found})")
        wait = self.look_settle if settle is None else settle
        if (ctx.clock() - since).total_seconds() >= wait:
            return Look.absent("tidak ada di Halaman Facebook")
        return Look.unknown("belum terlihat di Halaman Facebook; diperiksa lagi")

    def _look_reel(self, video_id: str) -> Look:
        """A Reel's own status says whether ``finish`` reached Meta: its publishing phase
        starts only then."""
        try:
            status = self.reel_status(video_id)
        except PublishError as exc:
            return Look.unknown(f"status Reel Facebook belum dapat dibaca: {exc}")
        phase = str((status.get("publishing_phase") or {}).get("status") or "")
        if phase in ("complete", "in_progress"):
            return Look.found(SendResult(video_id, _reel_link(video_id)),
                              f"Reel {video_id} sudah diterbitkan ({phase})")
        if phase in ("not_started", "error"):
            return Look.absent(f"Reel {video_id} belum diterbitkan ({phase})")
        return Look.unknown(f"status Reel {video_id} tidak dikenal: {phase or '?'}")

    def reel_status(self, video_id: str) -> dict[str, Any]:
        """A Reel's ``status`` (``video_status``, ``uploading_phase`` with
        ``bytes_transferred``, ``processing_phase``, ``publishing_phase``)."""
        body = self.api.get(video_id, what="reel status", params={"fields": "status"})
        status = body.get("status")
        return status if isinstance(status, dict) else {}

    def find_post(self, caption: str, since: datetime) -> str | None:
        """The id of the Page's post with this caption made after *since*, if any."""
        want = _norm(caption)
        params = {"fields": "id,message,created_time", "limit": 50,
                  "since": int((since - timedelta(minutes=2)).timestamp())}
        body = self.api.get(f"{self.page_id}/published_posts", what="published_posts",
                            params=params)
        for post in body.get("data") or []:
            if isinstance(post, dict) and _norm(str(post.get("message") or "")) == want:
                return str(post.get("id") or "") or None
        return None

    # --- sending -------------------------------------------------------------------------------

    def send(self, job: DeliveryJob, ctx: SendContext) -> SendResult:
        self.preflight(job, ctx)
        cp = dict(job.checkpoint)
        if cp.get("publishing_at"):
            # An earlier attempt may have published: read the Page before anything else.
            seen = self.look(job, ctx, settle=0.0)
            if seen.state == "found" and seen.result is not None:
                return seen.result
            if seen.state == "unknown":
                raise RetryablePublishError(
                    f"Facebook: percobaan sebelumnya belum dapat diperiksa ({seen.note}); "
                    "tidak dikirim ulang sebelum Halaman terbaca", channel=self.name)
        clip = self.clip(job, ctx)
        if clip is not None:
            return self._send_reel(clip, job.caption.strip(), cp, ctx)
        images = self.images(job, ctx)
        caption = job.caption.strip()
        if len(images) == 1:
            with images[0].open("rb") as fh:
                body = self._publish(f"{self.page_id}/photos", "photos", cp, ctx,
                                     data={"message": caption},
                                     files={"source": (images[0].name, fh, "image/jpeg")})
            post_id = str(body.get("post_id") or body.get("id") or "") or None
            return SendResult(post_id, _link(post_id))
        photo_ids = self._upload_unpublished(images, cp, ctx)
        data: dict[str, Any] = {"message": caption}
        for i, pid in enumerate(photo_ids):
            data[f"attached_media[{i}]"] = json.dumps({"media_fbid": pid})
        try:
            body = self._publish(f"{self.page_id}/feed", "feed", cp, ctx, data=data)
        except PermanentPublishError as exc:
            if not (exc.code or "").startswith("100"):
                raise
            # An unpublished photo Meta no longer keeps: upload them again on the retry.
            cp.pop("photo_ids", None)
            cp.pop("photos_at", None)
            ctx.save_checkpoint(cp)
            raise RetryablePublishError(f"{exc}; foto diunggah ulang pada percobaan berikutnya",
                                        channel=self.name, code=exc.code) from None
        post_id = str(body.get("id") or "") or None
        return SendResult(post_id, _link(post_id))

    def _send_reel(self, clip: Path, caption: str, cp: dict[str, Any],
                   ctx: SendContext) -> SendResult:
        """start → upload → finish (see the module docstring); each step checkpointed."""
        video_id = cp.get("reel_id")
        if not video_id:
            body = self.api.post(f"{self.page_id}/video_reels", what="video_reels start",
                                 irreversible=False, data={"upload_phase": "start"})
            if not body.get("video_id") or not body.get("upload_url"):
                raise RetryablePublishError("Facebook tidak memberi id video Reel",
                                            channel=self.name)
            video_id = str(body["video_id"])
            cp.update(reel_id=video_id, reel_upload_url=str(body["upload_url"]),
                      reel_at=ctx.clock().isoformat())
            cp.pop("reel_uploaded", None)
            ctx.save_checkpoint(cp)
        if not cp.get("reel_uploaded"):
            offset = 0
            if cp.get("reel_upload_tried"):  # an earlier upload broke off: resume it
                phase = self.reel_status(str(video_id)).get("uploading_phase") or {}
                offset = int(phase.get("bytes_transferred") or 0)
            cp["reel_upload_tried"] = True
            ctx.save_checkpoint(cp)
            if offset < clip.stat().st_size:
                self.api.upload(str(cp["reel_upload_url"]), clip, what="video_reels upload",
                                offset=offset)
            cp["reel_uploaded"] = True
            ctx.save_checkpoint(cp)
        data = {"upload_phase": "finish", "video_id": str(video_id),
                "video_state": "PUBLISHED", "description": caption}
        try:
            self._publish(f"{self.page_id}/video_reels", "video_reels finish", cp, ctx,
                          data=data)
        except PermanentPublishError as exc:
            if not (exc.code or "").startswith("100"):
                raise
            # A video id Meta no longer knows: start a new upload on the retry.
            for key in ("reel_id", "reel_upload_url", "reel_at", "reel_uploaded",
                        "reel_upload_tried"):
                cp.pop(key, None)
            ctx.save_checkpoint(cp)
            raise RetryablePublishError(f"{exc}; video diunggah ulang pada percobaan "
                                        "berikutnya", channel=self.name, code=exc.code) from None
        return SendResult(str(video_id), _reel_link(str(video_id)))

    def _upload_unpublished(self, images: list[Path], cp: dict[str, Any],
                            ctx: SendContext) -> list[str]:
        now = ctx.clock()
        at = cp.get("photos_at")
        if at and now - datetime.fromisoformat(str(at)) > UNPUBLISHED_MAX_AGE:
            cp.pop("photo_ids", None)  # kept longer than Meta may keep them: upload again
        photo_ids: list[str] = list(cp.get("photo_ids") or [])
        for img in images[len(photo_ids):]:
            with img.open("rb") as fh:
                body = self.api.post(f"{self.page_id}/photos", what="photos (unpublished)",
                                     irreversible=False,
                                     data={"published": "false", "temporary": "true"},
                                     files={"source": (img.name, fh, "image/jpeg")})
            if not body.get("id"):
                raise RetryablePublishError("Facebook tidak memberi id foto", channel=self.name)
            if not photo_ids:
                cp["photos_at"] = now.isoformat()
            photo_ids.append(str(body["id"]))
            cp["photo_ids"] = photo_ids
            ctx.save_checkpoint(cp)
        return photo_ids

    def _publish(self, path: str, what: str, cp: dict[str, Any], ctx: SendContext, *,
                 data: dict[str, Any], files: dict[str, Any] | None = None) -> dict[str, Any]:
        """A call that publishes. The moment before it is checkpointed (what :meth:`look`
        reads from); a refusal proves nothing went out and forgets that moment again."""
        cp["publishing_at"] = ctx.clock().isoformat()
        ctx.save_checkpoint(cp)
        try:
            return self.api.post(path, what=what, irreversible=True, data=data, files=files)
        except UnconfirmedPublishError as exc:
            raise UnconfirmedPublishError(
                f"{exc}; Halaman Facebook diperiksa otomatis sebelum dikirim ulang",
                channel=self.name, code=exc.code) from None
        except (PermanentPublishError, RetryablePublishError):
            cp.pop("publishing_at", None)
            ctx.save_checkpoint(cp)
            raise


def _norm(text: str) -> str:
    return " ".join(text.split())


def _reel_link(video_id: str) -> str:
    return f"https://www.facebook.com/reel/{video_id}"


def _link(post_id: str | None) -> str | None:
    return f"https://www.facebook.com/{post_id}" if post_id else None
