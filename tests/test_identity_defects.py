"""The six identity defects found by feeding unseen real snapshots, each pinned by a test.

1. a product name (codex, mini, ...) or a short-dated update is a different release;
2. a lab left empty by a source is inferred, and learnt later, with its frontier flag;
3. an Epoch zip without hle_external.csv is a warning and keeps the last good response;
4. a renamed score column is a format error, never a silent switch to mean_score;
5. validators of an old URL are not sent to a new one;
6. open weights are "unknown" unless a source says.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from scraper_support import FIXTURES, epoch_zip, fresh_root
from test_scrapers_integration import EPOCH_PATH, NOW, _run, scripted_server

from tracker.identity import Identity, canonical_id, infer_lab
from tracker.merge import merge_batch
from tracker.paths import Paths
from tracker.records import Model
from tracker.scrapers import epoch
from tracker.scrapers.run import load_state
from tracker.source_records import RawScore, SourceWarning
from tracker.store import read_events, read_models, read_observations, write_models

SEED = read_models(FIXTURES / "scrapers" / "models_seed.csv")


@pytest.mark.parametrize(
    ("raw", "new_id"),
    [
        ("gpt-5.1-codex", "gpt-5.1-codex"),
        ("gpt-5.1-codex-max_high", "gpt-5.1-codex-max"),
        ("gpt-5.1-codex-mini", "gpt-5.1-codex-mini"),
        ("deepseek-ai/deepseek-r1-0528", "deepseek-r1-0528"),
        ("gemini-3-flash-lite", "gemini-3-flash-lite"),
    ],
)
def test_product_names_and_short_dated_updates_are_other_releases(raw: str, new_id: str) -> None:
    resolution = Identity(SEED).resolve(raw)
    assert resolution.model_id == ""  # never the frozen GPT-5.1, DeepSeek-R1 or Gemini 3 Flash
    assert canonical_id(resolution.spelling) == new_id


@pytest.mark.parametrize(
    ("raw", "model_id", "variant"),
    [
        ("claude-opus-4-5-20251101", "claude-opus-4.5", ""),  # a date that only names the version
        ("gpt-5.1-2025-11-13_high", "gpt-5.1", "high"),  # an effort setting
        ("gemini-3.1-pro-preview-customtools", "gemini-3.1-pro", "customtools"),  # a harness, preview -> GA
    ],
)
def test_settings_harnesses_and_version_dates_stay_one_release(raw: str, model_id: str, variant: str) -> None:
    resolution = Identity(SEED).resolve(raw)
    assert (resolution.model_id, resolution.variant) == (model_id, variant)


def test_codex_score_never_replaces_the_frozen_release(tmp_path: Path) -> None:
    paths = Paths(fresh_root(tmp_path))
    state = load_state(paths)
    record = RawScore(
        "epoch", "swe_bench_verified", "gpt-5.1-codex", 77.9, "https://epoch.ai/x", "2026-04-11T00:00:00Z",
        lab="OpenAI", release_date="2025-11-13",
    )  # fmt: skip
    merge_batch(state, [record], now=NOW)
    assert {o.model_id for o in state.observations} == {"gpt-5.1-codex"}


def _raw(name: str, lab: str, release: str, score: float, at: str) -> RawScore:
    return RawScore(
        "epoch", "gpqa_diamond", name, score, "https://epoch.ai/data/benchmark_data.zip", at,
        lab=lab, release_date=release, row="gpqa_diamond.csv:2",
    )  # fmt: skip


def test_an_empty_lab_is_inferred_from_the_name(tmp_path: Path) -> None:
    state = load_state(Paths(fresh_root(tmp_path)))
    outcome = merge_batch(
        state, [_raw("gpt-5.4-mini-2026-03-17_high", "", "2026-03-17", 80.0, "2026-04-11T00:00:00Z")], now=NOW
    )
    (model,) = outcome.new_models
    assert (model.model_id, model.lab) == ("gpt-5.4-mini", "OpenAI")
    assert infer_lab("muse-spark") == "Meta" and infer_lab("acme-1") == ""


def test_a_later_source_fills_an_unknown_lab_and_recomputes_the_frontier_flag(tmp_path: Path) -> None:
    state = load_state(Paths(fresh_root(tmp_path)))
    first = merge_batch(
        state,
        [_raw("zeta-9", "", "2026-05-01", 60.0, "2026-05-02T00:00:00Z")],
        now=dt.datetime(2026, 5, 2, tzinfo=dt.UTC),
    )
    assert (first.new_models[0].lab, first.new_models[0].frontier) == ("Unknown", False)
    later = merge_batch(
        state,
        [_raw("zeta-9", "Anthropic", "2026-05-01", 60.0, "2026-05-03T00:00:00Z")],
        now=dt.datetime(2026, 5, 3, tzinfo=dt.UTC),
    )
    model = state.identity.get("zeta-9")
    assert (model.lab, model.frontier) == ("Anthropic", True)  # a panel lab's release from 2026-03 on (G14)
    (event,) = [e for e in later.events if e.type == "model_updated"]
    assert event.payload["lab"] == {"old": "Unknown", "new": "Anthropic"}
    assert "zeta-9" in state.created  # so the run announces it as a new frontier release, once


def test_frozen_rows_are_never_rewritten_by_a_source(tmp_path: Path) -> None:
    state = load_state(Paths(fresh_root(tmp_path)))
    before = state.identity.get("gpt-5.1")
    merge_batch(
        state,
        [_raw("gpt-5.1-2025-11-13_high", "Someone", "2025-11-13", 88.0, "2026-04-11T00:00:00Z")],
        now=NOW,
    )
    after = state.identity.get("gpt-5.1")
    assert (after.lab, after.release_date, after.frontier) == (
        before.lab,
        before.release_date,
        before.frontier,
    )


def _zip_without(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(epoch_zip())) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if not info.filename.endswith(member):
                target.writestr(info, source.read(info))
    return buffer.getvalue()


def test_a_zip_without_the_hle_table_is_a_warning_and_keeps_the_good_cache(tmp_path: Path) -> None:
    records = epoch.parse(_zip_without("hle_external.csv"), retrieved_at="2026-04-12T00:00:00Z")
    assert [r for r in records if isinstance(r, SourceWarning)] == [
        SourceWarning("epoch", "hle_external.csv", "zip has no hle_external.csv: no HLE records this time")
    ]
    paths = Paths(fresh_root(tmp_path))
    with scripted_server() as server:
        server.script(EPOCH_PATH, {"body": epoch_zip(), "etag": '"e1"'})
        _run(paths, server, sources=["epoch"])
        hle_before = [o for o in read_observations(paths.scores) if o.benchmark == "hle"]
        server.script(EPOCH_PATH, {"body": _zip_without("hle_external.csv"), "etag": '"e2"'})
        report, _ = _run(paths, server, now=NOW + dt.timedelta(days=1), sources=["epoch"])
    result = report.sources["epoch"]
    assert result.status == "warning" and "hle_external.csv" in result.error
    assert (paths.cache / "epoch" / "benchmark_data.zip").read_bytes() == epoch_zip()
    assert [o for o in read_observations(paths.scores) if o.benchmark == "hle"] == hle_before
    assert json.loads((paths.data / "sources.json").read_text())["epoch"]["status"] == "warning"


def _renamed_best_score_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(epoch_zip())) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("gpqa_diamond.csv"):
                data = data.replace(b"Best score (across scorers)", b"Best score", 1)
            target.writestr(info, data)
    return buffer.getvalue()


def test_a_renamed_score_column_fails_the_source_instead_of_changing_scores(tmp_path: Path) -> None:
    paths = Paths(fresh_root(tmp_path))
    with scripted_server() as server:
        server.script(EPOCH_PATH, {"body": epoch_zip()})
        _run(paths, server, sources=["epoch"])
        before = read_observations(paths.scores)
        server.script(EPOCH_PATH, {"body": _renamed_best_score_zip()})
        report, _ = _run(paths, server, now=NOW + dt.timedelta(days=1), sources=["epoch"])
    assert report.sources["epoch"].status == "failed"
    assert "'Best score (across scorers)'" in report.sources["epoch"].error
    assert read_observations(paths.scores) == before
    assert not [e for e in read_events(paths.ledger) if e.type == "score_changed"]


def test_validators_of_an_old_url_are_not_sent_to_a_new_one(tmp_path: Path) -> None:
    paths = Paths(fresh_root(tmp_path))
    with scripted_server() as server:
        server.script(EPOCH_PATH, {"body": epoch_zip(), "etag": '"e1"'})
        _run(paths, server, sources=["epoch"])
        meta_path = paths.cache / "epoch" / "benchmark_data.zip.meta.json"
        meta = json.loads(meta_path.read_text())
        meta_path.write_text(json.dumps({**meta, "url": "https://old.example/benchmark_data.zip"}))
        report, _ = _run(paths, server, now=NOW + dt.timedelta(days=1), sources=["epoch"])
    assert report.sources["epoch"].status == "ok"
    assert [r["headers"].get("If-None-Match") for r in server.requests] == [None, None]
    assert json.loads(meta_path.read_text())["url"] == server.base + EPOCH_PATH


def test_open_weights_are_unknown_unless_a_source_says(tmp_path: Path) -> None:
    path = tmp_path / "models.csv"
    models = [
        Model("deepseek-v3.2", "DeepSeek V3.2", "DeepSeek"),
        Model("gpt-5.4-std", "GPT-5.4 std", "OpenAI", open_weights=False),
        Model("glm-5.1", "GLM-5.1", "Zhipu", open_weights=True, hf_repo="zai-org/GLM-5.1"),
    ]
    write_models(path, models)
    cells = {line.split(",")[0]: line.split(",")[7] for line in path.read_text().splitlines()[1:]}
    assert cells == {"deepseek-v3.2": "", "glm-5.1": "true", "gpt-5.4-std": "false"}
    assert [m.open_weights for m in read_models(path)] == [None, True, False]
