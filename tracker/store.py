"""data/ on disk: read, validate, atomic write, the append-only ledger and the quarantine.

Every write goes to a temporary file in the same directory, is fsync'ed and renamed over the
target, so a crash at any point leaves either the old file or the new one, never half of one.
Readers validate every row and name the file, the row and the field when one is wrong.

Tables and the ledger change together through `commit`: a redo journal (data/.journal.json)
holding the new tables and the new events is written atomically first, then applied. A crash
before the journal is complete changes nothing; a crash after it leaves a journal that the next
writer (`recover`) applies again, so no event is lost and no table moves without its events.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tracker.paths import Paths
from tracker.records import (
    SETTING_FIELDS,
    Event,
    Model,
    Observation,
    QuarantineEntry,
    ValidationError,
    as_row,
)

OBSERVATION_FIELDS = [f.name for f in dataclasses.fields(Observation)]
# Columns added with the trust tier and the setting (issue 11): a file written before them
# reads as "not stated", which the chooser treats by the source's default tier.
OPTIONAL_OBSERVATION_FIELDS = ["tier", *SETTING_FIELDS]
REQUIRED_OBSERVATION_FIELDS = [f for f in OBSERVATION_FIELDS if f not in OPTIONAL_OBSERVATION_FIELDS]
MODEL_FIELDS = [f.name for f in dataclasses.fields(Model)]
OPTIONAL_MODEL_FIELDS = ["first_party_day", "first_party_day_source"]
QUARANTINE_FIELDS = [f.name for f in dataclasses.fields(QuarantineEntry)]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old or the new content, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Text form of atomic_write_bytes (UTF-8, newlines as given)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_if_changed(path: Path, text: str) -> bool:
    """Atomically write `text` unless the file already holds exactly it; True if written.

    Keeps reruns with nothing new byte-for-byte idempotent and leaves mtimes alone.
    """
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write_text(path, text)
    return True


def rows_to_csv(fieldnames: list[str], rows: Iterable[dict[str, str]]) -> str:
    """Render rows as CSV text with a fixed header and LF line ends (diff-friendly)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fieldnames, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def read_csv_rows(path: Path, required: list[str]) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts; a missing column is an error naming the file."""
    if not path.exists():
        return []
    refuse_conflict_markers(path)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError(",".join(missing), "column missing", source=str(path), row="header")
        return list(reader)


CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")
CONFLICT_SEPARATOR = "======="


def refuse_conflict_markers(path: Path) -> None:
    """ValidationError naming the line when a git merge left its conflict markers in the file:
    read as data, the two sides and the markers would become rows and be written back."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            bare = line.rstrip("\r\n")
            if bare.startswith(CONFLICT_MARKERS) or bare == CONFLICT_SEPARATOR:
                raise ValidationError(
                    "file",
                    f"unresolved git merge conflict ({bare[:40]!r})",
                    source=str(path),
                    row=str(number),
                )


def _observation_from_row(row: dict[str, str]) -> Observation:
    values: dict[str, Any] = dict(row)
    try:
        values["score"] = float(row["score"])
    except ValueError:
        raise ValidationError("score", f"not a number: {row['score']!r}") from None
    return Observation(**{k: values.get(k, "") for k in OBSERVATION_FIELDS})


def read_observations(path: Path) -> list[Observation]:
    """All observations in a scores file, each validated; errors name the file and row."""
    out = []
    for number, row in enumerate(read_csv_rows(path, REQUIRED_OBSERVATION_FIELDS), start=2):
        try:
            out.append(_observation_from_row(row).validate())
        except ValidationError as exc:
            raise ValidationError(exc.field, str(exc), source=str(path), row=str(number)) from None
    return out


def observations_text(observations: Iterable[Observation]) -> str:
    """The scores table's text: sorted by series and time (stable order, clean diffs)."""
    ordered = sorted(observations, key=lambda o: (*o.key(), o.retrieved_at, o.score))
    return rows_to_csv(OBSERVATION_FIELDS, map(as_row, ordered))


def write_observations(path: Path, observations: Iterable[Observation]) -> bool:
    """Write observations sorted by their series and time (stable order, clean diffs)."""
    return write_if_changed(path, observations_text(observations))


def _model_from_row(row: dict[str, str]) -> Model:
    return Model(
        model_id=row["model_id"],
        name=row["name"],
        lab=row["lab"],
        release_date=row["release_date"],
        cohort=row["cohort"],
        core=row["core"] == "true",
        frontier=row["frontier"] == "true",
        open_weights={"true": True, "false": False}.get(row["open_weights"]),
        hf_repo=row["hf_repo"],
        aliases=tuple(a for a in row["aliases"].split("|") if a),
        note=row["note"],
        first_party_day=row.get("first_party_day") or "",
        first_party_day_source=row.get("first_party_day_source") or "",
    )


def read_models(path: Path) -> list[Model]:
    """The identity table, each row validated; duplicate ids are an error."""
    models: list[Model] = []
    seen: set[str] = set()
    required = [f for f in MODEL_FIELDS if f not in OPTIONAL_MODEL_FIELDS]
    for number, row in enumerate(read_csv_rows(path, required), start=2):
        try:
            model = _model_from_row(row).validate(row=str(number))
        except ValidationError as exc:
            raise ValidationError(exc.field, str(exc), source=str(path), row=str(number)) from None
        if model.model_id in seen:
            raise ValidationError(
                "model_id", f"duplicate {model.model_id!r}", source=str(path), row=str(number)
            )
        seen.add(model.model_id)
        models.append(model)
    return models


def models_text(models: Iterable[Model]) -> str:
    """The identity table's text, sorted by id."""
    return rows_to_csv(MODEL_FIELDS, map(as_row, sorted(models, key=lambda m: m.model_id)))


