"""Fake Telegram Bot API and Graph API (Facebook Page, Instagram) servers on 127.0.0.1.

One :class:`FakePlatforms` server answers both APIs over real HTTP (or HTTPS, ``tls=True``),
checks what it receives the way the real platforms do and counts every post it accepted:

- Telegram (``fake_telegram.py``): valid photo uploads within the file limits (10 MB, width +
  height ≤ 10,000, ratio ≤ 20), captions within 1,024, albums of 2-10, the flood limit of 20
  messages a minute per chat (an album of 10 is 10 messages) answered with ``429`` and
  ``retry_after``, groups upgraded to supergroups;
- the Graph API (``fake_graph.py``): the token, and its kind per host (Facebook Login ``EAA…``
  on the Facebook host, Instagram Login ``IG…`` on ``graph_host="instagram"``); Page photo and
  feed posts and the Page's posts read back; Instagram fetching ``image_url`` itself and
  refusing what Instagram refuses (JPEG only, 8 MiB, 4:5-1.91:1; widths outside 320-1440 are
  recorded as violations), containers that take polls to finish, stay ``IN_PROGRESS``, fail
  with a status text or expire after 24 hours, ``media_publish`` refusing unfinished, expired or
  unknown containers, the 24-hour publishing limit, media read back with their permalink.

A *plan* injects faults per endpoint (:meth:`FakePlatforms.expect`): an error answer before
anything is accepted, or — the failures that make double posts — accepting the post and then
answering an error (``("after_accept", status, body)``), hanging past the client's timeout,
dropping the connection, or (over TLS) sending a broken TLS record. Time comes from
:attr:`FakePlatforms.clock` (seconds), which tests may drive. :class:`StaticServer` serves
``output_dir`` the way ``public_base_url`` must; the project helpers live in
``publish_project.py`` and are re-exported here.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fake_graph import GraphHandler
from fake_media import check_jpeg  # noqa: F401 - re-exported for the tests
from fake_telegram import TelegramHandler
from publish_project import (  # noqa: F401 - re-exported for the tests
    FACEBOOK_TOKEN,
    GRAPH_VERSION,
    INSTAGRAM_LOGIN_TOKEN,
    INSTAGRAM_TOKEN,
    TELEGRAM_TOKEN,
    Project,
    add_lot,
    add_post,
    env_with_tokens,
    make_jpeg,
    promo,
    write_config,
)


class _LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 (random port) in a daemon thread."""

    scheme = "http"

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
        return f"{self.scheme}://{host}:{port}"


