"""Which score stands, and what today's data would decide (issue 11).

Every expected value comes from the registered rule text (predictions/P*.toml, G6, G7, G11,
G12), not from running the code: a lab's single-attempt, no-tools number stands; a secondary
report never decides; a pending prediction says what the rules would give with today as the
deadline.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tracker.alerts.messages import render
from tracker.cli import main
from tracker.panel import WITH_SECONDARY, assemble, choose
from tracker.paths import Paths
from tracker.records import Event, Model, Observation
from tracker.scrapers.run import indicative_scores
from tracker.store import read_models, read_observations, write_models, write_observations
from tracker.verdicts.evaluators import NEITHER, PASS, correlation, published, top_k_spread
from tracker.verdicts.predictions import Verdict, evaluate_all, transition_events
from tracker.verdicts.specs import load_specs

REPO = Path(__file__).resolve().parent.parent
URL = "https://example.org/report"


def obs(model_id: str, benchmark: str, score: float, source: str = "vendor", **fields: str) -> Observation:
    fields.setdefault("tier", "first_party" if source == "vendor" else "independent")
    return Observation(model_id, benchmark, score, source, URL, "2026-07-01T00:00:00Z", **fields)


def spec_parameters(pid: str) -> dict:
    """A prediction's registered parameters (with its amendments), as the code reads them."""
    return next(s for s in load_specs(Paths(REPO)) if s.id == pid).parameters


# ------------------------------------------------------------------ G6 / G7: which score stands


def test_the_labs_harness_result_beats_the_bash_only_board():
    # G6: "bash-only" leaderboards only "when the lab reports" no harness result of its own
    chosen = choose(
        [
            obs("m", "swe_bench_verified", 70.0, "swebench", harness="bash-only", variant="mini-swe-agent"),
            obs("m", "swe_bench_verified", 85.0, harness="lab"),
        ],
        ("paper", "first_party", "epoch", "swebench", "hle"),
    )
    assert chosen is not None and chosen.score == 85.0


def test_hle_with_tools_never_stands_for_no_tools():
    # G6: HLE "no tools"; "never mix with-tools and no-tools in one statistic"
    frame = assemble(
        [Model("m", "M", "Lab", "2026-07-01")],
        [obs("m", "hle", 55.0, tools="with", variant="tools"), obs("m", "hle", 40.0, tools="none")],
        dt.date(2026, 8, 1),
    )
    assert frame.loc[0, "hle"] == 40.0


def test_a_pass_at_k_score_never_stands_for_a_single_attempt():
    # G7: "the lab's headline single-attempt number"
    chosen = choose(
        [
            obs("m", "swe_bench_verified", 90.0, attempts="pass@8", variant="pass8"),
            obs("m", "swe_bench_verified", 80.0, attempts="parallel", variant="parallel"),
            obs("m", "swe_bench_verified", 75.0, attempts="single"),
        ],
        ("paper", "first_party", "epoch"),
    )
    assert chosen is not None and chosen.score == 75.0


def test_the_labs_number_beats_an_independent_evaluator():
    # G7: "independent-leaderboard value only if the lab gives none"
    both = [obs("m", "gpqa_diamond", 80.0, "epoch"), obs("m", "gpqa_diamond", 84.0)]
    default = ("paper", "first_party", "epoch", "swebench", "hle")
    assert choose(both, default).score == 84.0
    assert choose(both[:1], default).score == 80.0


def test_a_secondary_report_never_stands_but_is_the_sensitivity_line():
    blog = obs("m", "hle", 59.0, tier="secondary")
    assert choose([blog], ("paper", "first_party", "epoch", "swebench", "hle")) is None
    assert choose([blog], WITH_SECONDARY) is blog
    # an independent evaluator's number is used before a secondary report, whatever its value
    assert choose([blog, obs("m", "hle", 30.0, "epoch")], WITH_SECONDARY).score == 30.0


