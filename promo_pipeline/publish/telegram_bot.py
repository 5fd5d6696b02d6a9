"""The one Telegram Bot API client: the Telegram channel posts with it, notifications use it too.

Settings read: none (the channel and ``notify.telegram`` pass theirs).

Every call goes through :class:`~promo_pipeline.publish.transport.Http` (no retries below the
outbox; a lost answer on a call that posts is unconfirmed) and every error answer through the
table in :mod:`~promo_pipeline.publish.telegram_errors`:

- ``429`` with ``parameters.retry_after`` proves nothing was sent. A wait of at most
  *flood_wait_max* seconds is waited out and the call repeated (notifications do); a longer one
  raises :class:`~promo_pipeline.errors.RateLimitedPublishError` carrying the wait, and the
  outbox moves the delivery (the publishing channel, ``flood_wait_max=0``).
- ``400`` with ``parameters.migrate_to_chat_id``: the group became a supergroup and nothing was
  sent; the call is repeated once to the new chat, and a warning names the id to configure.
- any other ``4xx`` is a refusal; a ``5xx`` on a call that posts may hide a message that went
  out: unconfirmed, never repeated.

Flood limits are counted in messages, not requests: an album of 10 photos is 10 messages
against Telegram's 20 a minute in one group or channel (:data:`PER_MINUTE`). :meth:`wait_for`
says how long until *n* more messages fit; :meth:`call` waits that long itself when it must.
Calls to one chat are also spaced *min_interval* seconds apart. The token is part of every
URL; it never appears in a message or a log line.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from promo_pipeline.config.secrets import Redactor
from promo_pipeline.errors import PublishError, RateLimitedPublishError
from promo_pipeline.publish.errortable import error_for
from promo_pipeline.publish.telegram_errors import TELEGRAM
from promo_pipeline.publish.transport import Http, json_object, retry_after_header

logger = logging.getLogger(__name__)

TEXT_MAX = 4096  # sendMessage text, UTF-16 units
GROUP_MAX = 10  # items of one sendMediaGroup
#: Messages a bot may send to one group or channel in a minute (Telegram Bot Support).
PER_MINUTE = 20
WINDOW = 60.0
_MAX_FLOOD_WAITS = 3
#: Methods that post something: a lost answer may hide a message that went out.
POSTING = frozenset({"sendPhoto", "sendMediaGroup", "sendMessage", "sendVideo",
                     "sendDocument", "sendAnimation"})


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units; an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_MAX) -> list[str]:
    """Split *text* into chunks of at most *limit* UTF-16 units, at paragraph/line/word ends."""
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        if utf16_len(rest) <= limit:
            chunks.append(rest)
            break
        cut = limit
        while utf16_len(rest[:cut]) > limit:
            cut -= 1
        window = rest[:cut]
        for sep in ("\n\n", "\n", " "):
            idx = window.rfind(sep)
            if idx > limit // 3:
                cut = idx
                break
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return chunks


class TelegramBot:
    """A bot posting into one chat (a channel ``@name`` or a numeric id ``-100…``).

    *clock* (seconds, monotonic) and *sleep* are injectable; the channel binds both to the
    outbox's clock so tests drive time one way only.
    """

    def __init__(
        self,
        api_base: str,
        token: str,
        chat_id: str,
        *,
        timeout: float,
        token_env: str,
        channel: str = "telegram",
        min_interval: float = 0.0,
        flood_wait_max: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = api_base.rstrip("/")
        self.chat_id = chat_id
        self.channel = channel
        self.token_env = token_env
        self.min_interval = min_interval
        self.flood_wait_max = flood_wait_max
        self.sleep = sleep
        self.clock = clock
        self.redact = Redactor([token])
        self.http = Http("Telegram", channel, timeout, self.redact)
        self._token = token
        self._last_call: float | None = None
        self._sent: deque[float] = deque()  # when each message of the last minute went out
        self._blocked_until = 0.0  # a 429's retry_after, as a clock value
        self.per_minute = PER_MINUTE

    def close(self) -> None:
        self.http.close()

    # --- the calls ---------------------------------------------------------------------------

    def send_photos(self, photos: Sequence[Path], caption: str = "") -> list[int | None]:
        """One photo (``sendPhoto``) or an album of 2-10 (``sendMediaGroup``, the caption on
        the first item); returns the message ids."""
        return self.send_media(photos, None, caption)

    def send_media(self, photos: Sequence[Path], video: Video | None, caption: str = "",
                   ) -> list[int | None]:
        """*photos* and/or one *video* as one message or one album; returns the message ids.

        One photo: ``sendPhoto``; one video alone: ``sendVideo`` (``supports_streaming``, its
        width, height, duration and cover); several items: ``sendMediaGroup`` (2-10, photos
        and a video may mix; the caption on the first item only)."""
        if video is not None and not photos:
            data, upload = video.fields("video", "cover")
            if caption:
                data["caption"] = caption
            return [_message_id(self.call("sendVideo", data, files=upload))]
        if len(photos) == 1 and video is None:
            data = {"caption": caption} if caption else {}
            return [_message_id(self.call("sendPhoto", data, files={"photo": photos[0]}))]
        media: list[dict[str, Any]] = []
        files: dict[str, Path] = {}
        for i, photo in enumerate(photos):
            media.append({"type": "photo", "media": f"attach://photo{i}"})
            files[f"photo{i}"] = photo
        if video is not None:
            fields, attached = video.fields("video0", "cover0")
            item: dict[str, Any] = {"type": "video", "media": "attach://video0",
                                    "supports_streaming": True, "width": video.width,
                                    "height": video.height, "duration": video.seconds}
            if "cover" in fields:
                item["cover"] = fields["cover"]
            media.append(item)
            files.update(attached)
        if caption:
            media[0]["caption"] = caption
        result = self.call("sendMediaGroup", {"media": json.dumps(media)}, files=files,
                           messages=len(media))
        return [_message_id(m) for m in (result or [])]

    def send_message(self, text: str, *, link_preview: bool = True) -> int | None:
        """One text message of at most :data:`TEXT_MAX` units; returns its id."""
        data = {"text": text}
        if not link_preview:
            data["link_preview_options"] = json.dumps({"is_disabled": True})
        return _message_id(self.call("sendMessage", data))

    def send_document(self, path: Path, caption: str = "") -> int | None:
        """One file as a document (``sendDocument``, e.g. the monthly report); returns its id."""
        data = {"caption": caption} if caption else {}
        return _message_id(self.call("sendDocument", data, files={"document": path}))

    def get_me(self) -> dict[str, Any]:
        """The bot itself (``getMe``): proves the token works."""
        result = self.call("getMe", {}, in_chat=False, messages=0)
        return result if isinstance(result, dict) else {}

    def get_chat(self) -> dict[str, Any]:
        """The configured chat (``getChat``): proves the bot can see it."""
        result = self.call("getChat", {}, messages=0)
        return result if isinstance(result, dict) else {}

    def member_status(self, user_id: int) -> str:
        """The bot's status in the chat (``administrator``, ``member`` …)."""
        result = self.call("getChatMember", {"user_id": str(user_id)}, messages=0)
        return str(result.get("status") or "") if isinstance(result, dict) else ""

    def flood_wait(self, messages: int) -> float:
        """Seconds until *messages* more messages fit this chat's flood limit and any
        ``retry_after`` Telegram gave (0: now); the spacing between calls is not included."""
        now = self.clock()
        self._forget(now)
        wait = max(0.0, self._blocked_until - now)
        over = len(self._sent) + messages - self.per_minute
        if over > 0 and self._sent:
            # The oldest messages must leave the minute first (an album larger than the
            # limit can never fit: it waits for an empty minute).
            idx = min(over, len(self._sent)) - 1
            wait = max(wait, self._sent[idx] + WINDOW - now)
        return wait

    def wait_for(self, messages: int) -> float:
        """Seconds until *messages* more messages may be sent: the flood limit and the
        spacing of *min_interval* between calls."""
        wait = self.flood_wait(messages)
        if self._last_call is not None and self.min_interval > 0:
            wait = max(wait, self.min_interval - (self.clock() - self._last_call))
        return wait

    def call(self, method: str, data: Mapping[str, str], *,
             files: Mapping[str, Path] | None = None, messages: int = 1,
             in_chat: bool = True) -> Any:
        """Call *method* (in this bot's chat); the ``result`` of the answer, or a
        :class:`~promo_pipeline.errors.PublishError`. *messages*: how many messages the call
        posts, for the flood limit."""
        migrated = False
        flood_waits = 0
        while True:
            if messages:
                self._pace(messages)
            payload = {**data, "chat_id": self.chat_id} if in_chat else dict(data)
            resp = self._post(method, payload, files)
            body = json_object(resp) or {}
            if resp.status_code == 200 and body.get("ok") is True:
                if messages:
                    self._sent.extend([self.clock()] * messages)
                return body.get("result")
            params = body.get("parameters")
            params = params if isinstance(params, dict) else {}
            new_chat = params.get("migrate_to_chat_id")
            if resp.status_code == 400 and new_chat is not None and not migrated and in_chat:
                logger.warning("telegram: chat %s was upgraded to a supergroup; sending to %s "
                               "instead — set chat_id = \"%s\" in the config", self.chat_id,
                               new_chat, new_chat)
                self.chat_id = str(new_chat)
                migrated = True
                continue
            error = self._error(resp, body, method)
            if isinstance(error, RateLimitedPublishError) and resp.status_code == 429:
                wait = float(error.retry_after or 0)
                self._blocked_until = self.clock() + wait
                if wait <= self.flood_wait_max and flood_waits < _MAX_FLOOD_WAITS:
                    logger.info("telegram: flood limit, waiting %s s before %s", wait, method)
                    flood_waits += 1
                    self.sleep(wait)
                    self._blocked_until = 0.0  # waited out
                    continue
            raise error

    # --- plumbing ----------------------------------------------------------------------------

    def _forget(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - WINDOW:
            self._sent.popleft()

    def _pace(self, messages: int) -> None:
        wait = self.wait_for(messages)
        if wait > 0:
            self.sleep(wait)
        self._last_call = self.clock()

    def _post(self, method: str, data: dict[str, str], files: Mapping[str, Path] | None,
              ) -> requests.Response:
        url = f"{self.base}/bot{self._token}/{method}"
        handles = {key: path.open("rb") for key, path in (files or {}).items()}
        try:
            upload = {key: (path.name, handles[key],
                            mimetypes.guess_type(path.name)[0] or "image/jpeg")
                      for key, path in (files or {}).items()}
            return self.http.request("POST", url, what=method, irreversible=method in POSTING,
                                     data=data, files=upload or None)
        finally:
            for fh in handles.values():
                fh.close()

    def _error(self, resp: requests.Response, body: dict[str, Any], method: str) -> PublishError:
        desc = self.redact(body.get("description") or resp.reason or "")
        status = resp.status_code
        rule = TELEGRAM.rule(status=status, text=desc)
        wait = None
        if status == 429:
            params = body.get("parameters")
            found = params.get("retry_after") if isinstance(params, dict) else None
            wait = float(found) if isinstance(found, int | float) else retry_after_header(resp)
        hint = ""
        if status in (401, 404):
            hint = f"perbarui {self.token_env} lalu kirim ulang"
        elif status == 403:
            hint = f"chat {self.chat_id}"
        return error_for(TELEGRAM, rule, irreversible=method in POSTING, what=method,
                         detail=desc, channel=self.channel, code=str(status), wait=wait,
                         hint=hint)

    def where_to_look(self) -> str:
        """Where a person checks whether a message went out (Telegram cannot be asked)."""
        if self.chat_id.startswith("@"):
            return f"periksa https://t.me/{self.chat_id[1:]}"
        return f"periksa chat {self.chat_id} di aplikasi Telegram"


@dataclass(frozen=True)
class Video:
    """A clip to upload (``sendVideo`` / an album's video): its file, shape, length and the
    cover shown before it plays (the clip's poster frame, a JPEG), when there is one."""

    path: Path
    width: int
    height: int
    duration: float
    cover: Path | None = None

    @property
    def seconds(self) -> int:
        return max(1, round(self.duration))

    def fields(self, name: str, cover_name: str) -> tuple[dict[str, str], dict[str, Path]]:
        """The form fields and files of this video uploaded as *name* (``sendVideo``'s own
        fields; an album item carries the same ones inside its JSON)."""
        data = {"supports_streaming": "true", "width": str(self.width),
                                "height": str(self.height), "duration": str(self.seconds)}
        files = {name: self.path}
        if self.cover is not None:
            data["cover"] = f"attach://{cover_name}"
            files[cover_name] = self.cover
        return data, files


def _message_id(result: Any) -> int | None:
    if isinstance(result, dict) and isinstance(result.get("message_id"), int):
        return int(result["message_id"])
    return None