def write_models(path: Path, models: Iterable[Model]) -> bool:
    """Write the identity table sorted by id."""
    return write_if_changed(path, models_text(models))


def read_quarantine(path: Path) -> list[QuarantineEntry]:
    """Quarantined records, oldest first."""
    return [
        QuarantineEntry(**{k: row[k] for k in QUARANTINE_FIELDS})
        for row in read_csv_rows(path, QUARANTINE_FIELDS)
    ]


def quarantine_text(entries: Iterable[QuarantineEntry]) -> str:
    """The quarantine's text, in the order given (oldest first)."""
    return rows_to_csv(QUARANTINE_FIELDS, map(as_row, entries))


def write_quarantine(path: Path, entries: Iterable[QuarantineEntry]) -> bool:
    """Write the quarantine (append happens by reading, adding and writing atomically)."""
    return write_if_changed(path, quarantine_text(entries))


def make_event_id(event_type: str, *parts: object) -> str:
    """A stable id from the event's content: the same fact always gets the same id."""
    digest = hashlib.sha256("\x1f".join([event_type, *map(str, parts)]).encode("utf-8"))
    return f"{event_type}-{digest.hexdigest()[:16]}"


def read_events(path: Path) -> list[Event]:
    """The ledger, in the order written. A torn last line (a crash mid-append by another tool)
    is skipped here; the next append sets it aside with a `ledger_line_set_aside` event."""
    if not path.exists():
        return []
    refuse_conflict_markers(path)
    events = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):
                break
            raise ValidationError("line", "not JSON", source=str(path), row=str(number)) from None
        events.append(Event(id=data["id"], type=data["type"], at=data["at"], payload=data.get("payload", {})))
    return events


def event_line(event: Event) -> str:
    """One ledger line: compact, sorted keys, so identical events are identical bytes."""
    return json.dumps(dataclasses.asdict(event), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def append_events(path: Path, events: Iterable[Event]) -> list[Event]:
    """Append the events whose id is not yet in the ledger; return those appended.

    Append-only: existing lines are never rewritten. The whole new file is written
    atomically, so a crash never leaves a torn line behind.
    """
    existing = read_events(path)
    known = {e.id for e in existing}
    fresh: list[Event] = []
    for event in events:
        if event.id not in known:
            known.add(event.id)
            fresh.append(event)
    tail = torn_tail(path)
    if fresh and tail is not None:
        fresh.insert(0, set_aside_event(tail, len(existing) + 1, max(e.at for e in fresh)))
    if fresh:
        lines = [event_line(e) for e in existing + fresh]
        atomic_write_text(path, "\n".join(lines) + "\n")
    return fresh


def torn_tail(path: Path) -> str | None:
    """The ledger's last line when it is not JSON (what read_events skips), else None."""
    if not path.exists():
        return None
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        return None
    try:
        json.loads(lines[-1])
    except json.JSONDecodeError:
        return lines[-1]
    return None


def set_aside_event(text: str, line: int, at: str) -> Event:
    """The record that a torn last line was set aside: its text, so nothing is lost silently."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Event(
        make_event_id("ledger_line_set_aside", digest),
        "ledger_line_set_aside",
        at,
        {"line": line, "sha256": digest, "text": text, "reason": "not JSON (a torn write): set aside"},
    )


def commit(paths: Paths, files: Mapping[Path, str], events: Iterable[Event]) -> list[Event]:
    """Write `files` (path -> full text, each under data/) and append `events`, as one change.

    A pending journal of an earlier, interrupted change is applied first. Returns the events
    appended (those whose id the ledger did not hold)."""
    recover(paths)
    known = {e.id for e in read_events(paths.ledger)}
    fresh = list({e.id: e for e in events if e.id not in known}.values())
    changed = {path: text for path, text in files.items() if not _holds(path, text)}
    if not changed and not fresh:
        return []
    journal = {
        "files": {path.relative_to(paths.data).as_posix(): text for path, text in changed.items()},
        "events": [dataclasses.asdict(e) for e in fresh],
    }
    atomic_write_text(paths.journal, json.dumps(journal, sort_keys=True, ensure_ascii=False) + "\n")
    _apply_journal(paths, journal)
    return fresh


def recover(paths: Paths) -> bool:
    """Finish the change a killed writer left in data/.journal.json; True if there was one."""
    if not paths.journal.exists():
        return False
    try:
        journal = json.loads(paths.journal.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        journal = None
    if not isinstance(journal, dict) or not {"files", "events"} <= journal.keys():
        raise ValidationError("journal", "not a tracker journal", source=str(paths.journal))
    _apply_journal(paths, journal)
    return True


def _apply_journal(paths: Paths, journal: dict) -> None:
    """Tables first, then the ledger, then the journal goes: each step may be redone safely."""
    for name, text in sorted(journal["files"].items()):
        write_if_changed(paths.data / name, text)
    append_events(paths.ledger, [Event(**e) for e in journal["events"]])
    paths.journal.unlink()


def _holds(path: Path, text: str) -> bool:
    return path.exists() and path.read_text(encoding="utf-8") == text


@dataclasses.dataclass(frozen=True)
class StoreData:
    """Everything in data/ that verdicts rest on, read and validated once."""

    models: list[Model]
    observations: list[Observation]
    quarantine: list[QuarantineEntry]


def load(paths: Paths) -> StoreData:
    """Read and validate data/: identity table, observations (scores + vendor) and quarantine."""
    observations = read_observations(paths.scores)
    return StoreData(
        models=read_models(paths.models),
        observations=observations,
        quarantine=read_quarantine(paths.quarantine),
    )
