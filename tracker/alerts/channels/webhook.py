"""Generic webhook: the alert as JSON, POSTed and signed.

The body is the message's JSON (schema cape-tracker.alert/1), byte-identical on every retry.
`X-Cape-Signature: sha256=<hex>` is the HMAC-SHA256 of the raw body with the shared secret
(CAPE_WEBHOOK_SECRET); receivers recompute it to check the sender. `Idempotency-Key` (and
the body's `id`) is the event id: a receiver that keeps the keys it has seen turns a retry
after a crash into a no-op. A 409 Conflict answer is taken to mean "already have it".
"""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from tracker.alerts.channels.base import SendResult, http_error, post
from tracker.alerts.config import WebhookSettings
from tracker.alerts.messages import Message


def signature(secret: str, body: bytes) -> str:
    """The signature header value: `sha256=` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook_body(message: Message) -> bytes:
    """Compact JSON with sorted keys: the same alert always has the same bytes."""
    return json.dumps(message.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookChannel:
    """POSTs signed JSON alerts to one URL."""

    name = "webhook"

    def __init__(self, settings: WebhookSettings, http: httpx.Client):
        self.settings = settings
        self.http = http

    def send(self, message: Message) -> SendResult:
        body = webhook_body(message)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.event_id,
            "X-Cape-Event": message.event_type,
            self.settings.signature_header: signature(self.settings.secret.reveal(), body),
        }
        response = post(self.http, self.name, self.settings.url.reveal(), body, headers)
        if response.status_code == 409:
            return SendResult("HTTP 409", duplicate=True)
        if not response.is_success:
            raise http_error(self.name, "POST", response)
        return SendResult(f"HTTP {response.status_code}")
