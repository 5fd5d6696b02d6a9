"""The platforms' documented error codes, each mapped to what the outbox does.

One table per platform (``publish/telegram_errors.py``, ``publish/graph_errors.py``); the
answers here are shaped as the platforms send them, run through the real clients.
"""

from __future__ import annotations

import json

import pytest
import requests

from promo_pipeline.errors import (
    PermanentPublishError,
    RateLimitedPublishError,
    RetryablePublishError,
    UnconfirmedPublishError,
)
from promo_pipeline.publish import graph
from promo_pipeline.publish.errortable import Kind
from promo_pipeline.publish.graph_errors import FACEBOOK, INSTAGRAM, RECREATE_SUBCODES
from promo_pipeline.publish.telegram_bot import TelegramBot
from promo_pipeline.publish.telegram_errors import TELEGRAM

WAIT, RETRY = RateLimitedPublishError, RetryablePublishError
PERM, UNSURE = PermanentPublishError, UnconfirmedPublishError


def answer(status: int, body: object, headers: dict[str, str] | None = None
           ) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = json.dumps(body).encode()
    resp.headers.update(headers or {})
    return resp


def meta(code: int, sub: int | None = None, message: str = "m", **extra: object) -> dict:
    err: dict[str, object] = {"message": message, "type": "OAuthException", "code": code,
                              **extra}
    if sub is not None:
        err["error_subcode"] = sub
    return {"error": err}


def client(table, platform="Facebook"):
    return graph.GraphAPI(platform, platform.lower(), "https://graph.facebook.com/v26.0",
                          "EAA-token-SECRET", token_env="PROMO_FACEBOOK_TOKEN", timeout=1.0,
                          table=table)


# (status, body, on a step that may publish, on a step that publishes nothing, words shown)
GRAPH_CASES = [
    (500, meta(2, is_transient=True), UNSURE, RETRY, "gangguan"),
    (400, meta(1), UNSURE, RETRY, "API Unknown"),
    (400, meta(2), UNSURE, RETRY, "API Service"),
    (400, meta(999, is_transient=True), UNSURE, RETRY, "sementara"),
    (502, {}, UNSURE, RETRY, "gangguan"),
    (503, "Service Unavailable", UNSURE, RETRY, "gangguan"),
    (200, "not an object", UNSURE, RETRY, "tidak jelas"),
    (400, meta(506, message="(#506) Duplicate status message"), UNSURE, RETRY, "kembar"),
    (400, meta(4), WAIT, WAIT, "batas panggilan"),
    (400, meta(17), WAIT, WAIT, "batas panggilan"),
    (400, meta(32), WAIT, WAIT, "Halaman"),
    (400, meta(613), WAIT, WAIT, "batas"),
    (400, meta(80001), WAIT, WAIT, "business use case"),
    (429, {}, WAIT, WAIT, "batas"),
    (400, meta(190, 463), PERM, PERM, "kedaluwarsa"),
    (400, meta(190, 460), PERM, PERM, "kata sandi"),
    (401, meta(102), PERM, PERM, "token"),
    (400, meta(10), PERM, PERM, "izin"),
    (400, meta(283), PERM, PERM, "izin"),
    (400, meta(368), PERM, PERM, "kebijakan"),
    (400, meta(100), PERM, PERM, "parameter"),
]


@pytest.mark.parametrize(("status", "body", "publishing", "other", "words"), GRAPH_CASES)
def test_facebook_table(status, body, publishing, other, words):
    fb = client(FACEBOOK)
    with pytest.raises(publishing, match=words) as caught:
        fb.answer(answer(status, body), "photos", irreversible=True)
    assert type(caught.value) is publishing
    with pytest.raises(other):
        fb.answer(answer(status, body), "photos (unpublished)", irreversible=False)
    assert "SECRET" not in str(caught.value)
    fb.close()


INSTAGRAM_CASES = [
    # (code, subcode, kind, words): Instagram's own table, recommended solutions followed.
    (-1, 2207001, UNSURE, "galat server"),
    (-2, 2207003, RETRY, "mengunduh"),
    (36000, 2207004, PERM, "8 MiB"),
    (36001, 2207005, PERM, "JPEG"),
    (24, 2207008, RETRY, "30 detik"),
    (36003, 2207009, PERM, "4:5"),
    (36004, 2207010, PERM, "2.200"),
    (-2, 2207020, RETRY, "kedaluwarsa"),
    (9007, 2207027, WAIT, "belum siap"),
    (100, 2207028, PERM, "2–10"),
    (-1, 2207032, RETRY, "membuat container"),
    (9, 2207042, WAIT, "batas harian"),
    (25, 2207050, PERM, "tidak aktif"),
    (4, 2207051, PERM, "spam"),
    (9004, 2207052, PERM, "URL publik"),
]


