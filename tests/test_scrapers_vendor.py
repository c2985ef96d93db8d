"""Vendor-score parser: the committed CSV format and its row-level problems."""

from __future__ import annotations

import pytest

from tracker.scrapers import vendor
from tracker.source_records import RawScore, RowProblem

HEADER = ",".join(vendor.FIELDS) + "\n"
AT = "2026-11-26T00:00:00Z"


def test_row_becomes_a_vendor_record_known_from_its_added_at() -> None:
    data = (
        HEADER + "Claude Opus 4.8,Anthropic,2026-05-28,swe_bench_verified,88.6,https://example.org/a,"
        "2026-06-01,,transcribed,2026-07-01T12:00:00Z,first_party,,single,high,lab,,\n"
    ).encode()
    (record,) = vendor.parse(data, retrieved_at=AT)
    assert isinstance(record, RawScore)
    assert (record.raw_model, record.benchmark, record.score) == (
        "Claude Opus 4.8",
        "swe_bench_verified",
        88.6,
    )
    assert record.retrieved_at == "2026-07-01T12:00:00Z" and record.reported_date == "2026-06-01"
    assert record.release_date == "2026-05-28" and record.source == "vendor"
    assert (record.tier, record.attempts, record.effort, record.harness) == (
        "first_party",
        "single",
        "high",
        "lab",
    )


def test_blank_added_at_falls_back_to_the_run_instant_and_month_dates_are_kept() -> None:
    data = (
        HEADER + "GPT-5.5,OpenAI,2026-04,gpqa_diamond,93.6,https://example.org/b,,,,,secondary\n"
    ).encode()
    (record,) = vendor.parse(data, retrieved_at=AT)
    assert record.retrieved_at == AT and record.release_date == "2026-04"


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ("X,Lab,,gpqa_diamond,high,https://e.org,,,,", "score"),
        ("X,Lab,2026-13-01,gpqa_diamond,80,https://e.org,,,,", "release_date"),
        ("X,Lab,,gpqa_diamond,80,https://e.org,yesterday,,,", "reported_date"),
        (",Lab,,gpqa_diamond,80,https://e.org,,,,", "model"),
        # a row that does not say who stands behind its number is held back, never trusted
        ("X,Lab,,gpqa_diamond,80,https://e.org,,,,,", "tier"),
        ("X,Lab,,gpqa_diamond,80,https://e.org,,,,,vendor", "tier"),
        ("X,Lab,,hle,40,https://e.org,,,,,first_party,some", "tools"),
        ("X,Lab,,swe_bench_verified,80,https://e.org,,,,,first_party,,best-of-8", "attempts"),
        ("X,Lab,,swe_bench_verified,80,https://e.org,,,,,first_party,,,,scaffold", "harness"),
        ("X,Lab,,hle,40,https://e.org,,,,,first_party,,,,,half", "hle_subset"),
        ("X,Lab,,ifeval,90,https://e.org,,,,,first_party,,,,,,strictest", "ifeval_metric"),
    ],
)
def test_unreadable_cells_are_row_problems_naming_the_field(cells: str, field: str) -> None:
    (problem,) = vendor.parse((HEADER + cells + "\n").encode(), retrieved_at=AT)
    assert isinstance(problem, RowProblem) and problem.field == field and problem.row == "vendor_scores.csv:2"
