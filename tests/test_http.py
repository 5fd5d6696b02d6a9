"""The HTTP client against a real loopback server with injected faults; sleeps are recorded."""

from __future__ import annotations

import dataclasses
import json
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from promo_pipeline.config import Source
from promo_pipeline.demo.dataset import Dataset
from promo_pipeline.demo.server import FakeLelang, Fault
from promo_pipeline.errors import PermanentFetchError, RetryableFetchError
from promo_pipeline.http import HttpClient, refuse_reason

OFFICES = [{"id": f"0b1a0000-0000-4000-8000-00000000000{i}", "nama": f"KPKNL {i}"}
           for i in range(1, 10)]


class FakeTime:
    """A clock that only moves when the client sleeps; every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def server():
    with FakeLelang(Dataset(offices=list(OFFICES))) as s:
        yield s


def source_for(server: FakeLelang, **overrides) -> Source:
    values = dict(api_base=server.api_base, file_base=server.file_base,
                  site_base="https://lelang.go.id", retries=4, backoff_factor=0.5,
                  backoff_max=30.0, retry_after_max=60.0, requests_per_second=1e6,
                  connect_timeout=2.0, read_timeout=2.0, transfer_timeout=10.0)
    values.update(overrides)
    return Source(**values)


def client_for(server: FakeLelang, fake: FakeTime | None = None, *, rng=lambda: 0.0,
               wall=None, **overrides) -> HttpClient:
    fake = fake or FakeTime()
    return HttpClient(source_for(server, **overrides), sleep=fake.sleep, clock=fake.clock,
                      rng=rng, wall_clock=wall or (lambda: datetime.now(UTC)))


def offices_url(server: FakeLelang) -> str:
    return f"{server.api_base}/landing-page/kpknl"


def test_browser_like_headers(server):
    client_for(server).get_json(offices_url(server))
    (req,) = server.requests
    assert req.headers["Origin"] == "https://lelang.go.id"
    assert req.headers["Referer"] == "https://lelang.go.id/"
    assert "Chrome/" in req.headers["User-Agent"]
    assert req.headers["Accept"].startswith("application/json")


def test_503_503_then_200_succeeds_with_growing_backoff(server):
    server.inject("/landing-page/kpknl", Fault.error(503), Fault.error(503))
    fake = FakeTime()
    client = client_for(server, fake)
    data = client.get_json(offices_url(server))
    assert len(data["data"]) == len(OFFICES)
    assert fake.sleeps == [0.5, 1.0]  # backoff_factor * 2**(n-1), no jitter with rng=0
    assert (client.stats.requests, client.stats.retries) == (3, 2)


def test_jitter_adds_up_to_one_backoff_factor(server):
    server.inject("/landing-page/kpknl", Fault.error(500), Fault.error(502), Fault.error(504))
    fake = FakeTime()
    rolls = iter([0.2, 0.9, 0.5])
    client_for(server, fake, rng=lambda: next(rolls)).get_json(offices_url(server))
    assert fake.sleeps == pytest.approx([0.5 + 0.1, 1.0 + 0.45, 2.0 + 0.25])


def test_backoff_is_capped(server):
    client = client_for(server, backoff_factor=1.0, backoff_max=3.0)
    assert [client.backoff(n) for n in (1, 2, 3, 4, 8)] == [1.0, 2.0, 3.0, 3.0, 3.0]


def test_persistent_503_gives_up_after_the_retries(server):
    server.inject("/landing-page/kpknl", Fault.error(503, times=None))
    fake = FakeTime()
    client = client_for(server, fake, retries=4)
    with pytest.raises(RetryableFetchError, match=r"HTTP 503.*gave up after 5 attempts") as exc:
        client.get_json(offices_url(server))
    assert exc.value.status == 503
    assert server.count("offices") == 5
    assert len(fake.sleeps) == 4 and client.stats.gave_up == 1


def test_429_retry_after_seconds_is_honoured(server):
    server.inject("/landing-page/kpknl", Fault.error(429, headers={"Retry-After": "3"}))
    fake = FakeTime()
    client_for(server, fake).get_json(offices_url(server))
    assert fake.sleeps == [3.0]  # longer than the 0.5 s backoff


def test_429_retry_after_http_date_is_honoured(server):
    now = datetime(2026, 3, 11, 2, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=7), usegmt=True)
    server.inject("/landing-page/kpknl", Fault.error(429, headers={"Retry-After": header}))
    fake = FakeTime()
    client_for(server, fake, wall=lambda: now).get_json(offices_url(server))
    assert fake.sleeps == [7.0]


def test_retry_after_in_the_past_falls_back_to_backoff(server):
    past = format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    server.inject("/landing-page/kpknl", Fault.error(503, headers={"Retry-After": past}),
                  Fault.error(503, headers={"Retry-After": "soon"}))
    fake = FakeTime()
    client_for(server, fake).get_json(offices_url(server))
    assert fake.sleeps == [0.5, 1.0]


def test_huge_retry_after_gives_up_without_sleeping(server):
    server.inject("/landing-page/kpknl", Fault.error(429, headers={"Retry-After": "999999"}))
    fake = FakeTime()
    client = client_for(server, fake, retry_after_max=120.0)
    with pytest.raises(RetryableFetchError, match=r"999999 s.*retry_after_max"):
        client.get_json(offices_url(server))
    assert fake.sleeps == []
    assert server.count("offices") == 1


def test_rate_limit_spaces_requests(server):
    fake = FakeTime()
    client = client_for(server, fake, requests_per_second=2.0)
    for _ in range(3):
        client.get_json(offices_url(server))
    assert fake.sleeps == [0.5, 0.5]  # the fake clock does not move by itself


def test_html_200_is_permanent_and_not_retried(server):
    server.inject("/landing-page/kpknl", Fault.html())
    client = client_for(server)
    with pytest.raises(PermanentFetchError, match="HTML instead of JSON"):
        client.get_json(offices_url(server))
    assert server.count("offices") == 1


def test_garbage_200_with_json_type_is_permanent(server):
    server.inject("/landing-page/kpknl",
                  Fault(status=200, headers={"Content-Type": "application/json"},
                        body=b"{not json"))
    with pytest.raises(PermanentFetchError, match="not JSON"):
        client_for(server).get_json(offices_url(server))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_other_4xx_are_permanent(server, status):
    server.inject("/landing-page/kpknl", Fault.error(status, times=None))
    client = client_for(server)
    with pytest.raises(PermanentFetchError) as exc:
        client.get_json(offices_url(server))
    assert exc.value.status == status
    assert server.count("offices") == 1 and client.stats.retries == 0


def test_stalled_response_times_out_within_the_limits(server):
    server.inject("/landing-page/kpknl", Fault.stalled(5.0, times=None))
    client = client_for(server, read_timeout=0.3, retries=1)
    started = time.monotonic()
    with pytest.raises(RetryableFetchError, match="read timeout"):
        client.get_json(offices_url(server))
    assert time.monotonic() - started < 2.0
    assert server.count("offices") == 2


def test_dripping_body_hits_the_transfer_deadline(server):
    # ~1.2 kB in 64-byte chunks 0.1 s apart would take ~2 s; each read is well within read_timeout
    server.inject("/landing-page/kpknl", Fault.dripping(0.1))
    client = HttpClient(source_for(server, transfer_timeout=0.5, read_timeout=1.0, retries=0))
    started = time.monotonic()
    with pytest.raises(RetryableFetchError, match=r"longer than 0\.5 s"):
        client.get_json(offices_url(server))
    assert time.monotonic() - started < 1.5


def test_dripping_body_within_the_deadline_is_fine(server):
    server.inject("/landing-page/kpknl", Fault.dripping(0.005))
    client = HttpClient(source_for(server, transfer_timeout=10.0))
    assert len(client.get_json(offices_url(server))["data"]) == len(OFFICES)


def test_body_over_the_cap_with_content_length_is_refused_at_once(server):
    server.inject("/landing-page/kpknl", Fault.oversize(2_000_000))
    client = client_for(server, max_response_bytes=10_000)
    with pytest.raises(PermanentFetchError, match="2000000 bytes is over the 10000-byte cap"):
        client.get_json(offices_url(server))
    assert client.stats.bytes == 0


def test_body_over_the_cap_is_refused_while_streaming(server):
    server.inject("/landing-page/kpknl", Fault.oversize(5_000_000, content_length=False))
    client = client_for(server, max_response_bytes=10_000)
    with pytest.raises(PermanentFetchError, match="refused while streaming"):
        client.get_json(offices_url(server))
    assert 10_000 < client.stats.bytes < 10_000 + 2 * 65_536  # never buffered whole


def test_dropped_connection_is_retried(server):
    server.inject("/landing-page/kpknl", Fault.dropped())
    fake = FakeTime()
    client = client_for(server, fake)
    assert client.get_json(offices_url(server))["code"] == 200
    assert client.stats.retries == 1 and fake.sleeps == [0.5]


def test_truncated_body_is_retried(server):
    server.inject("/landing-page/kpknl", Fault.truncated())
    client = client_for(server)
    assert len(client.get_json(offices_url(server))["data"]) == len(OFFICES)
    assert client.stats.retries == 1


def test_connection_refused_is_retryable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    source = Source(api_base=base + "/api/v1", file_base=base + "/lelang/", retries=2,
                    backoff_factor=0.5, requests_per_second=1e6)
    fake = FakeTime()
    client = HttpClient(source, sleep=fake.sleep, clock=fake.clock, rng=lambda: 0.0)
    with pytest.raises(RetryableFetchError, match="connection failed"):
        client.get_json(base + "/api/v1/landing-page/kpknl")
    assert fake.sleeps == [0.5, 1.0]


def test_redirect_on_the_same_host_is_followed(server):
    server.inject("/moved", Fault.error(302, headers={"Location": "/api/v1/landing-page/kpknl"}))
    data = client_for(server).get_json(server.base_url + "/moved")
    assert len(data["data"]) == len(OFFICES)


def test_redirect_to_another_host_is_refused(server):
    with FakeLelang(Dataset(offices=list(OFFICES))) as elsewhere:
        target = elsewhere.api_base + "/landing-page/kpknl"
        server.inject("/moved", Fault.error(302, headers={"Location": target}))
        with pytest.raises(PermanentFetchError, match="not a configured host"):
            client_for(server).get_json(server.base_url + "/moved")
        assert elsewhere.requests == []


def test_get_returns_raw_bytes_with_extra_headers(server):
    server.dataset.files["p/a.bin"] = b"\x00\x01binary"
    client = client_for(server)
    got = client.get(server.file_base + "p/a.bin", headers={"Referer": "https://x/"})
    assert got.body == b"\x00\x01binary" and got.status == 200
    assert server.requests[-1].headers["Referer"] == "https://x/"


# --- which URLs may be fetched -----------------------------------------------------------------


@pytest.mark.parametrize(("url", "reason"), [
    ("file:///etc/passwd", "scheme 'file'"),
    ("ftp://127.0.0.1/x.jpg", "scheme 'ftp'"),
    ("http://169.254.169.254/latest/meta-data/", "IP address 169.254.169.254:80"),
    ("http://127.0.0.1:1/lelang/x.jpg", "IP address 127.0.0.1:1"),
    ("https://evil.example.com/lelang/x.jpg", "host evil.example.com:443"),
    ("https://file.lelang.go.id.evil.com/x.jpg", "host file.lelang.go.id.evil.com"),
    ("https://file.lelang.go.id@evil.com/x.jpg", "credentials"),
    ("https://file.lelang.go.id/lelang/../../etc/passwd", "relative path"),
    ("https://file.lelang.go.id/lelang/%2e%2e/secret", "relative path"),
    ("https://file.lelang.go.id/lelang/a\\..\\b.jpg", "malformed"),
    ("https://file.lelang.go.id:8443/lelang/x.jpg", "host file.lelang.go.id:8443"),
    ("javascript:alert(1)", "scheme 'javascript'"),
    ("photo_barang/x.jpg", "scheme '(none)'"),
])
def test_refused_urls(url, reason):
    assert reason in (refuse_reason(url, Source()) or "")


@pytest.mark.parametrize("url", [
    "https://file.lelang.go.id/lelang/photo_barang/a.jpg",
    "https://FILE.lelang.go.id/lelang/photo_barang/a.jpg",
    "https://file.lelang.go.id:443/lelang/a%20b.jpg",
    "https://api.lelang.go.id/api/v1/mediaById/x/object-url",
    "https://lelang.go.id/lelang/a.jpg",
])
def test_configured_hosts_are_allowed(url):
    assert refuse_reason(url, Source()) is None


def test_allowed_hosts_follow_the_config(server):
    src = source_for(server)
    assert refuse_reason(server.file_base + "x.jpg", src) is None
    assert refuse_reason("https://file.lelang.go.id/lelang/x.jpg", src) is not None
    assert refuse_reason("https://lelang.go.id/x.jpg", src) is None  # site_base stays real


def test_stats_are_plain_numbers(server):
    client = client_for(server)
    client.get_json(offices_url(server))
    stats = client.stats.as_dict()
    assert stats["requests"] == 1 and stats["bytes"] > 0
    assert json.loads(json.dumps(stats)) == stats
    assert dataclasses.is_dataclass(client.stats)
