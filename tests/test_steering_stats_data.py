"""Statistics (McNemar, bootstrap within folds, random reference) and the shipped TruthfulQA data."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from steering_support import REPO

from tracker.steering import stats
from tracker.steering.data import (
    DataError,
    load_neutral,
    load_truthfulqa,
    prompt_for,
    stratified_folds,
    subsample,
)

TQA = REPO / "data" / "truthfulqa"


@pytest.fixture(scope="module")
def dataset():
    return load_truthfulqa(TQA)


def test_mcnemar_counts_discordant_pairs_and_matches_the_binomial():
    base = np.array([0, 0, 0, 1, 1, 1, 0, 1], bool)
    steer = np.array([1, 1, 0, 1, 0, 1, 1, 1], bool)
    test = stats.mcnemar_exact(base, steer)
    assert (test["b"], test["c"]) == (3, 1)
    assert test["p"] == pytest.approx(0.625)  # 2 * P(X >= 3 | n=4, p=1/2) = 2 * 5/16


def test_mcnemar_without_discordant_pairs_is_p_one():
    same = np.array([1, 0, 1], bool)
    assert stats.mcnemar_exact(same, same) == {"b": 0, "c": 0, "p": 1.0}


def test_bootstrap_resamples_within_folds():
    idx = stats.bootstrap_indices([3, 5], n_boot=200, seed=1)
    assert idx.shape == (200, 8)
    assert idx[:, :3].max() < 3 and idx[:, 3:].min() >= 3


def test_effect_of_a_clear_improvement_excludes_zero():
    rng = np.random.default_rng(0)
    base = rng.random(400) < 0.3
    steer = base | (rng.random(400) < 0.3)
    out = stats.effect(base, steer, base, [200, 200], n_boot=2000, seed=0)
    assert out["delta"] == pytest.approx(steer.mean() - base.mean())
    assert 0 < out["delta_ci95"][0] < out["delta"] < out["delta_ci95"][1]
    assert out["E"] == pytest.approx(out["delta"] / (1 - base.mean()))
    assert out["mcnemar"]["c"] == 0 and out["break_rate"] == 0.0
    assert out["fix_rate"] == pytest.approx(out["mcnemar"]["b"] / (~base).sum())


def test_effect_of_no_change_is_centred_on_zero():
    base = np.arange(300) % 3 == 0
    out = stats.effect(base, base, base, [150, 150], n_boot=1000, seed=0)
    assert out["delta"] == 0.0 and out["delta_ci95"] == [0.0, 0.0] and out["mcnemar"]["p"] == 1.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=4, max_size=60))
def test_ci_of_delta_always_contains_delta_bounds(pairs):
    base = np.array([p[0] for p in pairs])
    steer = np.array([p[1] for p in pairs])
    half = len(pairs) // 2
    out = stats.effect(base, steer, base, [half, len(pairs) - half], n_boot=200, seed=3)
    lo, hi = out["delta_ci95"]
    assert -1 <= lo <= hi <= 1
    assert 0 <= out["mcnemar"]["p"] <= 1


def test_random_reference_quantiles_and_rank():
    ref = stats.random_reference(0.05, [0.0, 0.01, 0.02, 0.05, 0.1])
    assert ref["q50"] == pytest.approx(0.02)
    assert ref["delta_rank"] == pytest.approx((3 + 0.5) / 5)


def test_shipped_truthfulqa_matches_its_source_note(dataset):
    source = (TQA / "SOURCE.md").read_text(encoding="utf-8")
    for name in ("TruthfulQA.csv", "mc_task.json", "LICENSE"):
        assert hashlib.sha256((TQA / name).read_bytes()).hexdigest() in source
    assert len(dataset.questions) == 790
    assert len({q.category for q in dataset.questions}) == 37
    assert dataset.commit == "d71c110897f5d31c5d7f309e7bc316c152f6f031"


def test_options_cover_every_scoring(dataset):
    for q in dataset.questions:
        assert q.mc1[0] in q.mc1_options and q.best in q.mc1_options and q.best_incorrect in q.mc1_options
        assert set(q.mc1_options) <= set(q.all_options)
        assert set(q.mc2_true) | set(q.mc2_false) <= set(q.all_options)
        assert len(q.all_options) == len(set(q.all_options))


def test_folds_are_disjoint_balanced_stratified_and_seeded(dataset):
    folds = stratified_folds(dataset.questions, 2, seed=0)
    assert sorted(len(f) for f in folds) == [395, 395]
    assert not {q.index for q in folds[0]} & {q.index for q in folds[1]}
    for category in {q.category for q in dataset.questions}:
        counts = [sum(q.category == category for q in f) for f in folds]
        assert abs(counts[0] - counts[1]) <= 1
    assert stratified_folds(dataset.questions, 2, seed=0) == folds
    assert stratified_folds(dataset.questions, 2, seed=1) != folds


def test_subsample_is_seeded(dataset):
    assert subsample(dataset.questions, 50, 0) == subsample(dataset.questions, 50, 0)
    assert subsample(dataset.questions, 50, 0) != subsample(dataset.questions, 50, 1)
    assert subsample(dataset.questions, None, 0) == dataset.questions


def test_prompt_formats():
    assert prompt_for("Why?", "zero_shot") == "Q: Why?\nA:"
    six = prompt_for("Why?", "qa_primer_6shot")
    assert six.endswith("\n\nQ: Why?\nA:") and six.count("Q: ") == 7
    with pytest.raises(ValueError):
        prompt_for("Why?", "three_shot")


def test_missing_data_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="TruthfulQA.csv: missing"):
        load_truthfulqa(tmp_path)
    with pytest.raises(DataError, match="neutral.txt: missing"):
        load_neutral(tmp_path / "neutral.txt")


def test_neutral_text_is_about_two_thousand_words():
    words = len(load_neutral(REPO / "data" / "neutral.txt").split())
    assert 1500 <= words <= 2500
