"""The network at the edge: the HTTP client, the SMTP connection factory, the TLS context
and the sleep between retries, injected so tests point them at servers on 127.0.0.1."""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

HTTP_TIMEOUT_SECONDS = 20.0


@dataclass
class Clients:
    """What delivery talks through. `tls_context` None means the system's trust store."""

    http: httpx.Client
    smtp_factory: Callable[..., smtplib.SMTP] = smtplib.SMTP
    tls_context: ssl.SSLContext | None = None
    sleep: Callable[[float], None] = time.sleep


@contextmanager
def default_clients(timeout: float = HTTP_TIMEOUT_SECONDS) -> Iterator[Clients]:
    """Real clients for the command line; the HTTP client is closed afterwards.

    Redirects are not followed: a webhook that redirects is misconfigured, and following
    it would hand the signed body (or the GitHub token) to another host.
    """
    with httpx.Client(timeout=timeout, follow_redirects=False) as http:
        yield Clients(http=http)
