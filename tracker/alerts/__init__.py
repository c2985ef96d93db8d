"""Alerts: tell subscribers when a verdict is decided, a provisional reading flips, an
amendment is recorded, a frontier model is released or a steering result comes in.

The pipeline calls two functions:

    queue_from_ledger(paths, config) -> int        # owe each alertable event to each channel
    deliver_pending(paths, config, clients, now)   # send what is owed, record what went out

data/alerts/outbox.jsonl holds what is owed, data/alerts/deliveries.jsonl what was sent.
Channels: GitHub issues, a signed webhook, Slack, e-mail; the Atom feed is rendered by the
site from the same ledger events (see messages.ALERTABLE and messages.render).
"""

from tracker.alerts.clients import Clients, default_clients
from tracker.alerts.config import OUTBOX_CHANNELS, AlertsConfig, ConfigError, load_config
from tracker.alerts.deliver import DeliveryReport, Failure, deliver_pending, send_test
from tracker.alerts.messages import ALERTABLE, Message, is_alertable, render
from tracker.alerts.outbox import Delivery, OutboxEntry, queue_from_ledger, read_deliveries, read_outbox

__all__ = [
    "ALERTABLE",
    "OUTBOX_CHANNELS",
    "AlertsConfig",
    "Clients",
    "ConfigError",
    "Delivery",
    "DeliveryReport",
    "Failure",
    "Message",
    "OutboxEntry",
    "default_clients",
    "deliver_pending",
    "is_alertable",
    "load_config",
    "queue_from_ledger",
    "read_deliveries",
    "read_outbox",
    "render",
    "send_test",
]
