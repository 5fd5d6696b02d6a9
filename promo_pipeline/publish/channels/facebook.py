"""The Facebook channel: a photo post on a Facebook Page through the Graph API.

Settings read: ``[publish.facebook]`` (:class:`FacebookSettings`), ``publish.timeout``; the Page
access token from ``PROMO_FACEBOOK_TOKEN`` (with ``pages_manage_posts``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from promo_pipeline.errors import RetryablePublishError
from promo_pipeline.publish.channels.base import (
    CaptionLimit,
    Channel,
    DeliveryJob,
    SendContext,
    SendResult,
    setting,
)
from promo_pipeline.publish.media import feed_images, resolve_images

if TYPE_CHECKING:
    from promo_pipeline.publish.graph import GraphAPI

PHOTOS_MAX = 10


@dataclass(frozen=True)
class FacebookSettings:
    """``[publish.facebook]``."""

    page_id: str = setting("", required=True)
    api_base: str = setting("https://graph.facebook.com/v21.0", required=True, url=True)


class FacebookChannel(Channel):
    """``/{page_id}/photos`` with multipart ``source`` + ``message``.

    Several images become one post: each is uploaded unpublished (checkpointed; an unpublished
    photo is invisible, so those uploads are safe to retry), then ``/{page_id}/feed`` publishes
    them together with the message.
    """

    name = "facebook"
    label = "Facebook"
    caption = CaptionLimit(63206, "utf16")
    env_secrets = ("PROMO_FACEBOOK_TOKEN",)
    section = FacebookSettings

    def __init__(self, settings: FacebookSettings, *, secrets: Mapping[str, str] | None = None,
                 timeout: float = 30.0) -> None:
        from promo_pipeline.publish.graph import GraphAPI

        super().__init__(settings, secrets=secrets, timeout=timeout)
        self.page_id = settings.page_id
        self.api: GraphAPI = GraphAPI("Facebook", self.name, settings.api_base, self.token,
                                      token_env=self.env_secrets[0], timeout=timeout)

    def close(self) -> None:
        self.api.close()

    def send(self, job: DeliveryJob, ctx: SendContext) -> SendResult:
        images = feed_images(resolve_images(job, ctx), limit=PHOTOS_MAX, design=job.design)
        caption = job.caption.strip()
        if len(images) == 1:
            with images[0].open("rb") as fh:
                body = self.api.post(f"{self.page_id}/photos", what="photos", irreversible=True,
                                     data={"message": caption},
                                     files={"source": (images[0].name, fh, "image/jpeg")})
            post_id = str(body.get("post_id") or body.get("id") or "") or None
            return SendResult(post_id, _link(post_id))
        cp = dict(job.checkpoint)
        photo_ids: list[str] = list(cp.get("photo_ids") or [])
        for img in images[len(photo_ids):]:
            with img.open("rb") as fh:
                body = self.api.post(f"{self.page_id}/photos", what="photos (unpublished)",
                                     irreversible=False,
                                     data={"published": "false", "temporary": "true"},
                                     files={"source": (img.name, fh, "image/jpeg")})
            if not body.get("id"):
                raise RetryablePublishError("Facebook tidak memberi id foto", channel=self.name)
            photo_ids.append(str(body["id"]))
            cp["photo_ids"] = photo_ids
            ctx.save_checkpoint(cp)
        data: dict[str, Any] = {"message": caption}
        for i, pid in enumerate(photo_ids):
            data[f"attached_media[{i}]"] = json.dumps({"media_fbid": pid})
        body = self.api.post(f"{self.page_id}/feed", what="feed", irreversible=True, data=data)
        post_id = str(body.get("id") or "") or None
        return SendResult(post_id, _link(post_id))


def _link(post_id: str | None) -> str | None:
    return f"https://www.facebook.com/{post_id}" if post_id else None
