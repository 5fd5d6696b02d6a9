"""A Graph API client (Facebook Pages and Instagram), with Meta's error codes sorted by meaning.

The token goes in the request body (POST) or the ``Authorization`` header (GET), never in a
URL. An error answer becomes one of the outbox's kinds: token codes (102, 190, 463, 467, HTTP
401) and permission codes (3, 10, 200-299) are permanent; throttling (codes 4, 9, 17, 32, 613,
80001/2/4, subcode 2207042, HTTP 429) is retryable after the platform's wait (``Retry-After``,
the business-use-case header, else 15 minutes); ``is_transient``, codes 1/2 and HTTP
500/502/503 are retryable; other 4xx are refused; anything else on a step that may publish is
unconfirmed.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from promo_pipeline.config.secrets import Redactor
from promo_pipeline.errors import (
    PermanentPublishError,
    RetryablePublishError,
    UnconfirmedPublishError,
)
from promo_pipeline.publish.transport import Http, json_object, retry_after_header

#: Graph API error codes that mean "too many calls / posts for now".
LIMIT_CODES = {4, 9, 17, 32, 613, 80001, 80002, 80004}
LIMIT_SUBCODES = {2207042}
TOKEN_CODES = {102, 190, 463, 467}
DEFAULT_LIMIT_WAIT = 15 * 60.0


class GraphAPI:
    """Calls to one Graph API base (``https://graph.facebook.com/v21.0``) with one token."""

    def __init__(self, platform: str, channel: str, api_base: str, token: str, *,
                 token_env: str, timeout: float) -> None:
        self.platform = platform
        self.channel = channel
        self.base = api_base.rstrip("/")
        self.token_env = token_env
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

    def get(self, path: str, *, what: str, params: dict[str, Any]) -> dict[str, Any]:
        resp = self.http.request("GET", f"{self.base}/{path}", what=what, irreversible=False,
                                 params=params,
                                 headers={"Authorization": f"Bearer {self._token}"})
        return self.answer(resp, what, irreversible=False)

    def answer(self, resp: requests.Response, what: str, *, irreversible: bool
               ) -> dict[str, Any]:
        """The body of a successful answer; else the error kind the answer proves."""
        body = json_object(resp)
        if resp.status_code == 200 and body is not None and "error" not in body:
            return body
        found = (body or {}).get("error")
        err: dict[str, Any] = found if isinstance(found, dict) else {}
        code = err.get("code")
        sub = err.get("error_subcode")
        msg = self.redact(err.get("error_user_msg") or err.get("message")
                          or resp.reason or "tanpa keterangan")
        status = resp.status_code
        label = f"{self.platform} ({what})"
        channel = self.channel
        if code in TOKEN_CODES or status == 401:
            raise PermanentPublishError(
                f"token akses {self.platform} kedaluwarsa atau tidak sah: {msg}; buat token baru "
                f"({self.token_env}) lalu kirim ulang", channel=channel)
        if code == 10 or code == 3 or (isinstance(code, int) and 200 <= code <= 299):
            raise PermanentPublishError(
                f"{self.platform} menolak karena izin kurang: {msg}", channel=channel)
        if code in LIMIT_CODES or sub in LIMIT_SUBCODES or status == 429:
            wait = retry_after_header(resp) or buc_wait(resp) or DEFAULT_LIMIT_WAIT
            raise RetryablePublishError(f"batas kiriman {label} tercapai: {msg}",
                                        channel=channel, retry_after=wait)
        if err.get("is_transient") or code in (1, 2) or status in (500, 502, 503):
            raise RetryablePublishError(f"{label} sedang bermasalah ({status}): {msg}",
                                        channel=channel, retry_after=retry_after_header(resp))
        if 400 <= status < 500:
            raise PermanentPublishError(f"{label} menolak kiriman: {msg}", channel=channel)
        if not irreversible:
            raise RetryablePublishError(f"jawaban {label} tidak jelas ({status}): {msg}",
                                        channel=channel)
        raise UnconfirmedPublishError(
            f"jawaban {label} tidak jelas ({status}: {msg}); unggahan mungkin sudah tayang — "
            "periksa akun sebelum mengirim ulang", channel=channel)


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
