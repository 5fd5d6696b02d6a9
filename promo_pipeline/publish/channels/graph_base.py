"""What the channels on Meta's Graph API share: :class:`GraphSettings` (``api_base`` and
``video``, the start of ``[publish.facebook]`` and ``[publish.instagram]``) and
:class:`GraphChannel` (one :class:`~promo_pipeline.publish.graph.GraphAPI` client made from them
and the channel's token, and a post's stills unless its clip goes out as a Reel instead).

Settings read: ``api_base`` and ``video`` of the channel's section. Declares no channel of its
own (:mod:`~promo_pipeline.publish.channels.facebook` and
:mod:`~promo_pipeline.publish.channels.instagram` do); importable without requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from promo_pipeline.publish.channels.base import Channel, DeliveryJob, SendContext, setting
from promo_pipeline.publish.media import feed_images, has_stills, resolve_images

if TYPE_CHECKING:
    from promo_pipeline.publish.errortable import Table
    from promo_pipeline.publish.graph import GraphAPI


@dataclass(frozen=True)
class GraphSettings:
    """The keys every Graph API channel's section has."""

    api_base: str = setting("https://graph.facebook.com/v26.0", required=True, url=True)
    #: Publish the post's clip as a Reel (instead of its stills); false: stills only.
    video: bool = setting(True)


class GraphChannel(Channel):
    """A channel on the Graph API; a subclass names its :attr:`photos_max` and passes its
    error table (:mod:`~promo_pipeline.publish.graph_errors`)."""

    #: The most stills in one post (an album or a carousel).
    photos_max: ClassVar[int]

    def __init__(self, settings: GraphSettings, *, table: Table,
                 secrets: Mapping[str, str] | None = None, timeout: float = 30.0) -> None:
        from promo_pipeline.publish.graph import GraphAPI

        super().__init__(settings, secrets=secrets, timeout=timeout)
        self.api: GraphAPI = GraphAPI(self.label, self.name, settings.api_base, self.token,
                                      token_env=self.env_secrets[0], timeout=timeout,
                                      table=table)

    def close(self) -> None:
        self.api.close()

    def images(self, job: DeliveryJob, ctx: SendContext) -> list[Path]:
        if not has_stills(job) or self.clip(job, ctx) is not None:
            return []  # a Reel: the clip goes out instead of the stills
        return feed_images(resolve_images(job, ctx), limit=self.photos_max, design=job.design)
