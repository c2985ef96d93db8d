"""The committed history is reproducible: replaying the recorded snapshots in date order rebuilds
every committed observation, and the ledger dates each release by the snapshot that first showed it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from scraper_support import FIXTURES, REPO, fresh_root

from tracker.paths import Paths
from tracker.scrapers.replay import build_committed_data
from tracker.store import read_events, read_models, read_observations


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    root = fresh_root(tmp_path_factory.mktemp("replay"))
    lines = build_committed_data(FIXTURES, root)
    assert lines[0].startswith("2025-05-22 llmstats: 35 records")
    assert any(line.startswith("2025-11-01 epoch: 154 records") for line in lines)
    return Paths(root)


def _rows(path: Path) -> set[tuple[str, ...]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {tuple(row.values()) for row in csv.DictReader(handle)}


def test_committed_observations_contain_the_replayed_history(built: Paths) -> None:
    assert _rows(built.scores) <= _rows(REPO / "data" / "scores.csv")
    committed_ids = {m.model_id for m in read_models(REPO / "data" / "models.csv")}
    assert {m.model_id for m in read_models(built.models)} <= committed_ids


def test_ledger_says_when_each_release_first_appeared(built: Paths) -> None:
    first = {e.payload["model_id"]: e.at for e in read_events(built.ledger) if e.type == "new_model"}
    assert first["claude-opus-4.1"] == "2025-11-01T00:00:00Z"  # in Epoch's first snapshot
    assert first["minimax-m2"] == "2025-12-02T00:00:00Z"  # SWE-bench bash-only, second snapshot
    assert first["gpt-5.3-codex"] == "2026-03-12T00:00:00Z"
    assert first["muse-spark"] == "2026-04-11T00:00:00Z"
    assert first["claude-fable-5"] == "2026-11-26T00:00:00Z"  # vendor seed
    frontier = {e.payload["model_id"] for e in read_events(built.ledger) if e.type == "new_frontier_release"}
    assert {"muse-spark", "gpt-5.4-pro", "claude-opus-4.8", "claude-fable-5", "gpt-5.5"} <= frontier
    # new listings of the panel's labs on OpenRouter 2026-04-19, dated from 2026-03 by models.dev
    feeds = {"gpt-5.3-chat", "glm-5-turbo", "glm-5v-turbo", "qwen3.6-plus", "minimax-m2.7", "grok-4.20"}
    assert frontier - {"muse-spark", "gpt-5.4-pro", "claude-opus-4.8", "claude-fable-5", "gpt-5.5"} == feeds
    assert first["grok-4.20"] == "2026-04-19T00:00:00Z" and "grok-4.20-multi-agent" not in frontier


def test_history_keeps_changed_values_side_by_side(built: Paths) -> None:
    sonnet = sorted(
        (o.retrieved_at[:10], round(o.score, 1))
        for o in read_observations(built.scores)
        if o.model_id == "claude-sonnet-4.5"
        and o.benchmark == "swe_bench_verified"
        and o.source == "epoch"
        and o.variant == ""
    )
    assert sonnet == [("2025-11-01", 64.8), ("2026-03-12", 71.3)]  # Epoch's February 2026 re-run
