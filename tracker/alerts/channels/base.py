"""What every channel shares: the result of a send, the error it raises, HTTP error mapping.

A channel raises ChannelError and nothing else. `transient` tells delivery whether to retry
(and to treat the channel as down for the rest of the run) or to give up on this one message
and go on with the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx

from tracker.alerts.messages import Message
from tracker.errors import TrackerError

ERROR_BODY_LIMIT = 200


class ChannelError(TrackerError):
    """A send that did not happen. Delivery redacts its text before storing or printing it."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class SendResult:
    """Where the message landed (issue URL, HTTP status, Message-ID), and whether the
    channel already had it (found by its idempotency marker)."""

    ref: str
    duplicate: bool = False


class Channel(Protocol):
    """One way out for alerts (GitHub issue, webhook, Slack, e-mail); tracker.alerts.deliver drives it."""

    name: str

    def send(self, message: Message) -> SendResult:
        """Deliver `message` once, or find that the channel already has it.

        Idempotent: a message carries its event id as a marker, and a channel that can look it up
        (a GitHub issue comment) returns `SendResult(ref, duplicate=True)` instead of sending twice,
        so a run that crashed between sending and recording does not duplicate the alert.
        Raises ChannelError and nothing else: `transient=True` for what is worth retrying (server
        errors, rate limits, timeouts, connection failures), `transient=False` for a refusal that
        will not change (a bad token, a 404). The message of the error never holds a secret or a URL
        with credentials; delivery redacts it again before storing or printing it.
        """
        ...


def is_transient_status(response: httpx.Response) -> bool:
    """Server errors, rate limits and throttling are worth retrying; other 4xx are not."""
    if response.status_code >= 500 or response.status_code in (408, 429):
        return True
    limited = response.headers.get("x-ratelimit-remaining") == "0" or "retry-after" in response.headers
    return response.status_code == 403 and limited  # GitHub's primary and secondary rate limits


def http_error(channel: str, action: str, response: httpx.Response) -> ChannelError:
    """A ChannelError for a non-success response; names the action, never the URL."""
    detail = " ".join(response.text.split())[:ERROR_BODY_LIMIT]
    message = f"{channel}: {action} answered HTTP {response.status_code}" + (f": {detail}" if detail else "")
    return ChannelError(message, transient=is_transient_status(response))


def transport_error(channel: str, action: str, exc: httpx.HTTPError) -> ChannelError:
    """A ChannelError for a connection failure or timeout (always worth retrying)."""
    return ChannelError(f"{channel}: {action} failed: {type(exc).__name__}: {exc}", transient=True)


def post(http: httpx.Client, channel: str, url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    """POST a body and return the response, whatever its status; a transport failure
    (refused, timed out) becomes a ChannelError."""
    try:
        return http.post(url, content=body, headers={"User-Agent": "cape-tracker", **headers})
    except httpx.HTTPError as exc:
        raise transport_error(channel, "POST", exc) from None
