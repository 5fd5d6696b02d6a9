"""The Facebook channel: a photo post on a Facebook Page through the Graph API.

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
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promo_pipeline.errors import (
    PermanentPublishError,
    PublishError,
    RetryablePublishError,
    UnconfirmedPublishError,
)
from promo_pipeline.publish.channels.base import (
    CaptionLimit,
    Channel,
    DeliveryJob,
    Look,
    MediaLimit,
    SendContext,
    SendResult,
    setting,
)
from promo_pipeline.publish.media import feed_images, resolve_images

if TYPE_CHECKING:
    from promo_pipeline.publish.graph import GraphAPI

PHOTOS_MAX = 10
#: Meta does not document how long an unpublished (``published=false``) photo stays usable;
#: re-uploading one is invisible, so any older than this is uploaded again.
UNPUBLISHED_MAX_AGE = timedelta(hours=23)


@dataclass(frozen=True)
class FacebookSettings:
    """``[publish.facebook]``."""

    page_id: str = setting("", required=True)
    api_base: str = setting("https://graph.facebook.com/v26.0", required=True, url=True)


class FacebookChannel(Channel):
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
    env_secrets = ("PROMO_FACEBOOK_TOKEN",)
    section = FacebookSettings
    can_look = True
    look_settle = 600.0

    def __init__(self, settings: FacebookSettings, *, secrets: Mapping[str, str] | None = None,
                 timeout: float = 30.0) -> None:
        from promo_pipeline.publish.graph import GraphAPI
        from promo_pipeline.publish.graph_errors import FACEBOOK

        super().__init__(settings, secrets=secrets, timeout=timeout)
        self.page_id = settings.page_id
        self.api: GraphAPI = GraphAPI("Facebook", self.name, settings.api_base, self.token,
                                      token_env=self.env_secrets[0], timeout=timeout,
                                      table=FACEBOOK)

    def close(self) -> None:
        self.api.close()

    def images(self, job: DeliveryJob, ctx: SendContext) -> list[Path]:
        return feed_images(resolve_images(job, ctx), limit=PHOTOS_MAX, design=job.design)

    # --- looking -------------------------------------------------------------------------------

    def look(self, job: DeliveryJob, ctx: SendContext, *, settle: float | None = None) -> Look:
        """Is the delivery's post on the Page? Reads the Page's posts since the last attempt
        that may have published."""
        started = job.checkpoint.get("publishing_at")
        if not started:
            return Look.absent("belum ada langkah yang menerbitkan")
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


def _link(post_id: str | None) -> str | None:
    return f"https://www.facebook.com/{post_id}" if post_id else None
