"""Replaying recorded snapshots into data/, in date order (see tracker.scrapers.seed for the CLI).

Each snapshot is merged with the clock at 00:00:00Z of its day and its records carry that
instant as retrieved_at, so `--as-of` replays see a snapshot only from its day and the ledger
says when each model and score first appeared.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tracker.merge import merge_batch
from tracker.paths import Paths
from tracker.scrapers import cache, epoch, hle, swebench, vendor
from tracker.scrapers.catalogue import read_catalogue, write_catalogue
from tracker.scrapers.config import load_config
from tracker.scrapers.records import RawScore, RowProblem
from tracker.scrapers.run import frontier_events, load_state, state_files
from tracker.scrapers.transcribed import SEED_ADDED_AT, day_start, transcribed_vendor_rows
from tracker.store import atomic_write_text, commit, write_if_changed

Records = list[RawScore | RowProblem]


@dataclass(frozen=True)
class Snapshot:
    """One recorded response of one source, and where it was archived."""

    day: str
    source: str
    origin: str
    read: Callable[[Path, str], Records]


def _epoch_tables(folder: str, origin: str) -> Callable[[Path, str], Records]:
    def read(fixtures: Path, at: str) -> Records:
        base = fixtures / "epoch" / folder
        records: Records = []
        for member, benchmark in epoch.RUN_TABLES.items():
            records += epoch.parse_run_table(
                (base / member).read_bytes(),
                benchmark=benchmark,
                member=member,
                retrieved_at=at,
                note=f"archived copy {origin}",
            )
        if (base / hle.MEMBER).exists():
            records += hle.parse((base / hle.MEMBER).read_bytes(), retrieved_at=at)
        return records

    return read


SNAPSHOTS = (
    Snapshot(
        "2025-11-01",
        "epoch",
        "pranmod01/apart-sprint@24efa3f",
        _epoch_tables("2025-11-01", "pranmod01/apart-sprint@24efa3f"),
    ),
    Snapshot(
        "2025-11-19",
        "swebench",
        "SWE-bench/swe-bench.github.io@d2af9d9",
        lambda f, at: swebench.parse(
            (f / "swe-bench/2025-11-19/leaderboards.json").read_bytes(), retrieved_at=at
        ),
    ),
    Snapshot(
        "2025-12-02",
        "swebench",
        "SWE-bench/swe-bench.github.io@1aa4db5",
        lambda f, at: swebench.parse(
            (f / "swe-bench/2025-12-02/leaderboards.json").read_bytes(), retrieved_at=at
        ),
    ),
    Snapshot(
        "2026-01-20",
        "epoch",
        "Pietro-Panizza/Data-Visualization-Final-Project@07f2f47",
        _epoch_tables("2026-01-20", "Pietro-Panizza/Data-Visualization-Final-Project@07f2f47"),
    ),
    Snapshot(
        "2026-03-12",
        "epoch",
        "louis0487/LLM-Benchmark-Lifecycle@ae0d22b",
        _epoch_tables("2026-03-12", "louis0487/LLM-Benchmark-Lifecycle@ae0d22b"),
    ),
    Snapshot(
        "2026-04-11",
        "epoch",
        "Jason-Wang313/stereology@3a79618",
        lambda f, at: epoch.parse((f / "epoch/2026-04-11/benchmark_data.zip").read_bytes(), retrieved_at=at),
    ),
)
CACHE_SEEDS = (
    (
        "epoch",
        "epoch/2026-04-11/benchmark_data.zip",
        "benchmark_data.zip",
        "2026-04-11",
        epoch.URL,
        "byte-exact copy of the Epoch download archived at Jason-Wang313/stereology@3a79618d (data/benchmark_data.zip)",
    ),
    (
        "swebench",
        "swe-bench/2025-12-02/leaderboards.json",
        "leaderboards.json",
        "2025-12-02",
        swebench.URL,
        "byte-exact data/leaderboards.json of SWE-bench/swe-bench.github.io@1aa4db5a",
    ),
)


def replay(paths: Paths, fixtures: Path, snapshots: tuple[Snapshot, ...] = SNAPSHOTS) -> list[str]:
    """Merge each snapshot into data/ in date order; one report line per snapshot."""
    policy = load_config(paths.root).merge
    lines = []
    for snapshot in sorted(snapshots, key=lambda s: s.day):
        now = day_start(snapshot.day)
        at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        state = load_state(paths)
        outcome = merge_batch(state, snapshot.read(fixtures, at), now=now, policy=policy)
        commit(paths, state_files(paths, state), outcome.events + frontier_events(state, at))
        lines.append(
            f"{snapshot.day} {snapshot.source}: {outcome.records} records, "
            f"+{len(outcome.new_observations)} scores, +{len(outcome.new_models)} models, "
            f"{len(outcome.quarantined)} quarantined"
        )
    return lines


def seed_vendor(paths: Paths, fixtures: Path) -> str:
    """Write vendor_scores.csv from the transcribed recent scores and merge it."""
    rows = transcribed_vendor_rows((fixtures / "recent" / "recent_models.csv").read_bytes())
    write_if_changed(paths.vendor_scores, vendor.vendor_csv(rows))
    now = day_start(SEED_ADDED_AT[:10])
    state = load_state(paths)
    outcome = merge_batch(
        state,
        vendor.parse(paths.vendor_scores.read_bytes(), retrieved_at=SEED_ADDED_AT),
        now=now,
        policy=load_config(paths.root).merge,
    )
    commit(paths, state_files(paths, state), outcome.events + frontier_events(state, SEED_ADDED_AT))
    return (
        f"vendor: {outcome.records} rows, +{len(outcome.new_observations)} scores, "
        f"+{len(outcome.new_models)} models, {len(outcome.quarantined)} quarantined"
    )


def seed_cache(paths: Paths, fixtures: Path) -> list[str]:
    """Put the newest recorded response of each fetched source in data/cache/."""
    lines = []
    for source, relative, name, day, url, origin in CACHE_SEEDS:
        meta = cache.CacheMeta(url=url, retrieved_at=f"{day}T00:00:00Z", origin=origin)
        cache.write(paths.cache / source, name, (fixtures / relative).read_bytes(), meta)
        lines.append(f"cache {source}: {relative}")
    health = {
        source: {
            "url": url,
            "last_attempt": "",
            "last_success": "",
            "status": "offline",
            "error": f"not fetched online yet; cache holds a recorded response of {day}",
            "records": 0,
            "new": 0,
            "etag": "",
            "last_modified": "",
        }
        for source, _relative, _name, day, url, _origin in CACHE_SEEDS
    }
    atomic_write_text(paths.data / "sources.json", json.dumps(health, indent=2, sort_keys=True) + "\n")
    write_catalogue(paths.data / "hf_models.csv", read_catalogue(paths.data / "hf_models.csv"))
    return lines


def build_committed_data(fixtures: Path, root: Path) -> list[str]:
    """The whole build: snapshots, vendor seed, cache."""
    paths = Paths(root)
    return [*replay(paths, fixtures), seed_vendor(paths, fixtures), *seed_cache(paths, fixtures)]
