"""A scratch copy of the project for replaying a past day.

`tracker run --as-of DATE` must answer "what would the tracker have said on DATE" without
touching the committed record: the run works on a temporary copy of data/ whose ledger is
cut at the replayed instant (events recorded later did not exist yet). The committed
predictions and site templates are linked, not copied: a replay only reads them. The raw
response cache is left out, since a replay fetches and re-parses nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker.paths import Paths
from tracker.records import parse_instant
from tracker.store import atomic_write_text, event_line, read_events

LINKED = ("predictions", "site")
CONFIG_FILES = ("alerts.toml", "tracker.toml")


def _skip_in_data(paths: Paths):
    """copytree `ignore` callback: the response cache and runtime files (lock, daemon state)."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n.startswith(".")}
        if Path(folder) == paths.data:
            skipped.add(paths.cache.name)
        return skipped

    return ignore


def cut_ledger(ledger: Path, instant: dt.datetime) -> int:
    """Drop the events recorded after `instant`; return how many were dropped."""
    events = read_events(ledger)
    kept = [e for e in events if parse_instant(e.at, "at") <= instant]
    if len(kept) != len(events):
        atomic_write_text(ledger, "".join(event_line(e) + "\n" for e in kept))
    return len(events) - len(kept)


@contextmanager
def scratch_copy(paths: Paths, instant: dt.datetime) -> Iterator[Paths]:
    """A temporary project holding data/ as recorded up to `instant`; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="cape-replay-") as tmp:
        scratch = Paths(Path(tmp))
        if paths.data.exists():
            shutil.copytree(paths.data, scratch.data, ignore=_skip_in_data(paths))
        for name in LINKED:
            if (paths.root / name).exists():
                (scratch.root / name).symlink_to((paths.root / name).resolve(), target_is_directory=True)
        for name in CONFIG_FILES:
            if (paths.root / name).exists():
                shutil.copy2(paths.root / name, scratch.root / name)
        cut_ledger(scratch.ledger, instant)
        yield scratch
