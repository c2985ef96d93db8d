"""The registered decisions of 2026-12-01 on the committed data: IFEval from real sources with each
row's metric and tier (and the vendor-only line beside it), and the lab's day for a release the
papers date by year or month."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.panel import assemble
from tracker.paths import Paths
from tracker.records import Model, Observation
from tracker.store import read_models

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def verdicts() -> dict[str, dict]:
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        assert main(["--root", str(REPO), "check", "--as-of", "2026-12-01", "--json"]) == 0
    return {row["id"]: row for row in json.loads(buffer.getvalue())}


def test_p2_reads_an_ifeval_panel_from_real_sources_with_metric_and_tier(verdicts: dict[str, dict]) -> None:
    evidence = verdicts["P2"]["evidence"]
    assert evidence["n"] > 4  # more than the papers' four values
    sources = {row["ifeval_source"] for row in evidence["rows"]}
    assert {"paper", "helm", "llmstats"} <= sources
    for row in evidence["rows"]:
        assert row["ifeval_tier"] != "secondary"  # a secondary report never decides
        if row["ifeval_source"] == "helm":
            assert (row["ifeval_tier"], row["ifeval_metric"]) == ("independent", "helm_strict")
    assert evidence["ifeval_mix"]["mixed"] is True


def test_a_lab_number_stands_before_helm_for_the_same_model(verdicts: dict[str, dict]) -> None:
    rows = {row["model_id"]: row for row in verdicts["P2"]["evidence"]["rows"]}
    # DeepSeek-V3: the lab's 86.1 (prompt-level strict, github.com/deepseek-ai) over HELM's 83.2
    assert (rows["deepseek-v3"]["ifeval"], rows["deepseek-v3"]["ifeval_tier"]) == (86.1, "first_party")
    assert rows["deepseek-v3"]["ifeval_metric"] == "prompt_strict"


def test_the_vendor_only_line_is_shown_beside_the_default(verdicts: dict[str, dict]) -> None:
    lines = verdicts["P2"]["evidence"]["by_source_summary"]
    n_of = {name: int(re.search(r"on n = (\d+)", text).group(1)) for name, text in lines.items()}
    assert n_of["ifeval_vendor_only"] < n_of["default"] == verdicts["P2"]["evidence"]["n"]
    assert "ifeval_vendor_only" in verdicts["P6"]["by_source"]
    assert any(a["text"].startswith("IFEval values (G6, G7)") for a in verdicts["P2"]["amendments"])


def test_a_year_dated_release_is_placed_on_the_labs_day_and_shown_with_its_precision() -> None:
    models = {m.model_id: m for m in read_models(Paths(REPO).models)}
    opus = models["claude-opus-4.5"]
    assert (opus.release_date, opus.date_precision(), opus.first_party_day) == ("2025", "year", "2025-11-24")
    obs = Observation(
        "claude-opus-4.5", "swe_bench_verified", 80.9, "epoch", "https://epoch.ai/x", "2025-12-01T00:00:00Z"
    )
    frame = assemble([opus], [obs], dt.date(2025, 12, 1))
    row = frame.iloc[0]
    assert (row["release_day"], row["release_precision"], row["release_date"]) == (
        dt.date(2025, 11, 24),
        "year",
        "2025",
    )
    # before the lab's day the release is not out yet, whatever "2025" could mean
    assert assemble([opus], [obs], dt.date(2025, 11, 1)).empty


def test_a_month_stays_a_month_without_a_labs_day() -> None:
    model = Model("x-1", "X 1", "xAI", release_date="2026-02")
    assert (model.date_precision(), model.day_for_rules()) == ("month", dt.date(2026, 2, 1))
