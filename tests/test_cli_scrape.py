"""The scraper commands through `tracker.cli.main`: exit codes, one-line errors, nothing half-written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from scraper_support import FIXTURES, fresh_root

from tracker.cli import main
from tracker.scrapers import vendor
from tracker.store import read_events, read_observations, read_quarantine

HEADER = ",".join(vendor.FIELDS) + "\n"


@pytest.fixture()
def vendor_root(tmp_path: Path) -> Path:
    """The identity table and frozen panel, with the recorded vendor_scores.csv to merge."""
    root = fresh_root(tmp_path)
    (root / "data" / "vendor_scores.csv").write_bytes(
        (FIXTURES / "scrapers" / "vendor_seed.csv").read_bytes()
    )
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (root / "data").rglob("*") if p.is_file()}


def test_offline_scrape_merges_vendor_rows_and_reports_json(
    vendor_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(vendor_root), "scrape", "--offline", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["offline"] is True
    assert (
        report["sources"]["vendor"]["new_observations"] == 21
        and report["sources"]["vendor"]["quarantined"] == 2
    )
    assert (
        report["sources"]["epoch"]["status"] == "offline"
        and "no cached response" in report["sources"]["epoch"]["error"]
    )
    assert set(report["new_frontier_releases"]) == {"claude-fable-5", "claude-opus-4.8", "gpt-5.5"}
    fable = [
        o for o in read_observations(vendor_root / "data" / "scores.csv") if o.model_id == "claude-fable-5"
    ]
    assert sorted((o.benchmark, o.score) for o in fable) == [("hle", 59.0), ("swe_bench_verified", 95.0)]
    assert {q.reason.split(":")[0] for q in read_quarantine(vendor_root / "data" / "quarantine.csv")} == {
        "conflicting duplicate for claude-opus-4.6 swe_bench_verified"
    }
    before = _files(vendor_root)
    assert main(["--root", str(vendor_root), "scrape", "--offline"]) == 0
    assert _files(vendor_root) == before  # idempotent


def test_add_score_records_provenance_and_an_event(
    vendor_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(vendor_root), "scrape", "vendor", "--offline"]) == 0
    code = main(
        [
            "--root",
            str(vendor_root),
            "add-score",
            "GPT-5.5",
            "ifeval",
            "94.1",
            "--source",
            "https://example.org/gpt-5-5-card",
            "--date",
            "2026-04-23",
            "--variant",
            "prompt-strict",
            "--tier",
            "first_party",
            "--attempts",
            "single",
            "--ifeval-metric",
            "prompt_strict",
        ]
    )
    assert code == 0 and "recorded gpt-5.5 ifeval = 94.1 (vendor, first_party)" in capsys.readouterr().out
    last = (vendor_root / "data" / "vendor_scores.csv").read_text().splitlines()[-1]
    assert last.startswith("GPT-5.5,,,ifeval,94.1,https://example.org/gpt-5-5-card,2026-04-23,prompt-strict,")
    assert last.endswith(",first_party,,single,,,,prompt_strict")
    (obs,) = [o for o in read_observations(vendor_root / "data" / "scores.csv") if o.benchmark == "ifeval"]
    assert (obs.model_id, obs.source, obs.variant, obs.reported_date) == (
        "gpt-5.5",
        "vendor",
        "prompt-strict",
        "2026-04-23",
    )
    assert (obs.tier, obs.attempts, obs.ifeval_metric) == ("first_party", "single", "prompt_strict")
    assert any(
        e.type == "new_score" and e.payload["benchmark"] == "ifeval"
        for e in read_events(vendor_root / "data/ledger/events.jsonl")
    )


FP = ["--tier", "first_party"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["GPT-5.5", "mmlu", "90", "--source", "https://e.org", *FP], "benchmark"),
        (["GPT-5.5", "ifeval", "190", "--source", "https://e.org", *FP], "score"),
        (["GPT-5.5", "ifeval", "ninety", "--source", "https://e.org", *FP], "score"),
        (["GPT-5.5", "ifeval", "90", "--source", "e.org/page", *FP], "source"),
        (["GPT-5.5", "ifeval", "90", "--source", "https://e.org", "--date", "2099-01-01", *FP], "date"),
        (["GPT-5.5", "ifeval", "90", "--source", "https://e.org", "--date", "01/02/2026", *FP], "date"),
        (["Unheard Of 9", "ifeval", "90", "--source", "https://e.org", *FP], "model"),
        (["GPT-5.5", "ifeval", "90", "--source", "https://e.org", "--tier", "vendor"], "tier"),
        (["GPT-5.5", "hle", "40", "--source", "https://e.org", *FP, "--tools", "python"], "tools"),
        (["GPT-5.5", "hle", "40", "--source", "https://e.org", *FP, "--attempts", "best"], "attempts"),
        (["GPT-5.5", "hle", "40", "--source", "https://e.org", *FP, "--harness", "x"], "harness"),
        (["GPT-5.5", "hle", "40", "--source", "https://e.org", *FP, "--hle-subset", "x"], "hle_subset"),
        (
            ["GPT-5.5", "ifeval", "90", "--source", "https://e.org", *FP, "--ifeval-metric", "x"],
            "ifeval_metric",
        ),
    ],
)
def test_add_score_bad_input_is_one_line_naming_the_field(
    vendor_root: Path, capsys: pytest.CaptureFixture[str], args: list[str], field: str
) -> None:
    before = _files(vendor_root)
    assert main(["--root", str(vendor_root), "add-score", *args]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"tracker: error: {field}: ") and "\n" not in err
    assert _files(vendor_root) == before


def test_quarantine_list_accept_reject(vendor_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--root", str(vendor_root), "scrape", "vendor", "--offline"])
    capsys.readouterr()
    assert main(["--root", str(vendor_root), "quarantine", "list", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert sorted(e["record"]["observation"]["score"] for e in entries) == [72.6, 80.8]
    low, high = sorted(entries, key=lambda e: e["record"]["observation"]["score"])
    assert main(["--root", str(vendor_root), "quarantine", "accept", high["id"]]) == 0
    assert main(["--root", str(vendor_root), "quarantine", "reject", low["id"]]) == 0
    assert "accepted; stored as new_score" in capsys.readouterr().out
    opus = [
        o
        for o in read_observations(vendor_root / "data" / "scores.csv")
        if o.model_id == "claude-opus-4.6" and o.benchmark == "swe_bench_verified"
    ]
    assert [o.score for o in opus] == [80.8]
    assert main(["--root", str(vendor_root), "quarantine", "accept", low["id"]]) == 1
    assert "already rejected" in capsys.readouterr().err
    assert main(["--root", str(vendor_root), "quarantine", "list"]) == 0
    assert "no pending entries" in capsys.readouterr().out


def test_as_of_needs_offline_and_unknown_source_is_an_error(
    vendor_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(vendor_root), "scrape", "--as-of", "2026-01-01"]) == 2
    assert main(["--root", str(vendor_root), "scrape", "nosuch", "--offline"]) == 2
    assert "unknown source 'nosuch'" in capsys.readouterr().err
    assert main(["--root", str(vendor_root), "scrape", "hle", "--offline"]) == 2
    assert "HLE is not one source" in capsys.readouterr().err


def test_as_of_replay_ignores_a_cache_from_later(
    vendor_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tracker.scrapers import cache

    cache.write(
        vendor_root / "data" / "cache" / "epoch",
        "benchmark_data.zip",
        (FIXTURES / "epoch" / "2026-04-11" / "benchmark_data.zip").read_bytes(),
        cache.CacheMeta(url="https://epoch.ai/data/benchmark_data.zip", retrieved_at="2026-04-11T00:00:00Z"),
    )
    assert (
        main(["--root", str(vendor_root), "scrape", "epoch", "--offline", "--as-of", "2026-04-10", "--json"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)["sources"]["epoch"]
    assert report["records"] == 0 and "newer than the run's clock" in report["error"]
    assert (
        main(["--root", str(vendor_root), "scrape", "epoch", "--offline", "--as-of", "2026-04-11", "--json"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["sources"]["epoch"]["new_observations"] > 150
    assert dt.date(2026, 4, 11) == read_observations(vendor_root / "data" / "scores.csv")[0].known_on()
