"""HELM Capabilities (EvalEval records) and LLMStats parsers on the recorded bytes (PROVENANCE-2.md)."""

from __future__ import annotations

import json

import pytest
from scraper_support import helm_zip, llmstats_zip, zip_member

from tracker.scrapers import helm, llmstats
from tracker.scrapers.errors import ParseError
from tracker.scrapers.snapshots import diff_scores
from tracker.source_records import RawScore, RowProblem

AT = "2026-01-16T00:00:00Z"


def _helm() -> list[RawScore | RowProblem]:
    return helm.parse(helm_zip(), retrieved_at=AT)


def _ifeval(records: list) -> dict[tuple[str, str], float]:
    return {(r.raw_model, r.setting): r.score for r in records if r.benchmark == "ifeval"}


def test_helm_ifeval_values_are_the_recorded_ones_in_percent() -> None:
    ifeval = _ifeval(_helm())
    assert ifeval[("openai/gpt-5-2025-08-07", "")] == pytest.approx(87.5)
    assert ifeval[("openai/o3-2025-04-16", "")] == pytest.approx(86.9)
    assert ifeval[("anthropic/claude-opus-4-20250514", "")] == pytest.approx(91.8)
    assert ifeval[("xai/grok-4-0709", "")] == pytest.approx(94.9)
    assert ifeval[("deepseek-ai/deepseek-r1-0528", "")] == pytest.approx(78.4)
    assert ifeval[("google/gemini-2.5-pro-preview-03-25", "")] == pytest.approx(84.0)


def test_helm_settings_variants_are_one_release_with_the_setting_recorded() -> None:
    ifeval = _ifeval(_helm())
    assert ("anthropic/claude-opus-4-20250514", "thinking-10k") in ifeval
    assert ("qwen/qwen3-235b-a22b", "fp8+tput") in ifeval
    assert ("meta/llama-3.1-405b-instruct", "turbo") in ifeval
    assert not any("thinking-10k" in model or model.endswith("-fp8") for model, _ in ifeval)


def test_helm_gpqa_is_its_own_benchmark_never_gpqa_diamond() -> None:
    records = _helm()
    assert {r.benchmark for r in records} == {"ifeval", "helm_gpqa"}
    gpt5 = next(r for r in records if r.raw_model == "openai/gpt-5-2025-08-07" and r.benchmark == "helm_gpqa")
    assert gpt5.score == pytest.approx(79.1)
    assert "not GPQA Diamond" in gpt5.note


def test_helm_records_name_the_metric_the_source_url_and_the_source_date() -> None:
    record = next(r for r in _helm() if r.raw_model == "openai/gpt-5-2025-08-07" and r.benchmark == "ifeval")
    assert "strict accuracy" in record.note
    assert record.source_url.endswith("/releases/v1.12.0/groups/core_scenarios.json")
    assert record.reported_date == "2026-01-05"  # retrieved_timestamp 1767657480
    assert (
        record.retrieved_at == AT and record.lab == "openai" and record.display_name == "GPT-5 (2025-08-07)"
    )


def test_helm_schema_0_2_0_evaluation_names_and_per_result_sources_are_read() -> None:
    document = json.loads(
        zip_member(helm_zip(), "openai/gpt-5-2025-08-07/cb444c37-e273-4aaf-881e-8a433f630053.json")
    )
    document["schema_version"] = "0.2.0"
    url = document.pop("source_data")[0]
    for result in document["evaluation_results"]:
        result["evaluation_name"] = result["evaluation_name"].split(" - ")[0]
        result["source_data"] = {"url": [url]}
    records = helm.parse(json.dumps(document).encode(), retrieved_at=AT)
    assert {r.benchmark: r.score for r in records} == pytest.approx({"ifeval": 87.5, "helm_gpqa": 79.1})
    assert all(r.source_url == url for r in records)


def test_helm_bad_record_is_a_row_problem_naming_the_member_and_field() -> None:
    document = json.loads(
        zip_member(helm_zip(), "openai/o3-2025-04-16/a1c5d581-be98-4e1e-ba14-ca922bfac035.json")
    )
    document["evaluation_results"][3]["score_details"]["score"] = "n/a"
    problems = [
        r for r in helm.parse(json.dumps(document).encode(), retrieved_at=AT) if isinstance(r, RowProblem)
    ]
    assert [(p.row, p.field) for p in problems] == [("record:evaluation_results[3]", "score_details.score")]
    with pytest.raises(ParseError, match="helm: not JSON"):
        helm.parse(b"<html>moved</html>", retrieved_at=AT)


def test_helm_whole_snapshot_is_new_against_nothing_and_nothing_against_itself() -> None:
    records = _helm()
    assert len(diff_scores([], records).added) == 122  # 61 recorded records x (IFEval, GPQA)
    assert diff_scores(records, records) == diff_scores([], [])


def _llmstats() -> list[RawScore | RowProblem]:
    return llmstats.parse(llmstats_zip(), retrieved_at="2025-05-22T00:00:00Z")


def test_llmstats_vendor_ifeval_rows_with_their_links_and_metrics() -> None:
    rows = {r.raw_model: r for r in _llmstats()}
    assert rows["deepseek/deepseek-v3"].score == pytest.approx(86.1)
    assert rows["deepseek/deepseek-r1"].score == pytest.approx(83.3)
    assert rows["deepseek/deepseek-r1"].source_url == "https://huggingface.co/deepseek-ai/DeepSeek-R1"
    assert "metric 'Prompt Strict'" in rows["deepseek/deepseek-r1"].note
    assert "metric 'Avg(Prompt/Instruction acc Loose/Strict)'" in rows["meta/llama-3.2-3b-instruct"].note
    assert rows["openai/gpt-4.1-2025-04-14"].release_date == "2025-04-14"
    assert rows["openai/gpt-4.1-2025-04-14"].reported_date == "2025-04-14"


def test_llmstats_tier_is_first_party_only_for_the_labs_own_link() -> None:
    rows = {r.raw_model: r for r in _llmstats()}
    assert "tier first_party" in rows["openai/gpt-4.1-2025-04-14"].note  # openai.com
    assert "tier first_party" in rows["deepseek/deepseek-v3"].note  # github.com/deepseek-ai
    assert "tier secondary" in rows["microsoft/phi-4"].note  # an arXiv PDF
    assert llmstats.tier_of("openai", "https://openai.com.evil.example/x") == "secondary"
    assert llmstats.tier_of("deepseek", "https://huggingface.co/someone/DeepSeek-R1") == "secondary"


def test_llmstats_one_model_file_is_read_by_its_name() -> None:
    records = llmstats.parse(
        zip_member(llmstats_zip(), "LLMStats-main/models/deepseek/deepseek-r1/model.json"), retrieved_at=AT
    )
    assert [(r.raw_model, r.benchmark, r.score) for r in records] == [
        ("DeepSeek-R1", "ifeval", pytest.approx(83.3))
    ]


def test_llmstats_bad_link_is_a_row_problem() -> None:
    document = json.loads(zip_member(llmstats_zip(), "LLMStats-main/models/deepseek/deepseek-v3/model.json"))
    for metric in document["qualitative_metrics"]:
        if metric["dataset_name"] == "IFEval":
            metric["source_link"] = "javascript:alert(1)"
    [problem] = llmstats.parse(json.dumps(document).encode(), retrieved_at=AT)
    assert isinstance(problem, RowProblem) and problem.field == "source_link"
