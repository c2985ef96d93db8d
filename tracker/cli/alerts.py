"""`tracker alerts send | test CHANNEL | status`: the outbox from the command line.

Configuration comes from alerts.toml and the process environment (secrets only there).
A channel that is down is a warning (exit 0) and its alerts stay queued; a failed
`alerts test` exits 1; an unusable configuration exits 1; a channel that is not enabled
exits 2 on `alerts test`.
"""

from __future__ import annotations

import argparse
import os
import sys

from tracker.alerts import (
    OUTBOX_CHANNELS,
    default_clients,
    deliver_pending,
    load_config,
    queue_from_ledger,
    send_test,
)
from tracker.alerts.channels import ChannelError
from tracker.alerts.config import AlertsConfig
from tracker.alerts.deliver import DeliveryReport
from tracker.alerts.status import alerts_status
from tracker.cli.common import group_help, paths_from, print_json, seconds
from tracker.clock import utc_now
from tracker.errors import UsageError
from tracker.records import format_instant
from tracker.runlock import run_lock
from tracker.verdicts.specs import require_registry

DEFAULT_WAIT_SECONDS = 60.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `alerts` and its actions to the top-level parser."""
    parser = subparsers.add_parser("alerts", help="deliver alerts: send the outbox, test a channel, status")
    actions = parser.add_subparsers(dest="alerts_action", metavar="ACTION")
    send = actions.add_parser("send", help="queue new alertable events and deliver the outbox")
    send.add_argument("--json", action="store_true", help="print the delivery report as JSON")
    send.add_argument(
        "--wait",
        type=seconds,
        default=DEFAULT_WAIT_SECONDS,
        metavar="SECONDS",
        help=f"if a run holds data/ (the run lock), wait this long (default {DEFAULT_WAIT_SECONDS:g})",
    )
    send.set_defaults(handler=handle_alerts_send)
    test = actions.add_parser("test", help="send a clearly marked test message through one channel")
    test.add_argument("channel", choices=OUTBOX_CHANNELS)
    test.set_defaults(handler=handle_alerts_test)
    status = actions.add_parser("status", help="channels, queued and delivered alerts")
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.set_defaults(handler=handle_alerts_status)
    parser.set_defaults(handler=group_help(parser))


def handle_alerts_send(args: argparse.Namespace) -> int:
    """Queue and deliver under the run lock: a `tracker run` may be writing the same files."""
    paths = paths_from(args)
    now = utc_now()
    require_registry(paths)  # an alert publishes: never from an edited registry
    config = load_config(paths, os.environ)
    _warn_misconfigured(config)
    with (
        run_lock(paths.lock, timeout=args.wait, started_at=format_instant(now)),
        default_clients() as clients,
    ):
        queued = queue_from_ledger(paths, config)
        report = deliver_pending(paths, config, clients, now)
    if args.json:
        print_json({"queued": queued, **report.to_json()})
    else:
        _print_report(queued, report)
    return 0


def handle_alerts_test(args: argparse.Namespace) -> int:
    config = load_config(paths_from(args), os.environ)
    if args.channel not in config.channels:
        raise UsageError(f"channel {args.channel} is not enabled ({config.states[args.channel].reason})")
    try:
        with default_clients() as clients:
            result = send_test(config, clients, args.channel, utc_now())
    except ChannelError as exc:
        raise ChannelError(f"test message not delivered: {exc}", transient=exc.transient) from exc
    print(f"test message sent to {args.channel}: {result.ref}")
    return 0


def handle_alerts_status(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    status = alerts_status(paths, load_config(paths, os.environ))
    if args.json:
        print_json(status)
        return 0
    for name, channel in status["channels"].items():
        state = "on " if channel["enabled"] else "off"
        counts = (
            f"pending {channel['pending']}, delivered {channel['delivered']}" if "pending" in channel else ""
        )
        print(f"{name:8} {state} {counts}  {channel['reason']}".rstrip())
        if channel.get("last_error"):
            print(f"{'':12} last error: {channel['last_error']}")
    return 0


def _warn_misconfigured(config: AlertsConfig) -> None:
    for state in config.states.values():
        if state.misconfigured:
            print(f"tracker: warning: alerts channel {state.name} is off: {state.reason}", file=sys.stderr)


def _print_report(queued: int, report: DeliveryReport) -> None:
    print(f"queued {queued}, delivered {len(report.delivered)}, pending {report.pending}")
    for delivery in report.delivered:
        note = " (already there)" if delivery.duplicate else ""
        print(f"  sent {delivery.event_id} to {delivery.channel}: {delivery.ref}{note}")
    for failure in report.failed:
        print(f"tracker: warning: {failure.error}", file=sys.stderr)
    for channel, count in report.deferred.items():
        print(f"tracker: warning: {count} alert(s) for {channel} kept in the outbox", file=sys.stderr)
