"""Every threshold of every prediction, on both sides and at the boundary.

The expected outcome of each case is read off the rule text (predictions/P*.toml, PREDICTIONS.md):
comparisons are strict (G15), n thresholds are inclusive ("n >= 8"), P2's n < 5 is a FAIL (G10),
and P3/P4 need both slots scored to PASS (G12). Panels are constructed; the registered parameters
are the ones the code reads.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from tracker.panel import assemble
from tracker.paths import Paths
from tracker.records import Model, Observation
from tracker.verdicts.evaluators import FAIL, NEITHER, PASS, correlation, next_releases_h, top_k_spread
from tracker.verdicts.specs import load_specs

REPO = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 12, 1)
PARAMS = {spec.id: spec.parameters for spec in load_specs(Paths(REPO))}


def panel(scores: dict[str, dict[str, float]], lab: str = "Lab", released: str = "2026-07-01"):
    models = [Model(name, name, lab, released, cohort="tracked") for name in scores]
    observations = [
        Observation(
            name, benchmark, value, "epoch", "https://example.org", "2026-07-02T00:00:00Z", tier="independent"
        )
        for name, values in scores.items()
        for benchmark, value in values.items()
    ]
    return assemble(models, observations, DAY)


def with_r(n: int, r: float) -> tuple[np.ndarray, np.ndarray]:
    """Two score series of length n whose Pearson correlation is r (to float precision)."""
    x = np.arange(n, dtype=float)
    w = np.sin(np.arange(n) * 2.7 + 0.3)
    x -= x.mean()
    w -= w.mean()
    w -= (w @ x) / (x @ x) * x
    x, w = x / np.linalg.norm(x), w / np.linalg.norm(w)
    y = r * x + np.sqrt(1 - r * r) * w
    return 60 + 30 * x, 70 + 30 * y


def correlated(n: int, r: float, first: str, second: str):
    xs, ys = with_r(n, r)
    return panel(
        {f"m{i}": {first: float(x), second: float(y)} for i, (x, y) in enumerate(zip(xs, ys, strict=True))}
    )


# ------------------------------------------------------------------ P1: top-5 SWE spread, GPQA over the same 5


def p1_panel(swe_low: float, gpqa_spread: float, models: int = 5):
    scores = {f"m{i}": {"swe_bench_verified": 90.0, "gpqa_diamond": 85.0} for i in range(models - 1)}
    scores["m0"]["gpqa_diamond"] = 85.0 + gpqa_spread
    scores["low"] = {"swe_bench_verified": swe_low, "gpqa_diamond": 85.0}
    return panel(scores)


@pytest.mark.parametrize(
    ("swe_low", "gpqa_spread", "expected"),
    [
        (88.1, 5.1, PASS),  # SWE spread 1.9 < 2 and GPQA 5.1 > 5
        (88.0, 5.1, NEITHER),  # SWE spread exactly 2: not < 2
        (88.1, 5.0, NEITHER),  # GPQA spread exactly 5: not > 5
        (85.0, 5.1, NEITHER),  # SWE spread exactly 5: not > 5, so not a FAIL
        (84.9, 5.1, FAIL),  # SWE spread 5.1 > 5
    ],
)
def test_p1_thresholds(swe_low: float, gpqa_spread: float, expected: str):
    assert top_k_spread(p1_panel(swe_low, gpqa_spread), PARAMS["P1"], DAY).outcome == expected


def test_p1_needs_five_models_with_both_scores():
    result = top_k_spread(p1_panel(88.1, 5.1, models=4), PARAMS["P1"], DAY)
    assert result.outcome == NEITHER and result.insufficient


# ------------------------------------------------------------------ P2: r(GPQA, IFEval), n >= 8; FAIL r < 0.3 or n < 5


@pytest.mark.parametrize(
    ("n", "r", "expected"),
    [
        (4, 0.95, FAIL),  # n < 5 is a FAIL whatever r (the text; G10's exception)
        (5, 0.95, NEITHER),  # n = 5: no longer the n-FAIL, too few for PASS
        (7, 0.95, NEITHER),  # n = 7 < 8
        (8, 0.95, PASS),
        (8, 0.61, PASS),  # r just above 0.6
        (8, 0.59, NEITHER),
        (5, 0.31, NEITHER),
        (5, 0.29, FAIL),  # r < 0.3 on n >= 5
    ],
)
def test_p2_thresholds(n: int, r: float, expected: str):
    assert correlation(correlated(n, r, "gpqa_diamond", "ifeval"), PARAMS["P2"], DAY).outcome == expected


# ------------------------------------------------------------------ P5: r(SWE, GPQA) > 0.5 on n >= 30; FAIL r < 0.3 (n >= 30)


@pytest.mark.parametrize(
    ("n", "r", "expected"),
    [
        (29, 0.95, NEITHER),  # n < 30
        (30, 0.51, PASS),
        (30, 0.49, NEITHER),
        (30, 0.31, NEITHER),
        (30, 0.29, FAIL),
        (29, 0.10, NEITHER),  # FAIL needs n >= 30 too (P5-b)
    ],
)
def test_p5_thresholds(n: int, r: float, expected: str):
    assert (
        correlation(correlated(n, r, "swe_bench_verified", "gpqa_diamond"), PARAMS["P5"], DAY).outcome
        == expected
    )


# ------------------------------------------------------------------ P7: r(SWE, HLE) < 0 on n >= 10; FAIL r > 0.3 (n >= 10)


@pytest.mark.parametrize(
    ("n", "r", "expected"),
    [
        (9, -0.9, NEITHER),  # n < 10
        (10, -0.01, PASS),
        (10, 0.01, NEITHER),
        (10, 0.29, NEITHER),
        (10, 0.31, FAIL),
        (9, 0.9, NEITHER),  # FAIL needs n >= 10 too
    ],
)
def test_p7_thresholds(n: int, r: float, expected: str):
    assert correlation(correlated(n, r, "swe_bench_verified", "hle"), PARAMS["P7"], DAY).outcome == expected


# ------------------------------------------------------------------ P6: top-10 IFEval spread < 3 and HLE > 15; FAIL IFEval > 8


def p6_panel(ifeval_low: float, hle_spread: float, models: int = 10):
    scores = {f"m{i}": {"ifeval": 95.0, "hle": 30.0} for i in range(models - 1)}
    scores["m0"]["hle"] = 30.0 + hle_spread
    scores["low"] = {"ifeval": ifeval_low, "hle": 30.0}
    return panel(scores)


@pytest.mark.parametrize(
    ("ifeval_low", "hle_spread", "expected"),
    [
        (92.1, 15.1, PASS),  # IFEval spread 2.9 < 3 and HLE 15.1 > 15
        (92.0, 15.1, NEITHER),  # IFEval spread exactly 3
        (92.1, 15.0, NEITHER),  # HLE spread exactly 15
        (87.0, 15.1, NEITHER),  # IFEval spread exactly 8: not > 8
        (86.9, 15.1, FAIL),  # 8.1 > 8
    ],
)
def test_p6_thresholds(ifeval_low: float, hle_spread: float, expected: str):
    assert top_k_spread(p6_panel(ifeval_low, hle_spread), PARAMS["P6"], DAY).outcome == expected


def test_p6_needs_ten_ifeval_models_even_to_fail():
    result = top_k_spread(p6_panel(50.0, 15.1, models=9), PARAMS["P6"], DAY)
    assert result.outcome == NEITHER and result.insufficient


# ------------------------------------------------------------------ P3 / P4: h of the next two releases


def gpqa_for(swe: float, h: float) -> float:
    return h + 0.5130797931804454 * swe + 46.37991766761589


def releases(lab: str, prefix: str, hs: list[float]):
    scores = {
        f"{prefix} {i}": {"swe_bench_verified": 80.0, "gpqa_diamond": gpqa_for(80.0, h)}
        for i, h in enumerate(hs)
    }
    return panel(scores, lab=lab)


@pytest.mark.parametrize(
    ("hs", "expected", "final"),
    [
        ([-0.01, -0.01], PASS, True),  # h < 0 for both
        ([-0.01, 0.01], NEITHER, True),  # one not below 0, none above +5: inconclusive
        ([-0.01, 4.99], NEITHER, True),
        ([-0.01, 5.01], FAIL, True),  # h > +5 for either
        ([5.01], FAIL, True),  # an early FAIL needs only one slot
        ([-0.01], NEITHER, False),  # one passing slot is not a PASS (G12)
    ],
)
def test_p3_thresholds(hs: list[float], expected: str, final: bool):
    result = next_releases_h(releases("DeepSeek", "DeepSeek V9", hs), PARAMS["P3"], DAY)
    assert (result.outcome, result.final) == (expected, final)


@pytest.mark.parametrize(
    ("hs", "expected", "final"),
    [
        ([3.01, 3.01], PASS, True),  # h > +3 for both
        ([3.01, 2.99], NEITHER, True),
        ([3.01, 0.01], NEITHER, True),
        ([3.01, -0.01], FAIL, True),  # h < 0 for either
        ([-0.01], FAIL, True),
        ([3.01], NEITHER, False),
    ],
)
def test_p4_thresholds(hs: list[float], expected: str, final: bool):
    result = next_releases_h(releases("Google", "Gemini 9 Pro", hs), PARAMS["P4"], DAY)
    assert (result.outcome, result.final) == (expected, final)
