"""The one HTTP client every source uses: timeouts, retries, conditional requests, a size cap.

Politeness and robustness live here so that sources stay parsers:
- a User-Agent naming the project and its URL, so operators can tell who is calling;
- retries with exponential backoff and full jitter on connection errors, timeouts and
  429/500/502/503/504, honouring `Retry-After` (seconds or an HTTP date) on 429 and 503;
  a Retry-After longer than the configured maximum fails at once instead of stalling the run;
- conditional requests (If-None-Match / If-Modified-Since) so that a run with nothing new
  downloads nothing (304);
- a cap on the body size, checked on Content-Length and while streaming.
The sleep function and the jitter source are injected so tests neither wait nor flake.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tracker import __version__
from tracker.scrapers.errors import FetchError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class HttpConfig:
    """Limits of the client; the defaults are those of sources.toml's [http] table."""

    project_url: str = "https://github.com/cape-tracker/cape-tracker"
    timeout_s: float = 30.0
    max_bytes: int = 64 * 1024 * 1024
    retries: int = 3
    backoff_s: float = 2.0
    max_backoff_s: float = 60.0
    max_retry_after_s: float = 300.0

    @property
    def user_agent(self) -> str:
        return f"cape-tracker/{__version__} (+{self.project_url})"


@dataclass(frozen=True)
class Response:
    """A successful answer: 200 with a body, or 304 (not modified, empty body)."""

    url: str
    status: int
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def make_client(config: HttpConfig) -> httpx.Client:
    """An httpx client with the project's User-Agent, timeouts and redirects followed."""
    return httpx.Client(
        timeout=httpx.Timeout(config.timeout_s),
        follow_redirects=True,
        headers={"User-Agent": config.user_agent},
    )


class _Retry(Exception):
    """One failed attempt that may succeed later; `wait` is the server's Retry-After, if any."""

    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


class Fetcher:
    """GET with the project's retry, cache-validation and size rules."""

    def __init__(
        self,
        client: httpx.Client,
        config: HttpConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] | None = None,
    ):
        self.client = client
        self.config = config
        self.sleep = sleep
        self.jitter = jitter or random.Random().random

    def get(self, url: str, *, etag: str = "", last_modified: str = "") -> Response:
        """The response to GET `url`; FetchError once the retries are spent or on a hard error."""
        headers = {"User-Agent": self.config.user_agent}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for attempt in range(self.config.retries + 1):
            try:
                return self._attempt(url, headers)
            except _Retry as problem:
                if attempt == self.config.retries:
                    raise FetchError(url, f"{problem} (gave up after {attempt + 1} attempts)") from None
                self.sleep(max(problem.wait or 0.0, self.backoff(attempt)))
        raise FetchError(url, "no attempt made")  # unreachable: retries >= 0

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: uniform in [0, base * 2**attempt], capped."""
        return min(self.config.max_backoff_s, self.config.backoff_s * 2**attempt) * self.jitter()

    def _attempt(self, url: str, headers: dict[str, str]) -> Response:
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                if response.status_code in RETRY_STATUSES:
                    raise _Retry(f"HTTP {response.status_code}", self._retry_after(response))
                if response.status_code == 304:
                    return Response(str(response.url), 304, b"", *self._validators(response))
                if response.status_code >= 400 or response.status_code < 200:
                    raise FetchError(url, f"HTTP {response.status_code}")
                body = self._read_capped(url, response)
                return Response(
                    str(response.url),
                    response.status_code,
                    body,
                    *self._validators(response),
                    headers=dict(response.headers),
                )
        except httpx.TimeoutException as exc:
            raise _Retry(f"timed out ({type(exc).__name__})") from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise _Retry(f"{type(exc).__name__}: {exc}") from None
        except httpx.HTTPError as exc:
            raise FetchError(url, f"{type(exc).__name__}: {exc}") from None

    def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.config.max_bytes:
            raise FetchError(url, f"response of {declared} bytes exceeds the cap of {self.config.max_bytes}")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.config.max_bytes:
                raise FetchError(url, f"response exceeds the cap of {self.config.max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _validators(response: httpx.Response) -> tuple[str, str]:
        return response.headers.get("ETag", ""), response.headers.get("Last-Modified", "")

    def _retry_after(self, response: httpx.Response) -> float | None:
        """Seconds the server asks us to wait (429/503); FetchError if longer than allowed."""
        if response.status_code not in RETRY_AFTER_STATUSES:
            return None
        wait = retry_after_seconds(response.headers.get("Retry-After", ""), response.headers.get("Date", ""))
        if wait is not None and wait > self.config.max_retry_after_s:
            raise FetchError(
                str(response.url),
                f"HTTP {response.status_code}: Retry-After {wait:.0f} s exceeds "
                f"the {self.config.max_retry_after_s:.0f} s the run will wait",
            )
        return wait


def retry_after_seconds(value: str, date_header: str = "") -> float | None:
    """A Retry-After header as seconds: delta-seconds, or an HTTP date measured from the
    response's own Date header (the server's clock), else from this machine's clock."""
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        target = email.utils.parsedate_to_datetime(text).timestamp()
        base = email.utils.parsedate_to_datetime(date_header).timestamp() if date_header else time.time()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, target - base)
