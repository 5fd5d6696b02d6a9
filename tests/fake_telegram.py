"""The fake Telegram Bot API (a mixin of the fake platforms' request handler).

Checked as Telegram does: the token (``401 Unauthorized``), a supergroup upgrade (``400`` with
``migrate_to_chat_id``), the flood limit of 20 messages a minute per chat (an album of N photos
is N messages; ``429`` with ``parameters.retry_after``, nothing sent), photo files (a decodable
image, at most 10 MB — ``PHOTO_SAVE_FILE_INVALID`` — width + height at most 10,000 and ratio at
most 20 — ``PHOTO_INVALID_DIMENSIONS``), captions of at most 1,024 UTF-16 units (``message
caption is too long``), albums of 2-10 with the caption on the first item only, texts of 1-4,096
units. ``getMe``, ``getChat`` and ``getChatMember`` answer for ``promo publish --check``.

Videos (``sendVideo``, and ``type: video`` items of ``sendMediaGroup``, which may mix photos
and videos): a playable file of at most 50 MB (the Bot API's upload limit; a larger request is
refused ``413 Request Entity Too Large``), a ``cover`` that is a valid photo when given; what
arrives (``supports_streaming``, width, height, duration) is recorded for the tests.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fake_media import digest, image_info, image_problem, video_info

PER_MINUTE = 20
PHOTO_MAX_BYTES = 10 * 1024 * 1024
VIDEO_MAX_BYTES = 50 * 1024 * 1024
BOT = {"id": 777000, "is_bot": True, "first_name": "KPKNL Bot", "username": "kpknl_bot"}


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _bad(description: str) -> tuple[int, dict[str, Any]]:
    return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}


def photo_refusal(data: bytes) -> tuple[int, dict[str, Any]] | None:
    """What Telegram answers to this photo file, when it refuses it."""
    problem = image_problem(data)
    if problem:
        return _bad("IMAGE_PROCESS_FAILED")
    if len(data) > PHOTO_MAX_BYTES:
        return _bad("PHOTO_SAVE_FILE_INVALID")
    _fmt, w, h = image_info(data)
    if w + h > 10_000 or max(w, h) > 20 * min(w, h):
        return _bad("PHOTO_INVALID_DIMENSIONS")
    return None


def video_refusal(data: bytes) -> tuple[int, dict[str, Any]] | None:
    """What Telegram answers to this video upload, when it refuses it."""
    if len(data) > VIDEO_MAX_BYTES:
        return 413, {"ok": False, "error_code": 413,
                     "description": "Request Entity Too Large"}
    if video_info(data) is None:
        return _bad("VIDEO_FILE_INVALID")  # the MTProto error name
    return None


def _video_record(data: bytes, meta: dict[str, Any]) -> dict[str, Any]:
    return {"video": digest(data), "supports_streaming": str(meta.get(
        "supports_streaming", "")).lower() == "true", "width": int(meta.get("width") or 0),
        "height": int(meta.get("height") or 0), "duration": int(meta.get("duration") or 0),
        "cover": bool(meta.get("cover"))}


class TelegramHandler:
    """``/bot<token>/<method>`` (mixed into the fake platforms' handler)."""

    fake: Any

    def telegram_call(self, token: str, method: str, body: bytes) -> None:
        fake = self.fake
        behaviour = self._behaviour(f"telegram.{method}")
        if token != fake.tokens["telegram"]:
            return self._json(401, {"ok": False, "error_code": 401,
                                    "description": "Unauthorized"})
        refused = self.refusal(behaviour)
        if refused:
            return self._json(*refused)
        fields, files = self._form(body)
        if method == "getMe":
            return self._json(200, {"ok": True, "result": BOT})
        chat = fields.get("chat_id", "")
        new_chat = fake.migrated_chats.get(chat)
        if new_chat is not None:  # a group upgraded to a supergroup refuses every call
            return self._json(400, {
                "ok": False, "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": new_chat}})
        if method == "getChat":
            return self._json(200, {"ok": True, "result": {
                "id": -1001234567890, "type": "channel", "title": "KPKNL Bima",
                "username": chat.lstrip("@")}})
        if method == "getChatMember":
            return self._json(200, {"ok": True, "result": {
                "status": "administrator", "user": BOT, "can_post_messages": True}})
        answer = self._message(method, fields, files)
        if isinstance(answer, tuple):
            return self._json(*answer)
        items = len(answer.get("photos") or []) + len(answer.get("videos") or [])
        flood = self._flood(chat, items or 1)
        if flood is not None:
            return self._json(429, {
                "ok": False, "error_code": 429,
                "description": f"Too Many Requests: retry after {flood}",
                "parameters": {"retry_after": flood}})
        answer["chat_id"] = chat
        with fake.lock:
            answer["message_id"] = len(fake.telegram) + 1
            fake.telegram.append(answer)
            now = fake.clock()
            fake.tg_sent_at[chat].extend([now] * (items or 1))
        if self._lose_answer(behaviour):
            return None
        if method == "sendMediaGroup":
            result: Any = [{"message_id": answer["message_id"] * 100 + i}
                           for i in range(items)]
        else:
            result = {"message_id": answer["message_id"], "chat": {"id": chat}}
        return self._json(200, {"ok": True, "result": result})

    def _flood(self, chat: str, messages: int) -> int | None:
        """Seconds to wait when *messages* more would break the chat's flood limit."""
        fake = self.fake
        with fake.lock:
            now = fake.clock()
            sent = fake.tg_sent_at[chat]
            while sent and sent[0] <= now - 60:
                sent.popleft()
            over = len(sent) + messages - PER_MINUTE
            if over <= 0:
                return None
            fake.violations.append(f"telegram flood: {len(sent)} + {messages} messages "
                                   f"in a minute to {chat}")
            frees = sent[min(over, len(sent)) - 1] + 60 if sent else now + 60
            return max(1, math.ceil(frees - now))

    def _cover_refusal(self, meta: dict[str, Any], files: dict[str, bytes]
                       ) -> tuple[int, dict[str, Any]] | None:
        cover = meta.get("cover")
        if not cover:
            return None
        data = files.get(str(cover).removeprefix("attach://"), b"")
        return photo_refusal(data)

    def _message(self, method: str, fields: dict[str, str], files: dict[str, bytes]
                 ) -> dict[str, Any] | tuple[int, Any]:
        """The message a sending method makes, or Telegram's refusal."""
        fake = self.fake
        record: dict[str, Any] = {"method": method}
        if method == "sendPhoto":
            photo = files.get("photo", b"")
            caption = fields.get("caption", "")
            refused = photo_refusal(photo) or (
                _bad("message caption is too long") if _utf16(caption) > 1024 else None)
            if refused:
                fake.violation(f"sendPhoto: {refused[1]['description']}")
                return refused
            record.update(caption=caption, photos=[digest(photo)])
        elif method == "sendVideo":
            video = files.get("video", b"")
            caption = fields.get("caption", "")
            refused = video_refusal(video) or self._cover_refusal(fields, files) or (
                _bad("message caption is too long") if _utf16(caption) > 1024 else None)
            if refused:
                fake.violation(f"sendVideo: {refused[1]['description']}")
                return refused
            record.update(caption=caption, photos=[], videos=[_video_record(video, fields)])
        elif method == "sendMediaGroup":
            media = json.loads(fields.get("media", "[]"))
            if not 2 <= len(media) <= 10:
                fake.violation("sendMediaGroup: needs 2-10 items")
                return _bad("wrong number of media items")
            photos, videos, order = [], [], []
            for i, item in enumerate(media):
                data = files.get(item["media"].removeprefix("attach://"), b"")
                if item.get("type") == "video":
                    refused = video_refusal(data) or self._cover_refusal(item, files)
                else:
                    refused = photo_refusal(data)
                if refused is None and (_utf16(item.get("caption", "")) > 1024 or (
                        i > 0 and item.get("caption"))):
                    refused = _bad("message caption is too long")
                if refused:
                    fake.violation(f"sendMediaGroup item {i}: {refused[1]['description']}")
                    return refused
                if item.get("type") == "video":
                    videos.append(_video_record(data, item))
                else:
                    photos.append(digest(data))
                order.append(item.get("type", "photo"))
            record.update(caption=media[0].get("caption", ""), photos=photos, order=order)
            if videos:
                record["videos"] = videos
        elif method == "sendDocument":
            # Bots may send files up to 50 MB; the caption has the photo caption's limit.
            document = files.get("document", b"")
            caption = fields.get("caption", "")
            if not document or len(document) > 50 * 1024 * 1024 or _utf16(caption) > 1024:
                fake.violation("sendDocument: empty, over 50 MB or caption too long")
                return _bad("file must be non-empty and at most 50 MB")
            record.update(caption=caption, document=document)
        elif method == "sendMessage":
            text = fields.get("text", "")
            if not 1 <= _utf16(text) <= 4096:
                fake.violation("sendMessage: text length")
                return _bad("message is too long")
            record.update(text=text)
        else:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        return record
