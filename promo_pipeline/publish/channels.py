"""Publishing channels: the export folder, Telegram, a Facebook Page and Instagram.

Settings read: ``storage.output_dir``, ``publish.timeout``, ``publish.telegram.*``,
``publish.facebook.*``, ``publish.instagram.*``; tokens only from the environment
(``PROMO_TELEGRAM_TOKEN``, ``PROMO_FACEBOOK_TOKEN``, ``PROMO_INSTAGRAM_TOKEN``).

A channel sends one delivery and either returns a :class:`SendResult` or raises one of three
errors, and which one is what keeps the outbox from posting twice:

- :class:`RetryablePublishError` — nothing can have been posted: the connection was refused or
  never made (DNS, TLS handshake, connect timeout), or the platform *answered* 429 / 5xx. The
  outbox retries it with backoff.
- :class:`PermanentPublishError` — the platform answered with a refusal that repeating cannot fix
  (expired token, missing permission, rejected caption or image). The reason is kept in plain
  words for the reviewers.
- :class:`UnconfirmedPublishError` — the request went out and the answer was lost (read timeout,
  connection dropped after sending, a 504 from a gateway, an unreadable 200). The post may be
  live; a human checks before anything is sent again.

Steps that cannot publish anything on their own (an unpublished Facebook photo upload, an
Instagram media container) are retried freely; their results are checkpointed in the delivery as
soon as they are known, so a retry continues where the last attempt stopped and never makes a
second container. urllib3 never retries anything here (``Retry(total=0)``): every retry decision
belongs to the outbox. Tokens never appear in logs or error messages (:class:`Redactor`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError
from urllib3.util.retry import Retry

from promo_pipeline import __version__, fsutil
from promo_pipeline.config import Config, secret
from promo_pipeline.errors import (
    ConfigError,
    PermanentPublishError,
    PublishError,
    RetryablePublishError,
    UnconfirmedPublishError,
)
from promo_pipeline.http import parse_retry_after

logger = logging.getLogger(__name__)

TELEGRAM_CAPTION_MAX = 1024
TELEGRAM_TEXT_MAX = 4096
TELEGRAM_GROUP_MAX = 10
INSTAGRAM_CAROUSEL_MAX = 10
FACEBOOK_PHOTOS_MAX = 10
CONNECT_TIMEOUT = 10.0
#: Feed aspect ratios (width / height) Instagram accepts: 4:5 to 1.91:1.
FEED_RATIO_MIN = 0.8
FEED_RATIO_MAX = 1.91
_JPEG_MAGIC = b"\xff\xd8\xff"
#: Graph API error codes that mean "too many calls / posts for now".
_GRAPH_LIMIT_CODES = {4, 9, 17, 32, 613, 80001, 80002, 80004}
_GRAPH_LIMIT_SUBCODES = {2207042}
_GRAPH_TOKEN_CODES = {102, 190, 463, 467}
_GRAPH_DEFAULT_LIMIT_WAIT = 15 * 60.0


# --- results and context ------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    """What a channel returns when the platform accepted the post."""

    remote_id: str | None
    remote_url: str | None = None


@dataclass
class DeliveryJob:
    """One delivery as a channel sees it: a snapshot of the approved post for that channel."""

    id: int
    post_id: int
    channel: str
    idem_key: str
    payload: dict[str, Any]
    checkpoint: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0

    @property
    def caption(self) -> str:
        return str(self.payload.get("caption") or "")

    @property
    def images(self) -> list[str]:
        return [str(p) for p in self.payload.get("images") or []]

    @property
    def design(self) -> str | None:
        """The design the reviewer picked for the post, if any."""
        return self.payload.get("template") or None


@dataclass
class SendContext:
    """What the outbox lends a channel for one delivery."""

    output_dir: Path
    save_checkpoint: Callable[[dict[str, Any]], None]
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    office_timezone: str = "Asia/Jakarta"


# --- secrets ------------------------------------------------------------------------------


class Redactor:
    """Replaces every known secret in a text by ``***``."""

    def __init__(self, secrets: Iterable[str | None]):
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: object) -> str:
        out = str(text)
        for s in self._secrets:
            out = out.replace(s, "***")
            out = out.replace(quote(s, safe=""), "***")
        return out


class RedactingFilter(logging.Filter):
    """Scrubs secrets from log records (urllib3 logs request lines, and a Telegram token is part
    of every Bot API path)."""

    def __init__(self, secrets: Iterable[str | None] = ()):
        super().__init__()
        self.redact = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def guard_library_logs(secrets: Iterable[str | None]) -> None:
    """Attach a :class:`RedactingFilter` for *secrets* to the loggers of the HTTP libraries."""
    flt = RedactingFilter(secrets)
    for name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
        lg = logging.getLogger(name)
        for old in [f for f in lg.filters if isinstance(f, RedactingFilter)]:
            lg.removeFilter(old)
        lg.addFilter(flt)


# --- HTTP ---------------------------------------------------------------------------------


def make_session() -> requests.Session:
    """A session whose adapter never retries: a retried POST is how double posts happen."""
    session = requests.Session()
    no_retry = Retry(total=0, connect=0, read=0, redirect=0, status=0, other=0,
                     raise_on_status=False, raise_on_redirect=False)
    adapter = HTTPAdapter(max_retries=no_retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"promo-pipeline/{__version__}"
    return session


def _nothing_sent(exc: requests.RequestException) -> bool:
    """True when the request provably never reached the server (refused, DNS, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if isinstance(exc, requests.exceptions.ProxyError):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # NameResolutionError is a NewConnectionError: both fail before a byte is sent.
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _retry_after_header(resp: requests.Response) -> float | None:
    return parse_retry_after(resp.headers.get("Retry-After"))


class Http:
    """Requests for one channel, with the outbox's error classes and redacted messages."""

    def __init__(self, platform: str, channel: str, timeout: float, redact: Redactor):
        self.platform = platform
        self.channel = channel
        self.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)
        self.redact = redact
        self.session = make_session()

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        irreversible: bool,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request. *irreversible*: a lost answer may mean a live post."""
        try:
            return self.session.request(method, url, timeout=self.timeout,
                                        allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            detail = self.redact(_describe(exc))
            if _nothing_sent(exc):
                raise RetryablePublishError(
                    f"{self.platform} tidak dapat dihubungi ({what}): {detail}",
                    channel=self.channel,
                ) from None
            if not irreversible:
                raise RetryablePublishError(
                    f"jawaban {self.platform} hilang pada langkah yang belum menerbitkan apa pun "
                    f"({what}): {detail}",
                    channel=self.channel,
                ) from None
            raise UnconfirmedPublishError(
                f"permintaan ke {self.platform} sudah terkirim tetapi jawabannya hilang ({what}: "
                f"{detail}); unggahan mungkin sudah tayang — periksa akun sebelum mengirim ulang",
                channel=self.channel,
            ) from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, requests.ReadTimeout):
        return "waktu tunggu jawaban habis"
    if isinstance(exc, requests.ConnectTimeout):
        return "waktu tunggu koneksi habis"
    if isinstance(exc, requests.exceptions.SSLError):
        return "gagal jabat tangan TLS"
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        if isinstance(reason, NewConnectionError):
            return "koneksi ditolak atau nama host tidak dikenal"
        return f"koneksi terputus ({type(reason).__name__})"
    return type(exc).__name__


# --- channels -----------------------------------------------------------------------------


class Channel:
    """Base class; subclasses implement :meth:`send`."""

    name = "channel"
    #: True when a delivery left in ``sending`` can be checked locally (the export folder).
    can_reconcile = False

    def send(self, job: DeliveryJob, ctx: SendContext) -> SendResult:
        raise NotImplementedError

    def reconcile(self, job: DeliveryJob, ctx: SendContext) -> SendResult | None:
        """For a delivery interrupted mid-send: the result if it provably went out, else None."""
        return None

    def close(self) -> None:
        """Release network resources (sessions)."""


def resolve_images(job: DeliveryJob, ctx: SendContext) -> list[Path]:
    """The delivery's image files, checked: inside ``output_dir``, present, JPEG."""
    if not job.images:
        raise PermanentPublishError("unggahan tidak punya gambar", channel=job.channel)
    paths = []
    for rel in job.images:
        path = (ctx.output_dir / rel)
        if not fsutil.is_within(path, ctx.output_dir):
            raise PermanentPublishError(f"gambar di luar folder keluaran ditolak: {rel}",
                                        channel=job.channel)
        if not path.is_file():
            raise PermanentPublishError(f"berkas gambar tidak ditemukan: {rel}",
                                        channel=job.channel)
        with path.open("rb") as fh:
            if fh.read(3) != _JPEG_MAGIC:
                raise PermanentPublishError(f"gambar bukan JPEG: {rel}", channel=job.channel)
        paths.append(path)
    return paths


