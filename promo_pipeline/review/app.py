"""The review page's Flask application: factory, security layer, error pages, and the server.

Settings read: ``review.*`` (host, port, public_url, page_size, session_hours,
max_login_failures, lockout_minutes, trusted_proxies), ``storage.*``, ``captions.*``,
``offices``; the cookie secret from ``$PROMO_SECRET_KEY`` (else a generated key file, see
:mod:`.secret`).

Security, in the order a request meets it (:func:`_guard`):

1. a state-changing request (POST, PUT, PATCH, DELETE) from another site is refused with 403:
   ``Sec-Fetch-Site`` must be ``same-origin`` or ``none`` when the browser sends it, else the
   ``Origin`` must match the ``Host`` (datasette's cross-origin check);
2. every page except the login page, static files and the header brand (:mod:`.branding`,
   which checks an office's brand itself) needs a live server-side session
   (a removed account or a logged-out session stops working on its next request);
3. a state-changing request must also carry the session's CSRF token (form field
   ``csrf_token`` or header ``X-CSRF-Token``);
4. admin pages answer 403 to reviewers.

Every input is bounded: the request body (:data:`MAX_BODY`), each form field
(:func:`~.blueprint.form_text`: 413 with an Indonesian message), ids in URLs (:class:`IdConverter`);
malformed input is a 4xx, never a 500.

Every response carries a strict Content-Security-Policy (no inline scripts or styles),
``X-Frame-Options: DENY``, ``nosniff`` and ``Referrer-Policy``; pages are ``no-store``.
Templates autoescape everything; error pages never show a traceback.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
import urllib.parse
from datetime import timedelta
from typing import Any

from flask import Flask, Response, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from promo_pipeline import accounts, database
from promo_pipeline.config import Config
from promo_pipeline.errors import UsageError
from promo_pipeline.review.secret import secret_key

logger = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Served without a session: the login page, static files, and the header brand (an office's
#: brand only to an account that may review it; :mod:`.branding` checks).
PUBLIC_ENDPOINTS = frozenset({"review.login", "static", "review.brand_css", "review.brand_logo"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)

ERROR_TEXT = {
    400: ("Permintaan tidak valid", "Permintaan ini tidak dapat diproses. Periksa isian Anda "
          "lalu coba lagi."),
    403: ("Akses ditolak", "Anda tidak berhak melakukan tindakan ini, atau formulir berasal "
          "dari luar halaman peninjauan. Muat ulang halaman lalu coba lagi."),
    404: ("Halaman tidak ditemukan", "Alamat yang Anda buka tidak ada atau berkasnya tidak "
          "tersedia."),
    405: ("Metode tidak diizinkan", "Tindakan ini tidak dapat dilakukan dengan cara tersebut."),
    413: ("Isian terlalu besar", "Data yang dikirim melebihi batas."),
    429: ("Terlalu banyak percobaan", "Tunggu beberapa saat lalu coba lagi."),
    500: ("Terjadi kesalahan", "Terjadi kesalahan di server. Tidak ada data yang hilang; "
          "coba lagi, dan hubungi petugas TI bila terus berulang."),
}


#: The largest id a route accepts: SQLite's integers are signed 64-bit.
MAX_ID = 2**63 - 1
#: A whole request body: the largest caption (every character percent-encoded UTF-8) and more.
MAX_BODY = 1_000_000


class IdConverter(IntegerConverter):
    """``<id:post_id>``: a positive integer SQLite can hold (a larger one is a 404, not a 500)."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


class FieldTooLong(RequestEntityTooLarge):
    """A form field longer than its bound; the description is the Indonesian message shown."""


