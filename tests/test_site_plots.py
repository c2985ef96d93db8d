"""Figures (deterministic SVG with titles, labels and text alternatives), the evidence series
behind them, the history days and the phase calculator's Python reference."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET

import pytest

from tracker.panel import frozen_frame
from tracker.paths import Paths
from tracker.site import plots
from tracker.site.data import history_days, phase_diagnosis
from tracker.site.figures import evidence_series, thresholds, zones
from tracker.stats import coupling

SVG = "{http://www.w3.org/2000/svg}"
MODELS = [
    {
        "model_id": "a",
        "model": "Alpha $x$",
        "lab": "Lab $1",
        "cohort": "frozen",
        "release_date": "2025-03",
        "swe_bench_verified": 60.0,
        "gpqa_diamond": 70.0,
        "h": -7.16,
    },
    {
        "model_id": "b",
        "model": "Beta",
        "lab": "Google",
        "cohort": "post_cutoff",
        "release_date": "2026-04-16",
        "swe_bench_verified": 80.0,
        "gpqa_diamond": 92.0,
        "h": 4.57,
    },
    {
        "model_id": "c",
        "model": "Gamma",
        "lab": "DeepSeek",
        "cohort": "tracked",
        "release_date": "",
        "swe_bench_verified": 30.0,
        "gpqa_diamond": 20.0,
        "h": -41.77,
    },
]


def texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(svg.encode("utf-8")).iter(f"{SVG}text")]


def test_scatter_is_deterministic_titled_labelled_and_described() -> None:
    first = plots.coupling_scatter(MODELS, 0.513, 46.4, 16.15)
    assert first.svg == plots.coupling_scatter(MODELS, 0.513, 46.4, 16.15).svg
    assert "dc:date" not in first.svg
    words = texts(first.svg)
    assert {
        "Coupling: GPQA Diamond vs SWE-bench Verified",
        "SWE-bench Verified (%)",
        "GPQA Diamond (%)",
    } <= set(words)
    assert "Lab $1" in words, "a '$' in a name is text, never mathtext"
    assert "3 models" in first.alt and "outside the band: Gamma" in first.alt


def test_lab_bars_and_h_over_time_describe_what_they_show() -> None:
    labs = {
        "Google": {"n": 5, "h_mean": 1.94, "h_mean_core": 5.47},
        "Anthropic": {"n": 8, "h_mean": -9.35, "h_mean_core": -6.94},
    }
    bars = plots.lab_h_bars(labs)
    assert "Google: core +5.5, all +1.9 (n=5)" in bars.alt
    assert {"h-field by lab", "Google (n=5)", "lab"} <= set(texts(bars.svg))
    over_time = plots.h_over_time(MODELS, 16.15)
    assert "h-field of 2 models" in over_time.alt and "lack of a release date: Gamma" in over_time.alt
    assert "h-field (GPQA points vs frozen fit)" in texts(over_time.svg)


def test_svg_ids_come_from_the_fixed_salt() -> None:
    svg = plots.coupling_scatter(MODELS, 0.513, 46.4, 16.15).svg
    ids = [e.get("id") for e in ET.fromstring(svg.encode("utf-8")).iter() if e.get("id")]
    assert ids, "matplotlib names clip paths and markers by hash"
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(plots.RC, "svg.hashsalt", "another salt")
        other = plots.coupling_scatter(MODELS, 0.513, 46.4, 16.15).svg
    assert other != svg, "ids depend on the salt, so fixing it is what makes them stable"


def test_evidence_plot_with_no_value_says_so() -> None:
    empty = plots.Series("r", ((dt.date(2026, 6, 1), None), (dt.date(2026, 7, 1), None)))
    figure = plots.evidence_over_time(
        "P7-evidence",
        "P7: evidence over time",
        "Pearson r",
        [empty],
        [(0.0, "pass: r < 0")],
        dt.date(2026, 12, 31),
        (dt.date(2026, 6, 1), dt.date(2026, 12, 31)),
    )
    assert "no value yet" in texts(figure.svg)
    assert "No value could be computed" in figure.alt and "pass: r < 0 at 0" in figure.alt


def test_thresholds_come_from_the_registered_parameters() -> None:
    p1 = {
        "rank_by": "swe_bench_verified",
        "second": "gpqa_diamond",
        "k": 5,
        "pass_rank_spread_below": 2.0,
        "pass_second_spread_above": 5.0,
        "fail_rank_spread_above": 5.0,
        "min_second": 5,
        "require_second": True,
    }
    assert thresholds(p1) == [
        (5.0, "fail: SWE spread > 5"),
        (2.0, "pass: SWE spread < 2"),
        (5.0, "pass: GPQA spread > 5"),
    ]
    p2 = {"min_n_pass": 8, "pass_r_above": 0.6, "fail_r_below": 0.3, "fail_if_n_below": 5}
    assert thresholds(p2) == [(0.3, "fail: r < 0.3"), (0.6, "pass: r > 0.6")]


def test_next_release_series_follow_each_slotted_model() -> None:
    history = [
        {"day": "2026-07-01", "evidence": {"rows": []}},
        {"day": "2026-08-01", "evidence": {"rows": [{"model": "DeepSeek V4.1", "h": -7.4}]}},
    ]
    (series,) = evidence_series("next_releases_h", {}, history)
    assert series.label == "h of DeepSeek V4.1"
    assert series.points == ((dt.date(2026, 7, 1), None), (dt.date(2026, 8, 1), -7.4))


def test_history_days_are_monthly_and_end_on_the_day() -> None:
    assert history_days(dt.date(2026, 5, 13), dt.date(2026, 9, 15)) == [
        dt.date(2026, 5, 13),
        dt.date(2026, 6, 1),
        dt.date(2026, 7, 1),
        dt.date(2026, 8, 1),
        dt.date(2026, 9, 1),
        dt.date(2026, 9, 15),
    ]
    assert history_days(dt.date(2026, 5, 13), dt.date(2027, 1, 1))[-2:] == [
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
    ]
    assert history_days(dt.date(2026, 5, 13), dt.date(2026, 5, 1)) == [dt.date(2026, 5, 1)]


def test_phase_reference_reproduces_the_papers_numbers(project: Paths) -> None:
    fit = coupling.fit_frame(frozen_frame(project))
    opus = phase_diagnosis(fit, 80.8, 91.3, 94.0)
    assert round(opus["h"], 3) == 3.463, "Claude Opus 4.6, unrounded fit (README note 5)"
    assert opus["ifeval_side"] == "below" and round(opus["ifeval_c"], 2) == 94.11
    assert round(opus["pi_high"] - opus["predicted"], 2) == 16.15
    haiku = phase_diagnosis(fit, 40.6, 41.0)
    assert haiku["gpqa_side"] == "below" and round(haiku["gpqa_c"], 1) == 45.6 and haiku["ifeval_c"] is None
    assert not haiku["inside_pi"], "Claude 3.5 Haiku is the one frozen model outside the band"
    qwen = phase_diagnosis(fit, 76.4, 88.4, 92.6)
    assert qwen["ifeval_side"] == "at"


def test_evidence_plot_shades_zones_draws_n_and_places_hover_points() -> None:
    days = (dt.date(2026, 6, 1), dt.date(2026, 7, 1), dt.date(2026, 8, 1))
    r = plots.Series("Pearson r", tuple(zip(days, (0.5, 0.7, 0.8), strict=True)))
    n = plots.Series("n (models with both scores)", tuple(zip(days, (3, 4, 6), strict=True)))
    figure = plots.evidence_over_time(
        "P2-evidence",
        "P2: evidence over time",
        "Pearson r",
        [r],
        [(0.3, "fail: r < 0.3"), (0.6, "pass: r > 0.6")],
        dt.date(2026, 12, 31),
        (days[0], dt.date(2026, 12, 31)),
        zones=[plots.Zone(float("-inf"), 0.3, "fail"), plots.Zone(0.6, float("inf"), "pass")],
        counts=n,
        caption="r and n",
    )
    words = texts(figure.svg)
    assert {"pass zone", "fail zone", "n (models with both scores)"} <= set(words)
    assert "n (models with both scores): 6 on 2026-08-01" in figure.alt
    assert [p.text for p in figure.points] == [f"Pearson r: {v:.2f} as of {d}" for d, v in r.points]
    xs = [p.x for p in figure.points]
    assert xs == sorted(xs) and all(0 < p.x < 720 and 0 < p.y < 460 for p in figure.points)
    assert figure.points[0].y > figure.points[-1].y, "a higher r is drawn higher (SVG y runs down)"
    assert figure.caption == "r and n"


def test_an_empty_evidence_plot_says_what_would_count() -> None:
    figure = plots.evidence_over_time(
        "P3-evidence",
        "P3: evidence over time",
        "h",
        [],
        [],
        None,
        (dt.date(2026, 6, 1), dt.date(2026, 9, 1)),
        empty_text="What counts: the next 2 DeepSeek releases from 2026-06-01",
    )
    assert "What counts: the next 2 DeepSeek releases from 2026-06-01" in " ".join(texts(figure.svg))
    assert "the next 2 DeepSeek releases" in figure.alt


def test_zones_come_from_the_registered_parameters_of_the_first_statistic() -> None:
    p1 = {"pass_rank_spread_below": 2.0, "fail_rank_spread_above": 5.0, "pass_second_spread_above": 5.0}
    assert zones("top_k_spread", p1) == [
        plots.Zone(5.0, math.inf, "fail"),
        plots.Zone(-math.inf, 2.0, "pass"),
    ]
    p7 = {"pass_r_below": 0.0, "fail_r_above": 0.3, "fail_if_n_below": 0}
    assert zones("correlation", p7) == [plots.Zone(0.3, math.inf, "fail"), plots.Zone(-math.inf, 0.0, "pass")]


def synthetic_models(n: int) -> list[dict]:
    return [
        {
            "model_id": f"m{i}",
            "model": f"Model {i}",
            "lab": f"Lab {i % 7}",
            "cohort": "tracked" if i >= 6 else "frozen",
            "release_date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "swe_bench_verified": 20.0 + (i * 37 % 70),
            "gpqa_diamond": min(100.0, 0.513 * (20.0 + (i * 37 % 70)) + 46.4 + (i * 13 % 21) - 10),
            "h": float((i * 13 % 21) - 10),
        }
        for i in range(n)
    ]


def test_every_drawn_model_has_a_tooltip_with_its_release_precision_and_scores() -> None:
    figure = plots.coupling_scatter(MODELS, 0.513, 46.4, 16.15, r=0.75)
    assert len(figure.points) == len(MODELS)
    first = next(p.text for p in figure.points if p.text.startswith("Alpha"))
    assert (
        first
        == "Alpha $x$ · Lab $1 · released 2025-03 (month) · SWE-bench Verified 60.0 · GPQA Diamond 70.0 · h -7.2"
    )
    assert "r = 0.75" in figure.caption


def test_a_dense_scatter_stops_growing_with_n_and_keeps_tooltips_for_visible_points() -> None:
    small = plots.coupling_scatter(synthetic_models(plots.DENSE + 1), 0.513, 46.4, 16.15)
    large = plots.coupling_scatter(synthetic_models(10 * plots.DENSE), 0.513, 46.4, 16.15)
    assert len(large.svg) < 1.2 * len(small.svg), (len(small.svg), len(large.svg))
    assert len(large.points) == 6, "the six frozen models; the tracked ones are a density (no outlier here)"
    assert "drawn as a density" in large.alt
    over_time = plots.h_over_time(synthetic_models(10 * plots.DENSE), 16.15)
    assert len(over_time.points) == 6 and len(over_time.svg) < 200_000


def test_pearson_ci_is_fishers_interval() -> None:
    low, high = plots.pearson_ci(0.75, 39)
    assert (round(low, 2), round(high, 2)) == (0.57, 0.86)
    assert plots.pearson_ci(0.5, 3) is None and plots.pearson_ci(None, 30) is None
