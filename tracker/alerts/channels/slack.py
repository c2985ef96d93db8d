"""Slack incoming webhook: the alert as one mrkdwn message.

Slack does not deduplicate incoming-webhook posts, so this channel is at-least-once: a
crash in the instant between Slack's answer and the delivery record can show the message
twice. Each message ends with its event id so a duplicate is recognisable; the
`Idempotency-Key` header is sent too for relays that honour it.
"""

from __future__ import annotations

import json

import httpx

from tracker.alerts.channels.base import SendResult, http_error, post
from tracker.alerts.config import SlackSettings
from tracker.alerts.messages import Message


def slack_text(text: str) -> str:
    """Untrusted text made inert in Slack mrkdwn (&, < and > are its control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(message: Message) -> dict:
    """The incoming-webhook JSON: bold subject, body, link, and the event id in small print."""
    lines = [f"*{slack_text(message.subject)}*", slack_text(message.text)]
    if message.link:
        lines.append(f"<{message.link}|Details on the status site>")
    lines.append(f"_cape-tracker event {message.event_id}_")
    return {"text": "\n".join(lines), "unfurl_links": False, "unfurl_media": False}


class SlackChannel:
    """Posts alerts to a Slack incoming webhook."""

    name = "slack"

    def __init__(self, settings: SlackSettings, http: httpx.Client):
        self.settings = settings
        self.http = http

    def send(self, message: Message) -> SendResult:
        body = json.dumps(slack_payload(message), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.event_id}
        response = post(self.http, self.name, self.settings.url.reveal(), body, headers)
        if not response.is_success:
            raise http_error(self.name, "POST", response)
        return SendResult(f"HTTP {response.status_code}")
