"""HTTP for the collector: one ``requests.Session`` and a small, careful client around it.

Settings read (``[source]``): ``connect_timeout``, ``read_timeout``, ``transfer_timeout``,
``retries``, ``backoff_factor``, ``backoff_max``, ``retry_after_max``, ``requests_per_second``,
``max_response_bytes``, ``user_agent``, ``site_base`` (Origin/Referer), and the three base URLs
(the only hosts the client may be redirected to).

What :class:`HttpClient` guarantees for every GET:

- connect and read timeouts on every call, plus a whole-body deadline (``transfer_timeout``) so a
  server that drips one byte at a time cannot hold a run forever;
- retries on connection errors, timeouts, 429 and 5xx with exponential backoff plus jitter
  (``backoff_factor * 2**(n-1)``, capped at ``backoff_max``, plus up to ``backoff_factor`` of
  random jitter); ``Retry-After`` (seconds or an HTTP date) is honoured, and one longer than
  ``retry_after_max`` gives up at once with :class:`RetryableFetchError` instead of sleeping;
- a polite rate limit: at most ``requests_per_second`` requests start per second (retries too);
- the body is streamed and refused as soon as it passes the byte cap, never buffered whole;
- other 4xx are :class:`PermanentFetchError` and are not retried; a 200 whose body is not JSON
  is a :class:`PermanentFetchError` from :meth:`HttpClient.get_json`;
- redirects are followed by hand, only to the configured hosts.

Sleep, clocks and randomness are injectable, so tests assert delays without waiting.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import requests
import urllib3

from promo_pipeline.config import Source
from promo_pipeline.errors import FetchError, PermanentFetchError, RetryableFetchError

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}

Params = Mapping[str, Any] | Sequence[tuple[str, Any]] | None


def make_session(source: Source) -> requests.Session:
    """The one session of a run, with browser-like headers (lelang.go.id is a browser SPA)."""
    session = requests.Session()
    site = source.site_base.rstrip("/")
    session.headers.update(
        {
            "User-Agent": source.user_agent,
            "Accept": "application/json, text/plain, */*",
            "Accept-Language": "id-ID,id;q=0.9,en;q=0.8",
            "Origin": site,
            "Referer": site + "/",
        }
    )
    return session


# --- which hosts we may talk to ------------------------------------------------------------------


def _host_port(url: str) -> tuple[str, int] | None:
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return None
    return parts.hostname.lower().rstrip("."), port


def allowed_hosts(source: Source) -> set[tuple[str, int]]:
    """``(host, port)`` of the configured ``api_base``, ``file_base`` and ``site_base``."""
    hosts = {_host_port(u) for u in (source.api_base, source.file_base, source.site_base)}
    return {h for h in hosts if h is not None}


def refuse_reason(url: str, source: Source) -> str | None:
    """Why *url* must not be fetched, or None when it is on a configured host.

    Refused: non-HTTP schemes (``file://``, ``ftp://``...), credentials in the URL, hosts and
    IP literals (``127.0.0.1``, ``169.254.169.254``) other than the configured ones (port
    included), ``..`` path segments and backslashes.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "malformed URL"
    if parts.scheme not in _DEFAULT_PORTS:
        return f"scheme {parts.scheme or '(none)'!r} not allowed"
    if "\\" in url or any(ord(c) < 32 or c == " " for c in url):
        return "malformed URL"
    if parts.username is not None or parts.password is not None:
        return "credentials in URL not allowed"
    hp = _host_port(url)
    if hp is None:
        return "malformed host"
    if hp not in allowed_hosts(source):
        kind = "IP address" if _is_ip(hp[0]) else "host"
        return f"{kind} {hp[0]}:{hp[1]} is not a configured source host"
    segments = unquote(parts.path).split("/")
    if ".." in segments or "." in segments:
        return "relative path segments not allowed"
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


# --- the client ----------------------------------------------------------------------------------


@dataclass
class HttpStats:
    """Counters of one run (like scrapy's stats)."""

    requests: int = 0
    retries: int = 0
    gave_up: int = 0
    bytes: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Fetched:
    """A successful (2xx) response with its whole body."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


class HttpClient:
    """GET with timeouts, retries, Retry-After, a rate limit and byte caps (module docstring)."""

    def __init__(
        self,
        source: Source,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: Callable[[], float] = random.random,
    ):
        self.source = source
        self.session = session or make_session(source)
        self.stats = HttpStats()
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._rng = rng
        self._interval = 1.0 / source.requests_per_second
        self._next_start: float | None = None
        self._hosts = allowed_hosts(source)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- public -------------------------------------------------------------------------------
    def get_json(self, url: str, params: Params = None) -> Any:
        """GET *url* and decode its JSON body (any non-JSON 200 is a PermanentFetchError)."""
        fetched = self.get(url, params=params)
        if "html" in fetched.content_type.lower():
            raise PermanentFetchError(
                f"{_short(url)}: answered HTML instead of JSON ({fetched.content_type})", url=url,
                status=fetched.status)
        try:
            return json.loads(fetched.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PermanentFetchError(f"{_short(url)}: body is not JSON ({exc})", url=url,
                                      status=fetched.status) from None

    def get(
        self,
        url: str,
        *,
        params: Params = None,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> Fetched:
        """GET with retries; returns the 2xx response or raises a FetchError subclass."""
        cap = max_bytes if max_bytes is not None else self.source.max_response_bytes
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(url, params, headers, cap)
            except _Retry as retry:
                failure, retry_after = retry.error, retry.retry_after
            if attempt > self.source.retries:
                self.stats.gave_up += 1
                logger.error("GET %s: giving up after %d attempts: %s", _short(url), attempt,
                             failure)
                raise RetryableFetchError(
                    f"{failure} (gave up after {attempt} attempts)", url=url, status=failure.status,
                    kind=failure.kind, attempts=attempt)
            delay = self.backoff(attempt)
            if retry_after is not None:
                if retry_after > self.source.retry_after_max:
                    self.stats.gave_up += 1
                    logger.error("GET %s: Retry-After %.0f s is over the %.0f s cap; giving up",
                                 _short(url), retry_after, self.source.retry_after_max)
                    raise RetryableFetchError(
                        f"{failure}; server asks to wait {retry_after:.0f} s "
                        f"(more than source.retry_after_max = {self.source.retry_after_max:g} s)",
                        url=url, status=failure.status)
                delay = max(delay, retry_after)
            self.stats.retries += 1
            logger.info("GET %s failed (%s); retry %d/%d in %.2f s", _short(url), failure,
                           attempt, self.source.retries, delay)
            self._sleep(delay)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number *attempt* (1-based): exponential, capped, jittered."""
        base = self.source.backoff_factor * (2 ** (attempt - 1))
        jitter = self._rng() * self.source.backoff_factor
        return min(self.source.backoff_max, base + jitter)

    # --- one attempt (plus redirects) -------------------------------------------------------------
    def _attempt(
        self, url: str, params: Params, headers: Mapping[str, str] | None, cap: int
    ) -> Fetched:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self._throttle()
            self.stats.requests += 1
            started = self._clock()
            try:
                resp = self.session.get(
                    current, params=params, headers=headers, stream=True, allow_redirects=False,
                    timeout=(self.source.connect_timeout, self.source.read_timeout),
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                raise _Retry(RetryableFetchError(f"{_short(current)}: {_describe(exc)}",
                                                 url=current, kind=_kind(exc))) from None
            except requests.RequestException as exc:
                raise PermanentFetchError(f"{_short(current)}: {exc}", url=current) from None
            with resp:
                status = resp.status_code
                if status in (301, 302, 303, 307, 308) and resp.headers.get("Location"):
                    current = self._redirect_target(current, resp.headers["Location"])
                    params = None  # the Location carries its own query
                    continue
                if 200 <= status < 300:
                    body = self._read_body(resp, current, cap, started)
                    return Fetched(current, status, resp.headers, body)
                if status == 429 or status >= 500:
                    raise _Retry(
                        RetryableFetchError(f"{_short(current)}: HTTP {status}", url=current,
                                            status=status),
                        self._retry_after(resp.headers.get("Retry-After")),
                    )
                raise PermanentFetchError(f"{_short(current)}: HTTP {status}", url=current,
                                          status=status)
        raise PermanentFetchError(f"{_short(url)}: more than {MAX_REDIRECTS} redirects", url=url)

    def _redirect_target(self, current: str, location: str) -> str:
        target = urljoin(current, location)
        if _host_port(target) not in self._hosts:
            raise PermanentFetchError(
                f"{_short(current)}: redirect to {_short(target)} (not a configured host) refused",
                url=current)
        return target

    def _read_body(self, resp: requests.Response, url: str, cap: int, started: float) -> bytes:
        length = resp.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > cap:
            raise PermanentFetchError(
                f"{_short(url)}: response of {int(length)} bytes is over the {cap}-byte cap",
                url=url, status=resp.status_code)
        chunks: list[bytes] = []
        size = 0
        deadline = started + self.source.transfer_timeout
        try:
            while True:
                # read1 returns what has arrived, so the cap and the deadline are checked often
                chunk = resp.raw.read1(_CHUNK, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                self.stats.bytes += len(chunk)
                if size > cap:
                    raise PermanentFetchError(
                        f"{_short(url)}: response over the {cap}-byte cap (refused while "
                        "streaming)", url=url, status=resp.status_code)
                if self._clock() > deadline:
                    raise _Retry(RetryableFetchError(
                        f"{_short(url)}: body took longer than {self.source.transfer_timeout:g} s",
                        url=url))
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:
            raise _Retry(RetryableFetchError(f"{_short(url)}: body interrupted: {_describe(exc)}",
                                             url=url)) from None
        return b"".join(chunks)

    def _retry_after(self, value: str | None) -> float | None:
        return parse_retry_after(value, now=self._wall_clock())

    def _throttle(self) -> None:
        now = self._clock()
        if self._next_start is not None and self._next_start > now:
            self._sleep(self._next_start - now)
            now = self._next_start
        self._next_start = now + self._interval


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying."""

    def __init__(self, error: FetchError, retry_after: float | None = None):
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def _describe(exc: BaseException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, requests.ReadTimeout | urllib3.exceptions.ReadTimeoutError | TimeoutError):
        return "read timeout"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return f"{type(exc).__name__}"


def _kind(exc: BaseException) -> str:
    """What failed before an answer came, for :attr:`FetchError.kind`."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls"
    if isinstance(exc, requests.Timeout):
        return "timeout"
    return "connect"


def _short(url: str) -> str:
    """The URL without its query string, for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date (RFC 9110).

    None when absent or unparseable; never negative. Shared by the collector and the publisher.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        logger.warning("ignoring unparseable Retry-After %r", value)
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
