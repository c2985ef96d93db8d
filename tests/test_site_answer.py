"""The site answers first: what today's data would decide under each registered rule, on the
index's top line, on every card and in the answer box of each prediction page, with the
deciding numbers as labelled values against their thresholds."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tracker.panel import PanelSource
from tracker.paths import Paths
from tracker.records import Observation
from tracker.site import answer
from tracker.site.freshness import newest_data_day, source_ages
from tracker.verdicts import predictions

P1_PARAMS = {
    "fail_rank_spread_above": 5.0,
    "k": 5,
    "min_second": 5,
    "pass_rank_spread_below": 2.0,
    "pass_second_spread_above": 5.0,
    "rank_by": "swe_bench_verified",
    "require_second": True,
    "second": "gpqa_diamond",
}
P2_PARAMS = {
    "fail_if_n_below": 5,
    "fail_r_below": 0.3,
    "min_n_fail": 5,
    "min_n_pass": 8,
    "pass_r_above": 0.6,
    "x": "gpqa_diamond",
    "y": "ifeval",
}


def verdict(pid: str, evaluator: str, params: dict, evidence: dict, **fields) -> dict:
    base = {
        "id": pid,
        "title": "t",
        "status": "pending",
        "provisional": "at_risk",
        "days_left": 30,
        "deadline": "2026-12-31T23:59:59Z",
        "evaluator": evaluator,
        "parameters": params,
        "evidence": evidence,
    }
    return base | fields


def test_a_spread_above_the_fail_line_reads_as_would_fail_with_its_units() -> None:
    v = verdict(
        "P1",
        "top_k_spread",
        P1_PARAMS,
        {"rank_spread": 7.0, "second_spread": 7.3, "n": 39, "k": 5},
        if_decided_today="failed",
    )
    box = answer.answer(v)
    assert box.would_be == "failed"
    assert box.sentence == (
        "If decided today, P1 would fail: the top-5 SWE spread is 7.0 pp, above the 5.0 pp fail line."
    )
    first = box.facts[0]
    assert (first.label, first.value, first.rule) == (
        "top-5 SWE spread",
        "7.0 pp",
        "fails above 5.0 pp; passes below 2.0 pp",
    )
    line = box.lines[0]
    assert line.fail_zone[0] == 5.0 and line.pass_zone == (0.0, 2.0) and line.marks == ((7.0, "7.0"),)
    assert "falls to 5.0 pp or less" in box.change


def test_too_few_models_fail_a_correlation_on_n_alone() -> None:
    v = verdict(
        "P2",
        "correlation",
        P2_PARAMS,
        {"n": 4, "r": 0.799, "p": 0.2},
        if_decided_today="failed",
    )
    box = answer.answer(v)
    assert "only 4 models have both GPQA and IFEval" in box.sentence
    n_fact = box.facts[0]
    assert (n_fact.value, n_fact.decisive) == ("4", True)
    assert n_fact.rule == "pass needs at least 8; fails below 5"
    assert not box.facts[1].decisive, "r does not decide while n fails it"
    assert [line.label for line in box.lines] == ["r(GPQA, IFEval)", "n (models)"]
    assert box.change.startswith("It fails on n alone: 1 more model")


def test_an_empty_slot_prediction_says_what_would_count() -> None:
    params = {
        "fail_h_above": 5.0,
        "lab": "DeepSeek",
        "pass_h_below": 0.0,
        "released_from": "2026-06-01",
        "slots": 2,
        "score_wait_days": 60,
    }
    box = answer.answer(verdict("P3", "next_releases_h", params, {"rows": [], "n": 0}, provisional=None))
    assert box.would_be == "inconclusive"
    assert "could not be decided" in box.sentence and "0 of 2 slots" in box.sentence
    assert "the next 2 DeepSeek releases from 2026-06-01" in box.change
    assert "h < 0 for both passes; h > +5 for either fails" in box.change


def test_a_decided_verdict_is_its_own_answer() -> None:
    v = verdict("P3", "next_releases_h", {}, {"rows": []}, status="failed", if_decided_today="passed")
    assert answer.would_be(v) == "failed"
    assert answer.would_be_words(v) == "failed"


def test_a_deciding_prediction_says_it_is_in_its_grace_period() -> None:
    v = verdict(
        "P1",
        "top_k_spread",
        P1_PARAMS,
        {"rank_spread": 7.0, "second_spread": 7.3, "n": 39, "k": 5},
        status="deciding",
        provisional=None,
        days_left=-3,
        if_decided_today="failed",
    )
    assert answer.would_be_words(v) == "would fail"
    assert answer.answer(v).sentence.startswith(
        "P1 is past its deadline and being decided: on the scores dated by it, it would fail: "
    )


def test_top_line_counts_would_be_verdicts_and_near_deadlines() -> None:
    verdicts = [
        verdict("P1", "x", {}, {}, if_decided_today="failed", days_left=30),
        verdict("P2", "x", {}, {}, if_decided_today="failed", days_left=31),
        verdict("P3", "x", {}, {}, if_decided_today="inconclusive", days_left=0),
        verdict("P4", "x", {}, {}, if_decided_today="passed", days_left=400),
        verdict("P5", "x", {}, {}, status="passed", days_left=-3),
    ]
    assert answer.top_line_text(verdicts) == (
        "If decided today: 2 fail, 2 pass, 1 cannot be decided; 2 deadlines in 30 days"
    )


def test_would_be_reads_the_registered_rules_on_the_papers_data(project: Paths) -> None:
    """On the papers' own data, as of 2026-06-01: P1's top-5 SWE spread is 7.0 pp (> 5: fail),
    P2 has 4 models with GPQA and IFEval (n < 5: fail), P3 and P4 have no qualifying release,
    P6 has fewer than 10 IFEval scores (neither rule can be applied)."""
    verdicts = [
        v.to_json() for v in predictions.evaluate_all(project, dt.date(2026, 6, 1), PanelSource(project))
    ]
    would = {v["id"]: answer.would_be(v) for v in verdicts}
    assert {k: would[k] for k in ("P1", "P2", "P3", "P4", "P6")} == {
        "P1": "failed",
        "P2": "failed",
        "P3": "inconclusive",
        "P4": "inconclusive",
        "P6": "inconclusive",
    }
    assert answer.top_line(verdicts)["failed"] >= 2


def observation(source: str, retrieved: str, reported: str = "") -> Observation:
    return Observation("m", "gpqa_diamond", 50.0, source, "https://a.example/", retrieved, reported)


def test_source_age_is_the_data_date_not_the_typing_day() -> None:
    rows = source_ages(
        [
            observation("epoch", "2026-04-11T00:00:00Z", "2026-04-08"),
            observation("vendor", "2026-11-26T00:00:00Z"),
            observation("vendor", "2026-11-26T00:00:00Z", "2026-10-02"),
            observation("epoch", "2026-12-05T00:00:00Z"),  # learnt after the day: not shown
        ],
        {"hf_hub": {"status": "ok"}},
        dt.date(2026, 12, 1),
    )
    assert rows == [
        {"name": "epoch", "data_date": "2026-04-11", "age_days": 234, "scores": 1, "status": None},
        {"name": "hf_hub", "data_date": "", "age_days": None, "scores": 0, "status": "ok"},
        {"name": "vendor", "data_date": "2026-10-02", "age_days": 60, "scores": 2, "status": None},
    ]
    assert newest_data_day(rows) == "2026-10-02"


class Sections(HTMLParser):
    """The ids of a page's sections and <details> blocks, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []
        self.details = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "summary"):
            self.order.append(dict(attrs).get("id") or tag)
        if tag == "details":
            self.details += 1


