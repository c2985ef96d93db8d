"""Alerts benchmark: queueing a long ledger, and delivering a backlog to servers on 127.0.0.1.

Run: `python -m benchmarks.alerts`. The backlog case is what a channel switched on late
faces (every past alert at once); the outbox and delivery ledger are rewritten atomically
after each delivery, so this shows how that cost grows with the backlog.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from alerts_servers import SmtpSink, WebhookReceiver, channel_env  # noqa: E402

from tracker.alerts import Clients, deliver_pending, load_config, queue_from_ledger  # noqa: E402
from tracker.paths import Paths  # noqa: E402
from tracker.records import Event  # noqa: E402
from tracker.store import append_events, make_event_id  # noqa: E402

NOW = dt.datetime(2026, 6, 2, tzinfo=dt.UTC)


def ledger(n_events: int) -> list[Event]:
    """n events, one in five alertable (a provisional flip), the rest new scores."""
    events = []
    for i in range(n_events):
        kind = "provisional_flipped" if i % 5 == 0 else "new_score"
        payload = {"prediction": f"P{i % 7 + 1}", "old": "on_track", "new": "at_risk", "summary": f"#{i}"}
        events.append(Event(make_event_id(kind, i), kind, "2026-06-01T23:59:59Z", payload))
    return events


def timed(label: str, n: int, work) -> dict:
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    return {"case": label, "n": n, "seconds": round(seconds, 3), "ms_each": round(1000 * seconds / n, 2)}


def queue_case(n_events: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        paths = Paths(Path(tmp))
        append_events(paths.ledger, ledger(n_events))
        env = {
            "CAPE_WEBHOOK_URL": "http://127.0.0.1:9/h",
            "CAPE_WEBHOOK_SECRET": "s" * 32,
            "CAPE_SLACK_WEBHOOK_URL": "http://127.0.0.1:9/s",
        }
        config = load_config(paths, env)
        entries = n_events // 5 * 2
        return timed(
            f"queue_from_ledger, {n_events} events -> {entries} entries",
            entries,
            lambda: queue_from_ledger(paths, config),
        )


def backlog_case(n_alerts: int) -> dict:
    with (
        tempfile.TemporaryDirectory() as tmp,
        WebhookReceiver(secret="b" * 32) as hook,
        WebhookReceiver(path="/services/x", slack=True) as slack,
        SmtpSink() as smtp,
        httpx.Client(timeout=10) as http,
    ):
        paths = Paths(Path(tmp))
        append_events(paths.ledger, ledger(n_alerts * 5))
        config = load_config(paths, channel_env(webhook=hook, slack=slack, smtp=smtp))
        entries = queue_from_ledger(paths, config)
        clients = Clients(http=http, sleep=lambda _: None)
        return timed(
            f"deliver_pending, backlog of {entries} (webhook+slack+email)",
            entries,
            lambda: deliver_pending(paths, config, clients, NOW),
        )


def main() -> None:
    rows = [queue_case(10_000), queue_case(50_000), backlog_case(50), backlog_case(200)]
    print("| case | n | seconds | ms each |\n|---|---|---|---|")
    for row in rows:
        print(f"| {row['case']} | {row['n']} | {row['seconds']} | {row['ms_each']} |")


if __name__ == "__main__":
    main()
