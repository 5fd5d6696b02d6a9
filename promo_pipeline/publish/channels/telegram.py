"""The Telegram channel: photos and the post's clip into a channel or group through the Bot API.

Settings read: ``[publish.telegram]`` (:class:`TelegramSettings`), ``publish.timeout``; the bot
token from ``PROMO_TELEGRAM_TOKEN`` (notifications use the same bot).

What Telegram lets us check after a lost answer: nothing. The Bot API has no method that reads
a chat's history or finds a message by its content, and a bot receives no update for its own
messages (not even ``channel_post`` in a channel it administers), so an uncertain
``sendPhoto`` / ``sendMediaGroup`` stays ``unconfirmed`` for a person to check; the message
names where (``https://t.me/<channel>``). Only a refusal proves nothing went out: ``429`` (the
delivery waits ``retry_after``, not counted as a failure) and the other ``4xx``.

Which files (the rule for every channel is in README "Video"): the feed design's stills as
today; a post that also has a clip (``reel`` first, else ``clip``) sends it in the same
album after the stills (``sendMediaGroup`` mixes photos and a video); a post with only a clip
sends it with ``sendVideo``. A video is uploaded with ``supports_streaming``, its width,
height and duration and its poster frame as the cover, at most 50 MB (the Bot API's upload
limit). ``video = false`` in ``[publish.telegram]`` sends the stills only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promo_pipeline.errors import PublishError, RetryablePublishError, UnconfirmedPublishError
from promo_pipeline.publish.channels.base import (
    CaptionLimit,
    Channel,
    DeliveryJob,
    MediaLimit,
    SendContext,
    SendResult,
    VideoLimit,
    setting,
)
from promo_pipeline.publish.media import feed_images, has_stills, resolve_images

if TYPE_CHECKING:
    from promo_pipeline.publish.telegram_bot import TelegramBot, Video

ALBUM_MAX = 10  # photos in one sendMediaGroup
#: ``sendPhoto`` / ``sendMediaGroup`` caption: 1,024 UTF-16 units after entity parsing. Not
#: hard: a longer caption goes out as text message(s) right after the photos.
CAPTION = CaptionLimit(1024, "utf16", hard=False)
#: ``sendPhoto``: at most 10 MB, width + height at most 10,000, ratio at most 20; an album 2-10.
MEDIA = MediaLimit(formats=("JPEG",), max_bytes=10 * 1024 * 1024, max_sides=10_000,
                   max_aspect=20.0, items=(2, ALBUM_MAX))
#: ``sendVideo``: "Telegram clients support MPEG4 videos … Bots can currently send video files
#: of up to 50 MB in size" (Bot API). H.264 in MP4 plays inline everywhere.
VIDEO = VideoLimit(codecs=("h264",), max_bytes=50 * 1024 * 1024)


@dataclass(frozen=True)
class TelegramSettings:
    """``[publish.telegram]``."""

    chat_id: str = setting("", required=True)  # @channel or numeric id; the bot is an admin
    api_base: str = setting("https://api.telegram.org", required=True, url=True)
    #: Seconds between posts to one chat (Telegram allows about 20 messages a minute).
    min_interval: float = setting(3.0, minimum=0)
    #: Send the post's clip (with the stills, or alone); false: stills only.
    video: bool = setting(True)


class TelegramChannel(Channel):
    """``sendPhoto`` / ``sendVideo`` / ``sendMediaGroup`` by multipart upload.

    A caption over Telegram's 1,024 units goes out as text message(s) right after the photo(s);
    the photo step is checkpointed first, so a retry never posts the photo again.
    """

    name = "telegram"
    label = "Telegram"
    caption = CAPTION
    media = MEDIA
    video = VIDEO
    clip_designs = ("reel", "clip")
    env_secrets = ("PROMO_TELEGRAM_TOKEN",)
    section = TelegramSettings

    def __init__(self, settings: TelegramSettings, *, secrets: Mapping[str, str] | None = None,
                 timeout: float = 30.0) -> None:
        from promo_pipeline.publish.telegram_bot import TelegramBot

        super().__init__(settings, secrets=secrets, timeout=timeout)
        self.bot: TelegramBot = TelegramBot(
            settings.api_base, self.token, settings.chat_id, timeout=timeout,
            token_env=self.env_secrets[0], channel=self.name,
            min_interval=settings.min_interval)

    def close(self) -> None:
        self.bot.close()

    def images(self, job: DeliveryJob, ctx: SendContext) -> list[Path]:
        if not has_stills(job):
            return []  # a post of a clip alone
        room = ALBUM_MAX - (self.clip(job, ctx) is not None)
        return feed_images(resolve_images(job, ctx), limit=room, design=job.design)

    def _video(self, job: DeliveryJob, ctx: SendContext) -> Video | None:
        from promo_pipeline.publish.media import measure_video, poster_of
        from promo_pipeline.publish.telegram_bot import Video

        clip = self.clip(job, ctx)
        if clip is None:
            return None
        facts = measure_video(clip)
        return Video(clip, facts.width, facts.height, facts.duration, poster_of(clip))

    def _bind(self, ctx: SendContext) -> None:
        self.bot.sleep = ctx.sleep
        self.bot.clock = lambda: ctx.clock().timestamp()

    def _messages(self, job: DeliveryJob, ctx: SendContext) -> int:
        """How many messages this delivery still sends (an album of 10 photos is 10)."""
        from promo_pipeline.publish.telegram_bot import split_text

        caption = job.caption.strip()
        photos = 0 if job.checkpoint.get("message_ids") else (
            len(self.images(job, ctx)) + (self.clip(job, ctx) is not None))
        chunks = len(split_text(caption)) if CAPTION.over(caption) else 0
        return photos + chunks - int(job.checkpoint.get("text_chunks_sent") or 0)

    def window(self, job: DeliveryJob, ctx: SendContext) -> tuple[float, str]:
        self._bind(ctx)
        messages = self._messages(job, ctx)
        wait = self.bot.flood_wait(messages)
        why = (f"batas Telegram {self.bot.per_minute} pesan per menit di satu kanal; "
               f"unggahan ini {messages} pesan") if wait > 0 else ""
        return wait, why

    def send(self, job: DeliveryJob, ctx: SendContext) -> SendResult:
        from promo_pipeline.publish.telegram_bot import split_text

        self._bind(ctx)
        self.preflight(job, ctx)
        images = self.images(job, ctx)
        video = self._video(job, ctx)
        caption = job.caption.strip()
        long_text = CAPTION.over(caption)
        cp = dict(job.checkpoint)
        ids = cp.get("message_ids")
        try:
            if not ids:
                ids = self.bot.send_media(images, video, "" if long_text else caption)
                cp["message_ids"] = ids
                if long_text:
                    ctx.save_checkpoint(cp)
            if long_text:
                chunks = split_text(caption)
                done = int(cp.get("text_chunks_sent") or 0)
                for i in range(done, len(chunks)):
                    try:
                        self.bot.send_message(chunks[i], link_preview=False)
                    except PublishError as exc:
                        raise type(exc)(f"foto/video sudah terkirim, tetapi teks lanjutan belum: "
                                        f"{exc}",
                                        channel=self.name, code=exc.code,
                                        **_retry_kw(exc)) from None
                    cp["text_chunks_sent"] = i + 1
                    ctx.save_checkpoint(cp)
        except UnconfirmedPublishError as exc:
            raise UnconfirmedPublishError(
                f"{exc}. Telegram tidak dapat ditanya apakah pesan sudah masuk; "
                f"{self.bot.where_to_look()}, lalu tandai terkirim atau kirim ulang",
                channel=self.name, code=exc.code) from None
        first = str(ids[0]) if ids else None
        return SendResult(remote_id=first, remote_url=self._link(first))

    def _link(self, message_id: str | None) -> str | None:
        chat = self.bot.chat_id
        if message_id and chat.startswith("@"):
            return f"https://t.me/{chat[1:]}/{message_id}"
        return None


def _retry_kw(exc: PublishError) -> dict[str, Any]:
    if isinstance(exc, RetryablePublishError):
        return {"retry_after": exc.retry_after}
    return {}
