"""Epoch AI parser on the real recorded snapshots (counts and values per PROVENANCE)."""

from __future__ import annotations

import io
import zipfile
from collections import Counter

import pytest
from scraper_support import epoch_zip, fixture

from tracker.scrapers import epoch, hle
from tracker.scrapers.errors import ParseError
from tracker.source_records import RawScore, RowProblem

AT = "2026-04-11T00:00:00Z"


def _table(day: str, member: str) -> list[RawScore | RowProblem]:
    benchmark = epoch.RUN_TABLES[member]
    return epoch.parse_run_table(
        fixture("epoch", day, member), benchmark=benchmark, member=member, retrieved_at=f"{day}T00:00:00Z"
    )


@pytest.mark.parametrize(
    ("day", "gpqa", "swe"), [("2025-11-01", 130, 24), ("2026-01-20", 145, 23), ("2026-03-12", 152, 24)]
)
def test_row_counts_of_each_csv_snapshot(day: str, gpqa: int, swe: int) -> None:
    assert len(_table(day, "gpqa_diamond.csv")) == gpqa
    assert len(_table(day, "swe_bench_verified.csv")) == swe


def test_zip_gives_every_benchmark_with_counts() -> None:
    records = epoch.parse(epoch_zip(), retrieved_at=AT)
    assert all(isinstance(r, RawScore) for r in records)
    assert Counter(r.benchmark for r in records) == {"gpqa_diamond": 155, "swe_bench_verified": 25, "hle": 43}


def test_scores_are_percent_with_dates_and_lab() -> None:
    records = epoch.parse(epoch_zip(), retrieved_at=AT)
    gpt54 = next(
        r for r in records if r.raw_model == "gpt-5.4-2026-03-05_xhigh" and r.benchmark == "gpqa_diamond"
    )
    assert gpt54.score == pytest.approx(93.3)
    assert gpt54.release_date == "2026-03-05"
    assert gpt54.reported_date == "2026-03-06"
    assert gpt54.run_started == "2026-03-06T02:57:02.864Z"
    assert gpt54.lab == "OpenAI"
    assert gpt54.retrieved_at == AT and gpt54.source == "epoch"
    muse = next(r for r in records if r.raw_model == "muse-spark")
    assert muse.score == pytest.approx(89.8) and muse.lab == "Meta AI"


def test_best_score_column_is_used_in_both_column_layouts() -> None:
    old = {r.raw_model: r.score for r in _table("2025-11-01", "gpqa_diamond.csv")}
    new = {r.raw_model: r.score for r in _table("2026-01-20", "gpqa_diamond.csv")}
    assert old["gpt-5-2025-08-07_high"] == pytest.approx(86.17424242424242)
    assert new["gpt-5-2025-08-07_high"] == pytest.approx(86.17424242424242)
    # mean_score (0.785) and best score (0.797) differ for this row: the best score is used
    zip_rows = {
        r.raw_model: r.score
        for r in epoch.parse(epoch_zip(), retrieved_at=AT)
        if r.benchmark == "gpqa_diamond"
    }
    assert zip_rows["claude-3-7-sonnet-20250219_64K"] == pytest.approx(79.73484848484849)


def test_duplicate_model_versions_are_both_returned_with_their_run_times() -> None:
    swe = [r for r in _table("2026-03-12", "swe_bench_verified.csv") if r.raw_model == "claude-opus-4-6"]
    assert sorted((r.run_started[:10], round(r.score, 1)) for r in swe) == [
        ("2026-02-10", 75.6),
        ("2026-02-18", 78.7),
    ]


def test_empty_started_at_and_empty_release_date_are_accepted() -> None:
    rows = _table("2025-11-01", "gpqa_diamond.csv")
    assert any(r.run_started == "" for r in rows)
    assert any(r.release_date == "" for r in rows)


def test_hle_table_keeps_thinking_setting_from_name_column() -> None:
    records = hle.parse(
        fixture("epoch", "2026-03-12", "hle_external.csv"), retrieved_at="2026-03-12T00:00:00Z"
    )
    assert len(records) == 41
    opus = sorted(
        (r.setting, round(r.score, 2)) for r in records if r.raw_model == "claude-opus-4-5-20251101_unknown"
    )
    assert opus == [("", 14.16), ("thinking", 25.2)]
    gemini = next(r for r in records if r.raw_model == "gemini-3-pro-preview")
    assert gemini.benchmark == "hle" and gemini.score == pytest.approx(37.52)
    assert hle.thinking_setting("claude-opus-4-6 (Non-Thinking)") == "non-thinking"


def test_renamed_column_is_a_parse_error_naming_the_field() -> None:
    data = fixture("epoch", "2026-03-12", "gpqa_diamond.csv").replace(b"Model version", b"Model", 1)
    with pytest.raises(ParseError) as info:
        epoch.parse_run_table(data, benchmark="gpqa_diamond", member="gpqa_diamond.csv", retrieved_at=AT)
    assert info.value.field == "Model version" and "gpqa_diamond.csv" in str(info.value)


def test_bad_score_cell_is_a_row_problem_not_a_crash() -> None:
    data = fixture("epoch", "2026-03-12", "swe_bench_verified.csv").replace(b"0.7479338842975206", b"n/a", 2)
    rows = epoch.parse_run_table(
        data, benchmark="swe_bench_verified", member="swe_bench_verified.csv", retrieved_at=AT
    )
    problems = [r for r in rows if isinstance(r, RowProblem)]
    assert len(problems) == 1 and problems[0].field == "Best score (across scorers)"
    assert problems[0].raw["Model version"] == "gpt-5.3-codex_high"


@pytest.mark.parametrize("data", [b"", b"<html><body>Service Unavailable</body></html>", b"PK\x03\x04broken"])
def test_not_a_zip_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        epoch.parse(data, retrieved_at=AT)


def test_zip_without_gpqa_table_is_a_parse_error() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(epoch_zip_io()) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename != "gpqa_diamond.csv":
                target.writestr(info, source.read(info))
    with pytest.raises(ParseError, match="gpqa_diamond.csv"):
        epoch.parse(buffer.getvalue(), retrieved_at=AT)


def epoch_zip_io() -> io.BytesIO:
    return io.BytesIO(epoch_zip())
