"""scrape() end to end against a real HTTP server on 127.0.0.1 serving the recorded responses,
with faults injected: every fault leaves the run complete, the outage recorded and data/ as it was."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import zipfile
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from scraper_server import ScriptedServer, free_port
from scraper_server import scripted_server as any_port_server
from scraper_support import epoch_zip, fixture, fresh_root, swebench_json

from tracker.merge import merge_batch
from tracker.paths import Paths
from tracker.scrapers import epoch
from tracker.scrapers.config import HubConfig, ScrapeConfig
from tracker.scrapers.http import HttpConfig
from tracker.scrapers.run import load_state, save_state, scrape
from tracker.store import read_events, read_models, read_observations

NOW = dt.datetime(2026, 4, 11, 6, 0, tzinfo=dt.UTC)
EPOCH_PATH, SWE_PATH = "/epoch/benchmark_data.zip", "/swebench/leaderboards.json"
STORED = (
    "scores.csv",
    "models.csv",
    "quarantine.csv",
    "cache/epoch/benchmark_data.zip",
    "cache/epoch/benchmark_data.zip.meta.json",
)


PORT = free_port()  # one URL per source across this module's runs, as in production


def scripted_server() -> AbstractContextManager[ScriptedServer]:
    return any_port_server(PORT)


def _config(server: ScriptedServer) -> ScrapeConfig:
    return ScrapeConfig(
        http=HttpConfig(timeout_s=0.3, retries=1, backoff_s=0.01),
        hub=HubConfig(api=f"{server.base}/api/models", orgs=()),
        urls={"epoch": server.base + EPOCH_PATH, "swebench": server.base + SWE_PATH},
    )


def _run(paths: Paths, server: ScriptedServer, now: dt.datetime = NOW, sources: list[str] | None = None):
    sleeps: list[float] = []
    report = scrape(
        paths,
        sources or ["epoch", "swebench"],
        offline=False,
        now=now,
        config=_config(server),
        sleep=sleeps.append,
    )
    return report, sleeps


def _snapshot(root: Path) -> dict[str, bytes]:
    return {name: (root / "data" / name).read_bytes() for name in STORED}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root after one successful online run of both sources (ETags e1 / s1)."""
    root = fresh_root(tmp_path_factory.mktemp("baseline"))
    with scripted_server() as server:
        server.script(EPOCH_PATH, {"body": epoch_zip(), "etag": '"e1"'})
        server.script(SWE_PATH, {"body": swebench_json(), "etag": '"s1"'})
        report, _ = _run(Paths(root), server)
    assert report.failed == []
    return root


@pytest.fixture()
def baseline_copy(baseline: Path, tmp_path: Path) -> Path:
    """A scratch copy of the first real run's project (`baseline`), free to change."""
    copy = tmp_path / "copy"
    shutil.copytree(baseline, copy)
    return copy


def test_first_run_stores_real_content_and_caches_it(baseline: Path) -> None:
    paths = Paths(baseline)
    observations = read_observations(paths.scores)
    muse = [o for o in observations if o.model_id == "muse-spark"]
    assert [(o.benchmark, round(o.score, 1), o.retrieved_at) for o in muse] == [
        ("gpqa_diamond", 89.8, "2026-04-11T06:00:00Z")
    ]
    health = json.loads((paths.data / "sources.json").read_text())
    assert (
        health["epoch"]["status"] == "ok"
        and health["epoch"]["etag"] == '"e1"'
        and health["epoch"]["records"] == 223
    )
    assert health["swebench"]["records"] == 125
    assert (paths.cache / "epoch" / "benchmark_data.zip").read_bytes() == epoch_zip()
    models = {m.model_id: m for m in read_models(paths.models)}
    assert models["muse-spark"].frontier and models["muse-spark"].lab == "Meta"
    assert "claude-opus-4-5-20251101" in models["claude-opus-4.5"].aliases  # learnt spelling, id kept
    frontier = [e for e in read_events(paths.ledger) if e.type == "new_frontier_release"]
    assert {e.payload["model_id"] for e in frontier} == {"muse-spark", "gpt-5.4-pro"}
    assert all(e.at == "2026-04-11T06:00:00Z" for e in frontier)


