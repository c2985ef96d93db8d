"""The coupling statistics reproduce the papers' numbers (golden.json) from the frozen panel."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.panel import frozen_frame
from tracker.paths import Paths
from tracker.stats import coupling, reproduce
from tracker.stats.frozen import FROZEN_INTERCEPT, FROZEN_SLOPE, load_frozen_panel
from tracker.stats.phase import gpqa_c, ifeval_c, side

COMMITTED = Paths(Path(__file__).resolve().parent.parent)  # the project's committed data, read only

FIXTURES = Path(__file__).resolve().parent / "fixtures"

GOLDEN = json.loads((FIXTURES / "reference" / "golden.json").read_text())
GOLDEN_CHECKS = {c["key"]: c for c in GOLDEN["checks"]}


@pytest.fixture(scope="module")
def frozen() -> dict:
    return reproduce.frozen_stats(COMMITTED)


def test_frozen_fit_matches_the_golden_recomputation(frozen):
    fit = GOLDEN["frozen_fit"]
    assert frozen["n"] == fit["n"] == 34
    for key in ("slope", "intercept", "r", "p", "slope_se", "intercept_se"):
        assert frozen[key] == pytest.approx(fit[key], rel=1e-9), key


def test_frozen_constants_are_the_fit_of_the_committed_panel(frozen):
    assert frozen["slope"] == pytest.approx(FROZEN_SLOPE, rel=1e-12)
    assert frozen["intercept"] == pytest.approx(FROZEN_INTERCEPT, rel=1e-12)
    assert frozen["h_slope"] == FROZEN_SLOPE and frozen["h_intercept"] == FROZEN_INTERCEPT


def test_prediction_interval_both_ways(frozen):
    assert frozen["pi_halfwidth"] == pytest.approx(
        GOLDEN["prediction_interval"]["halfwidth_1.96sd"], rel=1e-12
    )
    assert round(frozen["pi_halfwidth"], 1) == 16.2
    # the textbook interval is wider: 17.3-18.0 across the post-cutoff SWE values
    assert 17.0 < frozen["pi_halfwidth_ols_at_mean"] < 18.0
    by_model = {m["model"]: m for m in GOLDEN["prediction_interval"]["post_cutoff"]}
    fit = coupling.fit_frame(frozen_frame(COMMITTED))
    panel = load_frozen_panel(COMMITTED.frozen_panel).set_index("model")
    for name, row in by_model.items():
        swe = float(panel.loc[name, "swe_bench_verified"])
        assert fit.pi_halfwidth_ols(swe) == pytest.approx(row["pi_halfwidth_t"], rel=1e-9)


def test_per_model_h_matches_golden(frozen):
    ours = {m["model"]: m["h"] for m in frozen["models"]}
    golden = {m["model"]: m["h_unrounded_fit"] for m in GOLDEN["per_model_h"] if m["cohort"] == "frozen"}
    assert set(ours) == set(golden)
    for name, value in golden.items():
        assert ours[name] == pytest.approx(value, abs=1e-9), name


def test_per_lab_means_slopes_and_hold_out(frozen):
    labs = frozen["labs"]
    for lab, row in GOLDEN["per_lab_mean_h"].items():
        assert labs[lab]["n"] == row["n_frozen"]
        assert labs[lab]["h_mean"] == pytest.approx(row["mean_h_frozen_all"], abs=1e-9)
    assert round(labs["Google"]["h_mean_core"], 1) == 5.5
    assert round(labs["Anthropic"]["h_mean_core"], 1) == -6.9
    assert round(labs["Google"]["slope"], 2) == 1.15 and round(labs["DeepSeek"]["slope"], 2) == 0.23
    assert labs["Alibaba"]["slope"] is None  # one model: no slope
    assert (round(frozen["lolo_mae"], 1), round(frozen["lolo_sd"], 1)) == (9.2, 2.4)
    assert frozen["lolo_sd_sample"] == pytest.approx(GOLDEN["lolo_frozen"]["sd_ddof1"], rel=1e-9)


def test_refit_on_39(frozen):
    refit = frozen["refit_39"]
    for key in ("slope", "intercept", "r", "p"):
        assert refit[key] == pytest.approx(GOLDEN["refit_39"][key], rel=1e-9)
    assert refit["n"] == 39


def test_every_golden_check_is_recomputed_with_the_same_match(frozen):
    ours = {c["key"]: c for c in frozen["checks"]}
    assert set(ours) == set(GOLDEN_CHECKS)
    for key, gold in GOLDEN_CHECKS.items():
        mine = ours[key]
        if isinstance(gold["recomputed"], list):
            assert sorted(mine["recomputed"]) == sorted(gold["recomputed"]), key
        elif isinstance(gold["recomputed"], bool):
            assert mine["recomputed"] is gold["recomputed"], key
        else:
            assert mine["recomputed"] == pytest.approx(gold["recomputed"], rel=1e-9, abs=1e-12), key
        assert (mine["match_paper"], mine["match_repo"]) == (gold["match_paper"], gold["match_repo"]), key


def test_the_discrepancies_with_the_papers_are_named(frozen):
    differs = sorted(c["key"] for c in frozen["checks"] if c["match_paper"] == "no")
    assert differs == [
        "fit.intercept_ci95_halfwidth",
        "fit.p",
        "fit.slope_ci95_halfwidth",
        "h.paper_table_mismatches_published_eq",
        "h.paper_table_mismatches_unrounded_fit",
        "h.post.DeepSeek V4 Pro",
        "h.post.Kimi K2.6",
        "ifeval.r_gpqa",
        "lab_h.google_incl_extended",
        "lab_r.min_labs_ge4",
        "lolo.OpenAI",
        "sat.sigma_swe_gpqa",
        "sat.top5_swe_spread_frozen",
        "subset.pre2025_n",
    ]


def test_phase_boundaries():
    assert gpqa_c(41.0) == pytest.approx(100 * math.sqrt(0.513 * 0.41))
    assert side(94.0, ifeval_c(91.3)) == "below"  # Claude Opus 4.6: 94.0 < 94.11
    assert side(92.6, ifeval_c(88.4)) == "at"  # Qwen3.5-397B: 92.6 vs 92.6002
    assert side(94.0, ifeval_c(87.6)) == "above"  # Kimi K2.5


def test_phase_rows_name_the_models_below(frozen):
    assert frozen["phase"]["gpqa_below"] == ["Claude 3.5 Haiku"]
    assert sorted(frozen["phase"]["ifeval_below"]) == ["Claude Opus 4.6", "MiniMax M2.5"]
    assert frozen["phase"]["ifeval_at"] == ["Qwen3.5-397B"]


def test_stats_json_cli_has_the_documented_fields(capsys):
    assert main(["stats", "--json", "--panel", "frozen"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("n", "slope", "intercept", "r", "p", "pi_halfwidth", "lolo_mae", "lolo_sd", "labs", "models"):
        assert key in result
    assert set(result["labs"]["Google"]) >= {"n", "h_mean", "slope"}
    assert set(result["models"][0]) >= {"model", "lab", "swe_bench_verified", "gpqa_diamond", "h"}
    assert round(result["slope"], 3) == 0.513 and round(result["intercept"], 1) == 46.4


def test_current_panel_keeps_h_on_the_frozen_fit(project):
    current = coupling.current_stats(project, dt.date(2026, 11, 23))
    assert current["n"] == 39  # frozen 34 + 5 post-cutoff, no tracked data in this copy
    assert current["r"] == pytest.approx(GOLDEN["refit_39"]["r"], rel=1e-9)
    kimi = next(m for m in current["models"] if m["model"] == "Kimi K2.6")
    assert kimi["h"] == pytest.approx(2.97108291931238, abs=1e-9)
