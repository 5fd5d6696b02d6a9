"""A fake lelang.go.id (API + file host) on 127.0.0.1, for the offline demo and the tests.

It serves a :class:`~promo_pipeline.demo.dataset.Dataset` through the same URLs and JSON
envelopes as the real site, so the real collector runs against it unchanged::

    with FakeLelang(dataset) as server:
        cfg = ...  # source.api_base = server.api_base, source.file_base = server.file_base
        collect_all(cfg, db)
        assert server.count("detail") == 3

Routes (under ``http://127.0.0.1:PORT``):

- ``/api/v1/landing-page-kpknl/{unitKerjaId}/katalog-lot-lelang?page=&limit=&namakategori[]=``
- ``/api/v1/landing-page/info/{lotLelangId}`` (404 JSON envelope when the data set has no detail)
- ``/api/v1/landing-page/kpknl`` and ``/api/v1/landing-page/kategori``
- ``/lelang/{path}``: the file host; like the real one it answers 403 to a request without a
  ``Referer`` header.

Faults for tests: :meth:`FakeLelang.inject` queues :class:`Fault` answers for requests whose path
contains a given text, e.g. ``server.inject("/landing-page/info/", Fault.error(503),
Fault.error(503))`` makes the next two detail requests fail and the third succeed.
"""

from __future__ import annotations

import json
import logging
import math
import mimetypes
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from promo_pipeline.demo.dataset import Dataset

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
#: Where ``promo demo serve`` listens, and what the demo folder's config names.
DEMO_PORT = 8790
FILE_PREFIX = "/lelang/"
DEFAULT_LIMIT = 10


