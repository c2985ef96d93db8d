"""The shared HTTP client against a real server on 127.0.0.1: retries, Retry-After, 304, caps."""

from __future__ import annotations

import httpx
import pytest
from scraper_server import scripted_server

from tracker.scrapers.errors import FetchError
from tracker.scrapers.http import Fetcher, HttpConfig, make_client, retry_after_seconds

BODY = b"leaderboard bytes"


def _fetcher(config: HttpConfig, sleeps: list[float]) -> Fetcher:
    return Fetcher(make_client(config), config, sleep=sleeps.append, jitter=lambda: 0.5)


def test_user_agent_names_project_and_url_and_etag_gives_304() -> None:
    sleeps: list[float] = []
    fetcher = _fetcher(HttpConfig(project_url="https://example.org/cape"), sleeps)
    with scripted_server() as server:
        server.script("/data", {"body": BODY, "etag": '"v1"'})
        first = fetcher.get(f"{server.base}/data")
        second = fetcher.get(f"{server.base}/data", etag=first.etag)
    assert first.body == BODY and first.etag == '"v1"' and not first.not_modified
    assert second.not_modified and second.body == b""
    assert server.requests[0]["headers"]["User-Agent"].startswith("cape-tracker/")
    assert "(+https://example.org/cape)" in server.requests[0]["headers"]["User-Agent"]
    assert server.requests[1]["headers"]["If-None-Match"] == '"v1"'
    assert sleeps == []


def test_429_with_retry_after_is_honoured_then_succeeds() -> None:
    sleeps: list[float] = []
    with scripted_server() as server:
        server.script("/d", {"status": 429, "headers": {"Retry-After": "7"}}, {"body": BODY})
        response = _fetcher(HttpConfig(backoff_s=1.0), sleeps).get(f"{server.base}/d")
    assert response.body == BODY and sleeps == [7.0]


def test_503_backs_off_exponentially_then_gives_up() -> None:
    sleeps: list[float] = []
    with scripted_server() as server:
        server.script("/d", {"status": 503})
        with pytest.raises(FetchError, match="HTTP 503.*4 attempts"):
            _fetcher(HttpConfig(retries=3, backoff_s=2.0), sleeps).get(f"{server.base}/d")
    assert sleeps == [1.0, 2.0, 4.0]  # 2 * 2**n * jitter 0.5
    assert len(server.requests) == 4


def test_retry_after_beyond_the_limit_fails_at_once() -> None:
    sleeps: list[float] = []
    with scripted_server() as server:
        server.script("/d", {"status": 429, "headers": {"Retry-After": "3600"}})
        with pytest.raises(FetchError, match="Retry-After 3600"):
            _fetcher(HttpConfig(max_retry_after_s=60), sleeps).get(f"{server.base}/d")
    assert sleeps == [] and len(server.requests) == 1


def test_hang_past_the_timeout_is_retried_then_fails() -> None:
    sleeps: list[float] = []
    with scripted_server() as server:
        server.script("/d", {"hang": 1.0, "body": BODY})
        with pytest.raises(FetchError, match="timed out"):
            _fetcher(HttpConfig(timeout_s=0.2, retries=1), sleeps).get(f"{server.base}/d")
    assert len(sleeps) == 1


def test_truncated_body_is_an_error_not_data() -> None:
    with scripted_server() as server:
        server.script("/d", {"body": BODY * 100, "truncate": 50})
        with pytest.raises(FetchError, match="attempts"):
            _fetcher(HttpConfig(retries=1), []).get(f"{server.base}/d")


def test_size_cap_on_declared_and_streamed_length() -> None:
    with scripted_server() as server:
        server.script("/d", {"body": BODY * 10})
        with pytest.raises(FetchError, match="exceeds the cap"):
            _fetcher(HttpConfig(max_bytes=20), []).get(f"{server.base}/d")


def test_server_down_is_a_fetch_error() -> None:
    with scripted_server() as server:
        url = f"{server.base}/d"
    with pytest.raises(FetchError, match="ConnectError"):
        _fetcher(HttpConfig(retries=1), []).get(url)


def test_404_is_not_retried() -> None:
    sleeps: list[float] = []
    with scripted_server() as server, pytest.raises(FetchError, match="HTTP 404"):
        _fetcher(HttpConfig(), sleeps).get(f"{server.base}/missing")
    assert sleeps == []


def test_retry_after_forms() -> None:
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:30 GMT", "Wed, 21 Oct 2015 07:28:00 GMT") == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds("") is None


def test_mock_transport_redirect_is_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(307, headers={"Location": "/new"})
        return httpx.Response(200, content=BODY)

    config = HttpConfig()
    client = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True)
    response = Fetcher(client, config, sleep=lambda s: None).get("http://hub.test/old")
    assert response.body == BODY and response.url.endswith("/new")
