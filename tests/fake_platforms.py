"""Fake Telegram Bot API and Graph API (Facebook Page, Instagram) servers on 127.0.0.1.

One :class:`FakePlatforms` server answers both APIs over real HTTP, checks what it receives the
way the real platforms would (the upload must be a valid JPEG, the caption within the limits,
the token right, Instagram fetches ``image_url`` itself) and counts every post it accepted. A
*plan* injects faults per endpoint: an error answer, a 429 with ``retry_after``, or accepting a
post and then losing the answer (hanging past the client's timeout, or dropping the
connection). Also here: :class:`StaticServer`, which serves ``output_dir`` the way
``public_base_url`` must, and helpers that build a project (config, database, lots, approved
posts with real JPEG images) for the publishing tests.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
import time
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from PIL import Image

TELEGRAM_TOKEN = "123456:TEST-telegram-SECRET-token"
FACEBOOK_TOKEN = "EAA-test-facebook-SECRET"
INSTAGRAM_TOKEN = "IGQ-test-instagram-SECRET"
GRAPH_VERSION = "v21.0"


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check_jpeg(data: bytes) -> str | None:
    """None when *data* is a complete, decodable JPEG; else what is wrong."""
    if not data.startswith(b"\xff\xd8\xff"):
        return "not a JPEG"
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as im:
            im.load()
    except Exception as exc:
        return f"broken JPEG: {exc}"
    return None


class _LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 (random port) in a daemon thread."""

    def __init__(self, handler: Any):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Any:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