@dataclass
class Fault:
    """One canned misbehaviour for a matching request.

    With ``body`` set (or a status other than 200) the server answers with exactly that status,
    headers and body; otherwise it computes the normal answer and only changes *how* it is sent:
    ``stall`` seconds before the headers, ``drip`` seconds between small body chunks,
    ``truncate`` (close the connection halfway through the announced body), ``drop`` (close the
    connection without answering), ``content_length=False`` (no length announced; the body ends
    when the connection closes). ``times`` is how many requests it applies to (``None``: all).
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    stall: float = 0.0
    drip: float = 0.0
    drop: bool = False
    truncate: bool = False
    content_length: bool = True
    times: int | None = 1

    @classmethod
    def error(
        cls, status: int, *, headers: dict[str, str] | None = None, body: bytes | None = None,
        times: int | None = 1,
    ) -> Fault:
        """An error status with a small JSON body (or *body*)."""
        payload = body if body is not None else json.dumps(
            {"code": status, "message": f"fake error {status}"}).encode()
        hdrs = {"Content-Type": "application/json"} | (headers or {})
        return cls(status=status, headers=hdrs, body=payload, times=times)

    @classmethod
    def html(cls, *, times: int | None = 1) -> Fault:
        """A 200 whose body is an HTML page (a proxy or maintenance page), not JSON."""
        body = b"<!DOCTYPE html><html><body><h1>Sedang dalam pemeliharaan</h1></body></html>"
        return cls(status=200, headers={"Content-Type": "text/html; charset=utf-8"}, body=body,
                   times=times)

    @classmethod
    def stalled(cls, seconds: float, *, times: int | None = 1) -> Fault:
        """Wait *seconds* before sending anything."""
        return cls(stall=seconds, times=times)

    @classmethod
    def dripping(cls, delay: float, *, times: int | None = 1) -> Fault:
        """Send the normal answer slowly, *delay* seconds between 64-byte chunks."""
        return cls(drip=delay, times=times)

    @classmethod
    def oversize(
        cls, nbytes: int, *, content_length: bool = True, times: int | None = 1
    ) -> Fault:
        """A 200 JSON-looking body of *nbytes* bytes (optionally without Content-Length)."""
        head, tail = b'{"code": 200, "data": [', b"]}"
        filler = head + b" " * max(0, nbytes - len(head) - len(tail)) + tail
        return cls(status=200, headers={"Content-Type": "application/json"}, body=filler,
                   content_length=content_length, times=times)

    @classmethod
    def dropped(cls, *, times: int | None = 1) -> Fault:
        """Close the connection without an answer."""
        return cls(drop=True, times=times)

    @classmethod
    def truncated(cls, *, times: int | None = 1) -> Fault:
        """Announce the full body, send half of it, close the connection."""
        return cls(truncate=True, times=times)

    @property
    def canned(self) -> bool:
        return self.body is not None or self.status != 200


@dataclass(frozen=True)
class RequestRecord:
    """One request the server saw."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    kind: str  # listing | detail | offices | kategori | file | other


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeLelang

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is expected in fault tests; no traceback spam.
        logger.debug("fake lelang: connection error from %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: _Server

    def do_GET(self) -> None:
        self.server.owner._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake lelang: %s", format % args)


class FakeLelang:
    """The fake server; a context manager that runs it in a background thread."""

    def __init__(self, dataset: Dataset | None = None, *, max_limit: int | None = None,
                 port: int = 0):
        """*max_limit* caps the page size the server honours (like a real API's maximum);
        *port* 0 takes a free one (``promo demo serve`` asks for the demo config's)."""
        self.dataset = dataset if dataset is not None else Dataset()
        self.max_limit = max_limit
        self.requests: list[RequestRecord] = []
        self.counts: Counter[str] = Counter()
        self._faults: list[tuple[str, Fault]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port = port

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> FakeLelang:
        self._stop.clear()
        self._httpd = _Server(("127.0.0.1", self._port), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name="fake-lelang", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # wakes stalled and dripping handlers
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeLelang:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- addresses ----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("fake lelang server is not running")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}{API_PREFIX}"

    @property
    def file_base(self) -> str:
        return f"{self.base_url}{FILE_PREFIX}"

    # --- faults and the request log -----------------------------------------------------------
    def inject(self, path_contains: str, *faults: Fault) -> None:
        """Answer the next requests whose path contains *path_contains* with *faults*, in order."""
        with self._lock:
            self._faults.extend((path_contains, f) for f in faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def count(self, kind: str) -> int:
        """How many requests of a kind (listing, detail, offices, kategori, file, other)."""
        with self._lock:
            return self.counts[kind]

    def paths(self, kind: str | None = None) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests if kind is None or r.kind == kind]

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.counts.clear()

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for i, (pattern, fault) in enumerate(self._faults):
                if pattern in path:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            del self._faults[i]
                    return fault
        return None

    # --- request handling ---------------------------------------------------------------------
    def _handle(self, h: _Handler) -> None:
        parts = urlsplit(h.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        kind = _kind(path)
        with self._lock:
            self.requests.append(RequestRecord("GET", path, query, dict(h.headers.items()), kind))
            self.counts[kind] += 1
        fault = self._take_fault(path)
        if fault is not None and fault.stall:
            self._stop.wait(fault.stall)
        if fault is not None and fault.drop:
            h.close_connection = True
            return
        if fault is not None and fault.canned:
            status, headers, body = fault.status, dict(fault.headers), fault.body or b""
        else:
            status, headers, body = self._route(h, path, query, kind)
        self._send(h, status, headers, body, fault)

    def _send(
        self, h: _Handler, status: int, headers: dict[str, str], body: bytes, fault: Fault | None
    ) -> None:
        try:
            h.send_response(status)
            for name, value in headers.items():
                h.send_header(name, value)
            if fault is not None and not fault.content_length:
                h.send_header("Connection", "close")
                h.close_connection = True
            else:
                h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if fault is not None and fault.truncate:
                h.wfile.write(body[: len(body) // 2])
                h.wfile.flush()
                h.close_connection = True
                return
            if fault is not None and fault.drip:
                for i in range(0, len(body), 64):
                    if self._stop.wait(fault.drip):
                        return
                    h.wfile.write(body[i : i + 64])
                    h.wfile.flush()
                return
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True  # the client gave up (timeout test); nothing to do

    def _route(
        self, h: _Handler, path: str, query: dict[str, list[str]], kind: str
    ) -> tuple[int, dict[str, str], bytes]:
        ds = self.dataset
        if kind == "file":
            if not h.headers.get("Referer"):
                return 403, {"Content-Type": "text/plain"}, b"Forbidden: hotlinking not allowed"
            rel = path[len(FILE_PREFIX):]
            data = ds.files.get(rel)
            if data is None:
                return 404, {"Content-Type": "text/plain"}, b"Not Found"
            ctype = mimetypes.guess_type(rel)[0] or "application/octet-stream"
            return 200, {"Content-Type": ctype}, data
        if kind == "listing":
            office_id = path[len(API_PREFIX):].split("/")[2]
            try:
                page = int(query.get("page", ["1"])[0])
                limit = int(query.get("limit", [str(DEFAULT_LIMIT)])[0])
            except ValueError:
                return _json(400, {"code": 400, "message": "page/limit harus angka"})
            if page < 1 or limit < 1:
                return _json(400, {"code": 400, "message": "page/limit tidak valid"})
            if self.max_limit:
                limit = min(limit, self.max_limit)
            items = list(ds.listings.get(office_id, []))
            wanted = [c for c in query.get("namakategori[]", []) if c]
            if wanted:
                # Repeated namakategori[] values: the lots of any of them (a lot may be filed
                # under several categories).
                items = [i for i in items
                         if set(_as_list(ds.categories.get(i.get("lotLelangId") or i.get("id")
                                                          or ""))) & set(wanted)]
            total = len(items)
            return _json(200, {
                "code": 200,
                "data": items[(page - 1) * limit : page * limit],
                "page": page,
                "totalPage": math.ceil(total / limit),
                "totalItem": total,
            })
        if kind == "detail":
            lot_id = path.rsplit("/", 1)[-1]
            detail = ds.details.get(lot_id)
            if detail is None:
                return _json(404, {"code": 404, "message": "Data tidak ditemukan"})
            return _json(200, {"code": 200, "data": detail})
        if kind == "offices":
            offices = sorted(ds.offices, key=lambda o: str(o.get("nama", "")).lower())
            return _json(200, {"code": 200, "data": offices})
        if kind == "kategori":
            return _json(200, {"code": 200, "data": [{"nama": n} for n in ds.kategori]})
        return _json(404, {"code": 404, "message": "Not Found"})


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _kind(path: str) -> str:
    if path.startswith(FILE_PREFIX):
        return "file"
    if not path.startswith(API_PREFIX + "/"):
        return "other"
    rest = path[len(API_PREFIX):].rstrip("/").split("/")
    # rest[0] is "" because the path after the prefix starts with "/"
    if len(rest) == 4 and rest[1] == "landing-page-kpknl" and rest[3] == "katalog-lot-lelang":
        return "listing"
    if len(rest) == 4 and rest[1:3] == ["landing-page", "info"]:
        return "detail"
    if rest[1:] == ["landing-page", "kpknl"]:
        return "offices"
    if rest[1:] == ["landing-page", "kategori"]:
        return "kategori"
    return "other"


def _json(status: int, payload: Any) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return status, {"Content-Type": "application/json; charset=utf-8"}, body
