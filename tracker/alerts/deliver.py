"""Delivering the outbox: each entry to its channel, retried with backoff, failures kept
per channel so that one channel being down never holds up the others.

Transient failures (connection refused, timeouts, 5xx, rate limits) are retried a few times
within the run; if they persist the channel counts as down for the rest of the run and its
entries stay queued for the next one. A permanent failure (bad credentials, a rejected
payload) is recorded on that entry and delivery goes on with the next. Nothing here raises
for a channel's failure; the report says what happened.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from tracker.alerts import outbox
from tracker.alerts.channels import Channel, ChannelError, SendResult, build_channel, build_channels
from tracker.alerts.clients import Clients
from tracker.alerts.config import AlertsConfig
from tracker.alerts.messages import Message, make_test_message, render
from tracker.alerts.outbox import Delivery, OutboxEntry
from tracker.alerts.redact import Redactor, redacted_logs
from tracker.paths import Paths
from tracker.records import format_instant

log = logging.getLogger("tracker.alerts")


@dataclass(frozen=True)
class Failure:
    """An entry that could not be delivered this run (`error` is already redacted)."""

    entry_id: str
    channel: str
    error: str
    transient: bool


@dataclass
class DeliveryReport:
    """What one delivery run did. `deferred`: entries not tried, per channel (the channel
    was down this run, or is no longer enabled). `repaired`: entries found already delivered
    (a crash after recording) and removed from the outbox without sending."""

    delivered: list[Delivery] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    deferred: dict[str, int] = field(default_factory=dict)
    repaired: int = 0
    pending: int = 0

    def to_json(self) -> dict:
        return {
            "delivered": [d.to_json() for d in self.delivered],
            "failed": [vars(f) for f in self.failed],
            "deferred": dict(sorted(self.deferred.items())),
            "repaired": self.repaired,
            "pending": self.pending,
        }


@dataclass(frozen=True)
class Outcome:
    """The end of one message's tries: a result or the last error."""

    tries: int
    result: SendResult | None = None
    error: ChannelError | None = None


@dataclass(frozen=True)
class _Run:
    paths: Paths
    config: AlertsConfig
    sleep: Callable[[float], None]
    now: dt.datetime
    redact: Redactor


def deliver_pending(paths: Paths, config: AlertsConfig, clients: Clients, now: dt.datetime) -> DeliveryReport:
    """Try every outbox entry once (with retries); record what went out; never raise for a
    channel that is down."""
    run = _Run(paths, config, clients.sleep, now, Redactor(config.secrets()))
    report = DeliveryReport()
    with redacted_logs(run.redact):
        channels = build_channels(config, clients)
        delivered = {d.id for d in outbox.read_deliveries(paths)}
        down: set[str] = set()
        for entry in outbox.read_outbox(paths):
            if entry.id in delivered:
                outbox.remove_entry(paths, entry.id)
                report.repaired += 1
            elif entry.channel not in channels or entry.channel in down:
                report.deferred[entry.channel] = report.deferred.get(entry.channel, 0) + 1
            else:
                _deliver_entry(run, entry, channels[entry.channel], report, down)
        outbox.mirror_to_ledger(paths)
    report.pending = len(outbox.read_outbox(paths))
    return report


def send_test(config: AlertsConfig, clients: Clients, channel_name: str, now: dt.datetime) -> SendResult:
    """Send a clearly marked test message through one enabled channel (not queued, not
    recorded). Raises ChannelError, redacted, if it does not go out."""
    redact = Redactor(config.secrets())
    with redacted_logs(redact):
        channel = build_channel(channel_name, config, clients)
        message = make_test_message(channel_name, now, config.site_url)
        outcome = send_with_retries(channel, message, config.max_tries, config.backoff_seconds, clients.sleep)
    if outcome.error is not None:
        raise ChannelError(redact(str(outcome.error)), transient=outcome.error.transient)
    assert outcome.result is not None
    return SendResult(redact(outcome.result.ref), outcome.result.duplicate)


def send_with_retries(
    channel: Channel, message: Message, tries: int, backoff_seconds: float, sleep: Callable[[float], None]
) -> Outcome:
    """Send; on a transient error wait backoff, 2x backoff, ... and try again, up to `tries`."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return Outcome(attempt, result=channel.send(message))
        except ChannelError as exc:
            error = exc
        except Exception as exc:  # a library surprise in one channel must not stop the others
            error = ChannelError(f"{channel.name}: unexpected {type(exc).__name__}: {exc}", transient=True)
        if not error.transient or attempt >= tries:
            return Outcome(attempt, error=error)
        sleep(backoff_seconds * 2 ** (attempt - 1))


def _deliver_entry(
    run: _Run, entry: OutboxEntry, channel: Channel, report: DeliveryReport, down: set[str]
) -> None:
    """Send one entry; on success record the delivery, then drop it from the outbox (in that
    order: see outbox.py); on failure keep it, with the attempt counted and the error."""
    outcome = _attempt(run, entry, channel)
    if outcome.error is not None:
        failure = _keep_queued(run, entry, outcome.tries, outcome.error)
        report.failed.append(failure)
        if failure.transient:
            down.add(entry.channel)
        return
    assert outcome.result is not None
    delivery = Delivery(
        id=entry.id,
        event_id=entry.event.id,
        event_type=entry.event.type,
        channel=entry.channel,
        sent_at=format_instant(run.now),
        ref=run.redact(outcome.result.ref),
        attempts=entry.attempts + outcome.tries,
        duplicate=outcome.result.duplicate,
    )
    outbox.record_delivery(run.paths, delivery)
    outbox.remove_entry(run.paths, entry.id)
    log.info("alert %s delivered to %s: %s", entry.id, entry.channel, delivery.ref)
    report.delivered.append(delivery)


def _attempt(run: _Run, entry: OutboxEntry, channel: Channel) -> Outcome:
    try:
        message = render(entry.event, run.config.site_url, run.config.prediction_page)
    except ValueError as exc:  # an entry written by hand, of a type that is not an alert
        return Outcome(1, error=ChannelError(f"{entry.channel}: {exc}", transient=False))
    return send_with_retries(channel, message, run.config.max_tries, run.config.backoff_seconds, run.sleep)


def _keep_queued(run: _Run, entry: OutboxEntry, tries: int, error: ChannelError) -> Failure:
    failure = Failure(entry.id, entry.channel, run.redact(str(error)), error.transient)
    outbox.update_entry(
        run.paths,
        replace(
            entry,
            attempts=entry.attempts + tries,
            last_attempt_at=format_instant(run.now),
            last_error=failure.error,
        ),
    )
    log.warning("alert %s not delivered: %s", entry.id, failure.error)
    return failure
