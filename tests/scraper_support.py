"""Helpers for the scraper tests: the recorded fixtures and a fresh data/ to merge into."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import zipfile
from pathlib import Path

import yaml

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
EPOCH_SNAPSHOTS = ("2025-11-01", "2026-01-20", "2026-03-12")
SWEBENCH_SNAPSHOTS = ("2025-11-19", "2025-12-02")


def fixture(*parts: str) -> bytes:
    """Bytes of a recorded fixture under tests/fixtures."""
    return FIXTURES.joinpath(*parts).read_bytes()


def gz_fixture(*parts: str) -> bytes:
    """Bytes of a recorded fixture stored gzip-compressed (`<name>.gz`; the content is the record)."""
    *folders, name = parts
    return gzip.decompress(FIXTURES.joinpath(*folders, name + ".gz").read_bytes())


def zip_member(archive: bytes, name: str) -> bytes:
    """One file of a recorded bundle (the HELM and LLMStats fixtures are zips of the recorded files)."""
    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        return bundle.read(name)


def helm_zip() -> bytes:
    """The 61 recorded HELM Capabilities records of 2026-01-05, as `<developer>/<model>/<uuid>.json`."""
    return fixture("helm-capabilities", "2026-01-05.zip")


def llmstats_zip() -> bytes:
    """The 35 recorded LLMStats model files, as `LLMStats-main/models/<org>/<model>/model.json`."""
    return fixture("llmstats", "2025-05-22.zip")


def epoch_zip() -> bytes:
    return fixture("epoch", "2026-04-11", "benchmark_data.zip")


def swebench_json(day: str = "2025-12-02") -> bytes:
    return fixture("swe-bench", day, "leaderboards.json")


def hub_model_objects() -> list[dict]:
    """The real Hub model objects recorded in the cassettes (full info and expand-only ones)."""
    objects = []
    for path in sorted((FIXTURES / "hf-hub").glob("*.yaml")):
        for interaction in yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]:
            uri = interaction["request"]["uri"]
            body = interaction["response"]["body"]["string"]
            if "huggingface.co/api/models/" in uri and interaction["response"]["status"]["code"] == 200:
                objects.append(json.loads(body))
    return objects


def fresh_root(tmp_path: Path) -> Path:
    """A project root with the committed identity table and frozen panel, and nothing else."""
    root = tmp_path / "repo"
    (root / "data" / "frozen").mkdir(parents=True)
    for name in ("panel.csv", "core_subset.csv"):
        shutil.copy(REPO / "data" / "frozen" / name, root / "data" / "frozen" / name)
    shutil.copy(REPO / "tests" / "fixtures" / "scrapers" / "models_seed.csv", root / "data" / "models.csv")
    return root