def _image_size(path: Path) -> tuple[int, int] | None:
    from PIL import Image

    try:
        with Image.open(path, formats=["JPEG"]) as im:
            return im.size
    except (OSError, ValueError):
        return None


#: The renderer names files ``<design>[-<slide>]-<hash16>.jpg``.
_DESIGN_NAME = re.compile(r"^(?P<design>[a-z][a-z0-9_]*?)(?:-(?P<slide>\d+))?-[0-9a-f]{16}$")
#: Which design a feed post shows when a post has several: a carousel (a set of slides made to
#: be swiped), the urgent design of a lot that ends soon, the feed portrait, the square.
_DESIGN_PREFERENCE = ("carousel", "digest", "urgent", "feed", "square")


def _design_of(path: Path) -> tuple[str, int] | None:
    m = _DESIGN_NAME.match(path.stem)
    if not m:
        return None
    return m.group("design"), int(m.group("slide") or 0)


def feed_images(paths: list[Path], *, limit: int, design: str | None = None) -> list[Path]:
    """The images of one feed post: one design, feed aspect ratios only, at most *limit*.

    A post carries several renderings of the same lot (feed portrait, story, maybe square, an
    urgent variant, carousel slides). A feed post shows one design: the reviewer's chosen
    *design* when given, else the first of carousel, digest, urgent, feed, square that the post
    has. Story formats (9:16) never go into a feed post. Files not named by the renderer are
    taken by aspect ratio alone; when no image has a feed ratio, all are returned (Telegram and
    Facebook accept any ratio; the Instagram channel checks again).
    """
    feed = []
    for p in paths:
        size = _image_size(p)
        if size and size[1] and FEED_RATIO_MIN - 0.01 <= size[0] / size[1] <= FEED_RATIO_MAX:
            feed.append(p)
    if not feed:
        return paths[:limit]
    groups: dict[str, list[tuple[int, Path]]] = {}
    for p in feed:
        named = _design_of(p)
        if named is None:
            groups.setdefault("", []).append((0, p))
        else:
            groups.setdefault(named[0], []).append((named[1], p))
    order = [d for d in (design, *_DESIGN_PREFERENCE) if d] + sorted(groups)
    chosen = next(d for d in order if d in groups)
    return [p for _, p in sorted(groups[chosen], key=lambda t: t[0])][:limit]


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units; an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
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


