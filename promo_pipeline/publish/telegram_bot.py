"""The one Telegram Bot API client: the Telegram channel posts with it, notifications use it too.

Every call goes through :class:`~promo_pipeline.publish.transport.Http` (no retries below the
outbox; a lost answer on a step that may post is unconfirmed). What an answer proves:

- ``429 Too Many Requests`` with ``parameters.retry_after``: nothing was sent. When the wait is
  at most *flood_wait_max* seconds the client waits and repeats the call (notifications do);
  otherwise it raises :class:`~promo_pipeline.errors.RetryablePublishError` carrying the wait,
  and the outbox schedules the retry (the publishing channel does, with ``flood_wait_max=0``).
- ``400`` with ``parameters.migrate_to_chat_id``: the group became a supergroup and nothing was
  sent; the call is repeated once to the new chat, and a warning names the id to configure.
- ``500/502/503``: retryable; ``401`` (or ``404 Not Found``): the token; ``403``: the bot may
  not post in the chat; other ``4xx``: refused. Anything else (a ``504``, an unreadable ``200``)
  may hide an accepted message: unconfirmed.

Calls to one chat are spaced *min_interval* seconds apart (Telegram allows about 20 messages a
minute in a group or channel). The token is part of every URL; it never appears in a message
or a log line (:class:`~promo_pipeline.config.secrets.Redactor`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import requests

from promo_pipeline.config.secrets import Redactor
from promo_pipeline.errors import (
    PermanentPublishError,
    PublishError,
    RetryablePublishError,
    UnconfirmedPublishError,
)
from promo_pipeline.publish.transport import Http, json_object, retry_after_header

logger = logging.getLogger(__name__)

TEXT_MAX = 4096  # sendMessage text, UTF-16 units
GROUP_MAX = 10  # items of one sendMediaGroup
_MAX_FLOOD_WAITS = 3


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
    """A bot posting into one chat (a channel ``@name`` or a numeric id ``-100…``)."""

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
    ) -> None:
        self.base = api_base.rstrip("/")
        self.chat_id = chat_id
        self.channel = channel
        self.token_env = token_env
        self.min_interval = min_interval
        self.flood_wait_max = flood_wait_max
        self.sleep = sleep
        self.redact = Redactor([token])
        self.http = Http("Telegram", channel, timeout, self.redact)
        self._token = token
        self._last_call: float | None = None

    def close(self) -> None:
        self.http.close()

    # --- the calls ---------------------------------------------------------------------------

    def send_photos(self, photos: Sequence[Path], caption: str = "") -> list[int | None]:
        """One photo (``sendPhoto``) or an album of 2-10 (``sendMediaGroup``, the caption on
        the first item); returns the message ids."""
        if len(photos) == 1:
            data = {"caption": caption} if caption else {}
            return [_message_id(self.call("sendPhoto", data, files={"photo": photos[0]}))]
        media = []
        for i in range(len(photos)):
            item = {"type": "photo", "media": f"attach://photo{i}"}
            if i == 0 and caption:
                item["caption"] = caption
            media.append(item)
        result = self.call("sendMediaGroup", {"media": json.dumps(media)},
                           files={f"photo{i}": p for i, p in enumerate(photos)})
        return [_message_id(m) for m in (result or [])]

    def send_message(self, text: str, *, link_preview: bool = True) -> int | None:
        """One text message of at most :data:`TEXT_MAX` units; returns its id."""
        data = {"text": text}
        if not link_preview:
            data["link_preview_options"] = json.dumps({"is_disabled": True})
        return _message_id(self.call("sendMessage", data))

    def call(self, method: str, data: Mapping[str, str], *,
             files: Mapping[str, Path] | None = None, irreversible: bool = True) -> Any:
        """Call *method* in this bot's chat; the ``result`` of the answer, or a PublishError."""
        migrated = False
        flood_waits = 0
        while True:
            self._pace()
            resp = self._post(method, {**data, "chat_id": self.chat_id}, files, irreversible)
            body = json_object(resp) or {}
            if resp.status_code == 200 and body.get("ok") is True:
                return body.get("result")
            params = body.get("parameters")
            params = params if isinstance(params, dict) else {}
            new_chat = params.get("migrate_to_chat_id")
            if resp.status_code == 400 and new_chat is not None and not migrated:
                logger.warning("telegram: chat %s was upgraded to a supergroup; sending to %s "
                               "instead — set chat_id = \"%s\" in the config", self.chat_id,
                               new_chat, new_chat)
                self.chat_id = str(new_chat)
                migrated = True
                continue
            wait = params.get("retry_after")
            if (resp.status_code == 429 and isinstance(wait, int | float)
                    and wait <= self.flood_wait_max and flood_waits < _MAX_FLOOD_WAITS):
                logger.info("telegram: flood limit, waiting %s s before %s", wait, method)
                flood_waits += 1
                self.sleep(float(wait))
                continue
            raise self._error(resp, body, method)

    # --- plumbing ----------------------------------------------------------------------------

    def _pace(self) -> None:
        if self._last_call is not None and self.min_interval > 0:
            wait = self.min_interval - (time.monotonic() - self._last_call)
            if wait > 0:
                self.sleep(wait)
        self._last_call = time.monotonic()

    def _post(self, method: str, data: dict[str, str], files: Mapping[str, Path] | None,
              irreversible: bool) -> requests.Response:
        url = f"{self.base}/bot{self._token}/{method}"
        handles = {key: path.open("rb") for key, path in (files or {}).items()}
        try:
            upload = {key: (path.name, handles[key], "image/jpeg")
                      for key, path in (files or {}).items()}
            return self.http.request("POST", url, what=method, irreversible=irreversible,
                                     data=data, files=upload or None)
        finally:
            for fh in handles.values():
                fh.close()

    def _error(self, resp: requests.Response, body: dict[str, Any], method: str) -> PublishError:
        desc = self.redact(body.get("description") or resp.reason or "tanpa keterangan")
        code = resp.status_code
        if code == 429:
            params = body.get("parameters")
            retry_after = params.get("retry_after") if isinstance(params, dict) else None
            if not isinstance(retry_after, int | float):
                retry_after = retry_after_header(resp)
            return RetryablePublishError(
                f"Telegram membatasi laju kiriman (429); coba lagi setelah "
                f"{retry_after if retry_after is not None else '?'} detik: {desc}",
                channel=self.channel, retry_after=retry_after)
        if code in (500, 502, 503):
            return RetryablePublishError(f"Telegram sedang bermasalah ({code}): {desc}",
                                         channel=self.channel,
                                         retry_after=retry_after_header(resp))
        if code == 401 or (code == 404 and "not found" in desc.lower()):
            return PermanentPublishError(
                f"token bot Telegram ditolak — salah, dicabut atau kedaluwarsa ({code} {desc}); "
                f"perbarui {self.token_env} lalu kirim ulang", channel=self.channel)
        if code == 403:
            return PermanentPublishError(
                f"bot Telegram tidak punya izin mengirim ke {self.chat_id} ({desc}); jadikan bot "
                "admin kanal dengan izin 'Post Messages'", channel=self.channel)
        if 400 <= code < 500:
            return PermanentPublishError(f"Telegram menolak {method} ({code}): {desc}",
                                         channel=self.channel)
        return UnconfirmedPublishError(
            f"jawaban Telegram tidak jelas ({code} {desc}) untuk {method}; unggahan mungkin "
            "sudah tayang — periksa kanal sebelum mengirim ulang", channel=self.channel)


def _message_id(result: Any) -> int | None:
    if isinstance(result, dict) and isinstance(result.get("message_id"), int):
        return int(result["message_id"])
    return None
