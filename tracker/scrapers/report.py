"""What a scrape reports, and the context (paths, clock, network) every source runs in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tracker.merge import BatchOutcome
from tracker.paths import Paths
from tracker.records import Event, format_instant
from tracker.scrapers.config import ScrapeConfig
from tracker.scrapers.http import Fetcher


@dataclass
class SourceReport:
    """What one source did in this run (one entry of `tracker scrape --json`)."""

    source: str
    status: str
    url: str = ""
    retrieved_at: str = ""
    records: int = 0
    new_observations: int = 0
    new_models: list[str] = field(default_factory=list)
    quarantined: int = 0
    unattributed: int = 0
    new_open_weights: list[str] = field(default_factory=list)
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "url": self.url,
            "retrieved_at": self.retrieved_at,
            "records": self.records,
            "new_observations": self.new_observations,
            "new_models": self.new_models,
            "quarantined": self.quarantined,
            "unattributed": self.unattributed,
            "new_open_weights": self.new_open_weights,
            "error": self.error,
        }

    def absorb(self, outcome: BatchOutcome) -> None:
        self.records += outcome.records
        self.new_observations += len(outcome.new_observations)
        self.new_models += [m.model_id for m in outcome.new_models]
        self.quarantined += len(outcome.quarantined)
        self.unattributed += outcome.unattributed


@dataclass
class ScrapeReport:
    """The result of one scrape; `to_json()` is the stable `tracker scrape --json` object."""

    now: str
    offline: bool
    sources: dict[str, SourceReport]
    new_frontier_releases: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [name for name, report in self.sources.items() if report.status == "failed"]

    def summary(self) -> str:
        parts = [
            f"{name} {r.status} (+{r.new_observations} scores, +{len(r.new_models)} models"
            f"{', ' + str(r.quarantined) + ' quarantined' if r.quarantined else ''})"
            for name, r in self.sources.items()
        ]
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "now": self.now,
            "offline": self.offline,
            "summary": self.summary(),
            "sources": {name: r.to_json() for name, r in self.sources.items()},
            "new_models": sorted({m for r in self.sources.values() for m in r.new_models}),
            "new_frontier_releases": self.new_frontier_releases,
            "quarantined": sum(r.quarantined for r in self.sources.values()),
            "events": len(self.events),
        }


@dataclass
class RunContext:
    """The injected edges of one scrape: where, when, how to fetch."""

    paths: Paths
    config: ScrapeConfig
    offline: bool
    now: dt.datetime
    fetcher: Fetcher | None

    @property
    def instant(self) -> str:
        """`now` as data/ records it: the retrieval instant of every response of this run."""
        return format_instant(self.now)