@pytest.mark.parametrize(("code", "sub", "kind", "words"), INSTAGRAM_CASES)
def test_instagram_table(code, sub, kind, words):
    ig = client(INSTAGRAM, "Instagram")
    with pytest.raises(kind, match=words) as caught:
        ig.answer(answer(400, meta(code, sub)), "media_publish", irreversible=True)
    assert type(caught.value) is kind
    assert caught.value.code == f"{code}/{sub}"
    ig.close()


def test_spam_restriction_is_not_a_rate_limit_and_download_timeouts_are_not_permanent():
    """Issue 11: 2207051 used to be retried as a rate limit; 2207001/3/8 and 9007/2207027 used to
    be permanent."""
    assert INSTAGRAM.rule(status=400, code=4, subcode=2207051).kind is Kind.PERMANENT
    for sub in (2207001, 2207003, 2207008, 2207027):
        assert INSTAGRAM.rule(status=400, code=-1, subcode=sub).kind is not Kind.PERMANENT
    assert {2207003, 2207020, 2207032, 2207053} <= RECREATE_SUBCODES
    assert 2207008 not in RECREATE_SUBCODES  # "try again 1-2 times" first


def test_waits_come_from_the_platform_when_it_says():
    fb = client(FACEBOOK)
    usage = json.dumps({"1": [{"estimated_time_to_regain_access": 12}]})
    with pytest.raises(WAIT) as caught:
        fb.answer(answer(400, meta(80001), {"x-business-use-case-usage": usage}), "photos",
                  irreversible=True)
    assert caught.value.retry_after == 12 * 60
    with pytest.raises(WAIT) as caught:
        fb.answer(answer(429, {}, {"Retry-After": "90"}), "photos", irreversible=True)
    assert caught.value.retry_after == 90
    with pytest.raises(WAIT) as caught:
        fb.answer(answer(400, meta(4)), "photos", irreversible=True)
    assert caught.value.retry_after == 3600  # the default: Graph limits span an hour
    fb.close()


def test_a_token_of_the_wrong_login_says_which_host_it_needs():
    ig = graph.GraphAPI("Instagram", "instagram", "https://graph.facebook.com/v26.0",
                        "IGAA-login-token", token_env="PROMO_INSTAGRAM_TOKEN", timeout=1.0,
                        table=INSTAGRAM)
    with pytest.raises(PERM, match=r"graph\.instagram\.com") as caught:
        ig.answer(answer(400, meta(190, message="Invalid OAuth access token - Cannot parse "
                                                "access token")), "media", irreversible=False)
    assert "PROMO_INSTAGRAM_TOKEN" in str(caught.value)
    ig.close()
    assert graph.token_kind("EAABsbCS") == "facebook"
    assert graph.token_kind("IGAAJ1x") == "instagram"
    assert graph.host_kind("https://graph.instagram.com/v26.0") == "instagram"
    assert graph.pairing_problem("EAAx", "https://graph.instagram.com/v26.0")
    assert graph.pairing_problem("EAAx", "https://graph.facebook.com/v26.0") is None
    assert graph.api_version("https://graph.facebook.com/v21.0/") == "v21.0"


TELEGRAM_CASES = [
    # (status, description, on a sending method, words)
    (429, "Too Many Requests: retry after 5", WAIT, "laju"),
    (400, "Bad Request: message caption is too long", PERM, "1.024"),
    (400, "Bad Request: PHOTO_INVALID_DIMENSIONS", PERM, "10.000"),
    (400, "Bad Request: PHOTO_SAVE_FILE_INVALID", PERM, "10 MB"),
    (400, "Bad Request: chat not found", PERM, "chat_id"),
    (400, "Bad Request: something new", PERM, "menolak"),
    (401, "Unauthorized", PERM, "token"),
    (404, "Not Found", PERM, "token"),
    (403, "Forbidden: bot was kicked from the channel chat", PERM, "izin"),
    (413, "Request Entity Too Large", PERM, "terlalu besar"),
    (500, "Internal Server Error", UNSURE, "bermasalah"),
    (502, "Bad Gateway", UNSURE, "bermasalah"),
    (503, "Service Unavailable", UNSURE, "bermasalah"),
    (504, "Gateway Timeout", UNSURE, "bermasalah"),
    (200, "", UNSURE, "tidak jelas"),
]


@pytest.mark.parametrize(("status", "desc", "kind", "words"), TELEGRAM_CASES)
def test_telegram_table(status, desc, kind, words):
    bot = TelegramBot("https://api.telegram.org", "1:SECRET", "@c", timeout=1.0,
                      token_env="PROMO_TELEGRAM_TOKEN")
    body = {"ok": False, "error_code": status, "description": desc}
    if status == 429:
        body["parameters"] = {"retry_after": 5}
    error = bot._error(answer(status, body), body if status != 200 else {}, "sendPhoto")
    assert type(error) is kind and words in str(error)
    if status == 429:
        assert error.retry_after == 5
    if status >= 500:  # not a sending method: nothing can have been posted
        assert type(bot._error(answer(status, body), body, "getChat")) is RETRY
    assert TELEGRAM.platform == "Telegram"
    bot.close()
