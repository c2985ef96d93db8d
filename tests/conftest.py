"""Shared fixtures: a throw-away copy of the project's data so no test touches the real data/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tracker.paths import Paths

# torch's OpenMP threads busy-wait between operations by default; when the 2 cores are shared
# (another test run, a background job) that makes small forward passes 5-30x slower. Must be set
# before torch is first imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Under pytest-xdist (`make test`: one worker per core) each worker's torch gets its share of the
# cores instead of one thread per core in every worker, which oversubscribes them.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // _WORKERS)))

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
