"""Instagram media containers: made once, reused while the platform keeps them, never twice.

Settings read: none (the Instagram channel passes its API client and public base URL).

A feed post is a container (``POST /{ig-user-id}/media``; a carousel is a parent container of
2-10 child containers) that ``media_publish`` turns into a post. What Meta documents, and what
this module does about it:

- a container is published at most once, so ``media_publish`` may be repeated with the same
  container: a retry never makes a second post. A new parent container is made only when the
  old one can never be published: ``EXPIRED``, ``ERROR``, a "re-create" subcode, or older than
  the platform keeps containers (:data:`TTL`, 24 hours — reused up to :data:`REUSE_MAX`);
- child containers expire the same way and are made again when older than :data:`REUSE_MAX`
  (a resend a day later used to fail with 2207020);
- ``status_code`` is one of EXPIRED, ERROR, FINISHED, IN_PROGRESS, PUBLISHED; ``status`` holds
  the error subcode when ERROR (``"-2/2207003"``): it is kept and shown to the reviewers.

A Reel is one container too (``media_type=REELS``, ``video_url``, ``cover_url``,
``share_to_feed``; :meth:`Containers.make_reel`): Instagram fetches and processes the video
after answering, so its status is ``IN_PROGRESS`` for a while and a refused video ends in
``ERROR`` with its subcode.

Every container id and when it was made is checkpointed the moment it exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from promo_pipeline.errors import RetryablePublishError
from promo_pipeline.publish.channels.base import SendContext
from promo_pipeline.publish.graph_errors import INSTAGRAM, RECREATE_SUBCODES

if TYPE_CHECKING:
    from promo_pipeline.publish.graph import GraphAPI

#: How long Instagram keeps an unpublished container ("not published within 24 hours").
TTL = timedelta(hours=24)
#: The oldest container reused; older ones are made again (an hour's margin before TTL).
REUSE_MAX = timedelta(hours=23)
_SUBCODE = re.compile(r"\b(22070\d\d)\b")


@dataclass(frozen=True)
class Status:
    """A container's ``status_code`` and ``status`` text."""

    code: str  # EXPIRED | ERROR | FINISHED | IN_PROGRESS | PUBLISHED | "" (unreadable)
    text: str = ""

    @property
    def subcode(self) -> int | None:
        m = _SUBCODE.search(self.text)
        return int(m.group(1)) if m else None

    def shown(self) -> str:
        """The status as the reviewers see it (``ERROR: -2/2207003 — waktu … habis``)."""
        if not self.text or self.text == self.code:
            return self.code or "tidak diketahui"
        meaning = INSTAGRAM.subcodes.get(self.subcode or 0)
        extra = f" — {meaning.says}" if meaning else ""
        return f"{self.code}: {self.text}{extra}"

    @property
    def recreatable(self) -> bool:
        """True when a fresh container may succeed where this one failed."""
        return self.code == "EXPIRED" or (self.code == "ERROR" and (
            self.subcode is None or self.subcode in RECREATE_SUBCODES
            or self.subcode == 2207001))


