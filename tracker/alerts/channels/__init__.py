"""The outbox channels (GitHub issues, webhook, Slack, e-mail), built from configuration.

The fifth channel, the Atom feed, is rendered by the site from the ledger and needs nothing
here.
"""

from __future__ import annotations

from tracker.alerts.channels.base import Channel, ChannelError, SendResult
from tracker.alerts.channels.github import GitHubChannel
from tracker.alerts.channels.mail import EmailChannel
from tracker.alerts.channels.slack import SlackChannel
from tracker.alerts.channels.webhook import WebhookChannel
from tracker.alerts.clients import Clients
from tracker.alerts.config import (
    AlertsConfig,
    EmailSettings,
    GitHubSettings,
    SlackSettings,
    WebhookSettings,
)

__all__ = ["Channel", "ChannelError", "SendResult", "build_channel", "build_channels"]


def build_channel(name: str, config: AlertsConfig, clients: Clients) -> Channel:
    """The channel called `name`; KeyError if it is not enabled."""
    settings = config.channels[name]
    if isinstance(settings, GitHubSettings):
        return GitHubChannel(settings, clients.http)
    if isinstance(settings, WebhookSettings):
        return WebhookChannel(settings, clients.http)
    if isinstance(settings, SlackSettings):
        return SlackChannel(settings, clients.http)
    if isinstance(settings, EmailSettings):
        return EmailChannel(settings, clients.smtp_factory, clients.tls_context)
    raise TypeError(f"no channel for settings {type(settings).__name__}")


def build_channels(config: AlertsConfig, clients: Clients) -> dict[str, Channel]:
    """Every enabled channel, by name."""
    return {name: build_channel(name, config, clients) for name in config.enabled()}