def create_app(cfg: Config, *, testing: bool = False) -> Flask:
    """The review page as a Flask app; the database is opened per request and closed after."""
    app = Flask(__name__, template_folder="templates", static_folder="static")
    app.url_map.converters["id"] = IdConverter
    app.config.update(
        SECRET_KEY=secret_key(cfg),
        SESSION_COOKIE_NAME="promo_review",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg.review.public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=cfg.review.session_hours),
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        MAX_FORM_PARTS=200,
        TESTING=testing,
        PROPAGATE_EXCEPTIONS=False,
        TRAP_HTTP_EXCEPTIONS=False,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    app.jinja_env.autoescape = True
    app.extensions["promo_cfg"] = cfg
    app.extensions["promo_proxies"] = tuple(
        ipaddress.ip_network(p.strip(), strict=False) for p in cfg.review.trusted_proxies)
    # Apply migrations once here; per-request connections then skip that work.
    database.connect(cfg.database_path).close()

    # The route modules register their routes on the one blueprint as they are imported.
    from promo_pipeline.review import (  # noqa: F401
        actions,
        branding,
        login,
        media,
        pages,
        report,
        users,
    )
    from promo_pipeline.review.blueprint import bp, register_template_helpers

    app.register_blueprint(bp)
    register_template_helpers(app)

    app.before_request(_open_db)
    app.before_request(_guard)
    app.teardown_appcontext(_close_db)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
    app.jinja_env.globals["csrf_token"] = csrf_token
    return app


# --- per-request database ----------------------------------------------------------------------


def cfg_of() -> Config:
    from flask import current_app

    return current_app.extensions["promo_cfg"]


def _open_db() -> None:
    g.db = None
    g.user = None


def get_db():
    if g.get("db") is None:
        g.db = database.connect(cfg_of().database_path, migrate=False)
    return g.db


def _close_db(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


# --- security ----------------------------------------------------------------------------------


def csrf_token() -> str:
    """This session's CSRF token (created on first use)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def cross_site_reason() -> str | None:
    """Why an unsafe request looks cross-site, or None when it is same-origin (or not a browser)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        if site in ("same-origin", "none"):
            return None
        return f"Sec-Fetch-Site is {site!r}"
    origin = request.headers.get("Origin")
    if origin is None:
        return None  # not a browser (curl, the test client): CSRF is a browser-only attack
    try:
        parsed = urllib.parse.urlsplit(origin)
        origin_host = parsed.hostname or ""
        if parsed.port:
            origin_host = f"{origin_host}:{parsed.port}"
    except ValueError:  # "http://127.0.0.1:8765.evil.example": no valid port, no origin of ours
        return f"Origin {origin!r} is malformed"
    if origin == "null" or origin_host.lower() != request.host.lower():
        return f"Origin {origin!r} does not match Host {request.host!r}"
    return None


def client_address() -> str:
    """The client's address: the peer's, or, when the peer is a trusted reverse proxy
    (``review.trusted_proxies``), the last address in ``X-Forwarded-For`` that is not one."""
    from flask import current_app

    peer = request.remote_addr or "-"
    proxies = current_app.extensions.get("promo_proxies") or ()
    if not proxies or not _within(peer, proxies):
        if proxies == () and request.headers.get("X-Forwarded-For"):
            logger.debug("review: X-Forwarded-For from %s ignored (review.trusted_proxies is "
                         "empty)", peer)
        return peer
    chain = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",")]
    for addr in reversed(chain):
        if not addr:
            continue
        if not _valid_ip(addr):
            return peer  # a malformed entry: believe only what we can check
        if not _within(addr, proxies):
            return str(ipaddress.ip_address(addr))
    return peer


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _within(addr: str, networks: tuple[Any, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _forbidden(reason: str) -> Response:
    logger.warning("review: refused %s %s: %s", request.method, request.path, reason)
    return _error_page(403)


def _guard() -> Response | None:
    unsafe = request.method in UNSAFE_METHODS
    if unsafe:
        reason = cross_site_reason()
        if reason:
            return _forbidden(reason)
    sid = session.get("sid")
    if sid:
        g.user = accounts.session_user(get_db(), sid)
        if g.user is None:
            # Logged out elsewhere, expired, or the account was removed: start clean.
            session.clear()
    if request.endpoint not in PUBLIC_ENDPOINTS and g.user is None:
        if request.endpoint is None:
            return None  # let the 404/405 handler answer
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("review.login", next=_local_next(target)), code=303)
    if unsafe:
        expected = session.get("csrf")
        sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
        if not expected or not hmac.compare_digest(str(expected), str(sent)):
            return _forbidden("missing or wrong CSRF token")
    return None


def _local_next(target: str | None) -> str | None:
    """Only a path on this site is a valid place to return to after login.

    Judged after the normalisation a browser applies to a ``Location``: tabs and line breaks
    are removed (``/<tab>/evil.example`` would become ``//evil.example``), leading spaces and
    control characters dropped, and a backslash read as a slash. Anything with another control
    character is refused outright (it could not be a link of ours).
    """
    if not target or len(target) > 2000:
        return None
    cleaned = target.replace("\t", "").replace("\n", "").replace("\r", "")
    cleaned = cleaned.lstrip("".join(map(chr, range(33)))).replace("\\", "/")
    if any(ord(c) < 32 or c == "\x7f" for c in cleaned):
        return None
    cleaned = cleaned.rstrip("?")
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    parts = urllib.parse.urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return None
    if cleaned.startswith(("/login", "/logout")):
        return None
    return cleaned  # what the browser would have opened, so the check is about that


def _security_headers(resp: Response) -> Response:
    h = resp.headers
    h.setdefault("Content-Security-Policy", CSP)
    h["X-Frame-Options"] = "DENY"
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = "same-origin"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h["Cross-Origin-Resource-Policy"] = "same-origin"
    h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if resp.mimetype == "text/html" or "Cache-Control" not in h:
        h["Cache-Control"] = "no-store"
    return resp


# --- error pages ---------------------------------------------------------------------------------


def _error_page(code: int, detail: str | None = None) -> Response:
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[500])
    try:
        html = render_template("error.html", code=code, title=title, text=detail or text)
    except Exception:  # a broken template must not hide the error page itself
        logger.exception("review: the error page could not be rendered")
        html = f"<!doctype html><title>{code}</title><h1>{code} {title}</h1><p>{text}</p>"
    return Response(html, status=code, mimetype="text/html")


