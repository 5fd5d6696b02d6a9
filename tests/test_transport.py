"""HTTP below the publishing clients: no retries, and failures sorted by what they prove.

Real sockets on 127.0.0.1 throughout, HTTPS through a throwaway CA (trustme): a TLS error during
the handshake proves nothing was sent; one while the answer is read does not.
"""

from __future__ import annotations

import socket

import pytest
import requests
from fake_platforms import TELEGRAM_TOKEN, FakePlatforms

from promo_pipeline.config.secrets import Redactor
from promo_pipeline.errors import RetryablePublishError, UnconfirmedPublishError
from promo_pipeline.publish import transport


@pytest.fixture
def tls_fake():
    server = FakePlatforms(tls=True).start()
    yield server
    server.stop()


def dead_port() -> int:
    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_retries_below_the_outbox():
    """urllib3 must never retry a POST on its own: the adapter's Retry is zero everywhere."""
    s = transport.make_session()
    retry = s.get_adapter("https://api.telegram.org").max_retries
    assert retry.total == 0 and retry.connect == 0 and retry.read == 0 and retry.status == 0


def test_http_errors_are_classified(fake):
    http = transport.Http("Telegram", "telegram", 1.5, Redactor([]))
    with pytest.raises(RetryablePublishError, match="tidak dapat dihubungi"):
        http.request("POST", f"http://127.0.0.1:{dead_port()}/x", what="t", irreversible=True)
    fake.hang_seconds = 4.0
    fake.expect("telegram.sendMessage", "hang_after_accept", "hang_after_accept")
    url = f"{fake.url}/bot{TELEGRAM_TOKEN}/sendMessage"
    with pytest.raises(UnconfirmedPublishError, match="jawabannya hilang"):
        http.request("POST", url, what="t", irreversible=True, data={"chat_id": 1, "text": "a"})
    with pytest.raises(RetryablePublishError):  # a step that publishes nothing: safe to retry
        http.request("POST", url, what="t", irreversible=False, data={"chat_id": 1, "text": "a"})
    http.close()


def test_what_counts_as_nothing_sent():
    """DNS failure and refused connections happen before a byte is sent; a reset after
    sending or a read timeout may hide an accepted post. (Shapes as requests raises them; no
    real DNS lookup, since tests stay on loopback.)"""
    import socket as s

    from urllib3.exceptions import MaxRetryError, NameResolutionError, ProtocolError

    dns = NameResolutionError("h.invalid", None, s.gaierror(-2, "Name or service not known"))
    assert transport.nothing_sent(requests.ConnectionError(MaxRetryError(None, "/x", dns)))
    assert transport.nothing_sent(requests.ConnectTimeout())
    reset = ProtocolError("Connection aborted.", ConnectionResetError())
    assert not transport.nothing_sent(requests.ConnectionError(reset))
    assert not transport.nothing_sent(requests.ReadTimeout())
    # An SSLError with no trace of where it happened proves nothing.
    assert not transport.nothing_sent(requests.exceptions.SSLError("bad record mac"))


def test_a_failed_tls_handshake_proves_nothing_was_sent(tls_fake, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)  # the fake's CA is not trusted
    http = transport.Http("Telegram", "telegram", 2.0, Redactor([]))
    url = f"{tls_fake.url}/bot{TELEGRAM_TOKEN}/sendPhoto"
    with pytest.raises(RetryablePublishError, match="gagal jabat tangan TLS"):
        http.request("POST", url, what="sendPhoto", irreversible=True, data={"chat_id": "1"})
    assert tls_fake.telegram == [] and tls_fake.calls == []
    http.close()


def test_a_tls_error_after_the_body_went_out_is_unconfirmed(tls_fake, monkeypatch):
    """urllib3 raises the same SSLError for a broken record while the answer is read: the
    message was accepted, so this must never count as "nothing sent"."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_fake.ca_file))
    http = transport.Http("Telegram", "telegram", 2.0, Redactor([]))
    url = f"{tls_fake.url}/bot{TELEGRAM_TOKEN}/sendMessage"
    data = {"chat_id": "@kpknlbima", "text": "halo"}
    assert http.request("POST", url, what="sendMessage", irreversible=True,
                        data=data).status_code == 200  # the TLS fake works
    tls_fake.expect("telegram.sendMessage", "tls_garbage_after_accept")
    with pytest.raises(requests.exceptions.SSLError) as raw:
        http.session.post(url, data=data, timeout=2.0)
    assert not transport.nothing_sent(raw.value)
    tls_fake.expect("telegram.sendMessage", "tls_garbage_after_accept")
    with pytest.raises(UnconfirmedPublishError, match="galat TLS setelah permintaan terkirim"):
        http.request("POST", url, what="sendMessage", irreversible=True, data=data)
    assert len(tls_fake.telegram) == 3
    http.close()


def test_redactor_removes_tokens_in_plain_and_url_encoded_form():
    r = Redactor(["123:AB/C", None, ""])
    assert r("url /bot123:AB/C/sendPhoto and 123%3AAB%2FC") == "url /bot***/sendPhoto and ***"