# --- export -------------------------------------------------------------------------------


class ExportChannel(Channel):
    """A dated folder per approved post, for manual posting; written once, atomically.

    ``output_dir/outbox/<date>/<office>-<lot>-v<version>/`` holds the images, one
    ``caption-<channel>.txt`` per caption and ``post.json``. The folder is assembled under a
    temporary name and renamed into place, so it either exists complete or not at all; if a
    folder of that name exists under any date, the post was exported already and nothing is
    written again.
    """

    name = "export"
    can_reconcile = True

    @staticmethod
    def folder_name(payload: dict[str, Any]) -> str:
        office = _safe_part(payload.get("office_id") or "kantor")
        lot = payload.get("lot_id") or f"{payload.get('kind') or 'post'}-{payload.get('post_id')}"
        return f"{office}-{_safe_part(str(lot))}-v{int(payload.get('version') or 1)}"

    def _existing(self, root: Path, name: str) -> Path | None:
        if not root.is_dir():
            return None
        for day in sorted(root.iterdir()):
            candidate = day / name
            if day.is_dir() and candidate.is_dir() and (candidate / "post.json").is_file():
                return candidate
        return None

    def reconcile(self, job: DeliveryJob, ctx: SendContext) -> SendResult | None:
        found = self._existing(ctx.output_dir / "outbox", self.folder_name(job.payload))
        return self._result(found, ctx) if found else None

    def _result(self, folder: Path, ctx: SendContext) -> SendResult:
        rel = folder.relative_to(ctx.output_dir).as_posix()
        return SendResult(remote_id=rel, remote_url=str(folder))

    def send(self, job: DeliveryJob, ctx: SendContext) -> SendResult:
        root = ctx.output_dir / "outbox"
        name = self.folder_name(job.payload)
        found = self._existing(root, name)
        if found:
            logger.info("export: %s exists already; not written again", found)
            return self._result(found, ctx)
        images = resolve_images(job, ctx)
        from zoneinfo import ZoneInfo

        day = ctx.clock().astimezone(ZoneInfo(ctx.office_timezone)).date().isoformat()
        day_dir = root / day
        day_dir.mkdir(parents=True, exist_ok=True)
        _sweep_temp_dirs(day_dir)
        final = day_dir / name
        tmp = Path(tempfile.mkdtemp(dir=day_dir, prefix=f".{name}.", suffix=fsutil.TMP_SUFFIX))
        try:
            names = []
            for i, src in enumerate(images, start=1):
                dest_name = f"{i:02d}-{src.name}"
                shutil.copyfile(src, tmp / dest_name)
                _fsync_file(tmp / dest_name)
                names.append(dest_name)
            captions = job.payload.get("captions") or {}
            for channel, text in sorted(captions.items()):
                fsutil.atomic_write_text(tmp / f"caption-{_safe_part(channel)}.txt",
                                         str(text).rstrip() + "\n")
            meta = {k: v for k, v in job.payload.items() if k not in ("images", "caption")}
            meta.update({
                "images": names,
                "exported_at": ctx.clock().astimezone(UTC).isoformat(timespec="seconds"),
                "delivery_id": job.id,
                "idempotency_key": job.idem_key,
            })
            fsutil.atomic_write_text(tmp / "post.json",
                                     json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
            fsutil.fsync_dir(tmp)
            # rename() refuses to replace a non-empty folder: the export is written once.
            os.rename(tmp, final)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if final.is_dir():
                return self._result(final, ctx)
            raise PermanentPublishError(f"folder ekspor tidak dapat ditulis: {exc}",
                                        channel=self.name) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        fsutil.fsync_dir(day_dir)
        return self._result(final, ctx)


def _safe_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "x"


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _sweep_temp_dirs(folder: Path) -> None:
    # Only called under the project lock, so any temp folder here is from a crashed export.
    for p in folder.glob(f".*{fsutil.TMP_SUFFIX}"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


# --- Telegram -----------------------------------------------------------------------------


class TelegramChannel(Channel):
    """Telegram Bot API: ``sendPhoto`` / ``sendMediaGroup`` by multipart upload.

    Captions over 1,024 characters go out as a text message right after the photo(s); the photo
    step is checkpointed first, so a retry never posts the photo again.
    """

    name = "telegram"

    def __init__(self, cfg: Config, token: str):
        tg = cfg.publish.telegram
        self.chat_id = tg.chat_id
        self.base = tg.api_base.rstrip("/")
        self.min_interval = tg.min_interval
        self.redact = Redactor([token])
        self.http = Http("Telegram", self.name, cfg.publish.timeout, self.redact)
        self._token = token
        self._last_post: float | None = None

    def close(self) -> None:
        self.http.close()

    def _url(self, method: str) -> str:
        return f"{self.base}/bot{self._token}/{method}"

    def _pace(self, ctx: SendContext) -> None:
        if self._last_post is not None and self.min_interval > 0:
            wait = self.min_interval - (time.monotonic() - self._last_post)
            if wait > 0:
                ctx.sleep(wait)
        self._last_post = time.monotonic()

    def _call(self, method: str, ctx: SendContext, *, irreversible: bool = True,
              **kwargs: Any) -> Any:
        self._pace(ctx)
        resp = self.http.request("POST", self._url(method), what=method,
                                 irreversible=irreversible, **kwargs)
        return self._result(resp, method)

    def _result(self, resp: requests.Response, method: str) -> Any:
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        if resp.status_code == 200 and body.get("ok") is True:
            return body.get("result")
        desc = self.redact(body.get("description") or resp.reason or "tanpa keterangan")
        code = resp.status_code
        if code == 429:
            params = body.get("parameters") or {}
            retry_after = params.get("retry_after")
            if not isinstance(retry_after, int | float):
                retry_after = _retry_after_header(resp)
            raise RetryablePublishError(
                f"Telegram membatasi laju kiriman (429); coba lagi setelah "
                f"{retry_after if retry_after is not None else '?'} detik: {desc}",
                channel=self.name, retry_after=retry_after)
        if code in (500, 502, 503):
            raise RetryablePublishError(f"Telegram sedang bermasalah ({code}): {desc}",
                                        channel=self.name, retry_after=_retry_after_header(resp))
        if code == 401 or (code == 404 and "not found" in desc.lower()):
            raise PermanentPublishError(
                f"token bot Telegram ditolak — salah, dicabut atau kedaluwarsa ({code} {desc}); "
                "perbarui PROMO_TELEGRAM_TOKEN lalu kirim ulang", channel=self.name)
        if code == 403:
            raise PermanentPublishError(
                f"bot Telegram tidak punya izin mengirim ke {self.chat_id} ({desc}); jadikan bot "
                "admin kanal dengan izin 'Post Messages'", channel=self.name)
        if 400 <= code < 500:
            raise PermanentPublishError(f"Telegram menolak {method} ({code}): {desc}",
                                        channel=self.name)
        raise UnconfirmedPublishError(
            f"jawaban Telegram tidak jelas ({code} {desc}) untuk {method}; unggahan mungkin "
            "sudah tayang — periksa kanal sebelum mengirim ulang", channel=self.name)

    def send(self, job: DeliveryJob, ctx: SendContext) -> SendResult:
        images = feed_images(resolve_images(job, ctx), limit=TELEGRAM_GROUP_MAX,
                             design=job.design)
        caption = job.caption.strip()
        long_text = utf16_len(caption) > TELEGRAM_CAPTION_MAX
        cp = dict(job.checkpoint)
        ids = cp.get("message_ids")
        if not ids:
            photo_caption = "" if long_text else caption
            handles = [p.open("rb") for p in images]
            try:
                if len(images) == 1:
                    data = {"chat_id": self.chat_id}
                    if photo_caption:
                        data["caption"] = photo_caption
                    result = self._call("sendPhoto", ctx, data=data, files={
                        "photo": (images[0].name, handles[0], "image/jpeg")})
                    ids = [_message_id(result)]
                else:
                    media = []
                    for i in range(len(images)):
                        item = {"type": "photo", "media": f"attach://photo{i}"}
                        if i == 0 and photo_caption:
                            item["caption"] = photo_caption
                        media.append(item)
                    files = {f"photo{i}": (p.name, handles[i], "image/jpeg")
                             for i, p in enumerate(images)}
                    result = self._call("sendMediaGroup", ctx, files=files, data={
                        "chat_id": self.chat_id, "media": json.dumps(media)})
                    ids = [_message_id(m) for m in (result or [])]
            finally:
                for h in handles:
                    h.close()
            cp["message_ids"] = ids
            if long_text:
                ctx.save_checkpoint(cp)
        if long_text:
            chunks = split_text(caption, TELEGRAM_TEXT_MAX)
            done = int(cp.get("text_chunks_sent") or 0)
            for i in range(done, len(chunks)):
                try:
                    self._call("sendMessage", ctx, data={
                        "chat_id": self.chat_id, "text": chunks[i],
                        "link_preview_options": json.dumps({"is_disabled": True})})
                except PublishError as exc:
                    raise type(exc)(f"foto sudah terkirim, tetapi teks lanjutan belum: {exc}",
                                    channel=self.name,
                                    **_retry_kw(exc)) from None
                cp["text_chunks_sent"] = i + 1
                ctx.save_checkpoint(cp)
        first = str(ids[0]) if ids else None
        return SendResult(remote_id=first, remote_url=self._link(first))

    def _link(self, message_id: str | None) -> str | None:
        if message_id and self.chat_id.startswith("@"):
            return f"https://t.me/{self.chat_id[1:]}/{message_id}"
        return None


def _retry_kw(exc: PublishError) -> dict[str, Any]:
    if isinstance(exc, RetryablePublishError):
        return {"retry_after": exc.retry_after}
    return {}


def _message_id(result: Any) -> int | None:
    if isinstance(result, dict) and isinstance(result.get("message_id"), int):
        return result["message_id"]
    return None


# --- Graph API (Facebook and Instagram) ---------------------------------------------------


class _Graph(Channel):
    platform = "Graph API"

    def __init__(self, cfg: Config, token: str, api_base: str):
        self.base = api_base.rstrip("/")
        self.redact = Redactor([token])
        self.http = Http(self.platform, self.name, cfg.publish.timeout, self.redact)
        self._token = token

    def close(self) -> None:
        self.http.close()

    def _post(self, path: str, *, what: str, irreversible: bool, data: dict[str, Any],
              files: dict[str, Any] | None = None) -> dict[str, Any]:
        data = {**data, "access_token": self._token}  # in the body, never in the URL
        resp = self.http.request("POST", f"{self.base}/{path}", what=what,
                                 irreversible=irreversible, data=data, files=files)
        return self._result(resp, what, irreversible=irreversible)

    def _get(self, path: str, *, what: str, params: dict[str, Any]) -> dict[str, Any]:
        resp = self.http.request("GET", f"{self.base}/{path}", what=what, irreversible=False,
                                 params=params,
                                 headers={"Authorization": f"Bearer {self._token}"})
        return self._result(resp, what, irreversible=False)

    def _result(self, resp: requests.Response, what: str, *, irreversible: bool) -> dict:
        try:
            body = resp.json()
        except ValueError:
            body = None
        if resp.status_code == 200 and isinstance(body, dict) and "error" not in body:
            return body
        if not isinstance(body, dict):
            body = {}
        err = body.get("error") if isinstance(body.get("error"), dict) else {}
        code = err.get("code")
        sub = err.get("error_subcode")
        msg = self.redact(err.get("error_user_msg") or err.get("message")
                          or resp.reason or "tanpa keterangan")
        status = resp.status_code
        label = f"{self.platform} ({what})"
        if code in _GRAPH_TOKEN_CODES or status == 401:
            raise PermanentPublishError(
                f"token akses {self.platform} kedaluwarsa atau tidak sah: {msg}; buat token baru "
                f"({ENV_NAMES.get(self.name, '')}) lalu kirim ulang", channel=self.name)
        if code == 10 or code == 3 or (isinstance(code, int) and 200 <= code <= 299):
            raise PermanentPublishError(
                f"{self.platform} menolak karena izin kurang: {msg}", channel=self.name)
        if code in _GRAPH_LIMIT_CODES or sub in _GRAPH_LIMIT_SUBCODES or status == 429:
            wait = _retry_after_header(resp) or _buc_wait(resp) or _GRAPH_DEFAULT_LIMIT_WAIT
            raise RetryablePublishError(f"batas kiriman {label} tercapai: {msg}",
                                        channel=self.name, retry_after=wait)
        if err.get("is_transient") or code in (1, 2) or status in (500, 502, 503):
            raise RetryablePublishError(f"{label} sedang bermasalah ({status}): {msg}",
                                        channel=self.name, retry_after=_retry_after_header(resp))
        if 400 <= status < 500:
            raise PermanentPublishError(f"{label} menolak kiriman: {msg}", channel=self.name)
        if not irreversible:
            raise RetryablePublishError(f"jawaban {label} tidak jelas ({status}): {msg}",
                                        channel=self.name)
        raise UnconfirmedPublishError(
            f"jawaban {label} tidak jelas ({status}: {msg}); unggahan mungkin sudah tayang — "
            "periksa akun sebelum mengirim ulang", channel=self.name)



def _buc_wait(resp: requests.Response) -> float | None:
    """Seconds until Meta lifts a business-use-case throttle, from its usage header."""
    raw = resp.headers.get("x-business-use-case-usage")
    if not raw:
        return None
    try:
        usage = json.loads(raw)
        minutes = max(
            float(e.get("estimated_time_to_regain_access") or 0)
            for entries in usage.values() for e in entries
        )
    except (ValueError, TypeError, AttributeError):
        return None
    return minutes * 60 if minutes > 0 else None


class FacebookChannel(_Graph):
    """A Facebook Page photo post: ``/{page_id}/photos`` with multipart ``source`` + ``message``.

    Several images become one post: each is uploaded unpublished (checkpointed; an unpublished
    photo is invisible, so those uploads are safe to retry), then ``/{page_id}/feed`` publishes
    them together with the message.
    """

    name = "facebook"
    platform = "Facebook"

    def __init__(self, cfg: Config, token: str):
        super().__init__(cfg, token, cfg.publish.facebook.api_base)
        self.page_id = cfg.publish.facebook.page_id

    def send(self, job: DeliveryJob, ctx: SendContext) -> SendResult:
        images = feed_images(resolve_images(job, ctx), limit=FACEBOOK_PHOTOS_MAX,
                             design=job.design)
        caption = job.caption.strip()
        if len(images) == 1:
            with images[0].open("rb") as fh:
                body = self._post(f"{self.page_id}/photos", what="photos", irreversible=True,
                                  data={"message": caption},
                                  files={"source": (images[0].name, fh, "image/jpeg")})
            post_id = str(body.get("post_id") or body.get("id") or "") or None
            return SendResult(post_id, _fb_link(post_id))
        cp = dict(job.checkpoint)
        photo_ids: list[str] = list(cp.get("photo_ids") or [])
        for img in images[len(photo_ids):]:
            with img.open("rb") as fh:
                body = self._post(f"{self.page_id}/photos", what="photos (unpublished)",
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
        body = self._post(f"{self.page_id}/feed", what="feed", irreversible=True, data=data)
        post_id = str(body.get("id") or "") or None
        return SendResult(post_id, _fb_link(post_id))


def _fb_link(post_id: str | None) -> str | None:
    return f"https://www.facebook.com/{post_id}" if post_id else None


class InstagramChannel(_Graph):
    """Instagram Graph API: publishing limit → container(s) → status poll → ``media_publish``.

    The image is fetched by Instagram from ``public_base_url`` + its path under ``output_dir``.
    Container ids are checkpointed the moment they exist; a later attempt reuses them (a
    ``PUBLISHED`` container means the post already went out and nothing is sent again), so a
    retry after a lost answer never creates a second container.
    """

    name = "instagram"
    platform = "Instagram"

    def __init__(self, cfg: Config, token: str):
        ig = cfg.publish.instagram
        super().__init__(cfg, token, ig.api_base)
        self.user_id = ig.user_id
        self.public_base = ig.public_base_url.rstrip("/")
        self.poll_interval = ig.poll_interval
        self.poll_max = ig.poll_max

    def image_url(self, path: Path, output_dir: Path) -> str:
        rel = path.resolve().relative_to(output_dir.resolve()).as_posix()
        return f"{self.public_base}/{quote(rel)}"

    def check_limit(self) -> None:
        body = self._get(f"{self.user_id}/content_publishing_limit", what="publishing limit",
                         params={"fields": "quota_usage,config"})
        data = (body.get("data") or [{}])[0] if isinstance(body.get("data"), list) else {}
        usage = data.get("quota_usage")
        total = (data.get("config") or {}).get("quota_total")
        if isinstance(usage, int) and isinstance(total, int) and usage >= total:
            raise RetryablePublishError(
                f"batas unggahan Instagram 24 jam tercapai ({usage}/{total}); dicoba lagi nanti",
                channel=self.name, retry_after=3600.0)

    def _status(self, container_id: str) -> str:
        body = self._get(container_id, what="container status", params={"fields": "status_code"})
        return str(body.get("status_code") or "").upper()

    def _create(self, data: dict[str, Any], what: str) -> str:
        body = self._post(f"{self.user_id}/media", what=what, irreversible=False, data=data)
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
            images = resolve_images(job, ctx)
            chosen = feed_images(images, limit=INSTAGRAM_CAROUSEL_MAX, design=job.design)
            for p in chosen:
                size = _image_size(p)
                if not size or not FEED_RATIO_MIN - 0.01 <= size[0] / size[1] <= FEED_RATIO_MAX:
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
                container = self._create({"media_type": "CAROUSEL",
                                          "children": ",".join(children),
                                          "caption": caption}, "carousel container")
            cp["container_id"] = container
            ctx.save_checkpoint(cp)
        self._wait_finished(container, ctx)
        self.check_limit()
        try:
            body = self._post(f"{self.user_id}/media_publish", what="media_publish",
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

    def _wait_finished(self, container: str, ctx: SendContext) -> None:
        for attempt in range(self.poll_max):
            status = self._status(container)
            if status == "FINISHED":
                return
            if status == "PUBLISHED":
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


# --- factory ------------------------------------------------------------------------------

ENV_NAMES = {"telegram": "PROMO_TELEGRAM_TOKEN", "facebook": "PROMO_FACEBOOK_TOKEN",
             "instagram": "PROMO_INSTAGRAM_TOKEN"}


def check_channels(cfg: Config) -> None:
    """Raise :class:`ConfigError` naming the key or variable a configured channel lacks."""
    pub = cfg.publish
    needs = {
        "telegram": [("publish.telegram.chat_id", pub.telegram.chat_id),
                     ("publish.telegram.api_base", pub.telegram.api_base)],
        "facebook": [("publish.facebook.page_id", pub.facebook.page_id),
                     ("publish.facebook.api_base", pub.facebook.api_base)],
        "instagram": [("publish.instagram.user_id", pub.instagram.user_id),
                      ("publish.instagram.api_base", pub.instagram.api_base),
                      ("publish.instagram.public_base_url", pub.instagram.public_base_url)],
    }
    for name in pub.channels:
        for key, value in needs.get(name, []):
            if not value.strip():
                raise ConfigError(f"channel '{name}' needs config key '{key}'")
            if key.endswith(("api_base", "public_base_url")) and not value.startswith(
                    ("http://", "https://")):
                raise ConfigError(f"config key '{key}' must be an http(s) URL, got {value!r}")
        if name in ENV_NAMES and not secret(name):
            raise ConfigError(f"channel '{name}' needs its token in the environment variable "
                              f"{ENV_NAMES[name]}")


def make_channels(cfg: Config) -> dict[str, Channel]:
    """The configured channels, ready to send (raises ConfigError when one is incomplete)."""
    check_channels(cfg)
    guard_library_logs(secrets_of(cfg))
    out: dict[str, Channel] = {}
    for name in cfg.publish.channels:
        if name == "export":
            out[name] = ExportChannel()
        elif name == "telegram":
            out[name] = TelegramChannel(cfg, secret("telegram") or "")
        elif name == "facebook":
            out[name] = FacebookChannel(cfg, secret("facebook") or "")
        elif name == "instagram":
            out[name] = InstagramChannel(cfg, secret("instagram") or "")
    return out


def secrets_of(cfg: Config) -> list[str]:
    """Every publishing/notification secret currently set (for redaction)."""
    return [v for v in (secret(n) for n in ("telegram", "facebook", "instagram", "smtp")) if v]


__all__ = [
    "Channel", "DeliveryJob", "ExportChannel", "FacebookChannel", "InstagramChannel",
    "Redactor", "SendContext", "SendResult", "TelegramChannel", "check_channels",
    "feed_images", "make_channels", "split_text", "utf16_len",
]
