"""Shared fixtures: a throw-away copy of the project's data so no test touches the real data/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tracker.paths import Paths

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def project(tmp_path: Path) -> Paths:
    """A project root with the frozen panel, the identity table and the registered predictions,
    and no tracked observations: the papers' data alone."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "data" / "frozen", root / "data" / "frozen")
    shutil.copy(REPO / "data" / "models.csv", root / "data" / "models.csv")
    shutil.copytree(REPO / "predictions", root / "predictions")
    return Paths(root)