class FakePlatforms(_LoopbackServer):
    """Telegram at ``/bot<token>/<method>``, the Graph API at ``/v21.0/...``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.telegram: list[dict[str, Any]] = []      # accepted Telegram messages
        self.facebook: list[dict[str, Any]] = []      # published Page posts
        self.fb_unpublished: dict[str, dict[str, Any]] = {}
        self.containers: dict[str, dict[str, Any]] = {}
        self.instagram: list[dict[str, Any]] = []     # published Instagram media
        self.violations: list[str] = []               # limits broken by the client
        self.calls: list[str] = []                    # "POST telegram.sendPhoto", ...
        self.plan: dict[str, deque] = defaultdict(deque)
        self.hang_seconds = 3.0
        self.ig_quota_usage = 0
        self.ig_quota_total = 50
        self.ig_in_progress_polls = 0                 # polls answered IN_PROGRESS per container
        self.migrated_chats: dict[str, int] = {}      # Telegram group id -> its supergroup id
        self.tokens = {"telegram": TELEGRAM_TOKEN, "facebook": FACEBOOK_TOKEN,
                       "instagram": INSTAGRAM_TOKEN}
        self._ids = 1000
        super().__init__(partial(_Handler, self))

    @property
    def graph_url(self) -> str:
        return f"{self.url}/{GRAPH_VERSION}"

    def expect(self, key: str, *behaviours: Any) -> None:
        """Queue behaviours for the next calls of *key* (``"telegram.sendPhoto"``, ``"ig.media"``,
        ``"ig.media_publish"``, ``"fb.photos"``, ``"fb.feed"``...). Each is ``"ok"``,
        ``("error", status, body)``, ``"hang_after_accept"`` or ``"drop_after_accept"``."""
        with self.lock:
            self.plan[key].extend(behaviours)

    def next_id(self) -> str:
        with self.lock:
            self._ids += 1
            return str(self._ids)

    @property
    def total_posts(self) -> int:
        return len(self.telegram_posts()) + len(self.facebook) + len(self.instagram)

    def telegram_posts(self) -> list[dict[str, Any]]:
        """Photo posts (sendPhoto / sendMediaGroup), not follow-up text messages."""
        return [m for m in self.telegram if m["method"] != "sendMessage"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __init__(self, fake: FakePlatforms, *args: Any, **kwargs: Any):
        self.fake = fake
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- plumbing --
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _form(self, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
        ctype = self.headers.get("Content-Type", "")
        fields: dict[str, str] = {}
        files: dict[str, bytes] = {}
        if ctype.startswith("multipart/form-data"):
            msg = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                if part.get_filename() is not None:
                    files[name] = payload
                else:
                    fields[name] = payload.decode("utf-8")
        elif body:
            fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8"),
                                                   keep_blank_values=True).items()}
        return fields, files

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _behaviour(self, key: str) -> Any:
        with self.fake.lock:
            self.fake.calls.append(f"{self.command} {key}")
            plan = self.fake.plan.get(key)
            return plan.popleft() if plan else "ok"

    def _lose_answer(self, behaviour: Any) -> bool:
        """After accepting: hang or drop instead of answering. True when the answer is lost."""
        if behaviour == "hang_after_accept":
            time.sleep(self.fake.hang_seconds)
            self.close_connection = True
            return True
        if behaviour == "drop_after_accept":
            self.close_connection = True
            self.connection.close()
            return True
        return False

    def _violation(self, text: str) -> None:
        with self.fake.lock:
            self.fake.violations.append(text)

    # -- routing --
    def do_POST(self) -> None:
        self._route("POST")

    def do_GET(self) -> None:
        self._route("GET")

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        body = self._body() if method == "POST" else b""
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", parts.path)
        if m:
            return self._telegram(m.group(1), m.group(2), body)
        m = re.fullmatch(rf"/{GRAPH_VERSION}/([^/]+)(?:/(\w+))?", parts.path)
        if m:
            return self._graph(method, m.group(1), m.group(2), body, parse_qs(parts.query))
        self._json(404, {"error": "no such endpoint"})

    # -- Telegram --
    def _telegram(self, token: str, method: str, body: bytes) -> None:
        fake = self.fake
        behaviour = self._behaviour(f"telegram.{method}")
        if token != fake.tokens["telegram"]:
            return self._json(401, {"ok": False, "error_code": 401,
                                    "description": "Unauthorized"})
        if isinstance(behaviour, tuple) and behaviour[0] == "error":
            return self._json(behaviour[1], behaviour[2])
        fields, files = self._form(body)
        new_chat = fake.migrated_chats.get(fields.get("chat_id", ""))
        if new_chat is not None:  # a group upgraded to a supergroup refuses every message
            return self._json(400, {
                "ok": False, "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": new_chat}})
        record: dict[str, Any] = {"method": method, "chat_id": fields.get("chat_id")}
        if method == "sendPhoto":
            photo = files.get("photo", b"")
            problem = check_jpeg(photo)
            caption = fields.get("caption", "")
            if problem or _utf16(caption) > 1024:
                reason = problem or "Bad Request: message caption is too long"
                self._violation(f"sendPhoto: {reason}")
                return self._json(400, {"ok": False, "error_code": 400, "description": reason})
            record.update(caption=caption, photos=[hashlib.sha256(photo).hexdigest()])
        elif method == "sendMediaGroup":
            media = json.loads(fields.get("media", "[]"))
            if not 2 <= len(media) <= 10:
                self._violation("sendMediaGroup: needs 2-10 items")
                return self._json(400, {"ok": False, "error_code": 400,
                                        "description": "Bad Request: wrong number of items"})
            photos = []
            for i, item in enumerate(media):
                data = files.get(item["media"].removeprefix("attach://"), b"")
                problem = check_jpeg(data)
                if problem or _utf16(item.get("caption", "")) > 1024 or (
                        i > 0 and item.get("caption")):
                    self._violation(f"sendMediaGroup item {i}: {problem or 'caption'}")
                    return self._json(400, {"ok": False, "error_code": 400,
                                            "description": f"Bad Request: item {i}"})
                photos.append(hashlib.sha256(data).hexdigest())
            record.update(caption=media[0].get("caption", ""), photos=photos)
        elif method == "sendMessage":
            text = fields.get("text", "")
            if not 1 <= _utf16(text) <= 4096:
                self._violation("sendMessage: text length")
                return self._json(400, {"ok": False, "error_code": 400,
                                        "description": "Bad Request: message is too long"})
            record.update(text=text)
        else:
            return self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        with fake.lock:
            record["message_id"] = len(fake.telegram) + 1
            fake.telegram.append(record)
        if self._lose_answer(behaviour):
            return None
        if method == "sendMediaGroup":
            result: Any = [{"message_id": record["message_id"] * 100 + i}
                           for i in range(len(record["photos"]))]
        else:
            result = {"message_id": record["message_id"], "chat": {"id": record["chat_id"]}}
        return self._json(200, {"ok": True, "result": result})

    # -- Graph API --
    def _graph_error(self, status: int, code: int, message: str, **extra: Any) -> None:
        self._json(status, {"error": {"message": message, "type": "OAuthException",
                                      "code": code, "fbtrace_id": "Afake", **extra}})

    def _graph(self, method: str, node: str, edge: str | None, body: bytes,
               query: dict[str, list[str]]) -> None:
        fake = self.fake
        fields, files = self._form(body)
        token = fields.get("access_token") or (query.get("access_token") or [""])[0]
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ")
        is_ig = node.startswith("ig") or node in fake.containers
        key = f"{'ig' if is_ig else 'fb'}.{edge or 'node'}"
        behaviour = self._behaviour(key)
        expected = fake.tokens["instagram" if is_ig else "facebook"]
        if token != expected:
            return self._graph_error(400, 190, "Error validating access token: Session has "
                                     "expired on Friday, 14-Mar-26 09:00:00 PDT.",
                                     error_subcode=463)
        if isinstance(behaviour, tuple) and behaviour[0] == "error":
            return self._json(behaviour[1], behaviour[2])
        if is_ig:
            return self._instagram(method, node, edge, fields, behaviour)
        return self._facebook(method, node, edge, fields, files, behaviour)

    def _facebook(self, method: str, page: str, edge: str | None, fields: dict[str, str],
                  files: dict[str, bytes], behaviour: Any) -> None:
        fake = self.fake
        if method == "POST" and edge == "photos":
            data = files.get("source", b"")
            problem = check_jpeg(data)
            if problem or len(fields.get("message", "")) > 63206:
                self._violation(f"fb photos: {problem or 'message too long'}")
                return self._graph_error(400, 324, f"Invalid image: {problem}")
            pid = fake.next_id()
            digest = hashlib.sha256(data).hexdigest()
            if fields.get("published") == "false":
                with fake.lock:
                    fake.fb_unpublished[pid] = {"photo": digest}
                return self._json(200, {"id": pid})
            with fake.lock:
                fake.facebook.append({"page": page, "message": fields.get("message", ""),
                                      "photos": [digest], "id": f"{page}_{pid}"})
            if self._lose_answer(behaviour):
                return None
            return self._json(200, {"id": pid, "post_id": f"{page}_{pid}"})
        if method == "POST" and edge == "feed":
            photos = []
            for k in sorted(k for k in fields if k.startswith("attached_media[")):
                fbid = json.loads(fields[k])["media_fbid"]
                if fbid not in fake.fb_unpublished:
                    self._violation(f"fb feed: unknown media {fbid}")
                    return self._graph_error(400, 100, "Invalid media_fbid")
                photos.append(fake.fb_unpublished[fbid]["photo"])
            pid = f"{page}_{fake.next_id()}"
            with fake.lock:
                fake.facebook.append({"page": page, "message": fields.get("message", ""),
                                      "photos": photos, "id": pid})
            if self._lose_answer(behaviour):
                return None
            return self._json(200, {"id": pid})
        return self._graph_error(400, 100, "Unsupported request")

    def _instagram(self, method: str, node: str, edge: str | None, fields: dict[str, str],
                   behaviour: Any) -> None:
        fake = self.fake
        if method == "GET" and edge == "content_publishing_limit":
            return self._json(200, {"data": [{"quota_usage": fake.ig_quota_usage, "config": {
                "quota_total": fake.ig_quota_total, "quota_duration": 86400}}]})
        if method == "GET" and edge is None and node in fake.containers:
            c = fake.containers[node]
            with fake.lock:
                c["polls"] += 1
                status = c["status"]
                if status == "FINISHED" and c["polls"] <= fake.ig_in_progress_polls:
                    status = "IN_PROGRESS"
            return self._json(200, {"status_code": status, "id": node})
        if method == "POST" and edge == "media":
            caption = fields.get("caption", "")
            if len(caption) > 2200 or caption.count("#") > 30:
                self._violation("ig media: caption over limits")
                return self._graph_error(400, 100, "The caption is too long",
                                         error_subcode=2207028)
            if fields.get("media_type") == "CAROUSEL":
                children = fields.get("children", "").split(",")
                if not 2 <= len(children) <= 10 or any(
                        ch not in fake.containers for ch in children):
                    self._violation("ig carousel: bad children")
                    return self._graph_error(400, 100, "Invalid children")
                cid = "ig" + fake.next_id()
                with fake.lock:
                    fake.containers[cid] = {"status": "FINISHED", "caption": caption,
                                            "children": children, "polls": 0,
                                            "images": [fake.containers[c]["image"]
                                                       for c in children]}
                return self._json(200, {"id": cid})
            image_url = fields.get("image_url", "")
            try:  # Instagram cURLs the image: it must be publicly reachable and a JPEG
                resp = requests.get(image_url, timeout=5)
                data = resp.content if resp.status_code == 200 else b""
            except requests.RequestException:
                data = b""
            problem = check_jpeg(data)
            if problem:
                self._violation(f"ig media: {image_url}: {problem}")
                return self._graph_error(400, 9004, "Media fetch failed",
                                         error_subcode=2207052)
            cid = "ig" + fake.next_id()
            with fake.lock:
                fake.containers[cid] = {"status": "FINISHED", "caption": caption, "polls": 0,
                                        "image": hashlib.sha256(data).hexdigest(),
                                        "carousel_item": fields.get("is_carousel_item")}
            return self._json(200, {"id": cid})
        if method == "POST" and edge == "media_publish":
            cid = fields.get("creation_id", "")
            c = fake.containers.get(cid)
            if c is None or c.get("carousel_item"):
                self._violation(f"ig media_publish: bad creation_id {cid}")
                return self._graph_error(400, 100, "Invalid creation_id")
            if c["status"] == "PUBLISHED":
                self._violation(f"ig media_publish: container {cid} published twice")
                return self._graph_error(400, 9007, "Media already published")
            media_id = "media" + fake.next_id()
            with fake.lock:
                c["status"] = "PUBLISHED"
                fake.instagram.append({"container": cid, "id": media_id,
                                       "caption": c["caption"],
                                       "images": c.get("images") or [c["image"]]})
                fake.ig_quota_usage += 1
            if self._lose_answer(behaviour):
                return None
            return self._json(200, {"id": media_id})
        return self._graph_error(400, 100, "Unsupported request")


class FakeBoard(_LoopbackServer):
    """A notice board that takes JSON posts at ``POST /posts`` with a bearer token: the platform
    of the throwaway channel a test registers to show that a new channel is one module."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.posts: list[dict[str, Any]] = []
        self.refused: list[str] = []
        super().__init__(partial(_BoardHandler, self))


