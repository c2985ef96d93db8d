"""The outbox (what is owed to each channel) and the delivery ledger (what was sent).

Both are JSON Lines files under data/alerts/, rewritten atomically on every change. The
order of writes makes delivery exactly-once in effect:

1. the message is sent carrying its idempotency key (the event id);
2. the delivery is appended to deliveries.jsonl;
3. the entry is removed from outbox.jsonl.

A crash before 2 leaves the entry queued: the retry sends again with the same key and the
channel recognises it (GitHub: a marker in the issue or comment; webhooks: the
Idempotency-Key header; e-mail: the Message-ID). A crash between 2 and 3 is repaired on the
next run without sending, because deliveries.jsonl already names the entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tracker.alerts.config import AlertsConfig
from tracker.alerts.messages import is_alertable
from tracker.paths import Paths
from tracker.records import Event, ValidationError, parse_instant
from tracker.store import append_events, atomic_write_text, make_event_id, read_events

T = TypeVar("T")


@dataclass(frozen=True)
class OutboxEntry:
    """One alert owed to one channel. `id` is stable: the event id and the channel."""

    id: str
    channel: str
    event: Event
    queued_at: str
    attempts: int = 0
    last_attempt_at: str = ""
    last_error: str = ""

    def to_json(self) -> dict:
        """A shallow copy (dataclasses.asdict deep-copies the payload: slow on a big outbox)."""
        event = self.event
        return {
            **vars(self),
            "event": {"id": event.id, "type": event.type, "at": event.at, "payload": event.payload},
        }


@dataclass(frozen=True)
class Delivery:
    """One alert that reached one channel. `duplicate`: the channel already had it."""

    id: str
    event_id: str
    event_type: str
    channel: str
    sent_at: str
    ref: str
    attempts: int = 1
    duplicate: bool = False

    def to_json(self) -> dict:
        return dict(vars(self))


def entry_id(event_id: str, channel: str) -> str:
    """The stable id of (event, channel): the same pair always gets the same id."""
    return f"{event_id}@{channel}"


def read_outbox(paths: Paths) -> list[OutboxEntry]:
    """Entries still owed, oldest first."""
    return _read_jsonl(paths.outbox, _entry_from_json)


def read_deliveries(paths: Paths) -> list[Delivery]:
    """Every delivery so far, in the order they were recorded."""
    return _read_jsonl(paths.deliveries, lambda row: Delivery(**row))


def write_outbox(paths: Paths, entries: list[OutboxEntry]) -> None:
    """Replace the outbox atomically."""
    _write_jsonl(paths.outbox, [entry.to_json() for entry in entries])


def update_entry(paths: Paths, entry: OutboxEntry) -> None:
    """Replace one entry (after a failed attempt), keeping the order."""
    write_outbox(paths, [entry if e.id == entry.id else e for e in read_outbox(paths)])


def remove_entry(paths: Paths, entry_id: str) -> None:
    """Drop a delivered entry from the outbox."""
    entries = read_outbox(paths)
    kept = [e for e in entries if e.id != entry_id]
    if len(kept) != len(entries):
        write_outbox(paths, kept)


def record_delivery(paths: Paths, delivery: Delivery) -> None:
    """Append a delivery to the delivery ledger unless it is already there."""
    deliveries = read_deliveries(paths)
    if any(d.id == delivery.id for d in deliveries):
        return
    _write_jsonl(paths.deliveries, [d.to_json() for d in [*deliveries, delivery]])


def queue_from_ledger(paths: Paths, config: AlertsConfig) -> int:
    """Queue every alertable ledger event for every enabled channel not yet queued or
    delivered; return how many entries were added. Idempotent."""
    entries = read_outbox(paths)
    known = {e.id for e in entries} | {d.id for d in read_deliveries(paths)}
    fresh = []
    for event in read_events(paths.ledger):
        if not is_alertable(event) or _before(event, config):
            continue
        for channel in config.enabled():
            key = entry_id(event.id, channel)
            if key not in known:
                known.add(key)
                fresh.append(OutboxEntry(key, channel, event, queued_at=event.at))
    if fresh:
        write_outbox(paths, entries + fresh)
    return len(fresh)


def mirror_to_ledger(paths: Paths) -> int:
    """Add an `alert_sent` ledger event for each delivery not yet there; return how many.

    deliveries.jsonl is the source of truth; the ledger copy is what the site's event list
    and the git history show. Idempotent (stable ids), so a crash is repaired next run.
    """
    events = [
        Event(
            id=make_event_id("alert_sent", d.id),
            type="alert_sent",
            at=d.sent_at,
            payload={
                "event_id": d.event_id,
                "event_type": d.event_type,
                "channel": d.channel,
                "ref": d.ref,
                "duplicate": d.duplicate,
            },
        )
        for d in read_deliveries(paths)
    ]
    return len(append_events(paths.ledger, events)) if events else 0


def _before(event: Event, config: AlertsConfig) -> bool:
    if config.since is None:
        return False
    return parse_instant(event.at, "at").date() < config.since


def _entry_from_json(row: dict) -> OutboxEntry:
    event = Event(**row.pop("event"))
    return OutboxEntry(event=event, **row)


def _read_jsonl(path: Path, build: Callable[[dict], T]) -> list[T]:
    """Records of a JSON Lines file; a bad line is an error naming the file and the line."""
    if not path.exists():
        return []
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(build(json.loads(line)))
        except json.JSONDecodeError:
            raise ValidationError("line", "not JSON", source=str(path), row=str(number)) from None
        except (TypeError, KeyError, AttributeError) as exc:
            raise ValidationError(
                "line", f"not a valid record: {exc}", source=str(path), row=str(number)
            ) from None
    return records


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    lines = [json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for row in rows]
    atomic_write_text(path, "".join(line + "\n" for line in lines))
