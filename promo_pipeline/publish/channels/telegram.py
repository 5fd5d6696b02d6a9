"""The Telegram channel: photos into a channel or group through the Bot API.

Settings read: ``[publish.telegram]`` (:class:`TelegramSettings`), ``publish.timeout``; the bot
token from ``PROMO_TELEGRAM_TOKEN`` (notifications use the same bot).

What Telegram lets us check after a lost answer: nothing. The Bot API has no method that reads
a chat's history or finds a message by its content, and a bot receives no update for its own
messages (not even ``channel_post`` in a channel it administers), so an uncertain
``sendPhoto`` / ``sendMediaGroup`` stays ``unconfirmed`` for a person to check; the message
names where (``https://t.me/<channel>``). Only a refusal proves nothing went out: ``429`` (the
delivery waits ``retry_after``, not counted as a failure) and the other ``4xx``.
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
    setting,
)
from promo_pipeline.publish.media import feed_images, resolve_images

if TYPE_CHECKING:
    from promo_pipeline.publish.telegram_bot import TelegramBot

ALBUM_MAX = 10  # photos in one sendMediaGroup
#: ``sendPhoto`` / ``sendMediaGroup`` caption: 1,024 UTF-16 units after entity parsing. Not
#: hard: a longer caption goes out as text message(s) right after the photos.
CAPTION = CaptionLimit(1024, "utf16", hard=False)
#: ``sendPhoto``: at most 10 MB, width + height at most 10,000, ratio at most 20; an album 2-10.
MEDIA = MediaLimit(formats=("JPEG",), max_bytes=10 * 1024 * 1024, max_sides=10_000,
                   max_aspect=20.0, items=(2, ALBUM_MAX))


@dataclass(frozen=True)
class TelegramSettings:
    """``[publish.telegram]``."""

    chat_id: str = setting("", required=True)  # @channel or numeric id; the bot is an admin
    api_base: str = setting("https://api.telegram.org", required=True, url=True)
    #: Seconds between posts to one chat (Telegram allows about 20 messages a minute).
    min_interval: float = setting(3.0, minimum=0)


class TelegramChannel(Channel):
    """``sendPhoto`` / ``sendMediaGroup`` by multipart upload.

    A caption over Telegram's 1,024 units goes out as text message(s) right after the photo(s);
    the photo step is checkpointed first, so a retry never posts the photo again.
    """

    name = "telegram"
    label = "Telegram"
    caption = CAPTION
    media = MEDIA
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
        return feed_images(resolve_images(job, ctx), limit=ALBUM_MAX, design=job.design)

    def _bind(self, ctx: SendContext) -> None:
        self.bot.sleep = ctx.sleep
        self.bot.clock = lambda: ctx.clock().timestamp()

    def _messages(self, job: DeliveryJob, ctx: SendContext) -> int:
        """How many messages this delivery still sends (an album of 10 photos is 10)."""
        from promo_pipeline.publish.telegram_bot import split_text

        caption = job.caption.strip()
        photos = 0 if job.checkpoint.get("message_ids") else len(self.images(job, ctx))
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
        caption = job.caption.strip()
        long_text = CAPTION.over(caption)
        cp = dict(job.checkpoint)
        ids = cp.get("message_ids")
        try:
            if not ids:
                ids = self.bot.send_photos(images, "" if long_text else caption)
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
                        raise type(exc)(f"foto sudah terkirim, tetapi teks lanjutan belum: {exc}",
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