class _BoardHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __init__(self, board: FakeBoard, *args: Any, **kwargs: Any):
        self.board = board
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, obj: Any) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path != "/posts":
            return self._answer(404, {"error": "no such endpoint"})
        if self.headers.get("Authorization") != f"Bearer {self.board.token}":
            self.board.refused.append("token")
            return self._answer(401, {"error": "bad token"})
        try:
            post = json.loads(body)
        except ValueError:
            post = None
        if not isinstance(post, dict) or not post.get("text") or not post.get("images"):
            self.board.refused.append("shape")
            return self._answer(400, {"error": "text and images are required"})
        post["id"] = f"board-{len(self.board.posts) + 1}"
        self.board.posts.append(post)
        return self._answer(201, {"id": post["id"]})


class StaticServer(_LoopbackServer):
    """Serves a folder over HTTP on 127.0.0.1 (what ``public_base_url`` must point at)."""

    def __init__(self, directory: Path):
        super().__init__(partial(_QuietStatic, directory=str(directory)))


class _QuietStatic(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


# --- a project to publish from -------------------------------------------------------------------


def make_jpeg(path: Path, size: tuple[int, int], color: tuple[int, int, int]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", size, color)
    for x in range(0, size[0], 40):  # some structure, so files differ and are real JPEGs
        im.paste((255 - color[0], color[1], 255 - color[2]), (x, 0, x + 8, size[1]))
    im.save(path, "JPEG", quality=80)
    return path


def write_config(root: Path, *, channels: list[str], fake_url: str | None = None,
                 public_base_url: str = "", slots: list[str] | None = None,
                 timeout: float = 2.0, extra: str = "") -> Path:
    """A config.toml for one office (KPKNL Bima, WITA) publishing to *channels*."""
    slots = [] if slots is None else slots
    lines = [
        "[[offices]]",
        'id = "off-bima"',
        'name = "KPKNL Bima"',
        'timezone = "Asia/Makassar"',
        "",
        "[storage]",
        'database = "data/promo.db"',
        'media_dir = "data/media"',
        'output_dir = "data/out"',
        "",
        "[publish]",
        f"channels = {json.dumps(channels)}",
        f"slots = {json.dumps(slots)}",
        f"timeout = {timeout}",
        "retries = 3",
        "backoff_base = 0.2",
        "max_wait = 5",
    ]
    if fake_url:
        lines += [
            "",
            "[publish.telegram]",
            'chat_id = "@kpknlbima"',
            f'api_base = "{fake_url}"',
            "min_interval = 0",
            "",
            "[publish.facebook]",
            'page_id = "pg100"',
            f'api_base = "{fake_url}/{GRAPH_VERSION}"',
            "",
            "[publish.instagram]",
            'user_id = "igu200"',
            f'api_base = "{fake_url}/{GRAPH_VERSION}"',
            f'public_base_url = "{public_base_url}"',
            "poll_interval = 0.01",
            "poll_max = 5",
        ]
    path = root / "config.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def add_lot(db: Any, lot_id: str, *, ends_in: timedelta = timedelta(days=5),
            now: datetime | None = None, status: str = "active") -> None:
    from promo_pipeline import store
    from promo_pipeline.lots import Lot, lot_to_row

    now = now or datetime.now(UTC)
    wib = now.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Jakarta"))
    lot = Lot(id=lot_id, office_id="off-bima", office_name="KPKNL Bima",
              title=f"Sebidang tanah SHM {lot_id}", limit_value=98_500_000, deposit=20_000_000,
              ends_at=(wib + ends_in).replace(microsecond=0),
              url=f"https://lelang.go.id/kpknl/off-bima/detail-auction/{lot_id}", status=status)
    row = lot_to_row(lot)
    row.update(first_seen_at=now.isoformat(), last_seen_at=now.isoformat())
    with store.write_tx(db):
        db["lots"].upsert(row, pk="id")


def add_post(db: Any, cfg: Any, lot_id: str, *, images: int = 1, story: bool = True,
             status: str = "approved", caption: str | None = None, kind: str = "lot",
             version: int = 1, color: tuple[int, int, int] = (22, 48, 107)) -> int:
    """An approved post for *lot_id* with real JPEGs: *images* feed images (+ a story)."""
    from promo_pipeline import store

    out = cfg.output_dir
    rels = []
    for i in range(images):
        p = make_jpeg(out / "render" / lot_id / f"feed-{i}.jpg", (432, 540),
                      (color[0], (color[1] + 40 * i) % 256, color[2]))
        rels.append(p.relative_to(out).as_posix())
    if story:
        p = make_jpeg(out / "render" / lot_id / "story.jpg", (432, 768), color)
        rels.append(p.relative_to(out).as_posix())
    text = caption if caption is not None else (
        f"LELANG Sebidang tanah SHM {lot_id}\nNilai limit Rp98.500.000\n"
        f"https://lelang.go.id/kpknl/off-bima/detail-auction/{lot_id}\n#LelangNegara")
    captions = {"instagram": text, "facebook": text, "telegram": text, "x": text[:200]}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with store.write_tx(db):
        db["posts"].insert({
            "kind": kind, "dedupe_key": f"{kind}:{lot_id}:{version}", "lot_id": lot_id,
            "lot_ids": json.dumps([lot_id]), "office_id": "off-bima", "version": version,
            "content_hash": "h", "status": status, "images": json.dumps(rels),
            "captions": json.dumps(captions), "lint": "[]", "blocking": 0,
            "approved_by": "sari" if status == "approved" else None,
            "approved_at": now if status == "approved" else None,
            "created_at": now, "updated_at": now,
        })
        return db.execute("select last_insert_rowid()").fetchone()[0]


class Project:
    """A project folder with its config, database and (optionally) fake platforms."""

    def __init__(self, root: Path, cfg_path: Path):
        from promo_pipeline import config, database

        self.root = root
        self.cfg_path = cfg_path
        self.cfg = config.load(cfg_path)
        self.db = database.connect(self.cfg.database_path)

    def close(self) -> None:
        self.db.conn.close()

    def deliveries(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db["deliveries"].rows_where(order_by="id")]

    def post_status(self, post_id: int) -> str:
        return self.db["posts"].get(post_id)["status"]


def env_with_tokens(**extra: str) -> dict[str, str]:
    """The environment for a `promo` subprocess: tokens set, no crash point unless given."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMO_")}
    env.update(PROMO_TELEGRAM_TOKEN=TELEGRAM_TOKEN, PROMO_FACEBOOK_TOKEN=FACEBOOK_TOKEN,
               PROMO_INSTAGRAM_TOKEN=INSTAGRAM_TOKEN)
    env.update(extra)
    return env


def promo(project: Project, *args: str, env: dict[str, str] | None = None,
          timeout: float = 60) -> Any:
    """Run the real `promo` command (``python -m promo_pipeline``) in a subprocess."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "promo_pipeline", "--config", str(project.cfg_path), *args],
        capture_output=True, text=True, timeout=timeout, env=env or env_with_tokens(),
        cwd=project.root)