def test_an_independent_source_the_order_does_not_name_still_counts_after_the_named_ones():
    helm = obs("m", "ifeval", 88.0, "helm")
    epoch = obs("m", "ifeval", 80.0, "epoch")
    order = ("paper", "first_party", "epoch")
    assert choose([helm, epoch], order) is epoch
    assert choose([helm], order) is helm


def test_ifeval_prefers_prompt_level_strict_within_one_source():
    # G6: "prefer prompt-level strict when several are given"
    chosen = choose(
        [
            obs("m", "ifeval", 93.0, ifeval_metric="instruction_loose", variant="il"),
            obs("m", "ifeval", 88.0, ifeval_metric="prompt_strict", variant="ps"),
        ],
        ("paper", "first_party"),
    )
    assert chosen is not None and chosen.score == 88.0


# ------------------------------------------------------------------ the committed data


def test_committed_vendor_rows_are_all_secondary_reports():
    # every page in data/vendor_scores.csv is a blog, news or course page repeating a number
    with (REPO / "data" / "vendor_scores.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 24 and {row["tier"] for row in rows} == {"secondary"}


def test_check_as_of_2026_12_01_says_what_today_would_decide(capsys: pytest.CaptureFixture[str]):
    assert main(["--root", str(REPO), "check", "--as-of", "2026-12-01", "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    # P1: SWE spread 7.0 > 5; P7: r > +0.3 on n >= 10: each meets its FAIL rule
    assert {pid: rows[pid]["if_decided_today"] for pid in ("P1", "P7")} == dict.fromkeys(
        ("P1", "P7"), "failed"
    )
    assert {pid: rows[pid]["provisional"] for pid in ("P1", "P7")} == dict.fromkeys(("P1", "P7"), "at_risk")
    # P2: with the labs' and HELM's IFEval beside the papers' four values, the rule reads its PASS
    # branch exactly when r > 0.6 on n >= 8
    p2 = rows["P2"]["evidence"]
    assert p2["n"] >= 8 and p2["r"] > 0.6 and rows["P2"]["if_decided_today"] == "passed"
    # P6 lacks data (fewer than 10 IFEval models): inconclusive, not failed
    assert rows["P6"]["if_decided_today"] == "inconclusive"
    p7 = rows["P7"]["evidence"]
    assert p7["n"] >= 10 and p7["r"] > 0.3
    assert all(
        row["hle_tier"] != "secondary" and row["swe_bench_verified_tier"] != "secondary" for row in p7["rows"]
    )
    assert not {"claude-fable-5", "claude-opus-4.8"} & {row["model_id"] for row in p7["rows"]}


# ------------------------------------------------------------------ G12


@pytest.fixture()
def copy_root(tmp_path: Path) -> Path:
    root = tmp_path / "R"
    for name in ("data", "predictions"):
        shutil.copytree(REPO / name, root / name)
    for name in ("sources.toml", "tracker.toml"):
        shutil.copy(REPO / name, root / name)
    return root


def test_one_of_two_p3_slots_scored_and_passing_is_inconclusive_at_the_horizon(
    copy_root: Path, capsys: pytest.CaptureFixture[str]
):
    # G12: "Fewer than 2 scored qualifying releases by then -> INCONCLUSIVE (unless already FAIL)".
    # h = 85 - (0.513 * 85 + 46.38) = -4.99 < 0: the one slot passes, the other is never filled.
    # add-score records the scores today, so the release is ten days old then (G13 keeps it).
    released = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=10)).isoformat()
    for benchmark in ("swe_bench_verified", "gpqa_diamond"):
        args = [
            "DeepSeek V4.1",
            benchmark,
            "85",
            "--source",
            "https://example.org/a",
            "--tier",
            "first_party",
        ]
        code = main(
            [
                "--root",
                str(copy_root),
                "add-score",
                *args,
                "--lab",
                "DeepSeek",
                "--release-date",
                released,
            ]
        )
        assert code == 0
    capsys.readouterr()
    assert main(["--root", str(copy_root), "check", "--as-of", "2027-06-01", "--json"]) == 0
    p3 = next(row for row in json.loads(capsys.readouterr().out) if row["id"] == "P3")
    assert p3["evidence"]["n"] == 1 and p3["evidence"]["rows"][0]["h"] < 0
    # within the registered 14-day grace after the horizon: deciding, and it would be inconclusive
    assert (p3["status"], p3["if_decided_today"]) == ("deciding", "inconclusive")
    assert main(["--root", str(copy_root), "check", "--as-of", "2027-06-14", "--json"]) == 0
    p3 = next(row for row in json.loads(capsys.readouterr().out) if row["id"] == "P3")
    assert (p3["status"], p3["decided_at"]) == ("inconclusive", "2027-06-14T23:59:59Z")


def test_one_passing_slot_before_the_horizon_is_pending_and_would_be_inconclusive_today(project: Paths):
    release = Model("deepseek-v9", "DeepSeek V9", "DeepSeek", "2026-07-01", cohort="tracked")
    write_models(project.models, [*read_models(project.models), release])
    write_observations(
        project.scores,
        [obs("deepseek-v9", "swe_bench_verified", 85.0), obs("deepseek-v9", "gpqa_diamond", 85.0)],
    )
    p3 = next(v for v in evaluate_all(project, dt.date(2026, 12, 1)) if v.id == "P3")
    assert p3.status == "pending" and p3.if_decided_today == "inconclusive" and p3.provisional == "at_risk"


def test_the_alert_for_a_changed_reading_says_what_today_would_decide():
    payload = {
        "prediction": "P7",
        "old": "at_risk",
        "new": "at_risk",
        "old_if_decided_today": "inconclusive",
        "if_decided_today": "failed",
        "summary": "r(SWE, HLE) = +0.742 on n = 14",
    }
    message = render(
        Event("provisional_flipped-0123456789abcdef", "provisional_flipped", "2026-12-01T23:59:59Z", payload)
    )
    assert message.subject == "P7 if decided today: inconclusive → failed"
    assert "would now be failed (was inconclusive)" in message.text and "not a verdict" in message.text


# ------------------------------------------------------------------ G13


def _tracked(project: Paths, releases: list[Model], observations: list[Observation]) -> None:
    write_models(project.models, [*read_models(project.models), *releases])
    write_observations(project.scores, observations)


def _known(model_id: str, benchmark: str, score: float, day: str) -> Observation:
    return Observation(
        model_id, benchmark, score, "epoch", URL, f"{day}T00:00:00Z", reported_date=day, tier="independent"
    )


def _gpqa_for(swe: float, h: float) -> float:
    return round(h + 0.5130797931804454 * swe + 46.37991766761589, 2)


def test_a_release_dropped_after_60_days_stays_dropped_and_the_verdict_keeps_its_day(project: Paths):
    # G13: A (2026-07-01) has no GPQA 60 days on, so on 2026-08-31 it is dropped and B, C move
    # up. B and C pass (h < 0), so P3 PASSES on 2026-09-10. A's GPQA arrives on 2026-10-01 with
    # h = +7 (> +5 would FAIL): the drop is permanent, a replay of any day reads the same, and
    # the decision keeps its own day.
    releases = [
        Model("deepseek-a", "DeepSeek A", "DeepSeek", "2026-07-01", cohort="tracked"),
        Model("deepseek-b", "DeepSeek B", "DeepSeek", "2026-08-01", cohort="tracked"),
        Model("deepseek-c", "DeepSeek C", "DeepSeek", "2026-08-15", cohort="tracked"),
    ]
    observations = [
        _known("deepseek-a", "swe_bench_verified", 80.0, "2026-07-05"),
        _known("deepseek-a", "gpqa_diamond", _gpqa_for(80.0, 7.0), "2026-10-01"),
        _known("deepseek-b", "swe_bench_verified", 80.0, "2026-08-05"),
        _known("deepseek-b", "gpqa_diamond", _gpqa_for(80.0, -2.0), "2026-08-05"),
        _known("deepseek-c", "swe_bench_verified", 80.0, "2026-09-10"),
        _known("deepseek-c", "gpqa_diamond", _gpqa_for(80.0, -3.0), "2026-09-10"),
    ]
    _tracked(project, releases, observations)

    def p3(day: str):
        return next(v for v in evaluate_all(project, dt.date.fromisoformat(day)) if v.id == "P3")

    assert p3("2026-08-30").status == "pending"  # A still holds its slot on day 60
    decided = p3("2026-09-10")
    assert (decided.status, decided.decided_at) == ("passed", "2026-09-10T23:59:59Z")
    assert [d["dropped_on"] for d in decided.evidence["dropped"]] == ["2026-08-31"]
    later = p3("2026-10-05")
    assert (later.status, later.decided_at) == ("passed", "2026-09-10T23:59:59Z")
    assert [r["model_id"] for r in later.evidence["rows"]] == ["deepseek-b", "deepseek-c"]
    assert p3("2026-09-10").to_json() == decided.to_json()  # the same day replays the same


def test_an_early_fail_is_dated_the_day_it_was_decided_not_by_a_later_correction(project: Paths):
    releases = [Model("deepseek-d", "DeepSeek D", "DeepSeek", "2026-07-01", cohort="tracked")]
    observations = [
        _known("deepseek-d", "swe_bench_verified", 80.0, "2026-07-10"),
        _known("deepseek-d", "gpqa_diamond", _gpqa_for(80.0, 6.0), "2026-07-12"),
        # a corrected GPQA learnt later reads h = +1: the FAIL of 2026-07-12 stands
        Observation(
            "deepseek-d",
            "gpqa_diamond",
            _gpqa_for(80.0, 1.0),
            "epoch",
            URL,
            "2026-08-01T00:00:00Z",
            reported_date="2026-08-01",
            tier="independent",
        ),
    ]
    _tracked(project, releases, observations)
    p3 = next(v for v in evaluate_all(project, dt.date(2026, 9, 1)) if v.id == "P3")
    assert (p3.status, p3.decided_at) == ("failed", "2026-07-12T23:59:59Z")
    assert p3.late_evidence and p3.late_evidence.startswith("later data read inconclusive")
    # the note names what the data read, not the day it was read: one event, not one a day
    later = next(v for v in evaluate_all(project, dt.date(2026, 9, 2)) if v.id == "P3")
    assert later.late_evidence == p3.late_evidence


# ------------------------------------------------------------------ G15


def _panel(scores: dict[str, dict[str, float]]):
    models = [Model(name, name, "Lab", "2026-07-01", cohort="tracked") for name in scores]
    observations = [
        obs(name, benchmark, value, "epoch")
        for name, values in scores.items()
        for benchmark, value in values.items()
    ]
    return assemble(models, observations, dt.date(2026, 12, 1))


def _p6_panel(ifeval_low: float, hle_low: float, hle_high: float):
    scores = {f"m{i}": {"ifeval": 91.0 - i * 0.1, "hle": 30.0} for i in range(9)}
    scores["m0"]["hle"] = hle_high
    scores["m9"] = {"ifeval": ifeval_low, "hle": hle_low}
    return _panel(scores)


def test_a_spread_exactly_at_a_strict_threshold_never_passes_whatever_the_float():
    # G15: 37.52 - 22.52 is 15.000000000000004 in binary floating point; published, it is 15.00,
    # and "HLE spread > 15" is not met
    params = spec_parameters("P6")
    result = top_k_spread(_p6_panel(90.0, 22.52, 37.52), params, dt.date(2026, 12, 1))
    assert result.evidence["second_spread"] == 15.0 and result.outcome == NEITHER
    result = top_k_spread(_p6_panel(90.0, 22.52, 37.53), params, dt.date(2026, 12, 1))
    assert result.outcome == PASS


def test_a_float_above_a_fail_threshold_is_not_a_fail_at_published_precision():
    # 70.01 - 62.01 is 8.000000000000007 in floats: "IFEval spread > 8" is not met
    scores = {f"m{i}": {"ifeval": 70.01 if i == 0 else 69.0} for i in range(9)}
    scores["m9"] = {"ifeval": 62.01}
    result = top_k_spread(_panel(scores), spec_parameters("P6"), dt.date(2026, 12, 1))
    assert result.evidence["rank_spread"] == 8.0 and result.outcome == NEITHER


def test_published_removes_unit_conversion_noise_only():
    assert published(0.2437 * 100) == Decimal("24.37")
    assert published(34.659090909090914) == Decimal("34.659091")


# ------------------------------------------------------------------ G11 and the grace period


def _dated(model_id: str, benchmark: str, score: float, dated: str, learnt: str) -> Observation:
    return Observation(
        model_id,
        benchmark,
        score,
        "epoch",
        URL,
        f"{learnt}T00:00:00Z",
        reported_date=dated,
        tier="independent",
    )


@pytest.fixture()
def saturating(project: Paths) -> Paths:
    """Five new releases at SWE 95.0-95.4 with GPQA 80-88: P1's PASS rule (SWE spread < 2 and
    GPQA spread > 5), once the fifth, dated 2026-12-30, is learnt on 2027-01-05 (in the grace)."""
    releases = [Model(f"sat-{i}", f"Sat {i}", "Lab", "2026-11-01", cohort="tracked") for i in range(6)]
    observations = []
    for i in range(5):
        learnt = "2027-01-05" if i == 4 else "2026-12-20"
        dated = "2026-12-30" if i == 4 else "2026-12-20"
        observations += [
            _dated(f"sat-{i}", "swe_bench_verified", 95.0 + i / 10, dated, learnt),
            _dated(f"sat-{i}", "gpqa_diamond", 80.0 + 2 * i, dated, learnt),
        ]
    # a score dated after the deadline never counts, whenever it is learnt (G11)
    observations += [
        _dated("sat-5", "swe_bench_verified", 99.0, "2027-01-02", "2027-01-03"),
        _dated("sat-5", "gpqa_diamond", 80.0, "2027-01-02", "2027-01-03"),
    ]
    _tracked(project, releases, observations)
    return project


def _p1(project: Paths, day: str):
    return next(v for v in evaluate_all(project, dt.date.fromisoformat(day)) if v.id == "P1")


def test_at_the_deadline_the_status_is_deciding_on_the_scores_dated_by_it(saturating: Paths):
    # on 2026-12-31 four of the five are known: Claude Opus 4.7 (87.6) is fifth, spread > 5
    at_deadline = _p1(saturating, "2026-12-31")
    assert (at_deadline.status, at_deadline.if_decided_today, at_deadline.decided_at) == (
        "deciding",
        "failed",
        None,
    )
    assert at_deadline.to_json()["final_on"] == "2027-01-14"


def test_the_verdict_is_final_at_the_end_of_grace_counting_scores_dated_by_the_deadline(saturating: Paths):
    final = _p1(saturating, "2027-01-14")
    assert (final.status, final.decided_at) == ("passed", "2027-01-14T23:59:59Z")
    assert "sat-5" not in {row["model_id"] for row in final.evidence["rows"]}
    assert final.evidence["dated_by"] == "2026-12-31" and final.late_evidence is None


def test_a_score_dated_by_the_deadline_learnt_after_grace_is_late_evidence_not_a_flip(saturating: Paths):
    scores = read_observations(saturating.scores)
    saturating_release = Model("late-1", "Late 1", "Lab", "2026-11-15", cohort="tracked")
    write_models(saturating.models, [*read_models(saturating.models), saturating_release])
    # SWE 99.0, dated 2026-12-29 but learnt 2027-01-20: the top-5 spread would be 3.9 (not < 2)
    write_observations(
        saturating.scores,
        [
            *scores,
            _dated("late-1", "swe_bench_verified", 99.0, "2026-12-29", "2027-01-20"),
            _dated("late-1", "gpqa_diamond", 70.0, "2026-12-29", "2027-01-20"),
        ],
    )
    assert _p1(saturating, "2027-01-14").status == "passed"
    later = _p1(saturating, "2027-02-01")
    assert (later.status, later.decided_at) == ("passed", "2027-01-14T23:59:59Z")
    assert later.late_evidence is not None and "inconclusive" in later.late_evidence


# ------------------------------------------------------------------ G3 and the secondary line


def test_every_panel_prediction_reports_the_new_only_reading(capsys: pytest.CaptureFixture[str]):
    # G3: "Cumulative ..., with the new-only statistic reported as a diagnostic" (P1, P2, P5-P7)
    assert main(["--root", str(REPO), "check", "--as-of", "2026-12-01", "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    for pid in ("P1", "P2", "P5", "P6", "P7"):
        new = rows[pid]["evidence"]["diagnostics"]["new_only"]
        assert new["from"] == "2026-06-01" and new["reading"] in ("passed", "failed", "inconclusive"), pid
    # P2's rule makes n < 5 a FAIL, on the new releases as on the whole panel
    assert rows["P2"]["evidence"]["diagnostics"]["new_only"]["n"] < 5
    assert rows["P2"]["evidence"]["diagnostics"]["new_only"]["reading"] == "failed"


def test_p5_publishes_the_new_only_reading_as_a_secondary_verdict_from_30_new_releases(project: Paths):
    # P5-a: "published as a secondary verdict once n_new >= 30"; 30 new releases with GPQA
    # rising with SWE (r = +1 > 0.5) read passed; 29 give no secondary verdict yet
    releases = [Model(f"new-{i}", f"New {i}", "Lab", "2026-07-01", cohort="tracked") for i in range(30)]
    observations = [
        o
        for i in range(30)
        for o in (
            obs(f"new-{i}", "swe_bench_verified", 60.0 + i, "epoch"),
            obs(f"new-{i}", "gpqa_diamond", 60.0 + i, "epoch"),
        )
    ]
    _tracked(project, releases, observations)
    p5 = next(v for v in evaluate_all(project, dt.date(2026, 12, 1)) if v.id == "P5")
    assert p5.evidence["secondary_verdict"] == {"panel": "new_only", "n": 30, "needs": 30, "status": "passed"}
    _tracked(project, [], observations[:-2])
    p5 = next(v for v in evaluate_all(project, dt.date(2026, 12, 1)) if v.id == "P5")
    assert p5.evidence["secondary_verdict"]["status"] is None


def test_secondary_reports_are_listed_with_the_reading_they_would_give(capsys: pytest.CaptureFixture[str]):
    assert main(["--root", str(REPO), "check", "--as-of", "2026-12-01", "--json"]) == 0
    p7 = next(row for row in json.loads(capsys.readouterr().out) if row["id"] == "P7")
    line = p7["evidence"]["with_secondary"]
    shown = {(s["model"], s["benchmark"], s["score"]) for s in line["secondary"]}
    assert {("Claude Fable 5", "hle", 59.0), ("Claude Opus 4.8", "hle", 45.7)} <= shown
    assert line["reading"] == p7["by_source"]["with_secondary"]
    # the verdict itself counts none of them
    assert not {"claude-fable-5", "claude-opus-4.8"} & {row["model_id"] for row in p7["evidence"]["rows"]}


# ------------------------------------------------------------------ the registry's own history


def test_each_decision_that_can_change_a_verdict_shows_the_verdict_under_its_other_reading(project: Paths):
    # on the papers' data alone: P2 has n = 4, a FAIL by the registered P2-a ("n < 5" is FAIL);
    # under G10's general rule it would be INCONCLUSIVE
    verdicts = {v.id: v for v in evaluate_all(project, dt.date(2026, 11, 23))}
    p2 = {a["decision"]: a for a in verdicts["P2"].to_json()["alternative_readings"]}
    assert verdicts["P2"].if_decided_today == "failed"
    assert (p2["P2-a"]["if_decided_today"], p2["P2-a"]["differs"]) == ("inconclusive", True)
    assert p2["P2-a"]["decided_on"] == "2026-11-23"
    # P3-a: were the post-cutoff DeepSeek V4 Pro (h = +2.37, in [0, +5]) a target, P3 could no
    # longer pass
    p3 = {a["decision"]: a for a in verdicts["P3"].to_json()["alternative_readings"]}
    assert "DeepSeek V4 Pro h = +2.37" in p3["P3-a"]["summary"] and p3["P3-a"]["differs"]
    # G11 (b), an early PASS: P5's PASS criteria hold today (r = +0.75 on 39), so it would be final
    p5 = {a["decision"]: a for a in verdicts["P5"].to_json()["alternative_readings"]}
    assert verdicts["P5"].status == "pending" and p5["G11"]["reading"] == "passed"


def test_a_new_release_alert_never_takes_its_h_from_a_secondary_report():
    blog = [
        obs("m", "swe_bench_verified", 95.0, tier="secondary"),
        obs("m", "gpqa_diamond", 90.0, tier="secondary"),
    ]
    assert indicative_scores(blog, "m") == {}
    lab = [obs("m", "swe_bench_verified", 85.0), obs("m", "gpqa_diamond", 88.0)]
    assert indicative_scores(blog + lab, "m") == {
        "swe_bench_verified": (85.0, "vendor"),
        "gpqa_diamond": (88.0, "vendor"),
    }


def test_a_change_of_what_today_would_decide_is_an_alertable_event_even_if_still_at_risk():
    spec = next(s for s in load_specs(Paths(REPO)) if s.id == "P7")
    before = {
        "predictions": {
            "P7": {"status": "pending", "provisional": "at_risk", "if_decided_today": "inconclusive"}
        }
    }
    now = Verdict(
        spec,
        dt.date(2026, 12, 1),
        "pending",
        "at_risk",
        {"summary": "r = +0.75"},
        None,
        if_decided_today="failed",
    )
    (event,) = transition_events(before, [now], dt.datetime(2026, 12, 1, 23, 59, 59, tzinfo=dt.UTC))
    assert event.type == "provisional_flipped"
    assert (event.payload["old_if_decided_today"], event.payload["if_decided_today"]) == (
        "inconclusive",
        "failed",
    )
    unchanged = {"predictions": {"P7": {**before["predictions"]["P7"], "if_decided_today": "failed"}}}
    assert transition_events(unchanged, [now], dt.datetime(2026, 12, 2, tzinfo=dt.UTC)) == []


def test_text_only_hle_counts_only_when_the_whole_statistic_is_text_only():
    # G6 / P7-a: "text-only only if the whole statistic uses text-only"
    xs, ys = [60.0, 65.0, 70.0, 75.0], [20.0, 25.0, 30.0, 35.0]
    full = {f"f{i}": (x, y, "full") for i, (x, y) in enumerate(zip(xs, ys, strict=True))}
    mixed = {**full, "t0": (90.0, 5.0, "text-only")}
    models = [Model(name, name, "Lab", "2026-07-01", cohort="tracked") for name in mixed]
    observations = [
        o
        for name, (x, y, subset) in mixed.items()
        for o in (
            obs(name, "swe_bench_verified", x, "epoch"),
            obs(name, "hle", y, "epoch", hle_subset=subset),
        )
    ]
    frame = assemble(models, observations, dt.date(2026, 12, 1))
    result = correlation(frame, spec_parameters("P7"), dt.date(2026, 12, 1))
    assert result.evidence["n"] == 4 and result.evidence["hle_text_only_left_out"] == ["t0"]
    only_text = assemble(models[-1:], observations[-2:], dt.date(2026, 12, 1))
    assert (
        correlation(only_text, spec_parameters("P7"), dt.date(2026, 12, 1)).evidence["hle_text_only_left_out"]
        == []
    )
