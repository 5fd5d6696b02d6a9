"""A Graph API client (Facebook Pages and Instagram); what Meta's answers prove is in
:mod:`~promo_pipeline.publish.graph_errors`.

Settings read: none (the channels pass their ``api_base`` and token).

The token goes in the request body (POST) or the ``Authorization`` header (GET), never in a
URL. An error answer becomes one of the outbox's kinds through the platform's table; throttles
wait for the time Meta names (``Retry-After``, the business-use-case header), else the table's.

Versions and hosts: :data:`GRAPH_VERSION` is the default, :data:`VERSIONS` says until when
each version is available (Graph API changelog, https://developers.facebook.com/docs/graph-api/changelog/versions/).
Facebook Login tokens (``EAA…``) work on ``graph.facebook.com``; Instagram Login tokens
(``IG…``) only on ``graph.instagram.com`` (IG Container reference, "Host URL"); a wrong pairing
fails with code 190 "Cannot parse access token".
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import requests

from promo_pipeline.config.secrets import Redactor
from promo_pipeline.errors import PermanentPublishError, PublishError
from promo_pipeline.publish.errortable import Kind, Table, code_text, error_for
from promo_pipeline.publish.transport import Http, json_object, retry_after_header

#: The Graph API version used when a channel's ``api_base`` does not name one.
GRAPH_VERSION = "v26.0"
#: Version → (introduced, available until; None = not announced yet), from Meta's changelog
#: as stored on 2026-12 (v26.0 introduced 29 July 2026).
VERSIONS: dict[str, tuple[date, date | None]] = {
    "v26.0": (date(2026, 7, 29), None),
    "v25.0": (date(2026, 2, 18), date(2028, 7, 29)),
    "v24.0": (date(2025, 10, 8), date(2028, 2, 18)),
    "v23.0": (date(2025, 5, 29), date(2027, 10, 8)),
    "v22.0": (date(2025, 1, 21), date(2027, 5, 20)),
    "v21.0": (date(2024, 10, 2), date(2027, 1, 21)),
    "v20.0": (date(2024, 5, 21), date(2026, 9, 24)),
    "v19.0": (date(2024, 1, 23), date(2026, 5, 21)),
    "v18.0": (date(2023, 9, 12), date(2026, 1, 26)),
    "v17.0": (date(2023, 5, 23), date(2025, 9, 12)),
}
FACEBOOK_HOST = "graph.facebook.com"
#: Where Meta's resumable uploads go (the Reels upload phase).
RUPLOAD_HOST = "rupload.facebook.com"
INSTAGRAM_HOST = "graph.instagram.com"

TokenKind = Literal["facebook", "instagram", "unknown"]
_VERSION = re.compile(r"/(v\d+\.\d+)(?:/|$)")


def api_version(api_base: str) -> str | None:
    """The ``vNN.N`` in an API base URL, if any."""
    m = _VERSION.search(urlsplit(api_base).path)
    return m.group(1) if m else None


def token_kind(token: str) -> TokenKind:
    """Which login made *token*: Facebook Login (``EAA…``), Instagram Login (``IG…``)."""
    if token.startswith("EAA"):
        return "facebook"
    if token.startswith("IG"):
        return "instagram"
    return "unknown"


def host_kind(api_base: str) -> TokenKind:
    """Which tokens the host of *api_base* takes (``unknown`` for any other host)."""
    host = (urlsplit(api_base).hostname or "").lower()
    if host == FACEBOOK_HOST:
        return "facebook"
    if host == INSTAGRAM_HOST:
        return "instagram"
    return "unknown"


def pairing_problem(token: str, api_base: str) -> str | None:
    """An Indonesian sentence when the token cannot work on this host, else None."""
    tk, hk = token_kind(token), host_kind(api_base)
    if "unknown" in (tk, hk) or tk == hk:
        return None
    if tk == "instagram":
        return (f"token Instagram Login (IG…) hanya berlaku di {INSTAGRAM_HOST}, bukan "
                f"{FACEBOOK_HOST}: ubah api_base atau pakai token Facebook Login (EAA…)")
    return (f"token Facebook Login (EAA…) tidak berlaku di {INSTAGRAM_HOST}: ubah api_base ke "
            f"https://{FACEBOOK_HOST}/{GRAPH_VERSION} atau pakai token Instagram Login (IG…)")


class GraphAPI:
    """Calls to one Graph API base (``https://graph.facebook.com/v26.0``) with one token."""

    def __init__(self, platform: str, channel: str, api_base: str, token: str, *,
                 token_env: str, timeout: float, table: Table) -> None:
        self.platform = platform
        self.channel = channel
        self.base = api_base.rstrip("/")
        self.token_env = token_env
        self.table = table
        self.redact = Redactor([token])
        self.http = Http(platform, channel, timeout, self.redact)
        self._token = token

    def close(self) -> None:
        self.http.close()

    def post(self, path: str, *, what: str, irreversible: bool, data: dict[str, Any],
             files: dict[str, Any] | None = None) -> dict[str, Any]:
        data = {**data, "access_token": self._token}  # in the body, never in the URL
        resp = self.http.request("POST", f"{self.base}/{path}", what=what,
                                 irreversible=irreversible, data=data, files=files)
        return self.answer(resp, what, irreversible=irreversible)

    def upload(self, url: str, path: Path, *, what: str, offset: int = 0) -> dict[str, Any]:
        """Send a file's bytes from *offset* to a resumable-upload URL Meta gave
        (``rupload.facebook.com``; the token in the ``Authorization: OAuth`` header). The
        body is streamed from disk. An upload publishes nothing."""
        host = (urlsplit(url).hostname or "").lower()
        if host not in (RUPLOAD_HOST, (urlsplit(self.base).hostname or "").lower()):
            raise PermanentPublishError(f"{self.platform}: alamat unggah tak terduga ({host})",
                                        channel=self.channel)
        size = path.stat().st_size
        with path.open("rb") as fh:
            fh.seek(offset)
            resp = self.http.request(
                "POST", url, what=what, irreversible=False, data=fh,
                headers={"Authorization": f"OAuth {self._token}", "offset": str(offset),
                         "file_size": str(size), "Content-Type": "application/octet-stream"})
        return self.answer(resp, what, irreversible=False)

    def get(self, path: str, *, what: str, params: dict[str, Any]) -> dict[str, Any]:
        resp = self.http.request("GET", f"{self.base}/{path}", what=what, irreversible=False,
                                 params=params,
                                 headers={"Authorization": f"Bearer {self._token}"})
        return self.answer(resp, what, irreversible=False)

    def answer(self, resp: requests.Response, what: str, *, irreversible: bool
               ) -> dict[str, Any]:
        """The body of a successful answer; else the error the platform's table says."""
        body = json_object(resp)
        if resp.status_code == 200 and body is not None and "error" not in body:
            return body
        raise self.error(resp, body, what, irreversible=irreversible)

    def error(self, resp: requests.Response, body: dict[str, Any] | None, what: str, *,
              irreversible: bool) -> PublishError:
        found = (body or {}).get("error")
        err: dict[str, Any] = found if isinstance(found, dict) else {}
        code, sub = err.get("code"), err.get("error_subcode")
        code = code if isinstance(code, int) else None
        sub = sub if isinstance(sub, int) else None
        own = err.get("error_user_msg") or err.get("message") or resp.reason or ""
        rule = self.table.rule(status=resp.status_code, code=code, subcode=sub,
                               text=str(own), is_transient=err.get("is_transient") is True)
        kind = self.table.kind_of(rule, irreversible=irreversible)
        wait = None
        if kind is Kind.WAIT:
            wait = retry_after_header(resp) or buc_wait(resp)
        hint = ""
        if code in (102, 190) or resp.status_code == 401:
            hint = f"perbarui {self.token_env} lalu kirim ulang"
            problem = pairing_problem(self._token, self.base)
            if problem:
                hint = f"{problem}; {hint}"
        return error_for(self.table, rule, irreversible=irreversible, what=what,
                         detail=self.redact(own), channel=self.channel,
                         code=code_text(code, sub) or str(resp.status_code), wait=wait,
                         hint=hint)


def buc_wait(resp: requests.Response) -> float | None:
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
