"""HTTP for the publishing clients: no retries below the outbox, errors sorted by what they prove.

A retried POST is how double posts happen, so urllib3 never retries anything here
(``Retry(total=0)``) and redirects are not followed: every retry decision belongs to the
outbox. :class:`Http` turns a failed request into one of the outbox's error kinds:

- nothing can have reached the server (refused, DNS, connect timeout, a TLS failure *during
  the handshake*, proxy) → :class:`~promo_pipeline.errors.RetryablePublishError`;
- the request went out and the answer was lost (read timeout, connection dropped, a TLS error
  while the answer was read) → :class:`~promo_pipeline.errors.UnconfirmedPublishError` for a
  step that may publish (*irreversible*), else retryable.

urllib3 raises the same ``SSLError`` for a failed handshake and for a TLS error after the
body went out (a bad record, a reset inside TLS); only the first proves nothing was sent, so
:func:`nothing_sent` looks at where the TLS error was raised (:func:`tls_before_request`).

Messages are in Indonesian for the reviewers, with every secret redacted.
"""

from __future__ import annotations

import ssl
import traceback
from collections.abc import Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError
from urllib3.util.retry import Retry

from promo_pipeline import __version__
from promo_pipeline.config.secrets import Redactor
from promo_pipeline.errors import RetryablePublishError, UnconfirmedPublishError
from promo_pipeline.http import parse_retry_after

CONNECT_TIMEOUT = 10.0


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


def nothing_sent(exc: requests.RequestException) -> bool:
    """True when the request provably never reached the server (refused, DNS, connect timeout,
    a failed TLS handshake)."""
    if isinstance(exc, requests.exceptions.SSLError):
        return tls_before_request(exc)
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.ProxyError):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # NameResolutionError is a NewConnectionError: both fail before a byte is sent.
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


#: Functions a TLS error passes through when it happens before any byte of the request is
#: written: urllib3 connects (and shakes hands) in ``_validate_conn``, "called right before a
#: request is made"; ``do_handshake`` and the host-name check are the handshake itself.
_BEFORE_REQUEST = frozenset({"_validate_conn", "do_handshake", "_match_hostname"})


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """*exc* and everything it wraps (``args[0]``, urllib3's ``reason``, causes, contexts)."""
    todo: list[BaseException] = [exc]
    seen: set[int] = set()
    while todo and len(seen) < 32:
        err = todo.pop()
        if id(err) in seen:
            continue
        seen.add(id(err))
        yield err
        for inner in (getattr(err, "reason", None), *(err.args[:1] if err.args else ()),
                      err.__cause__, err.__context__):
            if isinstance(inner, BaseException):
                todo.append(inner)


def tls_before_request(exc: BaseException) -> bool:
    """True when a TLS failure provably happened before the request was written (handshake,
    certificate or host name); False for one while the answer was read, or when unsure."""
    for err in _causes(exc):
        if isinstance(err, ssl.SSLError | ssl.CertificateError) and err.__traceback__:
            names = {frame.name for frame in traceback.extract_tb(err.__traceback__)}
            if names & _BEFORE_REQUEST:
                return True
    return False


def retry_after_header(resp: requests.Response) -> float | None:
    """The ``Retry-After`` header in seconds, if any."""
    return parse_retry_after(resp.headers.get("Retry-After"))


def json_object(resp: requests.Response) -> dict[str, Any] | None:
    """The answer's body when it is a JSON object, else None."""
    try:
        body = resp.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class Http:
    """Requests for one platform client, with the outbox's error kinds and redacted messages."""

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
            detail = self.redact(describe(exc))
            if nothing_sent(exc):
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


def describe(exc: BaseException) -> str:
    """A failed request in a few Indonesian words (no URL: it may hold a token)."""
    if isinstance(exc, requests.ReadTimeout):
        return "waktu tunggu jawaban habis"
    if isinstance(exc, requests.ConnectTimeout):
        return "waktu tunggu koneksi habis"
    if isinstance(exc, requests.exceptions.SSLError):
        if tls_before_request(exc):
            return "gagal jabat tangan TLS"
        return "galat TLS setelah permintaan terkirim"
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        if isinstance(reason, NewConnectionError):
            return "koneksi ditolak atau nama host tidak dikenal"
        return f"koneksi terputus ({type(reason).__name__})"
    return type(exc).__name__
