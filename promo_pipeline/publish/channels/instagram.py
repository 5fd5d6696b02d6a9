"""The Instagram channel: a feed post (one image or a carousel) through the Graph API.

Settings read: ``[publish.instagram]`` (:class:`InstagramSettings`), ``publish.timeout``; the
token from ``PROMO_INSTAGRAM_TOKEN`` (with ``instagram_content_publish``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

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
    SendContext,
    SendResult,
    setting,
)
from promo_pipeline.publish.media import feed_images, image_size, is_feed_ratio, resolve_images

if TYPE_CHECKING:
    from promo_pipeline.publish.graph import GraphAPI

logger = logging.getLogger(__name__)

CAROUSEL_MAX = 10


@dataclass(frozen=True)
class InstagramSettings:
    """``[publish.instagram]``."""

    user_id: str = setting("", required=True)
    api_base: str = setting("https://graph.facebook.com/v21.0", required=True, url=True)
    #: Where Instagram fetches the images: this URL must serve ``storage.output_dir``.
    public_base_url: str = setting("", required=True, url=True)
    poll_interval: float = setting(5.0, minimum=0)  # seconds between container status checks
    poll_max: int = setting(60, minimum=1)  # checks before giving up for this run (kept)


class InstagramChannel(Channel):
    """Publishing limit → container(s) → status poll → ``media_publish``.

    The image is fetched by Instagram from ``public_base_url`` + its path under ``output_dir``.
    Container ids are checkpointed the moment they exist; a later attempt reuses them (a
    ``PUBLISHED`` container means the post already went out and nothing is sent again), so a
    retry after a lost answer never creates a second container.
    """

    name = "instagram"
    label = "Instagram"
    caption = CaptionLimit(2200, "utf16", max_hashtags=30, max_mentions=20)
    env_secrets = ("PROMO_INSTAGRAM_TOKEN",)
    section = InstagramSettings

    def __init__(self, settings: InstagramSettings, *,
                 secrets: Mapping[str, str] | None = None, timeout: float = 30.0) -> None:
        from promo_pipeline.publish.graph import GraphAPI

        super().__init__(settings, secrets=secrets, timeout=timeout)
        self.user_id = settings.user_id
        self.public_base = settings.public_base_url.rstrip("/")
        self.poll_interval = settings.poll_interval
        self.poll_max = settings.poll_max
        self.api: GraphAPI = GraphAPI("Instagram", self.name, settings.api_base, self.token,
                                      token_env=self.env_secrets[0], timeout=timeout)

    def close(self) -> None:
        self.api.close()

    def image_url(self, path: Path, output_dir: Path) -> str:
        rel = path.resolve().relative_to(output_dir.resolve()).as_posix()
        return f"{self.public_base}/{quote(rel)}"

    def check_limit(self) -> None:
        body = self.api.get(f"{self.user_id}/content_publishing_limit", what="publishing limit",
                            params={"fields": "quota_usage,config"})
        data = (body.get("data") or [{}])[0] if isinstance(body.get("data"), list) else {}
        usage = data.get("quota_usage")
        total = (data.get("config") or {}).get("quota_total")
        if isinstance(usage, int) and isinstance(total, int) and usage >= total:
            raise RetryablePublishError(
                f"batas unggahan Instagram 24 jam tercapai ({usage}/{total}); dicoba lagi nanti",
                channel=self.name, retry_after=3600.0)

    def _status(self, container_id: str) -> str:
        body = self.api.get(container_id, what="container status",
                            params={"fields": "status_code"})
        return str(body.get("status_code") or "").upper()

    def _create(self, data: dict[str, Any], what: str) -> str:
        body = self.api.post(f"{self.user_id}/media", what=what, irreversible=False, data=data)
        cid = body.get("id")
        if not cid:
            raise RetryablePublishError(f"Instagram tidak memberi id container ({what})",
                                        channel=self.name)
        return str(cid)

    def send(self, job: DeliveryJob, ctx: SendContext) -> SendResult:
        cp = dict(job.checkpoint)
        container = cp.get("container_id")
        if container:
            status = self._status(container)
            if status == "PUBLISHED":
                logger.info("instagram: container of delivery %s was published already", job.id)
                return SendResult(cp.get("media_id") or f"container:{container}")
            if status in ("EXPIRED", "ERROR"):
                # Never published: a fresh container is safe. An ERROR container is kept out
                # only after a human asked to send again; the first ERROR fails the delivery.
                cp.pop("container_id", None)
                cp.pop("children", None)
                ctx.save_checkpoint(cp)
                container = None
        if not container:
            container = self._new_container(job, ctx, cp)
        self._wait_finished(container, ctx)
        self.check_limit()
        try:
            body = self.api.post(f"{self.user_id}/media_publish", what="media_publish",
                                 irreversible=True, data={"creation_id": container})
        except UnconfirmedPublishError:
            # A read-only look settles most lost answers: the container says if it went out.
            try:
                if self._status(container) == "PUBLISHED":
                    return SendResult(f"container:{container}")
            except PublishError:
                pass
            raise
        media_id = str(body.get("id") or "") or None
        return SendResult(media_id)

    def _new_container(self, job: DeliveryJob, ctx: SendContext, cp: dict[str, Any]) -> str:
        chosen = feed_images(resolve_images(job, ctx), limit=CAROUSEL_MAX, design=job.design)
        for p in chosen:
            size = image_size(p)
            if not is_feed_ratio(size):
                raise PermanentPublishError(
                    f"Instagram hanya menerima rasio 4:5 sampai 1,91:1; gambar {p.name} "
                    f"berukuran {size[0] if size else '?'}×{size[1] if size else '?'}",
                    channel=self.name)
        if not self.public_base:
            raise PermanentPublishError("publish.instagram.public_base_url belum diatur",
                                        channel=self.name)
        self.check_limit()
        caption = job.caption.strip()
        if len(chosen) == 1:
            container = self._create({"image_url": self.image_url(chosen[0], ctx.output_dir),
                                      "caption": caption}, "media container")
        else:
            children: list[str] = list(cp.get("children") or [])
            for p in chosen[len(children):]:
                children.append(self._create(
                    {"image_url": self.image_url(p, ctx.output_dir),
                     "is_carousel_item": "true"}, "carousel item"))
                cp["children"] = children
                ctx.save_checkpoint(cp)
            container = self._create({"media_type": "CAROUSEL", "children": ",".join(children),
                                      "caption": caption}, "carousel container")
        cp["container_id"] = container
        ctx.save_checkpoint(cp)
        return container

    def _wait_finished(self, container: str, ctx: SendContext) -> None:
        for attempt in range(self.poll_max):
            status = self._status(container)
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status == "ERROR":
                raise PermanentPublishError(
                    "Instagram gagal memproses gambar (status ERROR); periksa bahwa gambar dapat "
                    "diunduh dari public_base_url dan berformat JPEG", channel=self.name)
            if status == "EXPIRED":
                raise RetryablePublishError("container Instagram kedaluwarsa; dibuat ulang",
                                            channel=self.name, retry_after=0)
            if attempt + 1 < self.poll_max:
                ctx.sleep(self.poll_interval)
        raise RetryablePublishError(
            "Instagram masih memproses gambar; dicoba lagi nanti (container disimpan)",
            channel=self.name, retry_after=max(60.0, self.poll_interval * 4))
