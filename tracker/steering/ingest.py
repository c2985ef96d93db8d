"""Adding a steering result to data/steering/ (STEERING.md §9): validate, write atomically,
record a `steering_result` ledger event (which the alert channels turn into a message).

A result is accepted only if every field is of the right type and range, its derived numbers
agree, its verdict is the one the §8 rule gives from its numbers, and no other result for the
same (model id, revision) and protocol revision is stored: one verdict per model revision, never
a retry. A result of newer protocol code may join a stale one (kept, shown as stale). Ingesting
the identical result again is harmless: it only completes the event and queue steps a crash
may have cut short (the event id is stable, so the ledger never holds it twice).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import TrackerError
from tracker.paths import Paths
from tracker.records import Event, format_instant
from tracker.steering.provenance import protocol_revision, standing
from tracker.steering.queue import read_queue, stored_results, write_queue
from tracker.steering.result import validate
from tracker.store import append_events, atomic_write_text, make_event_id


class IngestError(TrackerError, ValueError):
    """A result that may not enter data/; `problems` lists every reason."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class Ingested:
    path: Path
    event: Event | None


def result_filename(model_id: str, revision: str, protocol_revision: int = 1) -> str:
    """`<org>__<name>__<rev12>.json` (`..__p<N>.json` from protocol revision 2 on, so a re-run by
    newer code sits beside the stale result), anything but [A-Za-z0-9._-] replaced."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "-", model_id.replace("/", "__"))
    suffix = f"__p{protocol_revision}" if protocol_revision > 1 else ""
    return f"{safe}__{revision[:12]}{suffix}.json"


def _stored_for(paths: Paths, model_id: str, revision: str) -> list[dict]:
    return [
        stored
        for stored in stored_results(paths)
        if stored.get("model", {}).get("id") == model_id
        and stored.get("model", {}).get("revision") == revision
    ]


def load_result(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(str(path), [f"cannot read: {exc}"]) from None
    except json.JSONDecodeError as exc:
        raise IngestError(str(path), [f"not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"]) from None


def ingest(paths: Paths, result: dict, *, now: dt.datetime, source: str = "result") -> Ingested:
    """Validate `result`, store it and append the ledger event; IngestError if it is refused."""
    problems = validate(result)
    if problems:
        raise IngestError(source, problems)
    model_id, revision = result["model"]["id"], result["model"]["revision"]
    level = protocol_revision(result)
    stored = _stored_for(paths, model_id, revision)
    if any(protocol_revision(s) >= level and s != result for s in stored):
        raise IngestError(
            source,
            [
                f"a different result for {model_id}@{revision} of protocol revision >= {level} "
                f"is already in {paths.steering}"
            ],
        )
    target = paths.steering / result_filename(model_id, revision, level)
    if result not in stored:  # the same result again only completes the event and queue steps
        atomic_write_text(target, json.dumps(result, indent=1, sort_keys=True, allow_nan=False) + "\n")
    relative = target.relative_to(paths.root).as_posix() if target.is_relative_to(paths.root) else str(target)
    payload = {
        "model_id": model_id,
        "revision": revision,
        "verdict": result["verdict"],
        "file": relative,
        "protocol_revision": level,
        "stands_as_verdict": standing(result).stands,
    }
    if result["model"].get("name"):
        payload["name"] = result["model"]["name"]
    event = Event(
        id=make_event_id("steering_result", model_id, revision, *([f"p{level}"] if level > 1 else [])),
        type="steering_result",
        at=format_instant(now),
        payload=payload,
    )
    fresh = append_events(paths.ledger, [event])
    mark_done(paths, model_id, revision, relative, now)
    return Ingested(path=target, event=fresh[0] if fresh else None)


def mark_done(paths: Paths, model_id: str, revision: str, file: str, now: dt.datetime) -> None:
    """If the queue dispatched this revision, record that its result arrived."""
    queue = read_queue(paths)
    key = f"{model_id}@{revision}"
    if key in queue:
        queue[key] = {**queue[key], "status": "done", "result": file, "done_at": format_instant(now)}
        write_queue(paths, queue)
