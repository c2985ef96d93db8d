"""Where things live. Injected everywhere (never a module-level global) so tests and
`--as-of` replays can point the whole pipeline at a temporary copy of data/."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import UsageError

ROOT_ENV = "CAPE_TRACKER_ROOT"


@dataclass(frozen=True)
class Paths:
    """The project's files, relative to one root (see find_root for which one a command uses)."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def frozen_panel(self) -> Path:
        return self.data / "frozen" / "panel.csv"

    @property
    def scores(self) -> Path:
        return self.data / "scores.csv"

    @property
    def models(self) -> Path:
        return self.data / "models.csv"

    @property
    def verdicts(self) -> Path:
        return self.data / "verdicts.json"

    @property
    def ledger(self) -> Path:
        return self.data / "ledger" / "events.jsonl"

    @property
    def quarantine(self) -> Path:
        return self.data / "quarantine.csv"

    @property
    def vendor_scores(self) -> Path:
        return self.data / "vendor_scores.csv"

    @property
    def steering(self) -> Path:
        return self.data / "steering"

    @property
    def cache(self) -> Path:
        """Raw responses of the last successful fetch per source (for --offline)."""
        return self.data / "cache"

    @property
    def predictions(self) -> Path:
        return self.root / "predictions"

    @property
    def site_templates(self) -> Path:
        return self.root / "site"

    @property
    def site_out(self) -> Path:
        return self.root / "_site"

    @property
    def outbox(self) -> Path:
        return self.data / "alerts" / "outbox.jsonl"

    @property
    def deliveries(self) -> Path:
        return self.data / "alerts" / "deliveries.jsonl"

    @property
    def journal(self) -> Path:
        """A change of tables and ledger in flight (tracker.store.commit); gone when complete."""
        return self.data / ".journal.json"

    @property
    def lock(self) -> Path:
        return self.data / ".run.lock"


def find_root(cwd: Path, explicit: str | None, env: Mapping[str, str]) -> Path:
    """The project root a command works on, found the way git finds a repository.

    `--root` wins, then the CAPE_TRACKER_ROOT environment variable; either must name a folder
    holding data/. Without them, the nearest parent of the working directory (itself included)
    holding both data/ and predictions/. Never the checkout the package was installed from: with
    one environment and two checkouts, each command works on the one it stands in. A UsageError
    (exit 2) otherwise, before anything is read or created."""
    for name, value in (("--root", explicit), (ROOT_ENV, env.get(ROOT_ENV))):
        if value:
            return _checked_root(Path(value), name)
    for folder in (cwd, *cwd.parents):
        if (folder / "data").is_dir() and (folder / "predictions").is_dir():
            return folder
    raise UsageError(
        f"{cwd}: not inside a cape-tracker project (no parent holds data/ and predictions/); "
        f"run from a checkout or pass --root DIR (or set {ROOT_ENV})"
    )


def _checked_root(root: Path, given_by: str) -> Path:
    resolved = root.expanduser().resolve()
    if not resolved.is_dir():
        raise UsageError(f"{given_by} {root}: no such folder")
    if not (resolved / "data").is_dir():
        raise UsageError(f"{given_by} {root}: not a cape-tracker project (no data/ folder)")
    return resolved
