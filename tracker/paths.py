"""Where things live. Injected everywhere (never a module-level global) so tests and
`--as-of` replays can point the whole pipeline at a temporary copy of data/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    """The project's files, relative to one root (the repository checkout by default)."""

    root: Path

    @classmethod
    def default(cls) -> Paths:
        """The checkout this package was installed from, or the working directory."""
        here = Path(__file__).resolve().parent.parent
        if (here / "data" / "frozen" / "panel.csv").exists():
            return cls(here)
        return cls(Path.cwd())

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
    def lock(self) -> Path:
        return self.data / ".run.lock"