def test_index_leads_with_the_top_line_and_each_card_with_its_would_be(built_site: Path) -> None:
    html = (built_site / "index.html").read_text(encoding="utf-8")
    top = re.search(r'<p class="topline" id="topline">(.*?)</p>', html, re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", top.group(1))).strip() if top else ""
    assert re.fullmatch(
        r"If decided today: \d fail, \d pass, \d cannot be decided; \d deadlines? in 30 days\.", text
    )
    assert html.index('id="topline"') < html.index('id="card-P1"')
    assert html.count('class="would wb-') >= 7
    assert '<meta name="description" content="If decided today:' in html
    assert '<meta property="og:description" content="If decided today:' in html
    assert 'id="follow"' in html and 'href="feed.atom"' in html and 'href="about.html#badges"' in html


def test_prediction_page_order_answer_chart_evidence_text_folded_decisions(built_site: Path) -> None:
    html = (built_site / "predictions" / "P1.html").read_text(encoding="utf-8")
    parser = Sections()
    parser.feed(html)
    ids = [i for i in parser.order if i.endswith("-h")]
    assert ids[:4] == ["answer-h", "time-h", "evidence-h", "text-h"]
    assert parser.details >= 3, "plotted values, parameters and decisions are folded"
    decisions = html[html.index("interpretation decisions") :]
    assert decisions.index("</summary>") < decisions.index("G1")
    assert "margin_to_fail" not in html, "evidence reads as labelled values, not keys"
    assert re.search(
        r"top-5 SWE spread</a></dt><dd class=\"decisive\"><strong>\d+\.\d pp</strong>; fails above 5\.0 pp",
        html,
    )
    assert 'class="numline"' in html


@pytest.mark.parametrize("page", ["index.html", "predictions/P1.html", "glossary.html", "models.html"])
def test_terms_link_to_the_glossary_with_their_definition(built_site: Path, page: str) -> None:
    html = (built_site / page).read_text(encoding="utf-8")
    glossary = (built_site / "glossary.html").read_text(encoding="utf-8")
    for key in re.findall(r'glossary\.html#g-([a-z0-9-]+)"', html):
        assert f'id="g-{key}"' in glossary, (page, key)
