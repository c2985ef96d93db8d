"""Merge rules: new, unchanged, changed, jumped, duplicated, invalid; quarantine decisions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from scraper_support import fixture

from tracker.merge import MergePolicy, MergeState, decide, merge_batch
from tracker.paths import Paths
from tracker.records import ValidationError
from tracker.scrapers import epoch
from tracker.scrapers.run import load_state, save_state
from tracker.source_records import RawScore, RowProblem
from tracker.store import read_events, read_observations, read_quarantine

NOW = dt.datetime(2026, 4, 11, tzinfo=dt.UTC)
AT = "2026-04-11T00:00:00Z"


def _raw(**changes: object) -> RawScore:
    base = RawScore(
        source="epoch",
        benchmark="gpqa_diamond",
        raw_model="claude-opus-4-6_32K",
        score=90.53,
        source_url="https://epoch.ai/data/benchmark_data.zip",
        retrieved_at=AT,
        reported_date="2026-02-06",
        lab="Anthropic",
        release_date="2026-02-05",
        run_started="2026-02-06T02:17:07.741Z",
        row="gpqa_diamond.csv:8",
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture()
def state(identity_project: Paths) -> MergeState:
    return load_state(identity_project)


def test_new_score_then_same_score_is_a_no_op(state: MergeState) -> None:
    first = merge_batch(state, [_raw()], now=NOW)
    (obs,) = first.new_observations
    assert (obs.model_id, obs.variant, obs.score, obs.raw_model) == (
        "claude-opus-4.6",
        "32k",
        90.53,
        "claude-opus-4-6_32K",
    )
    assert [e.type for e in first.events] == ["new_score"]
    again = merge_batch(state, [_raw(retrieved_at="2026-04-12T00:00:00Z")], now=NOW + dt.timedelta(days=1))
    assert again.new_observations == [] and again.events == [] and len(state.observations) == 1


def test_changed_value_is_a_new_observation_never_an_overwrite(state: MergeState) -> None:
    merge_batch(state, [_raw()], now=NOW)
    later = NOW + dt.timedelta(days=30)
    outcome = merge_batch(state, [_raw(score=91.0, retrieved_at="2026-05-11T00:00:00Z")], now=later)
    (event,) = outcome.events
    assert event.type == "score_changed" and event.payload["old"] == 90.53 and event.payload["new"] == 91.0
    assert sorted(o.score for o in state.observations) == [90.53, 91.0]


def test_jump_beyond_threshold_is_quarantined(state: MergeState) -> None:
    merge_batch(state, [_raw()], now=NOW)
    outcome = merge_batch(
        state,
        [_raw(score=60.0, retrieved_at="2026-05-11T00:00:00Z")],
        now=NOW + dt.timedelta(days=30),
        policy=MergePolicy(jump_threshold_pp=10),
    )
    (entry,) = outcome.quarantined
    assert entry.field == "score" and "jump of -30.5 pp" in entry.reason and "threshold 10 pp" in entry.reason
    assert [e.type for e in outcome.events] == ["quarantined"]
    assert [o.score for o in state.observations] == [90.53]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"score": 101.0}, "score"),
        ({"score": -1.0}, "score"),
        ({"benchmark": "mmlu"}, "benchmark"),
        ({"reported_date": "2026-05-01"}, "reported_date"),
        ({"release_date": "2027-01-01"}, "release_date"),
        ({"source_url": "ftp://x"}, "source_url"),
    ],
)
def test_invalid_records_are_quarantined_with_the_field(state: MergeState, changes: dict, field: str) -> None:
    outcome = merge_batch(state, [_raw(**changes)], now=NOW)
    (entry,) = outcome.quarantined
    assert entry.field == field and entry.status == "pending" and entry.source == "epoch"
    assert state.observations == []


def test_unreadable_row_is_quarantined_not_dropped(state: MergeState) -> None:
    problem = RowProblem(
        "epoch",
        "gpqa_diamond.csv:9",
        "Best score (across scorers)",
        "not a number: 'n/a'",
        raw={"Model version": "x"},
    )
    outcome = merge_batch(state, [problem], now=NOW)
    assert outcome.quarantined[0].row == "gpqa_diamond.csv:9"
    assert json.loads(outcome.quarantined[0].record) == {"raw": {"Model version": "x"}}


def test_epoch_rerun_keeps_the_newest_run_and_names_the_other(state: MergeState) -> None:
    data = fixture("epoch", "2026-03-12", "swe_bench_verified.csv")
    records = epoch.parse_run_table(
        data,
        benchmark="swe_bench_verified",
        member="swe_bench_verified.csv",
        retrieved_at="2026-03-12T00:00:00Z",
    )
    outcome = merge_batch(state, records, now=dt.datetime(2026, 3, 12, tzinfo=dt.UTC))
    opus = [o for o in outcome.new_observations if o.model_id == "claude-opus-4.6" and o.variant == ""]
    assert len(opus) == 1 and opus[0].score == pytest.approx(78.71900826446281)
    assert "superseded: claude-opus-4-6 75.6 (2026-02-10T22:23:09.876Z)" in opus[0].note
    gpt51 = next(o for o in outcome.new_observations if o.model_id == "gpt-5.1" and o.variant == "high")
    assert gpt51.score == pytest.approx(67.97520661157025)
    assert outcome.quarantined == []
    assert len(outcome.new_observations) == 22  # 24 rows, two re-runs folded


def test_unordered_conflicting_duplicates_are_both_quarantined(state: MergeState) -> None:
    twins = [
        _raw(
            source="vendor",
            raw_model="Claude Opus 4.6",
            benchmark="swe_bench_verified",
            score=72.6,
            run_started="",
            row="vendor_scores.csv:17",
        ),
        _raw(
            source="vendor",
            raw_model="Claude Opus 4.6",
            benchmark="swe_bench_verified",
            score=80.8,
            run_started="",
            row="vendor_scores.csv:19",
        ),
    ]
    outcome = merge_batch(state, twins, now=NOW)
    assert sorted(q.row for q in outcome.quarantined) == ["vendor_scores.csv:17", "vendor_scores.csv:19"]
    assert outcome.new_observations == []
    assert merge_batch(state, twins, now=NOW).quarantined == []  # same content: not quarantined twice


def test_equal_duplicates_collapse_with_a_note(state: MergeState) -> None:
    twins = [
        _raw(source="vendor", raw_model="Claude Opus 4.6", score=95.0, run_started="", row="v:2"),
        _raw(
            source="vendor",
            raw_model="Claude Opus 4.6",
            score=95.0,
            run_started="",
            row="v:4",
            source_url="https://other.example/page",
        ),
    ]
    (obs,) = merge_batch(state, twins, now=NOW).new_observations
    assert "same value also in: v:4 https://other.example/page" in obs.note


def test_new_release_gets_a_model_row_and_events(state: MergeState) -> None:
    outcome = merge_batch(
        state, [_raw(raw_model="muse-spark", lab="Meta AI", release_date="2026-04-08", score=89.8)], now=NOW
    )
    (model,) = outcome.new_models
    assert (model.model_id, model.lab, model.release_date, model.cohort, model.frontier) == (
        "muse-spark",
        "Meta",
        "2026-04-08",
        "tracked",
        True,
    )
    assert [e.type for e in outcome.events] == ["new_model", "new_score"]


def test_agent_system_of_an_unknown_model_is_counted_not_stored(state: MergeState) -> None:
    record = _raw(
        source="swebench",
        benchmark="swe_bench_verified",
        raw_model="Doubao-Seed-Code",
        setting="system:20250928_trae",
        score=78.8,
    )
    outcome = merge_batch(state, [record], now=NOW)
    assert outcome.unattributed == 1 and outcome.new_models == [] and outcome.new_observations == []


def test_accept_stores_the_held_value_and_reject_keeps_it_out(
    identity_project: Paths, state: MergeState
) -> None:
    merge_batch(state, [_raw()], now=NOW)
    merge_batch(
        state, [_raw(score=60.0, retrieved_at="2026-05-11T00:00:00Z")], now=NOW + dt.timedelta(days=30)
    )
    merge_batch(state, [_raw(score=101.0, raw_model="claude-opus-4-6_64K")], now=NOW)
    save_state(identity_project, state)
    jump, invalid = read_quarantine(identity_project.quarantine)
    entry, events = decide(identity_project, jump.id, "accepted", now=NOW + dt.timedelta(days=31))
    assert entry.status == "accepted" and events[0].type == "score_changed"
    assert [o.score for o in read_observations(identity_project.scores)] == [90.53, 60.0]
    assert read_events(identity_project.ledger)[-1].payload["new"] == 60.0
    with pytest.raises(ValidationError, match="already accepted"):
        decide(identity_project, jump.id, "rejected", now=NOW)
    with pytest.raises(ValidationError, match="score"):  # an out-of-range value can never be accepted
        decide(identity_project, invalid.id, "accepted", now=NOW)
    rejected, _ = decide(identity_project, invalid.id, "rejected", now=NOW)
    assert rejected.status == "rejected" and len(read_observations(identity_project.scores)) == 2
    with pytest.raises(ValidationError, match="no quarantine entry"):
        decide(identity_project, "q-000000000000", "accepted", now=NOW)