def _http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    detail = exc.description if isinstance(exc, FieldTooLong) else None
    resp = _error_page(code if code in ERROR_TEXT else (400 if code < 500 else 500), detail)
    if code == 405 and getattr(exc, "valid_methods", None):
        resp.headers["Allow"] = ", ".join(exc.valid_methods)
    return resp


def _server_error(exc: Exception) -> Response:
    logger.error("review: unexpected error on %s %s", request.method, request.path,
                 exc_info=exc)
    return _error_page(500)


# --- serving -------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(cfg: Config, host: str) -> None:
    """Refuse a non-loopback address while no account exists (the page would be open to all)."""
    if is_loopback(host):
        return
    db = database.connect(cfg.database_path)
    try:
        n = accounts.count_users(db)
    finally:
        db.conn.close()
    if n == 0:
        raise UsageError(
            f"menolak melayani di {host}: alamat itu bukan loopback dan belum ada akun peninjau. "
            "Buat akun dulu: promo users add NAMA --role admin"
        )


def make_server(cfg: Config, host: str | None = None, port: int | None = None) -> Any:
    """A waitress server for the review page (not yet running); checks the bind address."""
    import waitress

    host = host or cfg.review.host
    port = cfg.review.port if port is None else port
    check_bind(cfg, host)
    app = create_app(cfg)
    # With trusted proxies the app reads X-Forwarded-For itself, only from those addresses
    # (waitress trusts one address or all); without them waitress drops the header.
    return waitress.create_server(
        app, host=host, port=port, threads=6, ident="promo-review",
        clear_untrusted_proxy_headers=not cfg.review.trusted_proxies)


def serve(cfg: Config, host: str | None = None, port: int | None = None) -> None:
    """Serve the review page until interrupted (``promo review``)."""
    server = make_server(cfg, host, port)
    logger.info("review page on http://%s:%s/", server.effective_host, server.effective_port)
    try:
        server.run()
    finally:
        server.close()
