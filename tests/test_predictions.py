"""The seven predictions: the real panel, constructed cases around every threshold, finality."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.panel import assemble
from tracker.paths import Paths
from tracker.records import Model, Observation
from tracker.store import read_events, read_models, write_models, write_observations
from tracker.verdicts.evaluators import FAIL, NEITHER, PASS, correlation, next_releases_h, top_k_spread
from tracker.verdicts.predictions import check, evaluate_all, read_state
from tracker.verdicts.specs import load_specs

COMMITTED = Paths(Path(__file__).resolve().parent.parent)  # the project's committed data, read only

AS_OF = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 23, 59, 59, tzinfo=dt.UTC)
URL = "https://example.org/report"


def obs(
    model_id: str,
    benchmark: str,
    score: float,
    source: str = "epoch",
    known: str = "2026-07-01",
    variant: str = "",
    **setting: str,
) -> Observation:
    return Observation(
        model_id, benchmark, score, source, URL, f"{known}T00:00:00Z", variant=variant, **setting
    )


def model(model_id: str, lab: str = "Lab", released: str = "2026-06-15", name: str | None = None) -> Model:
    return Model(model_id, name or model_id, lab, released, cohort="tracked")


def frame_of(
    scores: dict[str, tuple[float | None, ...]],
    columns=("swe_bench_verified", "gpqa_diamond"),
    as_of: dt.date = AS_OF,
    released: dict[str, str] | None = None,
):
    """A panel of constructed models: name -> values for `columns` (None = no score)."""
    released = released or {}
    models = [model(name, released=released.get(name, "2026-06-15")) for name in scores]
    observations = [
        obs(name, column, value)
        for name, values in scores.items()
        for column, value in zip(columns, values, strict=True)
        if value is not None
    ]
    return assemble(models, observations, as_of)


P1 = {
    "rank_by": "swe_bench_verified",
    "second": "gpqa_diamond",
    "require_second": True,
    "k": 5,
    "pass_rank_spread_below": 2.0,
    "pass_second_spread_above": 5.0,
    "fail_rank_spread_above": 5.0,
    "min_second": 5,
}


def spec(pid: str):
    return next(s for s in load_specs(COMMITTED) if s.id == pid)


# --------------------------------------------------------------------------- the real panel


def test_real_panel_as_of_2026_11_23(project):
    verdicts = {v.id: v for v in evaluate_all(project, AS_OF)}
    assert [v for v in verdicts] == [f"P{i}" for i in range(1, 8)]
    assert all(v.status == "pending" for v in verdicts.values())
    p1 = verdicts["P1"].evidence
    # the reference figure: 87.6 (Claude Opus 4.7) - 80.6 (5th, tied) = 7.0; GPQA over the same 5 = 7.3
    assert p1["rank_spread"] == pytest.approx(7.0) and p1["second_spread"] == pytest.approx(7.3)
    assert [r["model"] for r in p1["rows"]] == [
        "Claude Opus 4.7",
        "Claude Opus 4.5",
        "Claude Opus 4.6",
        "Gemini 3.1 Pro",
        "DeepSeek V4 Pro",
    ]
    assert verdicts["P1"].provisional == "at_risk"
    assert verdicts["P2"].evidence["n"] == 4 and verdicts["P2"].evidence["r"] == pytest.approx(
        0.799246467260561
    )
    assert (
        verdicts["P5"].evidence["r"] == pytest.approx(0.7496541828756201)
        and verdicts["P5"].provisional == "on_track"
    )
    assert verdicts["P3"].evidence["n"] == 0  # DeepSeek V4 Pro is post-cutoff, not a target


def test_real_panel_after_every_deadline(project):
    # the last deadline is 2027-12-31; its grace period (amendment of 2026-12-01) ends 14 days on
    verdicts = {v.id: v for v in evaluate_all(project, dt.date(2028, 1, 14))}
    assert {k: v.status for k, v in verdicts.items()} == {
        "P1": "failed",
        "P2": "failed",
        "P3": "inconclusive",
        "P4": "inconclusive",
        "P5": "passed",
        "P6": "inconclusive",
        "P7": "inconclusive",
    }
    assert verdicts["P1"].decided_at == "2027-01-14T23:59:59Z"


def test_check_json_has_the_documented_fields(capsys):
    assert main(["check", "--as-of", "2026-11-23", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [f"P{i}" for i in range(1, 8)]
    for row in rows:
        assert {
            "id",
            "status",
            "provisional",
            "deadline",
            "evidence",
            "decided_at",
            "source_sensitive",
        } <= set(row)
        assert row["evidence"]["summary"]


# --------------------------------------------------------------------------- P1 / P6: top-k spreads


def test_top_k_pass_fail_and_neither():
    passing = frame_of({f"m{i}": (80.0 + i * 0.3, 70.0 + i * 2) for i in range(5)})
    assert top_k_spread(passing, P1, AS_OF).outcome == PASS  # 1.2 < 2 and GPQA 8 > 5
    failing = frame_of({f"m{i}": (80.0 + i * 1.3, 70.0 + i * 2) for i in range(5)})
    assert top_k_spread(failing, P1, AS_OF).outcome == FAIL  # 5.2 > 5
    middle = frame_of({f"m{i}": (80.0 + i, 70.0 + i * 2) for i in range(5)})
    assert top_k_spread(middle, P1, AS_OF).outcome == NEITHER  # 4.0


def test_top_k_thresholds_are_strict():
    exactly_two = frame_of(
        {"a": (82.0, 80.0), "b": (81.0, 70.0), "c": (81.0, 72.0), "d": (80.5, 74.0), "e": (80.0, 76.0)}
    )
    assert top_k_spread(exactly_two, P1, AS_OF).outcome == NEITHER  # 2.0 is not < 2
    exactly_five = frame_of(
        {"a": (85.0, 80.0), "b": (84.0, 70.0), "c": (83.0, 72.0), "d": (82.0, 74.0), "e": (80.0, 76.0)}
    )
    assert top_k_spread(exactly_five, P1, AS_OF).outcome == NEITHER  # 5.0 is not > 5
    flat_gpqa = frame_of({f"m{i}": (80.0 + i * 0.1, 80.0 + i) for i in range(5)})
    assert top_k_spread(flat_gpqa, P1, AS_OF).outcome == NEITHER  # SWE saturated but GPQA spread 4


def test_top_k_tie_at_the_cut_breaks_by_release_date_then_name():
    scores = {
        "a": (85.0, 90.0),
        "b": (84.0, 90.0),
        "c": (84.0, 90.0),
        "d": (83.0, 90.0),
        "late": (83.0, 50.0),
        "early": (83.0, 91.0),
    }
    frame = frame_of(scores, released={"late": "2026-08-01", "early": "2026-06-02"})
    result = top_k_spread(frame, P1, AS_OF)
    assert [r["model"] for r in result.evidence["rows"]] == ["a", "b", "c", "early", "d"]
    assert result.evidence["rank_spread"] == pytest.approx(2.0)
    assert result.evidence["second_spread"] == pytest.approx(1.0)


def test_top_k_with_too_few_models_is_insufficient():
    result = top_k_spread(frame_of({f"m{i}": (80.0, 80.0) for i in range(4)}), P1, AS_OF)
    assert result.insufficient and result.outcome == NEITHER


def test_p6_needs_hle_on_five_of_the_top_ten():
    p6 = spec("P6").parameters
    ten = {f"m{i}": (90.0 + i * 0.2, (20.0 + i * 4) if i < 6 else None) for i in range(10)}
    result = top_k_spread(frame_of(ten, columns=("ifeval", "hle")), p6, AS_OF)
    assert result.outcome == PASS and result.evidence["second_n"] == 6  # IFEval 1.8 < 3, HLE 20 > 15
    fifteen = {f"m{i}": (90.0 + i * 0.2, (20.0 + i * 3) if i < 6 else None) for i in range(10)}
    assert (
        top_k_spread(frame_of(fifteen, columns=("ifeval", "hle")), p6, AS_OF).outcome == NEITHER
    )  # 15 is not > 15
    four_hle = {f"m{i}": (90.0 + i * 0.2, (20.0 + i * 5) if i < 4 else None) for i in range(10)}
    assert top_k_spread(frame_of(four_hle, columns=("ifeval", "hle")), p6, AS_OF).outcome == NEITHER


# --------------------------------------------------------------------------- P2 / P5 / P7: correlations


def linear(n: int, noise: float = 0.0) -> dict[str, tuple[float, float]]:
    return {f"m{i}": (60.0 + i, 70.0 + i + (noise if i % 2 else -noise)) for i in range(n)}


def test_p2_fails_below_five_models_and_passes_at_eight():
    p2 = spec("P2").parameters
    columns = ("gpqa_diamond", "ifeval")
    assert correlation(frame_of(linear(4), columns=columns), p2, AS_OF).outcome == FAIL
    assert correlation(frame_of(linear(8), columns=columns), p2, AS_OF).outcome == PASS
    assert correlation(frame_of(linear(7), columns=columns), p2, AS_OF).outcome == NEITHER
    anti = {f"m{i}": (60.0 + i, 90.0 - i) for i in range(6)}
    assert correlation(frame_of(anti, columns=columns), p2, AS_OF).outcome == FAIL


def test_p5_needs_thirty_models_either_way():
    p5 = spec("P5").parameters
    assert correlation(frame_of(linear(30)), p5, AS_OF).outcome == PASS
    assert correlation(frame_of(linear(29)), p5, AS_OF).outcome == NEITHER
    anti = {f"m{i}": (60.0 + i, 90.0 - i) for i in range(30)}
    assert correlation(frame_of(anti), p5, AS_OF).outcome == FAIL
    diagnostics = correlation(frame_of(linear(30)), p5, AS_OF).evidence["diagnostics"]
    assert diagnostics["new_only"]["n"] == 30


def test_p7_passes_on_negative_r_and_reports_the_baseline_change():
    p7 = spec("P7").parameters
    columns = ("swe_bench_verified", "hle")
    anti = {f"m{i}": (60.0 + i, 40.0 - i) for i in range(10)}
    result = correlation(frame_of(anti, columns=columns), p7, AS_OF)
    assert result.outcome == PASS and result.evidence["delta_r_vs_baseline"] == pytest.approx(-1 + 0.251)
    assert correlation(frame_of(linear(10), columns=columns), p7, AS_OF).outcome == FAIL
    assert correlation(frame_of(linear(9), columns=columns), p7, AS_OF).outcome == NEITHER


# --------------------------------------------------------------------------- P3 / P4: next releases


def deepseek_frame(
    scores: dict[str, tuple[float | None, float | None]], released: dict[str, str], as_of=AS_OF
):
    models = [model(name, lab="DeepSeek", released=released[name]) for name in scores]
    observations = [
        obs(name, b, v)
        for name, vals in scores.items()
        for b, v in zip(("swe_bench_verified", "gpqa_diamond"), vals, strict=True)
        if v is not None
    ]
    return assemble(models, observations, as_of)


def gpqa_for(swe: float, h: float) -> float:
    from tracker.stats.frozen import FROZEN_INTERCEPT, FROZEN_SLOPE

    return round(FROZEN_SLOPE * swe + FROZEN_INTERCEPT + h, 1)


def test_p3_fails_early_on_one_release_above_plus_five():
    p3 = spec("P3").parameters
    frame = deepseek_frame({"deepseek-v5": (80.0, gpqa_for(80.0, 6.0))}, {"deepseek-v5": "2026-07-01"})
    result = next_releases_h(frame, p3, AS_OF)
    assert result.outcome == FAIL and result.final


def test_p3_passes_when_both_are_below_zero_and_ignores_older_releases():
    p3 = spec("P3").parameters
    scores = {
        "old": (80.0, gpqa_for(80.0, 9.0)),
        "a": (80.0, gpqa_for(80.0, -1.0)),
        "b": (82.0, gpqa_for(82.0, -2.0)),
    }
    frame = deepseek_frame(scores, {"old": "2026-05-20", "a": "2026-07-01", "b": "2026-09-01"})
    result = next_releases_h(frame, p3, AS_OF)
    assert result.outcome == PASS and result.final
    assert [r["model"] for r in result.evidence["rows"]] == ["a", "b"]


def test_p3_between_zero_and_five_is_inconclusive_once_both_are_scored():
    p3 = spec("P3").parameters
    scores = {"a": (80.0, gpqa_for(80.0, -1.0)), "b": (82.0, gpqa_for(82.0, 2.0))}
    result = next_releases_h(deepseek_frame(scores, {"a": "2026-07-01", "b": "2026-09-01"}), p3, AS_OF)
    assert result.outcome == NEITHER and result.final


def test_p3_release_missing_a_score_holds_its_slot_for_sixty_days_then_drops():
    p3 = spec("P3").parameters
    scores = {"a": (80.0, None), "b": (80.0, gpqa_for(80.0, -1.0)), "c": (81.0, gpqa_for(81.0, -3.0))}
    released = {"a": "2026-09-01", "b": "2026-09-10", "c": "2026-09-20"}
    waiting = next_releases_h(
        deepseek_frame(scores, released, dt.date(2026, 10, 1)), p3, dt.date(2026, 10, 1)
    )
    assert not waiting.final and [r["model"] for r in waiting.evidence["rows"]] == ["a", "b"]
    later = dt.date(2026, 11, 15)  # 75 days after "a": dropped, "c" moves up
    moved = next_releases_h(deepseek_frame(scores, released, later), p3, later)
    assert moved.final and moved.outcome == PASS
    assert [r["model"] for r in moved.evidence["rows"]] == ["b", "c"]
    assert moved.evidence["dropped"][0]["model"] == "a"


def test_p4_counts_gemini_pro_and_flash_but_not_flash_lite_or_gemma():
    p4 = spec("P4").parameters
    models = [
        model("gemini-4-flash-lite", "Google", "2026-06-05", "Gemini 4 Flash-Lite"),
        model("gemma-5", "Google", "2026-06-06", "Gemma 5"),
        model("gemini-4-pro", "Google", "2026-07-01", "Gemini 4 Pro"),
    ]
    observations = [obs(m.model_id, "swe_bench_verified", 80.0) for m in models]
    observations += [obs(m.model_id, "gpqa_diamond", gpqa_for(80.0, 4.0)) for m in models]
    result = next_releases_h(assemble(models, observations, AS_OF), p4, AS_OF)
    assert [r["model"] for r in result.evidence["rows"]] == ["Gemini 4 Pro"]
    # one slot leaning pass, one to come: not a PASS yet (G12), the leaning is only evidence
    assert not result.final and result.outcome == NEITHER and result.evidence["leaning"] == PASS


# --------------------------------------------------------------------------- data flow, finality, sources


def add_tracked(paths: Paths, models: list[Model], observations: list[Observation]) -> None:
    write_models(paths.models, read_models(paths.models) + models)
    write_observations(paths.scores, observations)


def test_as_of_replay_ignores_scores_known_later(project):
    a, b = model("deepseek-v5", "DeepSeek", "2026-07-01"), model("deepseek-v5.1", "DeepSeek", "2026-08-01")
    add_tracked(
        project,
        [a, b],
        [
            obs("deepseek-v5", "swe_bench_verified", 80.0, known="2026-07-10"),
            # known 50 days after release: within G13's 60, so the release keeps its slot
            obs("deepseek-v5", "gpqa_diamond", gpqa_for(80.0, 7.0), known="2026-08-20"),
        ],
    )
    before = {v.id: v for v in evaluate_all(project, dt.date(2026, 8, 19))}["P3"]
    after = {v.id: v for v in evaluate_all(project, dt.date(2026, 8, 20))}["P3"]
    assert before.status == "pending"
    assert after.status == "failed" and after.decided_at == "2026-08-20T23:59:59Z"


def test_a_decided_verdict_does_not_flip_on_a_later_correction(project):
    add_tracked(
        project,
        [model("deepseek-v5", "DeepSeek", "2026-07-01")],
        [
            obs("deepseek-v5", "swe_bench_verified", 80.0, known="2026-07-10"),
            obs("deepseek-v5", "gpqa_diamond", gpqa_for(80.0, 7.0), known="2026-07-10"),
        ],
    )
    first = {v.id: v for v in check(project, dt.date(2026, 7, 11), NOW)}
    assert first["P3"].status == "failed"
    # a correction arrives: GPQA is lower, h would now be -3
    observations = [
        obs("deepseek-v5", "swe_bench_verified", 80.0, known="2026-07-10"),
        obs("deepseek-v5", "gpqa_diamond", gpqa_for(80.0, 7.0), known="2026-07-10"),
        obs("deepseek-v5", "gpqa_diamond", gpqa_for(80.0, -3.0), known="2026-08-01"),
    ]
    write_observations(project.scores, observations)
    later = {v.id: v for v in check(project, dt.date(2026, 8, 2), NOW + dt.timedelta(days=22))}
    assert later["P3"].status == "failed" and later["P3"].late_evidence
    types = [e.type for e in read_events(project.ledger)]
    assert types.count("verdict_decided") == 1 and "late_evidence" in types
    assert read_state(project)["predictions"]["P3"]["status"] == "failed"


def test_check_is_idempotent_and_a_replay_of_an_earlier_day_records_nothing(project):
    check(project, AS_OF, NOW)
    state, ledger = (
        project.verdicts.read_bytes(),
        project.ledger.read_bytes() if project.ledger.exists() else b"",
    )
    check(project, AS_OF, NOW)
    assert project.verdicts.read_bytes() == state
    assert (project.ledger.read_bytes() if project.ledger.exists() else b"") == ledger
    check(project, dt.date(2026, 6, 1), NOW)
    assert project.verdicts.read_bytes() == state


def test_provisional_flip_is_an_event(project):
    check(project, AS_OF, NOW)
    # five new models crowd the SWE top 5 within 1 pp, with GPQA spread 8: P1 turns on track
    new = [model(f"frontier-{i}", "Lab", "2026-10-01") for i in range(5)]
    add_tracked(
        project,
        new,
        [
            o
            for i in range(5)
            for o in (
                obs(f"frontier-{i}", "swe_bench_verified", 95.0 + i * 0.2, known="2026-11-24"),
                obs(f"frontier-{i}", "gpqa_diamond", 85.0 + i * 2, known="2026-11-24"),
            )
        ],
    )
    verdicts = {v.id: v for v in check(project, dt.date(2026, 11, 24), NOW + dt.timedelta(days=1))}
    assert verdicts["P1"].provisional == "on_track"
    flips = [e for e in read_events(project.ledger) if e.type == "provisional_flipped"]
    assert [(e.payload["prediction"], e.payload["old"], e.payload["new"]) for e in flips] == [
        ("P1", "at_risk", "on_track")
    ]


def test_source_sensitivity_is_flagged(project):
    # five saturated models per Epoch; the lab reports a spread SWE score for one of them
    new = [model(f"frontier-{i}", "Lab", "2026-10-01") for i in range(5)]
    observations = [
        o
        for i in range(5)
        for o in (
            obs(f"frontier-{i}", "swe_bench_verified", 95.0 + i * 0.2),
            obs(f"frontier-{i}", "gpqa_diamond", 85.0 + i * 2),
        )
    ]
    observations.append(obs("frontier-0", "swe_bench_verified", 85.0, source="vendor", tier="first_party"))
    add_tracked(project, new, observations)
    p1 = {v.id: v for v in evaluate_all(project, AS_OF)}["P1"]
    # G7: the lab's number stands (spread 95.8 - 85.0 > 5); Epoch's first would read on track
    assert p1.provisional == "at_risk" and p1.if_decided_today == "failed" and p1.source_sensitive
    assert p1.by_source["independent_first"] == "pending:on_track"


def test_agent_system_entries_are_not_model_evidence():
    frame = assemble(
        [model("m")],
        [
            obs("m", "swe_bench_verified", 90.0, source="swebench", variant="system:20260101_x"),
            obs("m", "swe_bench_verified", 70.0, source="swebench", variant="mini-swe-agent"),
        ],
        AS_OF,
    )
    assert frame.loc[0, "swe_bench_verified"] == 70.0


def test_within_a_source_the_latest_value_of_each_variant_and_the_best_variant_stand():
    frame = assemble(
        [model("m")],
        [
            obs("m", "gpqa_diamond", 80.0, variant="high", known="2026-07-01"),
            obs("m", "gpqa_diamond", 82.0, variant="high", known="2026-08-01"),
            obs("m", "gpqa_diamond", 81.0, variant="low", known="2026-08-01"),
        ],
        AS_OF,
    )
    assert frame.loc[0, "gpqa_diamond"] == 82.0 and frame.loc[0, "gpqa_diamond_variant"] == "high"


def test_registered_specs_carry_every_decision_with_a_reason():
    for registered in load_specs(COMMITTED):
        assert registered.decisions and all(d["reason"] and d["decision"] for d in registered.decisions)
        assert dataclasses.asdict(registered)["text"]