def test_nothing_new_downloads_nothing_and_changes_nothing(baseline_copy: Path) -> None:
    before = _snapshot(baseline_copy)
    ledger = (baseline_copy / "data/ledger/events.jsonl").read_bytes()
    with scripted_server() as server:
        server.script(EPOCH_PATH, {"body": epoch_zip(), "etag": '"e1"'})
        server.script(SWE_PATH, {"body": swebench_json(), "etag": '"s1"'})
        report, _ = _run(Paths(baseline_copy), server, now=NOW + dt.timedelta(days=1))
    assert [r.status for r in report.sources.values()] == ["not_modified", "not_modified"]
    assert [r["headers"].get("If-None-Match") for r in server.requests] == ['"e1"', '"s1"']
    assert (
        _snapshot(baseline_copy) == before
        and (baseline_copy / "data/ledger/events.jsonl").read_bytes() == ledger
    )
    offline = scrape(Paths(baseline_copy), offline=True, now=NOW + dt.timedelta(days=2))
    assert offline.sources["epoch"].status == "offline" and offline.sources["epoch"].records == 223
    assert (
        _snapshot(baseline_copy) == before
        and (baseline_copy / "data/ledger/events.jsonl").read_bytes() == ledger
    )


def _renamed_column_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(epoch_zip())) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "gpqa_diamond.csv":
                data = data.replace(b"Model version", b"Model name", 1)
            target.writestr(info, data)
    return buffer.getvalue()


FAULTS = {
    "500": ({"status": 500, "body": b"oops"}, "HTTP 500"),
    "429": ({"status": 429, "headers": {"Retry-After": "2"}}, "HTTP 429"),
    "hang": ({"hang": 1.0, "body": b"late"}, "timed out"),
    "truncated": ({"body": epoch_zip(), "truncate": 1000}, "attempts"),
    "html": ({"body": b"<!DOCTYPE html><html><body>Maintenance</body></html>"}, "not a readable zip"),
    "empty": ({"body": b""}, "not a readable zip"),
    "renamed column": ({"body": _renamed_column_zip()}, "field 'Model version'"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_fails_the_source_and_leaves_its_data_alone(baseline_copy: Path, fault: str) -> None:
    answer, message = FAULTS[fault]
    before = _snapshot(baseline_copy)
    with scripted_server() as server:
        server.script(EPOCH_PATH, answer)
        server.script(SWE_PATH, {"body": swebench_json(), "etag": '"s1"'})
        report, sleeps = _run(Paths(baseline_copy), server, now=NOW + dt.timedelta(days=1))
    epoch_report = report.sources["epoch"]
    assert epoch_report.status == "failed" and message in epoch_report.error
    assert report.sources["swebench"].status == "not_modified"  # the other source went on
    assert _snapshot(baseline_copy) == before
    health = json.loads((baseline_copy / "data/sources.json").read_text())
    assert health["epoch"]["status"] == "failed" and health["epoch"]["last_success"] == "2026-04-11T06:00:00Z"
    failed = [e for e in read_events(baseline_copy / "data/ledger/events.jsonl") if e.type == "source_failed"]
    assert failed[-1].payload == {"source": "epoch", "error": epoch_report.error}
    assert report.to_json()["sources"]["epoch"]["status"] == "failed"
    if fault == "429":
        assert sleeps == [2.0]


def _merge_snapshot(paths: Paths, day: str) -> None:
    state = load_state(paths)
    records = []
    for member, benchmark in epoch.RUN_TABLES.items():
        records += epoch.parse_run_table(
            fixture("epoch", day, member), benchmark=benchmark, member=member, retrieved_at=f"{day}T00:00:00Z"
        )
    merge_batch(state, records, now=dt.datetime.fromisoformat(f"{day}T00:00:00+00:00"))
    save_state(paths, state)


def test_new_release_is_an_event_the_day_the_source_shows_it(tmp_path: Path) -> None:
    paths = Paths(fresh_root(tmp_path))
    _merge_snapshot(paths, "2026-01-20")
    before = read_observations(paths.scores)
    with scripted_server() as server:
        server.script(EPOCH_PATH, {"body": epoch_zip()})
        report, _ = _run(paths, server, sources=["epoch"])
    assert {"muse-spark", "gpt-5.4-pro", "gpt-5.3-codex"} <= set(report.sources["epoch"].new_models)
    assert set(report.new_frontier_releases) == {"gpt-5.4-pro", "muse-spark"}
    # SWE-bench rows of 2025 runs were dropped by Epoch's re-run: kept, not errors
    after = read_observations(paths.scores)
    assert set(before) <= set(after)
    gone = [o for o in before if o.model_id == "claude-sonnet-4.5" and o.benchmark == "swe_bench_verified"]
    assert gone and all(o in after for o in gone)
    assert report.sources["epoch"].status == "ok"