class Containers:
    """The containers of one Instagram account."""

    def __init__(self, api: GraphAPI, user_id: str, public_base: str, channel: str) -> None:
        self.api = api
        self.user_id = user_id
        self.public_base = public_base.rstrip("/")
        self.channel = channel

    def image_url(self, path: Path, output_dir: Path) -> str:
        """Where Instagram fetches a file of ``output_dir`` (an image, a clip, a poster)."""
        rel = path.resolve().relative_to(output_dir.resolve()).as_posix()
        return f"{self.public_base}/{quote(rel)}"

    def status(self, container_id: str) -> Status:
        body = self.api.get(container_id, what="container status",
                            params={"fields": "status_code,status"})
        return Status(str(body.get("status_code") or "").upper(),
                      str(body.get("status") or "").strip())

    def create(self, data: dict[str, Any], what: str) -> str:
        body = self.api.post(f"{self.user_id}/media", what=what, irreversible=False, data=data)
        cid = body.get("id")
        if not cid:
            raise RetryablePublishError(f"Instagram tidak memberi id container ({what})",
                                        channel=self.channel)
        return str(cid)

    def make(self, images: list[Path], caption: str, cp: dict[str, Any],
             ctx: SendContext) -> str:
        """The parent container of *images* with *caption*, checkpointed. Child containers
        already in the checkpoint are reused while Instagram keeps them."""
        now = ctx.clock()
        if len(images) == 1:
            container = self.create({"image_url": self.image_url(images[0], ctx.output_dir),
                                     "caption": caption}, "media container")
        else:
            if too_old(cp.get("children_at"), now):
                cp.pop("children", None)
                cp.pop("children_at", None)
            children: list[str] = list(cp.get("children") or [])
            for p in images[len(children):]:
                children.append(self.create(
                    {"image_url": self.image_url(p, ctx.output_dir),
                     "is_carousel_item": "true"}, "carousel item"))
                cp["children"] = children
                cp.setdefault("children_at", now.isoformat())
                ctx.save_checkpoint(cp)
            container = self.create({"media_type": "CAROUSEL", "children": ",".join(children),
                                     "caption": caption}, "carousel container")
        cp.pop("reel", None)
        return self._made(container, cp, ctx, now)

    def make_reel(self, clip: Path, caption: str, cp: dict[str, Any],
                  ctx: SendContext) -> str:
        """The Reel container of *clip* with *caption*, checkpointed (``reel``: true, so
        messages speak of a video). Its poster frame, when there, is the cover."""
        from promo_pipeline.publish.media import poster_of

        now = ctx.clock()
        data = {"media_type": "REELS", "video_url": self.image_url(clip, ctx.output_dir),
                "caption": caption, "share_to_feed": "true"}
        poster = poster_of(clip)
        if poster is not None:
            data["cover_url"] = self.image_url(poster, ctx.output_dir)
        container = self.create(data, "reel container")
        cp["reel"] = True
        return self._made(container, cp, ctx, now)

    def _made(self, container: str, cp: dict[str, Any], ctx: SendContext,
              now: datetime) -> str:
        cp["container_id"] = container
        cp["container_at"] = now.isoformat()
        cp.pop("polls", None)
        cp.pop("container_status", None)
        ctx.save_checkpoint(cp)
        return container

    def find_media(self, caption: str, since: datetime | None) -> tuple[str, str | None] | None:
        """The published media with this caption (made after *since*): its id and permalink.
        ``media_publish`` answers with the media id; after a lost answer this finds it."""
        want = " ".join(caption.split())
        body = self.api.get(f"{self.user_id}/media", what="media",
                            params={"fields": "id,caption,timestamp,permalink", "limit": 25})
        for media in body.get("data") or []:
            if not isinstance(media, dict) or " ".join(
                    str(media.get("caption") or "").split()) != want:
                continue
            at = _parse_time(media.get("timestamp"))
            if since is not None and at is not None and at < since - timedelta(minutes=5):
                continue
            permalink = media.get("permalink")
            return str(media.get("id")), str(permalink) if permalink else None
        return None

    def permalink(self, media_id: str) -> str | None:
        body = self.api.get(media_id, what="permalink", params={"fields": "permalink"})
        link = body.get("permalink")
        return str(link) if link else None


def forget(cp: dict[str, Any], *, children: bool) -> None:
    """Drop the parent container (and the children) from a checkpoint."""
    for key in ("container_id", "container_at", "polls", "publishing_at", "builder_misses",
                "reel"):
        cp.pop(key, None)
    if children:
        cp.pop("children", None)
        cp.pop("children_at", None)


def too_old(at: object, now: datetime) -> bool:
    """True when a container made at *at* (ISO) is older than :data:`REUSE_MAX`."""
    made = _parse_time(at)
    return made is not None and now - made > REUSE_MAX


def _parse_time(value: object) -> datetime | None:
    if not value:
        return None
    try:
        # Graph timestamps look like 2026-12-05T09:00:00+0000.
        text = str(value)
        if re.search(r"[+-]\d{4}$", text):
            text = text[:-2] + ":" + text[-2:]
        return datetime.fromisoformat(text)
    except ValueError:
        return None
