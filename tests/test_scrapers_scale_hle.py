"""Scale's HLE leaderboard parser on the two recorded archives and on the live page's shape."""

from __future__ import annotations

import json

import pytest
from scraper_support import fixture

from tracker.scrapers import scale_hle
from tracker.scrapers.errors import ParseError
from tracker.scrapers.snapshots import diff_scores


def _day(day: str) -> list:
    return scale_hle.parse(
        fixture("hle-scale", day, "humanitys-last-exam.yaml"), retrieved_at=f"{day}T00:00:00Z"
    )


def test_both_archives_give_26_no_tools_scores() -> None:
    for day in ("2025-06-29", "2025-07-08"):
        records = _day(day)
        assert len(records) == 26
        assert all(r.benchmark == "hle" and r.setting.endswith("no-tools") for r in records)


def test_labels_are_split_into_model_effort_and_checkpoint() -> None:
    rows = {(r.raw_model, r.setting): r for r in _day("2025-06-29")}
    assert rows[("o3", "high+no-tools")].score == pytest.approx(20.32)
    assert rows[("o3", "medium+no-tools")].score == pytest.approx(19.2)
    assert "checkpoint April 2025" in rows[("o3", "high+no-tools")].note
    assert rows[("Claude Opus 4", "thinking+no-tools")].score == pytest.approx(10.72)
    assert rows[("Claude Opus 4", "no-tools")].score == pytest.approx(6.68)  # label "Claude Opus 4 " (06-29)
    assert rows[("Claude Sonnet 4", "thinking+no-tools")].score == pytest.approx(7.76)  # label with "\n"
    assert ("Gemini 2.5 Pro Preview", "no-tools") in rows


def test_trimmed_labels_of_the_later_archive_change_nothing() -> None:
    diff = diff_scores(_day("2025-06-29"), _day("2025-07-08"))
    assert (diff.added, diff.changed, diff.removed) == ([], [], [])


def test_the_live_page_is_read_from_its_next_data_script() -> None:
    # The page's shape (PROVENANCE-2.md section 4): entries[].{model, score} inside __NEXT_DATA__.
    data = {"props": {"pageProps": {"entries": [{"model": "o3 (high) (April 2025)", "score": 20.32}]}}}
    page = f'<html><body><div id="__next"></div><script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script></body></html>'
    [record] = scale_hle.parse(page.encode(), retrieved_at="2026-01-01T00:00:00Z")
    assert (record.raw_model, record.setting, record.score) == ("o3", "high+no-tools", 20.32)


def test_a_page_without_data_or_a_bad_score_is_reported() -> None:
    with pytest.raises(ParseError, match="no __NEXT_DATA__"):
        scale_hle.parse(b"<html><body>Leaderboard</body></html>", retrieved_at="2026-01-01T00:00:00Z")
    with pytest.raises(ParseError, match="results"):
        scale_hle.parse(b"benchmark: x\n", retrieved_at="2026-01-01T00:00:00Z")
    [problem] = scale_hle.parse(b"results:\n  GPT-4.1: 540\n", retrieved_at="2026-01-01T00:00:00Z")
    assert (problem.row, problem.field) == ("entries[0] GPT-4.1", "score")