class FakePlatforms(_LoopbackServer):
    """Telegram at ``/bot<token>/<method>``, the Graph API at ``/vNN.N/...``.

    *graph_host*: ``"facebook"`` (graph.facebook.com: Facebook Login tokens only) or
    ``"instagram"`` (graph.instagram.com: Instagram Login tokens only). *tls*: serve HTTPS
    with a throwaway CA (:attr:`ca_file`; the client trusts it only if told to).
    """

    def __init__(self, *, graph_host: str = "facebook", tls: bool = False) -> None:
        self.lock = threading.Lock()
        self.clock: Callable[[], float] = time.time
        self.telegram: list[dict[str, Any]] = []      # accepted Telegram messages
        self.tg_sent_at: dict[str, deque[float]] = defaultdict(deque)  # per chat, per message
        self.facebook: list[dict[str, Any]] = []      # published Page posts
        self.fb_unpublished: dict[str, dict[str, Any]] = {}
        self.fb_videos: dict[str, dict[str, Any]] = {}  # Reels being uploaded / published
        self.containers: dict[str, dict[str, Any]] = {}
        self.instagram: list[dict[str, Any]] = []     # published Instagram media
        self.insights: dict[str, dict[str, Any]] = {}  # post/media id -> metric -> value
        self.violations: list[str] = []               # limits broken by the client
        self.calls: list[str] = []                    # "POST telegram.sendPhoto", ...
        self.plan: dict[str, deque[Any]] = defaultdict(deque)
        self.hang_seconds = 3.0
        self.ig_quota_base = 0                        # posts made by other tools in the window
        self.ig_quota_total = 50
        self.ig_in_progress_polls = 0                 # polls answered IN_PROGRESS per container
        self.ig_video_polls = 2                       # more of them while a Reel is processed
        self.migrated_chats: dict[str, int] = {}      # Telegram group id -> its supergroup id
        self.graph_host = graph_host
        self.graph_versions: set[str] = set()
        self.tokens = {"telegram": TELEGRAM_TOKEN, "facebook": FACEBOOK_TOKEN,
                       "instagram": INSTAGRAM_LOGIN_TOKEN if graph_host == "instagram"
                       else INSTAGRAM_TOKEN}
        self._ids = 1000
        super().__init__(partial(_Handler, self))
        self.ca_file: Path | None = None
        if tls:
            self._serve_tls()

    def _serve_tls(self) -> None:
        import tempfile

        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1")
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(ctx)
        folder = Path(tempfile.mkdtemp(prefix="fake-ca-"))
        self.ca_file = folder / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https"

    @property
    def graph_url(self) -> str:
        return f"{self.url}/{GRAPH_VERSION}"

    def expect(self, key: str, *behaviours: Any) -> None:
        """Queue behaviours for the next calls of *key* (``"telegram.sendPhoto"``,
        ``"ig.media"``, ``"ig.media_publish"``, ``"ig.node"``, ``"ig.container"`` (how the next
        container turns out: ``"stuck"`` or ``("error", status_text)``), ``"fb.photos"``,
        ``"fb.feed"`` …). Each is ``"ok"``, ``("error", status, body[, headers])`` (refused,
        nothing accepted), ``("after_accept", status, body)``, ``"hang_after_accept"``,
        ``"drop_after_accept"`` or ``"tls_garbage_after_accept"``."""
        with self.lock:
            self.plan[key].extend(behaviours)

    def take(self, key: str) -> Any:
        with self.lock:
            plan = self.plan.get(key)
            return plan.popleft() if plan else "ok"

    def next_id(self) -> str:
        with self.lock:
            self._ids += 1
            return str(self._ids)

    def violation(self, text: str) -> None:
        with self.lock:
            self.violations.append(text)

    @property
    def total_posts(self) -> int:
        return len(self.telegram_posts()) + len(self.facebook) + len(self.instagram)

    def telegram_posts(self) -> list[dict[str, Any]]:
        """Photo posts (sendPhoto / sendMediaGroup), not follow-up text messages."""
        return [m for m in self.telegram if m["method"] != "sendMessage"]

    def ig_usage(self) -> int:
        """Posts published in the rolling 24 hours (ours and other tools')."""
        now = self.clock()
        return self.ig_quota_base + sum(1 for m in self.instagram if now - m["at"] < 86400)


class _Handler(TelegramHandler, GraphHandler, BaseHTTPRequestHandler):
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
        return self.fake.take(key)

    @staticmethod
    def refusal(behaviour: Any) -> tuple[Any, ...] | None:
        """``("error", status, body[, headers])``: refuse before accepting anything."""
        if isinstance(behaviour, tuple) and behaviour[0] == "error":
            return tuple(behaviour[1:])
        return None

    def _lose_answer(self, behaviour: Any) -> bool:
        """After accepting: answer an error, hang, drop, or break TLS instead of the success
        answer. True when the success answer is not sent."""
        if isinstance(behaviour, tuple) and behaviour[0] == "after_accept":
            self._json(behaviour[1], behaviour[2])
            return True
        if behaviour == "hang_after_accept":
            time.sleep(self.fake.hang_seconds)
            self.close_connection = True
            return True
        if behaviour == "drop_after_accept":
            self.close_connection = True
            self.connection.close()
            return True
        if behaviour == "tls_garbage_after_accept":
            # An application-data record the client cannot decrypt: a TLS error while the
            # client reads the answer, after its whole request was read here.
            os.write(self.connection.fileno(), b"\x17\x03\x03\x00\x20" + os.urandom(32))
            time.sleep(0.2)
            self.close_connection = True
            return True
        return False

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
            return self.telegram_call(m.group(1), m.group(2), body)
        m = re.fullmatch(r"/video-upload/v\d+\.\d+/(\w+)", parts.path)
        if m and method == "POST":
            return self.rupload_call(m.group(1), body)
        m = re.fullmatch(r"/(v\d+\.\d+)/([^/]+)(?:/(\w+))?", parts.path)
        if m:
            with self.fake.lock:
                self.fake.graph_versions.add(m.group(1))
            return self.graph_call(method, m.group(2), m.group(3), body,
                                   parse_qs(parts.query))
        self._json(404, {"error": "no such endpoint"})


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
