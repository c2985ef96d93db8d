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
from pathlib import Path

import pytest

from tracker.alerts.messages import render
from tracker.cli import main
from tracker.panel import WITH_SECONDARY, assemble, choose
from tracker.paths import Paths
from tracker.records import Event, Model, Observation
from tracker.store import read_models, write_models, write_observations
from tracker.verdicts.predictions import evaluate_all

REPO = Path(__file__).resolve().parent.parent
URL = "https://example.org/report"


def obs(model_id: str, benchmark: str, score: float, source: str = "vendor", **fields: str) -> Observation:
    fields.setdefault("tier", "first_party" if source == "vendor" else "independent")
    return Observation(model_id, benchmark, score, source, URL, "2026-07-01T00:00:00Z", **fields)


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
    # P1: SWE spread 7.0 > 5; P2: n = 4 < 5; P7: r > +0.3 on n >= 10: each meets its FAIL rule
    assert {pid: rows[pid]["if_decided_today"] for pid in ("P1", "P2", "P7")} == dict.fromkeys(
        ("P1", "P2", "P7"), "failed"
    )
    assert {pid: rows[pid]["provisional"] for pid in ("P1", "P2", "P7")} == dict.fromkeys(
        ("P1", "P2", "P7"), "at_risk"
    )
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
                "2026-07-01",
            ]
        )
        assert code == 0
    capsys.readouterr()
    assert main(["--root", str(copy_root), "check", "--as-of", "2027-06-01", "--json"]) == 0
    p3 = next(row for row in json.loads(capsys.readouterr().out) if row["id"] == "P3")
    assert p3["evidence"]["n"] == 1 and p3["evidence"]["rows"][0]["h"] < 0
    assert p3["status"] == "inconclusive"


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
