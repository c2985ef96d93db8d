"""SWE-bench leaderboard parser on the two recorded leaderboards.json versions."""

from __future__ import annotations

import json

import pytest
from scraper_support import swebench_json

from tracker.scrapers import swebench
from tracker.scrapers.errors import ParseError
from tracker.source_records import RawScore, RowProblem

AT = "2025-12-02T00:00:00Z"


def _records(day: str) -> list[RawScore]:
    records = swebench.parse(swebench_json(day), retrieved_at=f"{day}T00:00:00Z")
    assert all(isinstance(r, RawScore) for r in records)
    return records  # type: ignore[return-value]


@pytest.mark.parametrize(("day", "bash_only", "systems"), [("2025-11-19", 23, 92), ("2025-12-02", 27, 98)])
def test_model_board_and_single_model_systems(day: str, bash_only: int, systems: int) -> None:
    records = _records(day)
    assert sum(r.setting == "mini-swe-agent" for r in records) == bash_only
    assert sum(r.setting.startswith("system:") for r in records) == systems
    assert {r.benchmark for r in records} == {"swe_bench_verified"}


def test_named_entries_keep_model_tag_score_and_date() -> None:
    records = _records("2025-12-02")
    opus = next(
        r for r in records if r.setting == "mini-swe-agent" and r.raw_model == "claude-opus-4-5-20251101"
    )
    assert opus.score == 74.4 and opus.reported_date == "2025-11-24" and opus.lab == "Anthropic"
    assert opus.display_name == "Claude 4.5 Opus medium (20251101)"
    live = next(r for r in records if r.setting == "system:20251120_livesweagent_gemini-3-pro-preview")
    assert live.raw_model == "gemini-3-pro-preview"


def test_multi_model_systems_are_left_out() -> None:
    folders = {r.setting for r in _records("2025-12-02")}
    assert "system:20250928_trae_doubao_seed_code" not in folders  # two Model tags
    assert "system:20241030_nfactorial" not in folders  # three Model tags


def test_new_entries_between_two_snapshots_and_nothing_removed() -> None:
    before = {r.setting for r in _records("2025-11-19")}
    after = {r.setting for r in _records("2025-12-02")}
    assert before <= after
    assert {
        "system:20251124_mini-v1.16.0_claude-opus-4-5-20251101",
        "system:20251201_mini-v1.17.1_deepseek-v3.2-reasoner",
    } <= after - before


def test_html_instead_of_json_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not JSON"):
        swebench.parse(b"<!DOCTYPE html><html></html>", retrieved_at=AT)


def test_renamed_top_level_key_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as info:
        swebench.parse(json.dumps({"boards": []}).encode(), retrieved_at=AT)
    assert info.value.field == "leaderboards"


def test_entry_with_text_score_is_a_row_problem() -> None:
    document = {
        "leaderboards": [
            {
                "name": "bash-only",
                "results": [
                    {"folder": "x", "resolved": "lots", "date": "2025-01-01", "tags": ["Model: m-1"]}
                ],
            }
        ]
    }
    (problem,) = swebench.parse(json.dumps(document).encode(), retrieved_at=AT)
    assert isinstance(problem, RowProblem) and problem.field == "resolved" and "bash-only[0] x" in problem.row
