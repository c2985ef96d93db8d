"""Shared fixtures, named for the world they build, always a throw-away copy so no test touches data/.

`project` (the papers' data and the registry), `empty_project`, `registered_project` (empty data/
and the registry), `identity_project` (identity table and frozen panel), the site's
`site_project`/`site_collected`/`built_site`, and the steering tests' `tok`, `lm` and
`one_torch_thread`. A fixture that only one module needs stays in that module, under a name that
says what it holds (`decided_project`, `ledger_project`, `crawled_project`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tracker.paths import Paths

# torch's OpenMP threads busy-wait between operations by default; when the 2 cores are shared
# (another test run, a background job) that makes small forward passes 5-30x slower. Must be set
# before torch is first imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

LONGEST_FIRST = (
    "test_steering_smollm2.py",
    "test_season.py",
    "test_steering_protocol.py",
    "test_pipeline_runs.py",
    "test_crash_boundaries.py",
    "test_daemon.py",
    "test_steering_mechanics.py",
    "test_site_build.py",
)
"""Test files by duration, longest first (measured with --durations): `make test` hands whole
files to its workers in collection order, so these start first and the short ones fill in."""

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Collect the longest files first (LONGEST_FIRST); the rest keep their order."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture
def project(tmp_path: Path) -> Paths:
    """A project root with the frozen panel, the identity table and the registered predictions,
    and no tracked observations: the papers' data alone."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "data" / "frozen", root / "data" / "frozen")
    shutil.copy(REPO / "data" / "models.csv", root / "data" / "models.csv")
    shutil.copytree(REPO / "predictions", root / "predictions")
    return Paths(root)


@pytest.fixture
def empty_project(tmp_path: Path) -> Paths:
    """A project root holding an empty data/ and nothing else."""
    (tmp_path / "data").mkdir()
    return Paths(tmp_path)


@pytest.fixture
def registered_project(tmp_path: Path) -> Paths:
    """An empty data/ beside the registered predictions and their lock (what a run verifies first)."""
    from pipeline_support import copy_registry

    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    return copy_registry(root)


@pytest.fixture
def identity_project(tmp_path: Path) -> Paths:
    """The identity table of the scraper fixtures and the frozen panel: what a merge resolves against."""
    from scraper_support import fresh_root

    return Paths(fresh_root(tmp_path))


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Tiny models are dominated by per-op overhead, where a second thread only adds spin-waits
    (badly so when other processes share the cores)."""
    import torch  # only the steering tests that ask for it pay for importing torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tok():
    """The tiny word-level tokenizer of tests/steering_support.py."""
    from steering_support import tiny_tokenizer

    return tiny_tokenizer()


@pytest.fixture(scope="module")
def lm(tok):
    """A tiny randomly initialised causal LM over `tok`, wrapped as the protocol loads models."""
    from steering_support import tiny_lm

    return tiny_lm(tok)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """One httpx client for the tests' loopback servers (GitHub fake, webhook receiver)."""
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture(scope="session")
def site_project(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """A project root with tracked data and hostile strings, for the site tests (built once)."""
    from site_support import make_site_project

    return make_site_project(tmp_path_factory.mktemp("site-project"))


@pytest.fixture(scope="session")
def site_collected(site_project: Paths):
    """Everything the site shows for `site_project` as of its test day (collected once)."""
    from site_support import AS_OF

    from tracker.site.data import collect

    return collect(site_project, AS_OF)


@pytest.fixture(scope="session")
def built_site(site_project: Paths, site_collected, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of `site_project` as of its test day, built once per session."""
    from tracker.site.builder import build_from_data

    out = tmp_path_factory.mktemp("site") / "_site"
    return build_from_data(site_collected, site_project.site_templates, out).out_dir
